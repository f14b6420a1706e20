/** The values of the release creation form. */
export type ReleaseFields = {
	version: string;
	title: string;
	changelog: string;
	visibility: 'public' | 'restricted';
	train: number;
	dev: number;
	test: number;
	limitations: string;
};
