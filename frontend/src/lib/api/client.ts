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
// Settled once the session (and its token) is first known: a page opened
// directly may send a state-changing request before the layout's session
// request has answered, and must then wait for the token rather than be
// refused.
let sessionKnown: () => void;
const sessionReady = new Promise<void>((resolve) => (sessionKnown = resolve));

/** Remembers the CSRF token of the current session. */
export function setCSRFToken(token: string | undefined): void {
	csrfToken = token ?? '';
	sessionKnown();
}

const csrf: Middleware = {
	async onRequest({ request, schemaPath }) {
		if (!['GET', 'HEAD', 'OPTIONS'].includes(request.method)) {
			// Signing in needs no token; everything else waits for the session.
			if (!csrfToken && schemaPath !== '/api/v1/auth/login' && schemaPath !== '/api/v1/auth/signup') {
				await Promise.race([sessionReady, new Promise((resolve) => setTimeout(resolve, 5000))]);
			}
			if (csrfToken) request.headers.set('X-CSRF-Token', csrfToken);
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
