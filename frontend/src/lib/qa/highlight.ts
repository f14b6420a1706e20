/**
 * Splits a passage around an answer given in Unicode code points (the
 * offsets the API sends), so that the page can wrap the answer in <mark>.
 * JavaScript strings count UTF-16 units: an emoji before the answer would
 * shift a naive slice by one, hence the code-point arrays.
 */
export type Highlighted = { before: string; answer: string; after: string };

export function highlight(passage: string, start: number, end: number): Highlighted {
	const cps = Array.from(passage);
	const s = Math.max(0, Math.min(start, cps.length));
	const e = Math.max(s, Math.min(end, cps.length));
	return { before: cps.slice(0, s).join(''), answer: cps.slice(s, e).join(''), after: cps.slice(e).join('') };
}

/**
 * Splits a passage around the first occurrence of an answer's text, for
 * feedback rows, which keep the answer but not its offsets. An empty or
 * absent answer highlights nothing.
 */
export function highlightText(passage: string, answer: string): Highlighted {
	const i = answer ? passage.indexOf(answer) : -1;
	if (i < 0) return { before: passage, answer: '', after: '' };
	return { before: passage.slice(0, i), answer, after: passage.slice(i + answer.length) };
}
