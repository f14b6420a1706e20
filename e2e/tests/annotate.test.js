import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, screenshot, signIn } from '../lib/harness.js';
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

/** Clicks the word of the paragraph that starts with `word` (the nth one). */
async function clickWord(page, word, nth = 0) {
	await page.getByTestId('paragraph').locator('span.word', { hasText: new RegExp(`^${word}`) }).nth(nth).click();
}

async function addPair(page, question, selectAnswer) {
	await page.getByTestId('question-input').fill(question);
	await selectAnswer();
	await page.getByTestId('add-pair').click();
}

test('a volunteer follows the tutorial, writes five pairs with mouse and keyboard, survives a reload, and sees the counter move', async () => {
	const page = await newPage(browser);
	await signIn(page, server, 'benevole@demo.piaf.local', 'demo-benevole-mot-de-passe');
	await page.goto(server.url + '/campagnes');
	await page.getByTestId('campaign-demo-services-publics').click();
	await page.getByTestId('campaign-stats').waitFor();
	await expectNoA11yViolations(page, 'campaign page');
	await page.getByTestId('start-annotating').click();

	// First visit: the tutorial, with feedback on the span chosen.
	await page.waitForURL(/\/tutoriel/);
	await expectNoA11yViolations(page, 'tutorial');
	await clickWord(page, '1905');
	await page.getByTestId('tutorial-check').click();
	await page.getByTestId('tutorial-feedback').getByText('Parfait').waitFor();
	await page.getByTestId('tutorial-next').click();
	// "près de 40 000" with the keyboard: a word, then Shift+→ three times.
	await clickWord(page, 'près');
	await page.keyboard.down('Shift');
	for (let i = 0; i < 2; i++) await page.keyboard.press('ArrowRight');
	await page.keyboard.up('Shift');
	await page.getByTestId('tutorial-check').click();
	await page.getByTestId('tutorial-feedback').getByText('Presque').waitFor();
	await page.keyboard.down('Shift');
	await page.getByTestId('paragraph').focus();
	await page.keyboard.press('ArrowRight');
	await page.keyboard.up('Shift');
	await page.getByTestId('tutorial-check').click();
	await page.getByTestId('tutorial-feedback').getByText('Parfait').waitFor();
	await page.getByTestId('tutorial-next').click();
	// "la ville et la région" by dragging the mouse across the words.
	const from = page.getByTestId('paragraph').locator('span.word', { hasText: /^ville$/ });
	const to = page.getByTestId('paragraph').locator('span.word', { hasText: /^région$/ });
	const a = await from.boundingBox();
	const b = await to.boundingBox();
	await page.mouse.move(a.x - 25, a.y + a.height / 2);
	await page.mouse.down();
	await page.mouse.move(b.x + b.width - 2, b.y + b.height / 2, { steps: 5 });
	await page.mouse.up();
	await page.getByTestId('tutorial-check').click();
	await page.getByTestId('tutorial-feedback').getByText('Parfait').waitFor();
	await page.getByTestId('tutorial-next').click();
	await page.getByTestId('tutorial-finish').click();

	// The annotation screen.
	await page.waitForURL(/\/annoter$/);
	await page.getByTestId('paragraph').waitFor();
	const counter = page.getByTestId('live-counter');
	await counter.waitFor();
	const before = await counter.textContent();
	await expectNoA11yViolations(page, 'annotation screen');

	await addPair(page, 'Depuis quelle année la carte a-t-elle un format de carte bancaire ?', () => clickWord(page, '2021'));
	// Keyboard only: Home, then → to "puce", Shift+→ to "sécurisée", Enter.
	await page.getByTestId('question-input').fill('Quel élément électronique la nouvelle carte contient-elle ?');
	await page.getByTestId('paragraph').focus();
	await page.keyboard.press('Home');
	const words = await page.getByTestId('paragraph').locator('span.word').allTextContents();
	for (let i = 0; i < words.indexOf('puce'); i++) await page.keyboard.press('ArrowRight');
	await page.keyboard.press('Shift+ArrowRight');
	await page.getByTestId('answer-preview').getByText('« puce sécurisée »').waitFor();
	await page.keyboard.press('Enter');
	await page.getByTestId('pair-counter').getByText('2 / 5').waitFor();
	await screenshot(page, 'annoter');

	// A reload loses nothing.
	await page.reload();
	await page.getByTestId('pair-counter').getByText('2 / 5').waitFor();

	await addPair(page, 'Où faut-il déposer sa demande de carte ?', async () => {
		await clickWord(page, 'dans', 1);
		await page.keyboard.press('Shift+ArrowRight');
		await page.keyboard.press('Shift+ArrowRight');
		await page.keyboard.press('Shift+ArrowRight');
	});
	await addPair(page, 'Que permet de faire ce document d’identité ?', async () => {
		await clickWord(page, 'prouver');
		await page.keyboard.press('Shift+ArrowRight');
		await page.keyboard.press('Shift+ArrowRight');
	});
	await addPair(page, 'Sans quel titre peut-on voyager dans l’Union européenne ?', () => clickWord(page, 'passeport'));
	await page.getByTestId('pair-counter').getByText('5 / 5').waitFor();
	await page.getByTestId('submit-paragraph').click();
	await page.getByTestId('next-paragraph').waitFor();
	// The campaign counter moved live.
	await page.waitForFunction((text) => document.querySelector('[data-testid="live-counter"]')?.textContent !== text, before);
	assert.match(await counter.textContent(), /^1 \/ 12 paragraphes · 5 questions/);
	assert.deepEqual(page.problems, []);
});
