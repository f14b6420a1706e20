// The annotation screen on a tablet (issue 10): answers are selected by
// touch, tapping the first then the last word of the answer (a drag
// scrolls on a touch screen), and the page fits the screen.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, screenshot, signIn } from '../lib/harness.js';
import { expectNoA11yViolations } from '../lib/axe.js';
import { apiSession } from '../lib/api.js';

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

const tablet = { viewport: { width: 820, height: 1180 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

test('on a tablet, a volunteer selects answers by tapping their first and last words and submits a paragraph', async () => {
	const [email, password] = ['benevole@demo.piaf.local', 'demo-benevole-mot-de-passe'];
	const volunteer = await apiSession(server, email, password);
	assert.ok((await volunteer.call('POST', '/api/v1/me/tutorial', {})).status < 300);
	const page = await newPage(browser, tablet);
	// The sign-in form, by touch (the header folds into a menu at this width).
	await page.goto(server.url + '/connexion');
	await page.getByTestId('login-email').tap();
	await page.getByTestId('login-email').fill(email);
	await page.getByTestId('login-password').fill(password);
	await page.getByTestId('login-submit').tap();
	await page.getByTestId('header-user').waitFor({ state: 'attached' });
	await page.goto(server.url + '/campagnes/1/annoter');
	const paragraph = page.getByTestId('paragraph');
	await paragraph.locator('span.word').first().waitFor();
	await expectNoA11yViolations(page, 'annotation screen (tablet)');
	assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no horizontal scroll on a tablet');

	const word = (w, nth = 0) => paragraph.locator('span.word', { hasText: new RegExp(`^${w}$`) }).nth(nth);
	const preview = page.getByTestId('answer-preview');
	const pair = async (question, taps, expected) => {
		await page.getByTestId('question-input').tap();
		await page.getByTestId('question-input').fill(question);
		for (const [w, nth] of taps) await word(w, nth).tap();
		await preview.getByText(`« ${expected} »`).waitFor();
		await page.getByTestId('add-pair').tap();
	};

	// One tap: one word.
	await pair('Depuis quelle année la carte a-t-elle un format de carte bancaire ?', [['2021']], '2021');
	// Two taps: from the first word to the last, in either order.
	await pair('Quel élément électronique la nouvelle carte contient-elle ?', [['puce'], ['sécurisée']], 'puce sécurisée');
	await pair('Que permet de faire ce document d’identité ?', [['identité'], ['prouver']], 'prouver son identité');
	// A third tap moves the end; a tap inside the answer starts again.
	await page.getByTestId('question-input').tap();
	await page.getByTestId('question-input').fill('Où faut-il déposer sa demande de carte ?');
	await word('dans', 1).tap();
	await word('équipée').tap();
	await preview.getByText('« dans une mairie équipée »').waitFor();
	await word('mairie').tap();
	await preview.getByText('« mairie »').waitFor();
	await word('dans', 1).tap();
	await preview.getByText('« dans une mairie »').waitFor();
	await page.getByTestId('add-pair').tap();
	await pair('Sans quel titre peut-on voyager dans l’Union européenne ?', [['passeport']], 'passeport');
	await page.getByTestId('pair-counter').getByText('5 / 5').waitFor();
	await screenshot(page, 'annoter-tablette');
	await page.getByTestId('submit-paragraph').tap();
	await page.getByTestId('next-paragraph').waitFor();

	// The server holds exactly the spans tapped.
	const moderator = await apiSession(server, 'moderation@demo.piaf.local', 'demo-moderation-mot-de-passe');
	const { body: me } = await volunteer.call('GET', '/api/v1/me');
	const { body: queue } = await moderator.call('GET', `/api/v1/campaigns/1/review?state=submitted&contributor=${me.id}&per_page=50`);
	assert.deepEqual(queue.items.map((it) => it.answer.text).sort(), ['2021', 'dans une mairie', 'passeport', 'prouver son identité', 'puce sécurisée']);
	assert.deepEqual(page.problems, []);
	await page.context().close();
});

test('a mouse click still selects a single word, whatever was selected before', async () => {
	const page = await newPage(browser);
	await signIn(page, server, 'moderation@demo.piaf.local', 'demo-moderation-mot-de-passe');
	const moderator = await apiSession(server, 'moderation@demo.piaf.local', 'demo-moderation-mot-de-passe');
	assert.ok((await moderator.call('POST', '/api/v1/me/tutorial', {})).status < 300);
	await page.goto(server.url + '/campagnes/1/annoter');
	const paragraph = page.getByTestId('paragraph');
	await paragraph.locator('span.word').first().waitFor();
	const words = await paragraph.locator('span.word').allTextContents();
	await paragraph.locator('span.word').nth(1).click();
	await paragraph.locator('span.word').nth(4).click();
	await page.getByTestId('answer-preview').getByText(`« ${words[4]} »`).waitFor();
	assert.deepEqual(page.problems, []);
	await page.context().close();
});
