import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, screenshot, signIn } from '../lib/harness.js';
import { expectNoA11yViolations } from '../lib/axe.js';
import { apiSession, cpIndex } from '../lib/api.js';
import { seedNerCampaign, sessionHeaders, waitJob } from '../lib/ner.js';

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

// An emoji (two UTF-16 units, one code point), typographic apostrophes and
// accents before the entities: the offsets stored must be code points.
const passage = '😀 Le 4 mars 2024, M. Jean-Marc Dubois, demeurant place Jean Jaurès à Lyon, a saisi le tribunal d’Orléans.';

/** The code-point span of `word` in the passage. */
function at(word) {
	const start = cpIndex(passage, word);
	return { start, end: start + Array.from(word).length };
}
const testid = (word) => `entity-${at(word).start}-${at(word).end}`;

/** Clicks the word of the passage that reads `word` exactly. */
async function clickWord(page, word) {
	await page.getByTestId('entity-passage').locator('span.word', { hasText: new RegExp(`^${word}$`) }).first().click();
}

test('an annotator corrects the proposals of a passage with keyboard and mouse; a moderator sees and accepts exactly those spans', async () => {
	const moderator = await apiSession(server, 'moderation@demo.piaf.local', 'demo-moderation-mot-de-passe');
	const headers = await sessionHeaders(server, 'moderation@demo.piaf.local', 'demo-moderation-mot-de-passe');
	const filler = 'Le greffier, M. Paul Leroy, a notifié la décision aux parties le 2 juin 2024 par courrier recommandé.';
	const campaign = await seedNerCampaign(server, moderator, headers, 'Décisions de justice', [filler, passage]);

	const page = await newPage(browser);
	await signIn(page, server, 'benevole@demo.piaf.local', 'demo-benevole-mot-de-passe');
	await page.goto(`${server.url}/campagnes/${campaign.id}`);
	await page.getByTestId('start-entities').click();
	await page.waitForURL(/\/entites$/);
	const text = page.getByTestId('entity-passage');
	// The first passage is skipped (it will not come back).
	await text.getByText('greffier').waitFor();
	await page.getByTestId('entities-skip').click();
	await page.locator('label[for=skip-too_hard]').click();
	await page.getByTestId('entities-skip-confirm').click();
	await text.getByText('Orléans').waitFor();
	// The rules propose two persons; "Jean Jaurès" is a square, not a person.
	const dubois = page.getByTestId(testid('Jean-Marc Dubois'));
	const jaures = page.getByTestId(testid('Jean Jaurès'));
	assert.equal(await dubois.getAttribute('data-pending'), 'true');
	assert.equal(await jaures.getAttribute('data-pending'), 'true');
	assert.match(await dubois.textContent(), /PER\s90\s%/);
	assert.equal(await page.getByTestId('entities-submit').isDisabled(), true);
	await expectNoA11yViolations(page, 'entity annotation screen');
	await page.setViewportSize({ width: 360, height: 800 });
	assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'no horizontal scroll at 360 px');
	await screenshot(page, 'entites-360');
	await page.setViewportSize({ width: 1280, height: 720 });

	// Keyboard: from "M", → selects the proposal "Jean-Marc Dubois", Enter accepts it.
	await clickWord(page, 'M');
	await page.keyboard.press('ArrowRight');
	await page.getByTestId('entity-passage-announce').getByText('« Jean-Marc Dubois » : Personne.', { exact: false }).waitFor();
	await page.keyboard.press('Enter');
	assert.equal(await dubois.getAttribute('data-pending'), 'false');
	// Mouse then keyboard: click the false proposal, Delete removes it.
	await jaures.locator('span.word').first().click();
	await page.keyboard.press('Delete');
	await jaures.waitFor({ state: 'detached' });
	// Keyboard: from "tribunal", → → reaches "Orléans" (the elided « d’ » is its own word), 2 = LOC.
	await clickWord(page, 'tribunal');
	await page.keyboard.press('ArrowRight');
	await page.keyboard.press('ArrowRight');
	await page.keyboard.press('2');
	await page.getByTestId(testid('Orléans')).waitFor();
	// Mouse: drag over part of "Lyon" (snapped to the word), then the legend's LOC button.
	const lyon = text.locator('span.word', { hasText: /^Lyon$/ });
	const box = await lyon.boundingBox();
	await page.mouse.move(box.x + 2, box.y + box.height / 2);
	await page.mouse.down();
	await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 3 });
	await page.mouse.up();
	await page.getByTestId('label-LOC').click();
	await page.getByTestId(testid('Lyon')).waitFor();
	await page.getByTestId('entities-pending').getByText('Toutes les entités sont vérifiées.').waitFor();
	// A reload loses nothing.
	await page.reload();
	await page.getByTestId(testid('Lyon')).waitFor();
	assert.equal(await page.getByTestId(testid('Jean Jaurès')).count(), 0);
	assert.equal(await page.getByTestId(testid('Jean-Marc Dubois')).getAttribute('data-pending'), 'false');
	await screenshot(page, 'entites');
	await expectNoA11yViolations(page, 'entity annotation screen, corrected');
	await page.getByTestId('entities-submit').click();
	await page.getByTestId('entities-next').waitFor();
	assert.deepEqual(page.problems, []);

	// Stored: code-point offsets, the kept proposal marked as the model's.
	const expected = [
		{ ...at('Jean-Marc Dubois'), label: 'PER', origin: 'model' },
		{ ...at('Lyon'), label: 'LOC', origin: 'human' },
		{ ...at('Orléans'), label: 'LOC', origin: 'human' }
	];
	const { body: queue } = await moderator.call('GET', `/api/v1/campaigns/${campaign.id}/entity-annotations?state=submitted`);
	assert.equal(queue.total, 1);
	assert.deepEqual(queue.items[0].spans, expected);
	assert.deepEqual(queue.items[0].corrections, { kept: 1, relabelled: 0, deleted: 1, added: 2 });

	// The moderator reviews it in the browser, at phone width.
	const mod = await newPage(browser);
	await signIn(mod, server, 'moderation@demo.piaf.local', 'demo-moderation-mot-de-passe');
	await mod.setViewportSize({ width: 360, height: 800 });
	await mod.goto(`${server.url}/campagnes/${campaign.id}`);
	await mod.getByTestId('entity-review-link').click();
	const id = queue.items[0].id;
	await mod.getByTestId(`entity-review-${id}`).waitFor();
	await mod.getByTestId('entity-agreement-figure').waitFor();
	const items = mod.getByTestId(`entity-view-list-${id}`).getByTestId(`entity-view-list-${id}-item`);
	assert.deepEqual(await items.evaluateAll((els) => els.map((e) => [Number(e.dataset.start), Number(e.dataset.end), e.dataset.label])), expected.map((s) => [s.start, s.end, s.label]));
	assert.ok(await mod.evaluate(() => document.documentElement.scrollWidth <= 360), 'no horizontal scroll at 360 px');
	await expectNoA11yViolations(mod, 'entity review page');
	await screenshot(mod, 'moderation-entites');
	await mod.getByTestId(`entity-history-${id}`).click();
	await mod.getByTestId(`entity-history-list-${id}`).waitFor();
	await mod.getByTestId(`entity-accept-${id}`).click();
	await mod.getByTestId(`entity-reopen-${id}`).waitFor();
	const { body: accepted } = await moderator.call('GET', `/api/v1/campaigns/${campaign.id}/entity-annotations?state=accepted`);
	assert.deepEqual(accepted.items.map((i) => i.spans), [expected]);
	// A correction: Lyon is not wanted after all.
	await mod.getByTestId(`entity-edit-${id}-open`).click();
	await mod.getByTestId(`entity-edit-list-${id}-item`).and(mod.locator('[data-label=LOC]')).first().getByTestId(`entity-edit-list-${id}-delete`).click();
	await mod.getByTestId(`entity-save-${id}`).click();
	await mod.getByTestId(`entity-reopen-${id}`).waitFor();
	const { body: edited } = await moderator.call('GET', `/api/v1/campaigns/${campaign.id}/entity-annotations?state=accepted`);
	assert.deepEqual(edited.items[0].spans.map((s) => [s.start, s.end, s.label]), [expected[0], expected[2]].map((s) => [s.start, s.end, s.label]));
	assert.deepEqual(mod.problems, []);
});

