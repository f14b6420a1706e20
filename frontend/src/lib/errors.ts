/**
 * Turns API error answers into translated messages: a known error code has
 * its own message, a refused field its own explanation.
 */
import { get } from 'svelte/store';
import { _ } from 'svelte-i18n';
import { errorCode, fieldErrors } from './api/client';

function translate(key: string, fallback: string): string {
	const t = get(_);
	const v = t(key);
	return v === key ? t(fallback) : v;
}

/** A message for the error as a whole. */
export function errorMessage(error: unknown): string {
	return translate(`apiErrors.${errorCode(error)}`, 'apiErrors.generic');
}

/** A message per refused field. */
export function fieldMessages(error: unknown): Record<string, string> {
	const out: Record<string, string> = {};
	for (const field of Object.keys(fieldErrors(error))) {
		out[field] = translate(`fields.${field}`, 'fields.generic');
	}
	return out;
}
