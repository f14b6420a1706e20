/** Conversions between the campaign form and the API. */
import type { Schemas } from '$lib/api/client';
import type { CampaignFields } from '$lib/components/CampaignForm.svelte';

export function emptyFields(): CampaignFields {
	return {
		kind: 'qa',
		title: '',
		description: '',
		guidelines: '',
		questions_per_paragraph: '5',
		answers_per_question: '3',
		themes: '',
		license: 'Licence Ouverte 2.0',
		audience: 'everyone'
	};
}

export function fieldsOf(c: Schemas['CorpusCampaignView']): CampaignFields {
	return {
		kind: c.kind,
		title: c.title,
		description: c.description,
		guidelines: c.guidelines_markdown ?? '',
		questions_per_paragraph: String(c.questions_per_paragraph),
		answers_per_question: String(c.answers_per_question),
		themes: c.themes.join(', '),
		license: c.license,
		audience: c.audience
	};
}

export function bodyOf(f: CampaignFields) {
	return {
		title: f.title,
		description: f.description,
		guidelines: f.guidelines,
		questions_per_paragraph: Number(f.questions_per_paragraph) || 0,
		answers_per_question: Number(f.answers_per_question) || 0,
		themes: f.themes
			.split(',')
			.map((t) => t.trim())
			.filter(Boolean),
		license: f.license,
		audience: f.audience
	};
}
