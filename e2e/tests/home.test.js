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
	const res = await server?.stop();
	assert.equal(res?.code, 0, 'piaf serve must exit 0 on SIGTERM');
});

test('the home page speaks French, uses the DSFR header and switches to English', async () => {
	const page = await newPage(browser);
	await page.goto(server.url + '/');
	const title = page.getByTestId('home-title');
	await title.waitFor();
	assert.equal(await title.textContent(), 'Construisons ensemble des jeux de données en français');
	assert.equal(await page.getAttribute('html', 'lang'), 'fr');
	// The DSFR header with the Marianne block.
	assert.equal(await page.locator('header.fr-header .fr-logo').count(), 1);
	assert.match(await page.locator('.fr-header__service-title').textContent(), /PIAF/);
	// The service status comes from the API through the typed client.
	await page.getByText(/Le service fonctionne/).waitFor();
	await expectNoA11yViolations(page, 'home (fr)');
	await screenshot(page, 'home-fr');

	await page.getByTestId('language-button').click();
	await page.getByTestId('language-en').click();
	await page.getByText("Let's build French datasets together").waitFor();
	assert.equal(await page.getAttribute('html', 'lang'), 'en');

	// The choice survives a reload.
	await page.reload();
	await page.getByText("Let's build French datasets together").waitFor();
	await expectNoA11yViolations(page, 'home (en)');
	assert.deepEqual(page.problems, [], 'no console error or CSP violation');
});

test('an unknown page shows a helpful 404 and unknown API paths answer JSON', async () => {
	const page = await newPage(browser);
	await page.goto(server.url + '/nulle-part');
	await page.getByRole('heading', { name: 'Page introuvable' }).waitFor();
	await expectNoA11yViolations(page, '404');
	const res = await fetch(server.url + '/api/v1/nulle-part');
	assert.equal(res.status, 404);
	const body = await res.json();
	assert.equal(body.error.code, 'not_found');
});
