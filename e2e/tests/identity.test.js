import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, screenshot, waitForMail } from '../lib/harness.js';
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
	assert.equal(res?.code, 0);
});

test('an agent signs in with ProConnect, sees their name and signs out through end_session', async () => {
	const page = await newPage(browser);
	await page.goto(server.url + '/connexion');
	await page.getByRole('heading', { name: 'Agents publics' }).waitFor();
	await expectNoA11yViolations(page, 'sign-in page');
	await screenshot(page, 'connexion');
	await page.getByTestId('proconnect-login').click();
	// The fake ProConnect's page: pick Camille.
	await page.getByTestId('agent-agent-camille').click();
	await page.waitForURL(server.url + '/');
	const user = page.getByTestId('header-user');
	await user.waitFor();
	assert.match(await user.textContent(), /Camille/);
	await page.goto(server.url + '/profil');
	await page.getByTestId('profile-role').waitFor();
	assert.equal(await page.getByTestId('profile-role').textContent(), 'Modérateur');
	await expectNoA11yViolations(page, 'profile');

	await page.getByTestId('logout').click();
	// ProConnect's end_session sends the browser back, with its state checked.
	await page.waitForURL(/\/\?deconnecte=1$/);
	await page.getByTestId('login-link').waitFor();
	const me = await page.evaluate(() => fetch('/api/v1/me').then((r) => r.status));
	assert.equal(me, 401);
	assert.deepEqual(page.problems, []);
});

test('a volunteer signs up, confirms the address from the e-mail, signs in and out', async () => {
	const page = await newPage(browser);
	const email = 'lea.benevole@exemple.fr';
	const password = 'renard-orange-piano-lune-88';
	await page.goto(server.url + '/inscription');
	await page.getByTestId('signup-email').fill(email);
	await page.getByTestId('signup-pseudonym').fill('Léa B');
	// A weak password is explained next to the field.
	await page.getByTestId('signup-password').fill('azerty123');
	await page.getByTestId('signup-submit').click();
	await page.getByText(/Mot de passe trop faible/).waitFor();
	await expectNoA11yViolations(page, 'sign-up with errors');
	await page.getByTestId('signup-password').fill(password);
	await page.getByTestId('signup-submit').click();
	await page.getByText('Vérifiez votre messagerie').waitFor();

	const mail = await waitForMail(server, email, 'confirmez');
	const link = mail.text.match(/https?:\/\/\S+jeton=\S+/)[0];
	await page.goto(link);
	await page.getByTestId('verified-login').click();
	await page.getByTestId('login-email').fill(email);
	await page.getByTestId('login-password').fill(password);
	await page.getByTestId('login-submit').click();
	await page.getByTestId('header-user').waitFor();
	assert.equal((await page.getByTestId('header-user').textContent()).trim(), 'Léa B');

	await page.getByTestId('logout').click();
	await page.getByTestId('login-link').waitFor();
	assert.deepEqual(page.problems, []);
});

test('an admin sees the users and the security log', async () => {
	const page = await newPage(browser);
	await page.goto(server.url + '/connexion');
	await page.getByTestId('login-email').fill('admin@demo.piaf.local');
	await page.getByTestId('login-password').fill('demo-admin-mot-de-passe');
	await page.getByTestId('login-submit').click();
	await page.getByTestId('header-user').waitFor();
	await page.goto(server.url + '/admin/utilisateurs');
	await page.getByTestId('role-benevole@demo.piaf.local').waitFor();
	await expectNoA11yViolations(page, 'admin users');
	await page.getByTestId('role-benevole@demo.piaf.local').selectOption('moderator');
	await page.getByText('Rôle mis à jour.').waitFor();
	await page.goto(server.url + '/admin/journal');
	await page.getByTestId('audit-table').getByText('role_changed').first().waitFor();
	await expectNoA11yViolations(page, 'audit log');
	await screenshot(page, 'admin-journal');
	assert.deepEqual(page.problems, []);
});
