import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startServer, launchBrowser, newPage, screenshot, signIn } from '../lib/harness.js';
import { expectNoA11yViolations } from '../lib/axe.js';
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

/** A volunteer writes two paragraphs' questions; a moderator accepts them (API). */
async function acceptedWork() {
	const volunteer = await apiSession(server, 'benevole@demo.piaf.local', 'demo-benevole-mot-de-passe');
	const moderator = await apiSession(server, 'moderation@demo.piaf.local', 'demo-moderation-mot-de-passe');
	let n = 0;
	for (let round = 0; round < 2; round++) {
		const { body: task } = await volunteer.call('POST', '/api/v1/campaigns/1/tasks/next');
		const text = task.paragraph.text;
		const words = [...new Set(text.match(/[\p{L}\p{N}’']{5,}/gu))].slice(0, task.questions_needed);
		const pairs = words.map((w) => ({ question: `Question de publication numéro ${++n} à propos de « ${w} » ?`, answer: { start: cpIndex(text, w), text: w } }));
		const sub = await volunteer.call('POST', `/api/v1/paragraphs/${task.paragraph.id}/submissions`, { idempotency_key: `e2e-release-${round}`, pairs });
		assert.equal(sub.status, 201, JSON.stringify(sub.body));
		for (const id of sub.body.question_ids) {
			const d = await moderator.call('POST', `/api/v1/review/questions/${id}/decisions`, { action: 'accept' });
			assert.equal(d.status, 200, JSON.stringify(d.body));
		}
	}
	return { moderator, questions: n };
}

async function waitJob(session, id) {
	for (let i = 0; i < 300; i++) {
		const { body } = await session.call('GET', `/api/v1/jobs/${id}`);
		if (['succeeded', 'failed', 'cancelled'].includes(body.state)) return body;
		await new Promise((r) => setTimeout(r, 100));
	}
	throw new Error(`job ${id} did not finish`);
}

test('a moderator builds and publishes release 1.0.0 watching its progress; a visitor downloads it from the catalogue; a consumer fetches a restricted release with a token', async () => {
	const { moderator, questions } = await acceptedWork();
	const { body: campaign } = await moderator.call('GET', '/api/v1/campaigns/1');

	// The moderator prepares 1.0.0 in the browser and follows the job live.
	const page = await newPage(browser);
	await signIn(page, server, 'moderation@demo.piaf.local', 'demo-moderation-mot-de-passe');
	await page.goto(server.url + '/campagnes/1');
	await page.getByTestId('versions-link').click();
	await page.getByTestId('release-form').waitFor();
	await expectNoA11yViolations(page, 'release creation form');
	assert.equal(await page.getByTestId('release-version').inputValue(), '1.0.0');
	await page.getByTestId('release-version').fill('1.0');
	await page.getByTestId('release-submit').click();
	await page.getByText('Indiquez une version sémantique').first().waitFor();
	await page.getByTestId('release-version').fill('1.0.0');
	await page.locator('#release-changelog').fill('Première version publiée depuis PIAF.');
	await page.getByTestId('release-submit').click();
	// The job's progress shows live until it ends, then the draft opens.
	await page.getByTestId('job-state').waitFor();
	await page.getByTestId('job-state').getByText('Terminé').waitFor({ timeout: 60_000 });
	await page.getByTestId('open-release').click();
	await page.waitForURL(/\/campagnes\/1\/versions\/1\.0\.0$/);
	await page.getByTestId('release-status').getByText('Brouillon').waitFor();
	await page.getByTestId('split-counts').waitFor();
	await expectNoA11yViolations(page, 'release draft');
	await page.getByTestId('publish').click();
	await page.getByTestId('confirm-publish').click();
	await page.getByTestId('release-status').getByText('Publiée').waitFor();
	await screenshot(page, 'release');
	assert.deepEqual(page.problems, []);

	// An anonymous visitor finds it in the catalogue and downloads the JSONL.
	const visitor = await newPage(browser);
	await visitor.goto(server.url + '/jeux-de-donnees');
	await visitor.getByTestId(`catalogue-link-${campaign.slug}`).waitFor();
	await expectNoA11yViolations(visitor, 'catalogue');
	await screenshot(visitor, 'catalogue');
	await visitor.getByTestId(`catalogue-link-${campaign.slug}`).click();
	await visitor.getByTestId('release-files').waitFor();
	await expectNoA11yViolations(visitor, 'release page (visitor)');
	const [download] = await Promise.all([visitor.waitForEvent('download'), visitor.getByTestId('download-train.jsonl').click()]);
	const [devDownload] = await Promise.all([visitor.waitForEvent('download'), visitor.getByTestId('download-dev.jsonl').click()]);
	const [testDownload] = await Promise.all([visitor.waitForEvent('download'), visitor.getByTestId('download-test.jsonl').click()]);
	let rows = 0;
	for (const d of [download, devDownload, testDownload]) {
		const text = readFileSync(await d.path(), 'utf8');
		for (const line of text.split('\n').filter(Boolean)) {
			const row = JSON.parse(line);
			assert.deepEqual(Object.keys(row).sort(), ['answers', 'context', 'id', 'question', 'title']);
			const start = row.answers.answer_start[0];
			assert.equal(Array.from(row.context).slice(start, start + Array.from(row.answers.text[0]).length).join(''), row.answers.text[0]);
			rows++;
		}
	}
	assert.equal(rows, questions);
	assert.match(download.suggestedFilename(), new RegExp(`piaf-${campaign.slug}-1\\.0\\.0-train\\.jsonl`));
	assert.deepEqual(visitor.problems, []);

	// A restricted release: anonymous 401, a token without the scope 403,
	// a consumer's datasets:read token 200 (plain HTTP, as curl would).
	const { status, body: created } = await moderator.call('POST', '/api/v1/campaigns/1/releases', { version: '1.1.0', title: 'Version réservée', visibility: 'restricted' });
	assert.equal(status, 201, JSON.stringify(created));
	assert.equal((await waitJob(moderator, created.job_id)).state, 'succeeded');
	assert.equal((await moderator.call('POST', '/api/v1/campaigns/1/releases/1.1.0/publish')).status, 200);
	const consumer = await apiSession(server, 'administration@demo.piaf.local', 'demo-administration-mot-de-passe');
	const good = await consumer.call('POST', '/api/v1/me/tokens', { name: 'script', scopes: ['datasets:read'] });
	const narrow = await consumer.call('POST', '/api/v1/me/tokens', { name: 'questions', scopes: ['qa:ask'] });
	assert.equal(good.status, 201);
	const url = `${server.url}/datasets/${campaign.slug}/1.1.0/questions.csv`;
	assert.equal((await fetch(url)).status, 401);
	assert.equal((await fetch(url, { headers: { Authorization: `Bearer ${narrow.body.secret}` } })).status, 403);
	const ok = await fetch(url, { headers: { Authorization: `Bearer ${good.body.secret}` } });
	assert.equal(ok.status, 200);
	const csv = await ok.text();
	assert.ok(csv.startsWith('id,split,title,theme,source_url,context,question,answer_index,answer_start,answer_text\r\n'));
	assert.equal(csv.trim().split('\r\n').length, questions + 1);
	// `latest` follows the newest stable version, for scripts.
	const latest = await fetch(`${server.url}/datasets/${campaign.slug}/latest/datasheet.json`, { redirect: 'manual', headers: { Authorization: `Bearer ${good.body.secret}` } });
	assert.equal(latest.status, 302);
	assert.equal(latest.headers.get('location'), `/datasets/${campaign.slug}/1.1.0/datasheet.json`);

	// The visitor sees the restricted version listed, without download links.
	await visitor.goto(server.url + '/campagnes/1/versions/1.1.0');
	await visitor.getByTestId('release-files').waitFor();
	await visitor.getByText('connectez-vous (ProConnect) ou utilisez un jeton').waitFor();
	assert.equal(await visitor.getByTestId('download-train.jsonl').count(), 0);
	await expectNoA11yViolations(visitor, 'restricted release (visitor)');
	// The moderator compares the two versions.
	await page.goto(server.url + '/campagnes/1/versions/1.1.0');
	await page.getByTestId('diff-counts').waitFor();
	assert.match(await page.getByTestId('diff-counts').textContent(), /Total\s*0\s*0\s*0\s*\d+/);
	assert.deepEqual(page.problems, []);
});
