import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, screenshot } from '../lib/harness.js';
import { expectNoA11yViolations } from '../lib/axe.js';

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

async function signInAsAdmin(page) {
	await page.goto(server.url + '/connexion');
	await page.getByTestId('login-email').fill('admin@demo.piaf.local');
	await page.getByTestId('login-password').fill('demo-admin-mot-de-passe');
	await page.getByTestId('login-submit').click();
	await page.getByTestId('header-user').waitFor();
}

// Starts the test-build counting job from the page (the route exists only
// in binaries built with -tags piaftest).
async function startJob(page, params) {
	return page.evaluate(async (p) => {
		const res = await fetch('/api/v1/test/jobs', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(p) });
		return (await res.json()).id;
	}, params);
}

test('a job shows its progress live and can be cancelled', async () => {
	const page = await newPage(browser);
	await signInAsAdmin(page);
	const quick = await startJob(page, { count: 30, delay_ms: 100 });
	await page.goto(server.url + '/travaux');
	const job = page.getByTestId(`job-${quick}`);
	await job.getByTestId('job-percent').waitFor();
	await expectNoA11yViolations(page, 'jobs page');
	await screenshot(page, 'travaux');
	await job.getByTestId('job-state').getByText('Terminé').waitFor({ timeout: 30_000 });
	assert.equal((await job.getByTestId('job-percent').textContent()).trim(), '100 %');

	const slow = await startJob(page, { count: 500, delay_ms: 100 });
	await page.reload();
	const running = page.getByTestId(`job-${slow}`);
	await running.getByTestId('job-state').getByText('En cours').waitFor({ timeout: 20_000 });
	await running.getByTestId('job-cancel').click();
	await running.getByTestId('job-state').getByText('Annulé').waitFor({ timeout: 20_000 });
	assert.deepEqual(page.problems, []);
});

test('losing the connection shows a banner, and progress resumes after it', async () => {
	const page = await newPage(browser);
	await signInAsAdmin(page);
	const id = await startJob(page, { count: 60, delay_ms: 100 });
	await page.goto(server.url + '/travaux');
	const job = page.getByTestId(`job-${id}`);
	await job.getByTestId('job-percent').waitFor();
	await page.context().setOffline(true);
	await page.getByTestId('offline-banner').waitFor();
	await page.waitForTimeout(1500);
	await page.context().setOffline(false);
	await page.getByTestId('offline-banner').waitFor({ state: 'detached', timeout: 30_000 });
	await job.getByTestId('job-state').getByText('Terminé').waitFor({ timeout: 30_000 });
	assert.equal((await job.getByTestId('job-percent').textContent()).trim(), '100 %');
});
