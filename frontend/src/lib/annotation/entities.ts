/**
 * Entity annotation logic, free of the DOM: tokens to snap selections to,
 * the list of labelled spans being edited (the model's proposals until the
 * annotator accepts them), the pieces a passage is drawn from, label keys
 * and colours. Offsets are Unicode code points, end exclusive, as in the
 * API: a passage is handled as an array of code points (Array.from), never
 * by JavaScript (UTF-16) string index, so emoji, typographic apostrophes,
 * non-breaking spaces and accents never shift an offset.
 */
import { codePoints, tokenize as qaTokenize, type Token } from './text';

export type { Token };

/** Articles and conjunctions elided before a name: d’Orléans, l’Yonne. */
const elisions = new Set(['l', 'd', 'j', 'm', 'n', 's', 't', 'c', 'qu', 'jusqu', 'lorsqu', 'puisqu', 'quoiqu', 'presqu']);
const apostrophe = /['’]/u;

/**
 * Cuts a passage into words and the characters between them, as the QA
 * tokenizer does (hyphenated names stay whole: Jean-Marc, Saint-Étienne),
 * but an elided article is its own word so that « d’Orléans » can be
 * annotated « Orléans ».
 */
export function tokenize(text: string): Token[] {
	const out: Token[] = [];
	for (const t of qaTokenize(text)) {
		if (!t.word) {
			out.push(t);
			continue;
		}
		const cps = codePoints(t.text);
		const i = cps.findIndex((c) => apostrophe.test(c));
		if (i > 0 && i < cps.length - 1 && elisions.has(cps.slice(0, i).join('').toLowerCase())) {
			out.push({ start: t.start, end: t.start + i + 1, text: cps.slice(0, i + 1).join(''), word: true });
			out.push({ start: t.start + i + 1, end: t.end, text: cps.slice(i + 1).join(''), word: true });
		} else out.push(t);
	}
	return out;
}

/** A labelled span being edited. pending: a model proposal not yet accepted. */
export type EntitySpan = {
	start: number;
	end: number;
	label: string;
	origin: 'model' | 'human';
	pending: boolean;
	score?: number;
	source?: string;
};

export type PreSpan = { start: number; end: number; label: string; score: number; source: string };

/** The model's proposals as pending spans, sorted, overlaps dropped. */
export function fromPre(pre: PreSpan[]): EntitySpan[] {
	let out: EntitySpan[] = [];
	for (const p of [...pre].sort((a, b) => a.start - b.start)) {
		if (p.end <= p.start) continue;
		if (out.some((s) => overlaps(s, p))) continue;
		out = [...out, { start: p.start, end: p.end, label: p.label, origin: 'model', pending: true, score: p.score, source: p.source }];
	}
	return out;
}

/** Spans already stored (a review), all accepted. */
export function fromStored(spans: { start: number; end: number; label: string; origin?: 'model' | 'human' }[]): EntitySpan[] {
	return [...spans].sort((a, b) => a.start - b.start).map((s) => ({ start: s.start, end: s.end, label: s.label, origin: s.origin ?? 'human', pending: false }));
}

export function overlaps(a: { start: number; end: number }, b: { start: number; end: number }): boolean {
	return a.start < b.end && b.start < a.end;
}

/** Index of the span covering code point cp, or -1. */
export function spanAt(spans: EntitySpan[], cp: number): number {
	return spans.findIndex((s) => s.start <= cp && cp < s.end);
}

/**
 * Labels a range: a span with exactly these bounds changes label (and is
 * accepted); otherwise the new span replaces any span it overlaps.
 * Returns the new list, sorted, and the new span's index.
 */
export function applyLabel(spans: EntitySpan[], range: { start: number; end: number }, label: string): { spans: EntitySpan[]; index: number } {
	const same = spans.findIndex((s) => s.start === range.start && s.end === range.end);
	if (same >= 0) {
		const s = spans[same];
		const next = [...spans];
		next[same] = { ...s, label, pending: false, origin: s.origin === 'model' && s.label === label ? 'model' : s.origin };
		return { spans: next, index: same };
	}
	const kept = spans.filter((s) => !overlaps(s, range));
	const added: EntitySpan = { start: range.start, end: range.end, label, origin: 'human', pending: false };
	const out = [...kept, added].sort((a, b) => a.start - b.start);
	return { spans: out, index: out.indexOf(added) };
}

export function accept(spans: EntitySpan[], i: number): EntitySpan[] {
	return spans.map((s, j) => (j === i ? { ...s, pending: false } : s));
}

export function acceptAll(spans: EntitySpan[]): EntitySpan[] {
	return spans.map((s) => ({ ...s, pending: false }));
}

export function remove(spans: EntitySpan[], i: number): EntitySpan[] {
	return spans.filter((_, j) => j !== i);
}

/** What is sent to the API: accepted spans only. */
export function toSubmit(spans: EntitySpan[]): { start: number; end: number; label: string; origin: 'model' | 'human' }[] {
	return spans.filter((s) => !s.pending).map((s) => ({ start: s.start, end: s.end, label: s.label, origin: s.origin }));
}

/** A piece of the passage: text between two boundaries, in at most one span. */
export type Piece = { start: number; end: number; text: string; word: boolean; span: number };
/** A run of pieces: either outside any span, or one whole span. */
export type Run = { span: number; start: number; end: number; pieces: Piece[] };

/**
 * Cuts a passage into the runs it is drawn with: every token boundary and
 * every span boundary is a cut, so a proposal that starts inside a word
 * is still drawn exactly; each span is one run.
 */
export function runs(text: string, tokens: Token[], spans: EntitySpan[]): Run[] {
	const cps = codePoints(text);
	const cuts = new Set<number>([0, cps.length]);
	for (const t of tokens) cuts.add(t.start);
	for (const s of spans) {
		cuts.add(Math.max(0, Math.min(cps.length, s.start)));
		cuts.add(Math.max(0, Math.min(cps.length, s.end)));
	}
	const sorted = [...cuts].sort((a, b) => a - b);
	const out: Run[] = [];
	let t = 0;
	for (let k = 0; k + 1 < sorted.length; k++) {
		const [a, b] = [sorted[k], sorted[k + 1]];
		if (a === b) continue;
		while (t < tokens.length && tokens[t].end <= a) t++;
		const word = t < tokens.length && tokens[t].start <= a && tokens[t].word;
		const span = spanAt(spans, a);
		const piece: Piece = { start: a, end: b, text: cps.slice(a, b).join(''), word, span };
		const last = out[out.length - 1];
		if (last && last.span === span) {
			last.pieces.push(piece);
			last.end = b;
		} else out.push({ span, start: a, end: b, pieces: [piece] });
	}
	return out;
}

/** Keys that apply a label: 1–9, 0, then letters, in the labels' order. */
export function labelKeys(labels: string[]): Record<string, string> {
	const keys = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0', 'q', 'w', 'e', 'r', 't', 'y', 'u', 'i', 'o', 'p'];
	const out: Record<string, string> = {};
	labels.forEach((l, i) => {
		if (i < keys.length) out[keys[i]] = l;
	});
	return out;
}

/** The key of a label (the inverse of labelKeys). */
export function keyOf(labels: string[], label: string): string {
	return Object.entries(labelKeys(labels)).find(([, l]) => l === label)?.[0] ?? '';
}

/**
 * Light backgrounds with a dark border per label (text stays the default
 * dark grey: every pair passes WCAG AA); the label is also written beside
 * each span, so colour is never the only cue.
 */
const palette = ['#fde2e1', '#dbeafe', '#dcfce7', '#fef3c7', '#ede9fe', '#fce7f3', '#cffafe', '#ffedd5', '#e0e7ff', '#f3e8ff', '#ecfccb', '#fee2e2', '#e2e8f0', '#d1fae5', '#fae8ff'];
const borders = ['#b91c1c', '#1d4ed8', '#15803d', '#a16207', '#6d28d9', '#be185d', '#0e7490', '#c2410c', '#4338ca', '#7e22ce', '#4d7c0f', '#991b1b', '#334155', '#047857', '#a21caf'];

export function labelColor(labels: string[], label: string): { background: string; border: string } {
	const i = Math.max(0, labels.indexOf(label)) % palette.length;
	return { background: palette[i], border: borders[i] };
}

/** The text of a range. */
export function textOf(text: string, s: { start: number; end: number }): string {
	return codePoints(text).slice(s.start, s.end).join('');
}

/** Word token index containing or following cp (or the last word). */
export function wordIndexAt(tokens: Token[], cp: number): number {
	const i = tokens.findIndex((t) => t.word && t.end > cp);
	if (i >= 0) return i;
	for (let j = tokens.length - 1; j >= 0; j--) if (tokens[j].word) return j;
	return -1;
}

/** Code-point index → UTF-16 index of a string (for native selections and copies). */
export function cpToUtf16(text: string, cp: number): number {
	let u = 0;
	let i = 0;
	for (const c of text) {
		if (i === cp) return u;
		u += c.length;
		i++;
	}
	return u;
}
