/**
 * Number and size formatting in the interface's language (French spaces
 * between thousands, "Mo" rather than "MB").
 */
import { get } from 'svelte/store';
import { locale } from 'svelte-i18n';

/** A byte count for people: 1,2 Mo, 340 ko. */
export function formatBytes(n: number): string {
	const fr = (get(locale) ?? 'fr').startsWith('fr');
	const units = fr ? ['o', 'ko', 'Mo', 'Go'] : ['B', 'kB', 'MB', 'GB'];
	let i = 0;
	let v = n;
	while (v >= 1000 && i < units.length - 1) {
		v /= 1000;
		i++;
	}
	const digits = i === 0 || v >= 100 ? 0 : 1;
	return new Intl.NumberFormat(fr ? 'fr-FR' : 'en-GB', { maximumFractionDigits: digits }).format(v) + '\u00a0' + units[i];
}

/** A date for people (28 novembre 2026). */
export function formatDate(iso: string | null | undefined): string {
	if (!iso) return '';
	const fr = (get(locale) ?? 'fr').startsWith('fr');
	return new Intl.DateTimeFormat(fr ? 'fr-FR' : 'en-GB', { dateStyle: 'long' }).format(new Date(iso));
}
