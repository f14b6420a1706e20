// A signed-in API client for preparing browser tests (Node's fetch, with
// the session cookie and the CSRF token, as the interface sends them).
export async function apiSession(server, email, password) {
	const res = await fetch(server.url + '/api/v1/auth/login', {
		method: 'POST',
		headers: { 'Content-Type': 'application/json', Origin: server.url },
		body: JSON.stringify({ email, password })
	});
	if (!res.ok) throw new Error(`login ${email}: ${res.status}`);
	const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
	const { csrf_token: csrf } = await res.json();
	async function call(method, path, body) {
		const r = await fetch(server.url + path, {
			method,
			headers: { 'Content-Type': 'application/json', Origin: server.url, Cookie: cookie, 'X-CSRF-Token': csrf },
			body: body === undefined ? undefined : JSON.stringify(body)
		});
		const text = await r.text();
		return { status: r.status, body: text ? JSON.parse(text) : null };
	}
	return { call };
}

/** Code-point offset of `needle` in `text` (the API's unit). */
export function cpIndex(text, needle) {
	const i = text.indexOf(needle);
	if (i < 0) throw new Error(`${needle} not in ${text}`);
	return Array.from(text.slice(0, i)).length;
}
