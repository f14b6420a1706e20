import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
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

test('a moderator rejects a pair with a reason and edits another; the contributor sees both, and the history shows before and after', async () => {
	// A volunteer writes a paragraph's five pairs (through the API).
	const volunteer = await apiSession(server, 'benevole@demo.piaf.local', 'demo-benevole-mot-de-passe');
	const { body: task } = await volunteer.call('POST', '/api/v1/campaigns/1/tasks/next');
	const text = task.paragraph.text;
	const words = ['2021', 'puce', 'mairie', 'passeport', 'identité'];
	const pairs = words.map((w, i) => ({
		question: `Question de relecture numéro ${i + 1} sur ce passage ?`,
		answer: { start: cpIndex(text, w), text: w }
	}));
	const sub = await volunteer.call('POST', `/api/v1/paragraphs/${task.paragraph.id}/submissions`, { idempotency_key: 'e2e-review-0001', pairs });
	assert.equal(sub.status, 201);

	const page = await newPage(browser);
	await signIn(page, server, 'moderation@demo.piaf.local', 'demo-moderation-mot-de-passe');
	await page.goto(server.url + '/campagnes/1');
	await page.getByTestId('review-link').click();
	await page.getByTestId('review-question').waitFor();
	await expectNoA11yViolations(page, 'review screen');
	await screenshot(page, 'moderation');

	// Reject the first pair with the keyboard: r, a reason, confirm.
	const first = await page.getByTestId('review-question').textContent();
	await page.keyboard.press('r');
	await page.locator('label', { hasText: 'La réponse n’est pas dans le texte' }).click();
	await page.locator('#reason-comment').fill('Relisez la consigne 2.');
	await page.getByTestId('confirm-reject').click();
	await page.getByText('Rejetée.').waitFor();
	assert.notEqual(await page.getByTestId('review-question').textContent(), first);

	// Edit the next pair's span: e, select "puce sécurisée", save.
	await page.keyboard.press('e');
	await page.getByTestId('edit-question').fill('Que contient la carte depuis 2021 ?');
	await page.getByTestId('paragraph').locator('span.word', { hasText: /^puce$/ }).click();
	await page.keyboard.press('Shift+ArrowRight');
	await page.getByTestId('edit-answer').getByText('« puce sécurisée »').waitFor();
	await page.getByTestId('save-edit').click();
	await page.getByText('Corrigée et acceptée.').waitFor();
	// The edited item's history shows before and after.
	await page.getByTestId('filter-state').selectOption('accepted');
	await page.getByTestId('apply-filters').click();
	await page.getByTestId('history').getByText('« puce » → « puce sécurisée »').waitFor();
	assert.deepEqual(page.problems, []);

	// The contributor sees both decisions.
	const contributor = await newPage(browser);
	await signIn(contributor, server, 'benevole@demo.piaf.local', 'demo-benevole-mot-de-passe');
	await contributor.goto(server.url + '/profil/retours');
	const feedback = contributor.getByTestId('feedback');
	await feedback.getByText('Rejetée').waitFor();
	await feedback.getByText('La réponse n’est pas dans le texte — Relisez la consigne 2.').waitFor();
	await feedback.getByText('« puce » → « puce sécurisée »').waitFor();
	await expectNoA11yViolations(contributor, 'feedback page');
});
