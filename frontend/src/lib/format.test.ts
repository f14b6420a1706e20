import { describe, expect, it } from 'vitest';
import { locale } from 'svelte-i18n';
import { formatBytes } from './format';

describe('formatBytes', () => {
	it('speaks French by default', () => {
		locale.set('fr');
		expect(formatBytes(0)).toBe('0\u00a0o');
		expect(formatBytes(1234)).toBe('1,2\u00a0ko');
		expect(formatBytes(29_440_000)).toBe('29,4\u00a0Mo');
		expect(formatBytes(340_000)).toBe('340\u00a0ko');
	});
	it('and English when asked', () => {
		locale.set('en');
		expect(formatBytes(1234)).toBe('1.2\u00a0kB');
	});
});
