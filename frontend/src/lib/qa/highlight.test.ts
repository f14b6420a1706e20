import { describe, expect, it } from 'vitest';
import { highlight, highlightText } from './highlight';

describe('highlight', () => {
	it('counts code points, not UTF-16 units', () => {
		const passage = 'L’hôpital d’Évry 🏥 a été fondé en 1872.';
		const start = Array.from(passage).indexOf('1');
		const h = highlight(passage, start, start + 4);
		expect(h.answer).toBe('1872');
		expect(h.before).toBe('L’hôpital d’Évry 🏥 a été fondé en ');
		expect(h.after).toBe('.');
	});
	it('clamps offsets out of range', () => {
		expect(highlight('abc', 2, 10)).toEqual({ before: 'ab', answer: 'c', after: '' });
		expect(highlight('abc', -1, 1)).toEqual({ before: '', answer: 'a', after: 'bc' });
	});
});

describe('highlightText', () => {
	it('finds the answer, or highlights nothing', () => {
		expect(highlightText('Le passeport coûte 86 €.', '86 €')).toEqual({ before: 'Le passeport coûte ', answer: '86 €', after: '.' });
		expect(highlightText('Le passeport', '')).toEqual({ before: 'Le passeport', answer: '', after: '' });
		expect(highlightText('Le passeport', 'visa')).toEqual({ before: 'Le passeport', answer: '', after: '' });
	});
});