test('a moderator trains a model from the published release of the campaign, watches the job, and activates the model', async () => {
	const moderator = await apiSession(server, 'moderation@demo.piaf.local', 'demo-moderation-mot-de-passe');
	const { body: campaigns } = await moderator.call('GET', '/api/v1/campaigns');
	const campaign = campaigns.find((c) => c.kind === 'ner');
	const { status, body: created } = await moderator.call('POST', `/api/v1/campaigns/${campaign.id}/releases`, {
		version: '1.0.0', title: 'Décisions annotées', proportions: { train: 100, dev: 0, test: 0 }
	});
	assert.equal(status, 201, JSON.stringify(created));
	assert.equal((await waitJob(moderator, created.job_id)).state, 'succeeded');
	assert.equal((await moderator.call('POST', `/api/v1/campaigns/${campaign.id}/releases/1.0.0/publish`)).status, 200);

	const page = await newPage(browser);
	await signIn(page, server, 'moderation@demo.piaf.local', 'demo-moderation-mot-de-passe');
	// The release shows entity counts.
	await page.goto(`${server.url}/campagnes/${campaign.id}/versions/1.0.0`);
	await page.getByTestId('split-counts').getByText('Entités').waitFor();
	await page.getByRole('link', { name: 'Modèles' }).click();
	await page.waitForURL(/\/modeles$/);
	await page.getByTestId('models-empty').waitFor();
	await expectNoA11yViolations(page, 'model registry');
	await page.getByTestId('train-campaign').selectOption(String(campaign.id));
	await page.getByTestId('train-release').selectOption('1.0.0');
	await page.locator('#train-epochs').fill('2');
	await page.locator('label[for=train-synthetic]').click();
	await page.getByTestId('train-submit').click();
	await page.getByTestId('job-state').getByText(/Terminé|Échec|Annulé/).waitFor({ timeout: 60_000 }).catch(async (err) => {
		const { body: jobs } = await moderator.call('GET', '/api/v1/jobs');
		throw new Error(`${err.message}\npage: ${await page.locator('.job-progress').textContent()}\njobs: ${JSON.stringify(jobs)}`);
	});
	assert.equal(await page.getByTestId('job-state').textContent().then((t) => t.trim()), 'Terminé', await page.locator('.job-progress').textContent());
	const { body: models } = await moderator.call('GET', '/api/v1/ner/models');
	assert.equal(models.length, 1, JSON.stringify(models));
	assert.equal(models[0].status, 'ready', JSON.stringify(models[0]));
	await page.getByTestId(`model-activate-${models[0].id}`).click();
	await page.getByTestId(`model-${models[0].id}`).getByTestId('model-active').waitFor();
	const { body: info } = await moderator.call('GET', '/api/v1/pseudonymize/info');
	assert.equal(info.model_id, models[0].id);
	await expectNoA11yViolations(page, 'model registry with an active model');
	await screenshot(page, 'modeles');
	await page.getByTestId(`model-deactivate-${models[0].id}`).click();
	await page.getByTestId(`model-activate-${models[0].id}`).waitFor();
	assert.deepEqual(page.problems, []);
});
