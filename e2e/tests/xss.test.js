// Stored XSS: payloads go through the API into every text field the
// interface renders (paragraph, document title, question, answer, campaign
// title, description and Markdown guidelines, release title and
// changelog, pseudonym), then real pages are visited: no payload runs, no
// dialog opens, the payloads show as text, and the CSP forbids inline
// script.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, signIn } from '../lib/harness.js';
import { apiSession, cpIndex } from '../lib/api.js';

let server;
let browser;

before(async () => {
	server = await startServer();
	browser = await launchBrowser();
});

after(async () => {
	await browser?.close();
	await server?.stop();
});

const IMG = '<img src=x onerror="window.__xss=1;alert(1)">';
const SCRIPT = '<script>window.__xss=1;alert(1)</script>';
const SVG = '"><svg onload=window.__xss=1>';
const JSLINK = '[cliquez ici](javascript:window.__xss=1)';

/** Signs in for a multipart upload (apiSession speaks JSON only). */
async function login(email, password) {
	const res = await fetch(server.url + '/api/v1/auth/login', {
		method: 'POST',
		headers: { 'Content-Type': 'application/json', Origin: server.url },
		body: JSON.stringify({ email, password })
	});
	assert.equal(res.status, 200);
	const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
	return { cookie, csrf: (await res.json()).csrf_token };
}

async function waitJob(session, id) {
	for (let i = 0; i < 300; i++) {
		const { body } = await session.call('GET', `/api/v1/jobs/${id}`);
		if (['succeeded', 'failed', 'cancelled'].includes(body.state)) return body;
		await new Promise((r) => setTimeout(r, 100));
	}
	throw new Error(`job ${id} did not finish`);
}

/** Opens path in page and checks that nothing injected ran. */
async function visit(page, path, what, ...visible) {
	await page.goto(server.url + path);
	for (const text of visible) await page.getByText(text, { exact: false }).first().waitFor();
	// Let late renders (live feed, lazy components) happen.
	await page.waitForTimeout(300);
	assert.equal(await page.evaluate(() => window.__xss), undefined, `a payload ran on ${what}`);
	const injected = await page.evaluate(
		() => document.querySelectorAll('svg[onload], img[onerror], [onerror], [onload]').length + [...document.scripts].filter((s) => s.text.includes('__xss')).length
	);
	assert.equal(injected, 0, `an injected element is in the DOM of ${what}`);
	assert.equal(await page.locator('a[href^="javascript:" i]').count(), 0, `a javascript: link on ${what}`);
}

