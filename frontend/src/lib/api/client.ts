/**
 * The one typed API client. Its types are generated from the OpenAPI
 * document the backend serves (`make api` regenerates schema.d.ts), so a
 * change of the API that the interface does not follow fails the type check.
 */
import createClient from 'openapi-fetch';
import type { paths } from './schema';

export const api = createClient<paths>({ baseUrl: '', credentials: 'same-origin' });
