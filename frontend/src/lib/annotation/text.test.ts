import { describe, expect, it } from 'vitest';
import { codePoints, snap, spanText, tokenize, utf16ToCodePoints, stepWord, wordAt } from './text';
import { checkPair, copiesText } from './checks';

describe('tokenize and snap', () => {
	const text = 'L’État a versé 14,2 milliards d’euros en 2003.';
	const tokens = tokenize(text);

	it('keeps elisions and hyphenated words whole', () => {
		const words = tokens.filter((t) => t.word).map((t) => t.text);
		expect(words).toEqual(['L’État', 'a', 'versé', '14', '2', 'milliards', 'd’euros', 'en', '2003']);
		expect(tokenize('Jean-Marc arrive.').filter((t) => t.word)[0].text).toBe('Jean-Marc');
	});

	it('snaps a partial selection to whole words without edge punctuation', () => {
		const start = text.indexOf('4,2');
		const s = snap(tokens, { start, end: text.indexOf('illiards') + 3 });
		expect(s && spanText(text, s)).toBe('14,2 milliards');
		const end = codePoints(text).length;
		const t = snap(tokens, { start: text.indexOf(' 2003') - 1, end });
		expect(t && spanText(text, t)).toBe('en 2003');
		expect(snap(tokens, { start: text.indexOf(' '), end: text.indexOf(' ') + 1 })).toBeNull();
	});

	it('counts code points, not UTF-16 units, before the span', () => {
		const t2 = 'Le 🎉 festival de Montre\u0301al commence.';
		const toks = tokenize(t2);
		const i = wordAt(toks, 0);
		const festival = stepWord(toks, i, 1);
		expect(toks[festival].text).toBe('festival');
		// The emoji is one code point (two UTF-16 units).
		expect(toks[festival].start).toBe(5);
		expect(utf16ToCodePoints(t2, t2.indexOf('festival'))).toBe(5);
		// The decomposed é is two code points and stays inside the word.
		expect(toks.find((t) => t.text.startsWith('Montre'))?.text).toBe('Montre\u0301al');
	});
});

describe('gentle checks', () => {
	const paragraph = 'La carte nationale d’identité permet de prouver son identité dans toute l’Union européenne.';
	it('flags short questions, missing question marks and long answers', () => {
		expect(checkPair('Quoi', 'identité', paragraph, [])).toEqual(expect.arrayContaining(['short', 'no_question_mark']));
		expect(checkPair('À quoi sert la carte d’identité ?', 'prouver son identité', paragraph, [])).toEqual([]);
		expect(checkPair('Que permet-elle ?', 'a b c d e f g h i j k l m n o p', paragraph, [])).toContain('long_answer');
	});
	it('flags questions copied from the text and duplicates', () => {
		expect(copiesText('La carte nationale d’identité permet de prouver quoi ?', paragraph)).toBe(true);
		expect(copiesText('À quoi sert la carte d’identité ?', paragraph)).toBe(false);
		expect(checkPair('À quoi sert la carte ?', 'x', paragraph, ['à quoi sert la CARTE'])).toContain('duplicate');
	});
});