test('stored payloads in every rendered text field stay text, in a real browser', async () => {
	const admin = await apiSession(server, 'admin@demo.piaf.local', 'demo-admin-mot-de-passe');
	const moderator = await apiSession(server, 'moderation@demo.piaf.local', 'demo-moderation-mot-de-passe');
	const volunteer = await apiSession(server, 'benevole@demo.piaf.local', 'demo-benevole-mot-de-passe');

	// A campaign whose title, description and guidelines carry payloads.
	const title = `Campagne ${SVG}`;
	const description = `Description ${IMG} ${SCRIPT}`;
	const guidelines = `# Consignes\n\n${JSLINK}\n\n${IMG}\n\n${SCRIPT}\n\n<a href="javascript:window.__xss=1">lien brut</a>\n\nTexte ${SVG} fin.`;
	const created = await admin.call('POST', '/api/v1/campaigns', { kind: 'qa', title, description, guidelines, status: 'open' });
	assert.equal(created.status, 201, JSON.stringify(created.body));
	const cid = created.body.id;

	// A paragraph and its document title, imported from a JSONL file.
	const text = `Le guichet ouvre le lundi. Attention : ${IMG} puis ${SCRIPT} et enfin ${SVG} ; la mairie répond aux questions des habitants chaque semaine.`;
	const docTitle = `Document ${IMG}`;
	const { cookie, csrf } = await login('moderation@demo.piaf.local', 'demo-moderation-mot-de-passe');
	const form = new FormData();
	form.append('file', new Blob([JSON.stringify({ title: docTitle, text }) + '\n'], { type: 'application/jsonl' }), 'xss.jsonl');
	form.append('min_length', '20');
	const up = await fetch(`${server.url}/api/v1/campaigns/${cid}/imports`, { method: 'POST', headers: { Origin: server.url, Cookie: cookie, 'X-CSRF-Token': csrf }, body: form });
	const upBody = await up.text();
	assert.equal(up.status, 202, upBody);
	const imported = await waitJob(moderator, JSON.parse(upBody).id);
	assert.equal(imported.state, 'succeeded', JSON.stringify(imported));

	// A pseudonym holding markup is refused outright (letters, digits, . _ ' -).
	for (const pseudonym of [SVG, IMG.slice(0, 40), '<b>gras</b>']) {
		const r = await volunteer.call('PATCH', '/api/v1/me', { pseudonym });
		assert.ok(r.status === 400 || r.status === 422, `pseudonym ${pseudonym}: ${r.status}`);
	}

	// The annotation screen shows the imported paragraph (the volunteer's task).
	await volunteer.call('POST', '/api/v1/me/tutorial');
	const dialogs = [];
	const page = await newPage(browser);
	page.on('dialog', (d) => {
		dialogs.push(d.message());
		d.dismiss().catch(() => {});
	});
	await signIn(page, server, 'benevole@demo.piaf.local', 'demo-benevole-mot-de-passe');
	await visit(page, `/campagnes/${cid}/annoter`, 'the annotation screen', 'onerror="window.__xss=1;alert(1)"', 'window.__xss=1;alert(1)</script>');
	assert.match(await page.getByTestId('paragraph').textContent(), /svg onload=window\.__xss=1/);

	// Questions and answers with payloads (the answers are spans of the payload text).
	const { body: task } = await volunteer.call('POST', `/api/v1/campaigns/${cid}/tasks/next`);
	assert.equal(task.paragraph.text, text);
	const spans = [IMG, SCRIPT, SVG, 'lundi', 'mairie', 'habitants', 'semaine', 'guichet'];
	const questions = [`Question ${IMG} ?`, `Question ${SCRIPT} ?`, `Question ${SVG} ?`, 'Question [x](javascript:window.__xss=1) ?'];
	const pairs = [];
	for (let i = 0; i < task.questions_needed; i++) {
		pairs.push({ question: questions[i % questions.length] + ` numéro ${i + 1}`, answer: { start: cpIndex(text, spans[i]), text: spans[i] } });
	}
	const sub = await volunteer.call('POST', `/api/v1/paragraphs/${task.paragraph.id}/submissions`, { idempotency_key: 'e2e-xss-0001', pairs });
	assert.equal(sub.status, 201, JSON.stringify(sub.body));

	// The review screen shows the question, the answer and the paragraph.
	const mod = await newPage(browser);
	mod.on('dialog', (d) => {
		dialogs.push(d.message());
		d.dismiss().catch(() => {});
	});
	await signIn(mod, server, 'moderation@demo.piaf.local', 'demo-moderation-mot-de-passe');
	await visit(mod, `/campagnes/${cid}/moderation`, 'the review screen', 'window.__xss=1;alert(1)');
	assert.match(await mod.getByTestId('review-question').textContent(), /Question .*(<img|<script|<svg|javascript:)/);

	// Accept them all: the leaderboard lists the volunteer, a release can be built.
	for (const id of sub.body.question_ids) {
		const d = await moderator.call('POST', `/api/v1/review/questions/${id}/decisions`, { action: 'accept' });
		assert.equal(d.status, 200, JSON.stringify(d.body));
	}
	const rel = await moderator.call('POST', `/api/v1/campaigns/${cid}/releases`, {
		version: '1.0.0',
		title: `Version ${SVG}`,
		changelog: `Changements ${IMG} ${SCRIPT} ${JSLINK}`,
		limitations: `Limite ${IMG}`
	});
	assert.equal(rel.status, 201, JSON.stringify(rel.body));
	assert.equal((await waitJob(moderator, rel.body.job_id)).state, 'succeeded');

	// Campaign page: title, description, Markdown guidelines, leaderboard.
	await visit(mod, `/campagnes/${cid}`, 'the campaign page', title, description);
	const guide = mod.locator('.guidelines');
	await guide.waitFor();
	assert.equal(await guide.locator('script, img[onerror], svg, a[href^="javascript:" i]').count(), 0);
	assert.match(await guide.textContent(), /cliquez ici/);
	assert.match(await guide.textContent(), /Texte [“"]><svg onload=window\.__xss=1> fin\./);
	await mod.getByTestId('campaign-stats').waitFor().catch(() => {});
	// Campaign list.
	await visit(mod, '/campagnes', 'the campaign list', title);
	// Release page (draft for the moderator), then published for a visitor.
	await visit(mod, `/campagnes/${cid}/versions/1.0.0`, 'the release page', `Version ${SVG}`);
	assert.equal((await moderator.call('POST', `/api/v1/campaigns/${cid}/releases/1.0.0/publish`)).status, 200);
	await visit(mod, `/campagnes/${cid}/versions`, 'the release list', `Version ${SVG}`);
	const visitor = await newPage(browser);
	visitor.on('dialog', (d) => {
		dialogs.push(d.message());
		d.dismiss().catch(() => {});
	});
	await visit(visitor, '/jeux-de-donnees', 'the catalogue', `Version ${SVG}`);
	await visit(visitor, `/campagnes/${cid}/versions/1.0.0`, 'the public release page', `Version ${SVG}`);
	await visit(visitor, `/campagnes/${cid}`, 'the campaign page (visitor)', description);
	// The volunteer's feedback page lists the decisions on the questions.
	await visit(page, '/profil/retours', 'the feedback page', 'window.__xss=1;alert(1)');

	assert.deepEqual(dialogs, [], 'a dialog opened');
	assert.deepEqual(page.problems, []);
	assert.deepEqual(mod.problems, []);
	assert.deepEqual(visitor.problems, []);
});

test('the page CSP forbids inline script', async () => {
	const res = await fetch(server.url + '/campagnes');
	const csp = res.headers.get('content-security-policy');
	assert.ok(csp, 'no Content-Security-Policy header');
	const scriptSrc = csp.split(';').map((d) => d.trim()).find((d) => d.startsWith('script-src'));
	assert.ok(scriptSrc, csp);
	assert.doesNotMatch(scriptSrc, /'unsafe-inline'|'unsafe-eval'|\*/);
	assert.match(csp, /object-src 'none'/);
	// In the browser: an inline script and a javascript: URL added to the page do not run.
	const context = await browser.newContext();
	const page = await context.newPage();
	const violations = [];
	page.on('console', (m) => {
		if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
	});
	await page.goto(server.url + '/campagnes');
	await page.evaluate(() => {
		const s = document.createElement('script');
		s.textContent = 'window.__xss = 1';
		document.body.appendChild(s);
		const d = document.createElement('div');
		d.innerHTML = '<img src="/nope" onerror="window.__xss=2">';
		document.body.appendChild(d);
		const a = document.createElement('a');
		a.href = 'javascript:window.__xss=3';
		a.id = 'jslink';
		a.textContent = 'x';
		document.body.appendChild(a);
	});
	await page.click('#jslink');
	await page.waitForTimeout(500);
	assert.equal(await page.evaluate(() => window.__xss), undefined);
	assert.ok(violations.length >= 2, `CSP violations reported: ${violations.length}`);
	await context.close();
});
