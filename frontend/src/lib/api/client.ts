/**
 * The one typed API client. Its types are generated from the OpenAPI
 * document the backend serves (`make api` regenerates schema.d.ts), so a
 * change of the API that the interface does not follow fails the type check.
 * State-changing requests carry the session's CSRF token.
 */
import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];
export type Profile = Schemas['AuthProfile'];
export type SessionInfo = Schemas['AuthSessionInfo'];
export type ErrorBody = Schemas['ApiErrorBody'];

let csrfToken = '';

/** Remembers the CSRF token of the current session. */
export function setCSRFToken(token: string | undefined): void {
	csrfToken = token ?? '';
}

const csrf: Middleware = {
	onRequest({ request }) {
		if (csrfToken && !['GET', 'HEAD', 'OPTIONS'].includes(request.method)) {
			request.headers.set('X-CSRF-Token', csrfToken);
		}
		return request;
	}
};

export const api = createClient<paths>({ baseUrl: '', credentials: 'same-origin' });
api.use(csrf);

/** Field errors of a 422 answer, by field name. */
export function fieldErrors(error: unknown): Record<string, string> {
	const out: Record<string, string> = {};
	const fields = (error as ErrorBody | undefined)?.error?.details?.fields;
	if (Array.isArray(fields)) {
		for (const f of fields as { field: string; reason: string }[]) out[f.field] ??= f.reason;
	}
	return out;
}

/** The stable error code of an error answer, or 'network' when none came. */
export function errorCode(error: unknown): string {
	return (error as ErrorBody | undefined)?.error?.code ?? 'network';
}
