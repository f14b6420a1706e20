import { describe, expect, it } from 'vitest';
import fr from './fr.json';
import en from './en.json';
import { initialLocale, isLocale } from './index';

/** Lists every leaf key of a nested message catalogue, e.g. "home.title". */
function keys(obj: Record<string, unknown>, prefix = ''): string[] {
	return Object.entries(obj).flatMap(([k, v]) =>
		v !== null && typeof v === 'object'
			? keys(v as Record<string, unknown>, `${prefix}${k}.`)
			: [`${prefix}${k}`]
	);
}

/** Placeholders such as {version} used by a message. */
function placeholders(msg: string): string[] {
	return [...msg.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
}

function leaf(obj: Record<string, unknown>, key: string): string {
	return key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], obj) as string;
}

describe('message catalogues', () => {
	it('have the same keys in French and English', () => {
		const frKeys = keys(fr).sort();
		const enKeys = keys(en).sort();
		expect(frKeys.filter((k) => !enKeys.includes(k))).toEqual([]);
		expect(enKeys.filter((k) => !frKeys.includes(k))).toEqual([]);
	});

	it('use the same placeholders in both languages', () => {
		for (const k of keys(fr)) {
			expect(placeholders(leaf(en, k)), k).toEqual(placeholders(leaf(fr, k)));
		}
	});

	it('have no empty message', () => {
		for (const k of keys(fr)) expect(leaf(fr, k).trim(), k).not.toBe('');
		for (const k of keys(en)) expect(leaf(en, k).trim(), k).not.toBe('');
	});
});

describe('locale choice', () => {
	it('defaults to French and keeps a valid stored choice', () => {
		expect(initialLocale(null)).toBe('fr');
		expect(initialLocale('de')).toBe('fr');
		expect(initialLocale('en')).toBe('en');
		expect(isLocale('fr')).toBe(true);
	});
});
