import { describe, expect, it } from 'vitest';
import { snap } from './text';
import { acceptAll, accept, applyLabel, cpToUtf16, fromPre, keyOf, labelKeys, remove, runs, spanAt, textOf, toSubmit, tokenize, wordIndexAt } from './entities';

// An emoji (two UTF-16 units, one code point), typographic apostrophes,
// non-breaking spaces and accents: offsets must stay code points.
const text = '😀 M. Jean-Marc Dubois, demeurant à Saint-Étienne, écrit d’Orléans à claire.fontaine@avocats.fr le 4\u00a0mars.';
const cp = (needle: string) => Array.from(text.slice(0, text.indexOf(needle))).length;
const at = (needle: string) => ({ start: cp(needle), end: cp(needle) + Array.from(needle).length });

describe('tokenize', () => {
	const words = tokenize(text).filter((t) => t.word).map((t) => t.text);
	it('keeps hyphenated names whole and splits elided articles', () => {
		expect(words).toContain('Jean-Marc');
		expect(words).toContain('Saint-Étienne');
		expect(words).toContain('d’');
		expect(words).toContain('Orléans');
		expect(tokenize('l’Yonne et aujourd’hui').filter((t) => t.word).map((t) => t.text)).toEqual(['l’', 'Yonne', 'et', 'aujourd’hui']);
	});
	it('counts offsets in code points', () => {
		const t = tokenize(text).find((t) => t.text === 'Jean-Marc')!;
		expect(t.start).toBe(cp('Jean-Marc'));
		expect(textOf(text, t)).toBe('Jean-Marc');
		const o = tokenize(text).find((t) => t.text === 'Orléans')!;
		expect(textOf(text, o)).toBe('Orléans');
	});
	it('snaps a drag over part of « d’Orléans » to the name', () => {
		const s = snap(tokenize(text), { start: cp('Orléans') + 2, end: cp('Orléans') + 4 });
		expect(s && textOf(text, s)).toBe('Orléans');
		const two = snap(tokenize(text), { start: cp('Jean') + 1, end: cp('Dubois') + 2 });
		expect(two && textOf(text, two)).toBe('Jean-Marc Dubois');
	});
});

describe('editing spans', () => {
	const pre = [
		{ ...at('Saint-Étienne'), label: 'LOC', score: 0.91, source: 'model' },
		{ ...at('Jean-Marc Dubois'), label: 'PER', score: 0.98, source: 'model' },
		{ ...at('Marc'), label: 'PER', score: 0.3, source: 'model' }
	];
	it('takes proposals as pending, sorted, without overlaps', () => {
		const s = fromPre(pre);
		expect(s.map((x) => textOf(text, x))).toEqual(['Jean-Marc Dubois', 'Saint-Étienne']);
		expect(s.every((x) => x.pending && x.origin === 'model')).toBe(true);
		expect(toSubmit(s)).toEqual([]);
	});
	it('accepts, relabels, adds over overlaps and deletes', () => {
		let s = accept(fromPre(pre), 0);
		expect(toSubmit(s)).toEqual([{ ...at('Jean-Marc Dubois'), label: 'PER', origin: 'model' }]);
		// Relabelling a proposal accepts it.
		s = applyLabel(s, at('Saint-Étienne'), 'ORG').spans;
		expect(s[1]).toMatchObject({ label: 'ORG', pending: false });
		// A new span over part of an existing one replaces it.
		const r = applyLabel(s, at('Dubois'), 'PER');
		expect(r.spans.map((x) => textOf(text, x))).toEqual(['Dubois', 'Saint-Étienne']);
		expect(r.spans[r.index]).toMatchObject({ origin: 'human', pending: false });
		s = remove(r.spans, 1);
		expect(toSubmit(s)).toEqual([{ ...at('Dubois'), label: 'PER', origin: 'human' }]);
		expect(acceptAll(fromPre(pre)).every((x) => !x.pending)).toBe(true);
		expect(spanAt(s, cp('Dubois') + 1)).toBe(0);
		expect(spanAt(s, cp('Jean'))).toBe(-1);
	});
});

describe('runs', () => {
	it('draws every code point once, each span as one run, even inside a word', () => {
		const tokens = tokenize(text);
		const spans = fromPre([
			{ ...at('Jean-Marc Dubois'), label: 'PER', score: 1, source: 'rules' },
			{ start: cp('avocats') + 2, end: cp('avocats') + 4, label: 'ORG', score: 0.2, source: 'model' }
		]);
		const rs = runs(text, tokens, spans);
		expect(rs.flatMap((r) => r.pieces.map((p) => p.text)).join('')).toBe(text);
		const marked = rs.filter((r) => r.span >= 0);
		expect(marked.map((r) => r.pieces.map((p) => p.text).join(''))).toEqual(['Jean-Marc Dubois', 'oc']);
		for (const r of rs) for (const p of r.pieces) expect(textOf(text, p)).toBe(p.text);
	});
});

describe('keys and conversions', () => {
	it('gives each label a key', () => {
		const labels = ['PER', 'LOC', 'ORG', 'MISC', 'ADDRESS', 'EMAIL', 'PHONE', 'IBAN', 'NIR', 'SIREN', 'SIRET'];
		expect(labelKeys(labels)['1']).toBe('PER');
		expect(labelKeys(labels)['0']).toBe('SIREN');
		expect(keyOf(labels, 'SIRET')).toBe('q');
	});
	it('converts code points to UTF-16 indexes', () => {
		expect(cpToUtf16(text, cp('M.'))).toBe(text.indexOf('M.'));
		expect(cpToUtf16(text, Array.from(text).length)).toBe(text.length);
		expect(wordIndexAt(tokenize(text), 0)).toBe(1);
	});
});
