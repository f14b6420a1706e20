/**
 * Drafts of the annotation screen, kept in the browser so that a reload or
 * a lost connection loses nothing. The idempotency key is part of the
 * draft: a submission retried after a network failure cannot create a
 * duplicate.
 */
import type { Span } from './text';

export type DraftPair = { question: string; span: Span };
export type Draft = { pairs: DraftPair[]; question: string; idempotencyKey: string };

const prefix = 'piaf.draft.';

export function newKey(): string {
	return typeof crypto !== 'undefined' && 'randomUUID' in crypto
		? crypto.randomUUID()
		: `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

export function loadDraft(paragraphId: number): Draft {
	try {
		const raw = localStorage.getItem(prefix + paragraphId);
		if (raw) {
			const d = JSON.parse(raw) as Draft;
			if (Array.isArray(d.pairs) && typeof d.idempotencyKey === 'string') return d;
		}
	} catch {
		// A corrupt or unavailable storage starts a new draft.
	}
	return { pairs: [], question: '', idempotencyKey: newKey() };
}

export function saveDraft(paragraphId: number, d: Draft): void {
	try {
		localStorage.setItem(prefix + paragraphId, JSON.stringify(d));
	} catch {
		// Storage full or forbidden: the draft lives in memory only.
	}
}

export function clearDraft(paragraphId: number): void {
	try {
		localStorage.removeItem(prefix + paragraphId);
	} catch {
		// Nothing to clear.
	}
}
