/**
 * Text tools of the annotation screen. Offsets are Unicode code points, as
 * in the API and in SQuAD: a paragraph is handled as an array of code
 * points (Array.from), never as a JavaScript (UTF-16) string index.
 */

export type Token = { start: number; end: number; text: string; word: boolean };

/** A letter or digit of any script (accented letters included). */
const wordChar = /[\p{L}\p{N}\p{M}]/u;
/** Joiners kept inside a word: apostrophes (l’État) and hyphens (Jean-Marc). */
const joiner = /['’\-‐]/u;

export function codePoints(text: string): string[] {
	return Array.from(text);
}

/** Cuts a paragraph into words and the characters between them. */
export function tokenize(text: string): Token[] {
	const cps = codePoints(text);
	const out: Token[] = [];
	let i = 0;
	while (i < cps.length) {
		const start = i;
		if (wordChar.test(cps[i])) {
			i++;
			while (i < cps.length && (wordChar.test(cps[i]) || (joiner.test(cps[i]) && i + 1 < cps.length && wordChar.test(cps[i + 1])))) i++;
			out.push({ start, end: i, text: cps.slice(start, i).join(''), word: true });
		} else {
			i++;
			while (i < cps.length && !wordChar.test(cps[i])) i++;
			out.push({ start, end: i, text: cps.slice(start, i).join(''), word: false });
		}
	}
	return out;
}

export type Span = { start: number; end: number };

/**
 * Snaps a raw selection to whole words: a partly selected word is taken
 * whole, and spaces or punctuation at either end are dropped (inside the
 * span they stay: "14,2 milliards"). Returns null when no word is selected.
 */
export function snap(tokens: Token[], raw: Span): Span | null {
	const a = Math.min(raw.start, raw.end);
	const b = Math.max(raw.start, raw.end);
	const inside = tokens.filter((t) => t.word && t.end > a && t.start < (b === a ? a + 1 : b));
	if (inside.length === 0) return null;
	return { start: inside[0].start, end: inside[inside.length - 1].end };
}

/** The text of a span. */
export function spanText(text: string, span: Span): string {
	return codePoints(text).slice(span.start, span.end).join('');
}

/** Index of the word token containing or following code point cp. */
export function wordAt(tokens: Token[], cp: number): number {
	const i = tokens.findIndex((t) => t.word && t.end > cp);
	return i >= 0 ? i : lastWord(tokens);
}

export function lastWord(tokens: Token[]): number {
	for (let i = tokens.length - 1; i >= 0; i--) if (tokens[i].word) return i;
	return -1;
}

/** Next (dir 1) or previous (dir -1) word token index from i. */
export function stepWord(tokens: Token[], i: number, dir: 1 | -1): number {
	for (let j = i + dir; j >= 0 && j < tokens.length; j += dir) if (tokens[j].word) return j;
	return i;
}

/** Converts a UTF-16 offset within a string to a code-point count. */
export function utf16ToCodePoints(s: string, utf16: number): number {
	return Array.from(s.slice(0, utf16)).length;
}
