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

test('light and dark themes: the system choice by default, the person’s choice kept, accessible in both', async () => {
	const context = await browser.newContext({ locale: 'fr-FR', colorScheme: 'dark' });
	const page = await context.newPage();
	await page.goto(server.url + '/');
	await page.getByTestId('home-title').waitFor();
	await page.waitForFunction(() => document.documentElement.getAttribute('data-fr-theme') === 'dark');
	await expectNoA11yViolations(page, 'home (dark, system)');
	await screenshot(page, 'home-dark');
	await page.getByTestId('theme-select').selectOption('light');
	assert.equal(await page.getAttribute('html', 'data-fr-theme'), 'light');
	await page.reload();
	await page.getByTestId('home-title').waitFor();
	await page.waitForFunction(() => document.documentElement.getAttribute('data-fr-theme') === 'light');
	assert.equal(await page.getByTestId('theme-select').inputValue(), 'light');
	await page.getByTestId('theme-select').selectOption('dark');
	await page.goto(server.url + '/campagnes');
	await page.waitForFunction(() => document.documentElement.getAttribute('data-fr-theme') === 'dark');
	await expectNoA11yViolations(page, 'campaigns (dark)');
	await context.close();
});

test('the public pages fit a 360 px wide screen without horizontal scrolling', async () => {
	const context = await browser.newContext({ locale: 'fr-FR', viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
	const page = await context.newPage();
	for (const path of ['/', '/campagnes', '/jeux-de-donnees', '/connexion', '/inscription']) {
		await page.goto(server.url + path, { waitUntil: 'networkidle' });
		await page.locator('main, #main, [role="main"]').first().waitFor();
		const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
		assert.ok(overflow <= 0, `${path} is ${overflow} px wider than a 360 px screen`);
		// The README's picture of the campaigns list (it showed the last page, the sign-up form).
		if (path === '/campagnes') await screenshot(page, 'campagnes-360');
	}
	await context.close();
});
