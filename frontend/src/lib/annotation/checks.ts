/**
 * Gentle checks run before a pair is added: they warn, the contributor
 * decides (only a duplicate question blocks, as the server refuses it).
 */
export type Warning = 'short' | 'no_question_mark' | 'copy' | 'long_answer' | 'duplicate';

const MIN_WORDS = 3;
const MAX_ANSWER_WORDS = 15;

function words(s: string): string[] {
	return s
		.toLowerCase()
		.normalize('NFC')
		.split(/[^\p{L}\p{N}]+/u)
		.filter(Boolean);
}

/** Folds a question for duplicate detection (letters and digits only). */
export function questionKey(q: string): string {
	return words(q).join('');
}

/**
 * Whether a question copies the paragraph: most of its words (70 %, at
 * least four) appear in a row in the text.
 */
export function copiesText(question: string, paragraph: string): boolean {
	const q = words(question);
	const p = words(paragraph);
	if (q.length < 4) return false;
	let best = 0;
	for (let i = 0; i < p.length; i++) {
		for (let j = 0; j < q.length; j++) {
			let k = 0;
			while (i + k < p.length && j + k < q.length && p[i + k] === q[j + k]) k++;
			best = Math.max(best, k);
		}
	}
	return best >= 4 && best / q.length >= 0.7;
}

export function checkPair(question: string, answer: string, paragraph: string, otherQuestions: string[]): Warning[] {
	const out: Warning[] = [];
	const q = question.trim();
	if (words(q).length < MIN_WORDS) out.push('short');
	if (!/[?？]\s*$/u.test(q)) out.push('no_question_mark');
	if (copiesText(q, paragraph)) out.push('copy');
	if (words(answer).length > MAX_ANSWER_WORDS) out.push('long_answer');
	const key = questionKey(q);
	if (key && otherQuestions.some((o) => questionKey(o) === key)) out.push('duplicate');
	return out;
}

/** Whether a warning forbids adding the pair. */
export function blocking(w: Warning): boolean {
	return w === 'duplicate';
}
