import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, screenshot, signIn } from '../lib/harness.js';
import { expectNoA11yViolations } from '../lib/axe.js';
import { apiSession } from '../lib/api.js';
import { waitJob, sessionHeaders } from '../lib/ner.js';

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

const towns = ['Évry', 'Orléans', 'Besançon', 'Nîmes', 'Angoulême', 'Pontoise', 'Sète', 'Créteil', 'Compiègne', 'Châlons', 'Épinal', 'Mâcon', 'Rodez', 'Agen', 'Alençon', 'Évreux', 'Périgueux', 'Brest', 'Montbéliard', 'Béziers'];
const founders = ['Émile Durand', 'Hélène Boucher', 'Joséphine Marchand', 'Léon Petit', 'Françoise Lefèvre', 'André Girard', 'Cécile Moreau', 'Jérôme Rivière'];

/** A SQuAD file of hospitals whose questions follow a few patterns (as in the Go tests). */
function fixture() {
	const data = towns.map((town, d) => {
		const year = String(1801 + d * 7);
		const founder = founders[d % founders.length];
		const beds = String(120 + d * 11);
		const context = `L’hôpital d’${town} 🏥 est l’établissement de santé de la ville. Il a été fondé en ${year} par ${founder}, qui l’a dirigé pendant vingt ans. Aujourd’hui, l’hôpital compte ${beds} lits et accueille des patients de toute la région.`;
		const at = (a) => Array.from(context.slice(0, context.indexOf(a))).length;
		const qas = [
			[`En quelle année l’hôpital d’${town} a-t-il été fondé ?`, year],
			[`Qui a fondé l’hôpital d’${town} ?`, founder],
			[`Combien de lits compte l’hôpital d’${town} ?`, beds]
		].map(([question, answer], k) => ({ id: `h${d}-${k}`, question, answers: [{ answer_start: at(answer), text: answer }] }));
		return { title: `Hôpital d’${town}`, paragraphs: [{ context, qas }] };
	});
	return JSON.stringify({ version: 'e2e', data });
}

test('a moderator makes a collection of a campaign, trains a model from its release and chooses it; a volunteer asks in French, sees the answer highlighted and says it helped', async () => {
	const moderator = await apiSession(server, 'moderation@demo.piaf.local', 'demo-moderation-mot-de-passe');
	const headers = await sessionHeaders(server, 'moderation@demo.piaf.local', 'demo-moderation-mot-de-passe');
	// A campaign with accepted questions and its release 1.0.0 (API).
	const { status, body: campaign } = await moderator.call('POST', '/api/v1/campaigns', { kind: 'qa', title: 'Hôpitaux de France', status: 'open' });
	assert.equal(status, 201, JSON.stringify(campaign));
	const form = new FormData();
	form.append('file', new Blob([fixture()], { type: 'application/json' }), 'hopitaux.json');
	form.append('pre_accept', 'true');
	const res = await fetch(`${server.url}/api/v1/campaigns/${campaign.id}/imports`, { method: 'POST', headers: headers.headers, body: form });
	const importJob = await res.json();
	assert.equal(res.status, 202, JSON.stringify(importJob));
	assert.equal((await waitJob(moderator, importJob.id)).state, 'succeeded');
	const rel = await moderator.call('POST', `/api/v1/campaigns/${campaign.id}/releases`, { version: '1.0.0', title: 'Hôpitaux' });
	assert.equal(rel.status, 201, JSON.stringify(rel.body));
	assert.equal((await waitJob(moderator, rel.body.job_id)).state, 'succeeded');

	// The moderator makes a collection of the campaign's paragraphs and
	// watches it being indexed.
	const page = await newPage(browser);
	await signIn(page, server, 'moderation@demo.piaf.local', 'demo-moderation-mot-de-passe');
	await page.goto(server.url + '/collections');
	await page.getByTestId('collections-empty').waitFor();
	await page.getByTestId('create-campaign').selectOption(String(campaign.id));
	await page.getByTestId('create-name').fill('Hôpitaux de France');
	await expectNoA11yViolations(page, 'collections');
	await page.getByTestId('create-submit').click();
	await page.getByTestId('job-state').getByText('Terminé').waitFor({ timeout: 30_000 });
	await page.getByTestId('collection-hopitaux-de-france').getByTestId('collection-status').getByText('Prête').waitFor();

	// It trains a model from the release, follows the job and its learning
	// curve, and chooses the model for the collection.
	await page.goto(server.url + '/modeles-qa');
	await page.getByTestId('qa-models-empty').waitFor();
	await page.getByTestId('qa-train-campaign').selectOption(String(campaign.id));
	await page.getByTestId('qa-train-release').locator('option').first().waitFor({ state: 'attached' });
	await page.getByTestId('qa-train-epochs').fill('3');
	await expectNoA11yViolations(page, 'qa models');
	await page.getByTestId('qa-train-submit').click();
	await page.getByTestId('job-state').getByText('Terminé').waitFor({ timeout: 60_000 });
	await page.getByTestId('learning-curve').first().waitFor();
	const { body: models } = await moderator.call('GET', '/api/v1/qa/models');
	assert.equal(models.length, 1);
	const model = models[0];
	assert.equal(model.status, 'ready', JSON.stringify(model));
	assert.ok(model.metrics.test.f1 > 0, JSON.stringify(model.metrics));
	assert.equal(model.curve.length, 3);
	await page.getByTestId(`qa-model-${model.id}`).getByTestId('qa-model-status').getByText('Prêt').waitFor();
	const { body: collections } = await moderator.call('GET', '/api/v1/qa/collections');
	await page.getByTestId(`qa-model-target-${model.id}`).selectOption(String(collections[0].id));
	await page.getByTestId(`qa-model-choose-${model.id}`).click();
	await page.getByText('répond désormais avec le modèle').first().waitFor();
	await expectNoA11yViolations(page, 'qa models with a trained model');
	await screenshot(page, 'qa-models');
	assert.deepEqual(page.problems, []);

	// A volunteer asks a French question and sees the answer highlighted in
	// its passage, with its source, then says it helped.
	const volunteer = await newPage(browser);
	await signIn(volunteer, server, 'benevole@demo.piaf.local', 'demo-benevole-mot-de-passe');
	await volunteer.goto(server.url + '/questions');
	await volunteer.getByTestId('qa-question').waitFor();
	await volunteer.getByTestId('qa-collection').selectOption('hopitaux-de-france');
	await volunteer.getByTestId('qa-submit').click();
	await volunteer.getByText('Écrivez une question.').waitFor();
	await volunteer.getByTestId('qa-question').fill('En quelle année l’hôpital d’Évreux a-t-il été fondé ?');
	await volunteer.getByTestId('qa-submit').click();
	const first = volunteer.getByTestId('qa-answer-0');
	await first.waitFor();
	const year = String(1801 + towns.indexOf('Évreux') * 7);
	assert.equal((await first.getByTestId('qa-answer-text').textContent()).trim(), year);
	assert.equal(await first.getByTestId('qa-mark').textContent(), year);
	assert.match(await first.textContent(), /Hôpital d’Évreux/);
	assert.match(await first.textContent(), /L’hôpital d’Évreux 🏥 est l’établissement de santé/);
	await expectNoA11yViolations(volunteer, 'qa answers');
	await first.getByTestId('qa-useful-0').click();
	await volunteer.getByTestId('qa-thanks-0').waitFor();
	await screenshot(volunteer, 'qa-ask');
	assert.deepEqual(volunteer.problems, []);

	// Anonymous visitors find no collection until the moderator makes it
	// public; then they may ask too.
	const visitor = await newPage(browser);
	await visitor.goto(server.url + '/questions');
	await visitor.getByTestId('qa-no-collection').waitFor();
	await expectNoA11yViolations(visitor, 'ask page without public collection');
	await page.goto(server.url + '/collections');
	await page.getByTestId('collection-public-hopitaux-de-france').click();
	await page.getByText('est désormais publique').first().waitFor();
	await visitor.reload();
	await visitor.getByTestId('qa-question').fill('Qui a fondé l’hôpital de Brest ?');
	await visitor.getByTestId('qa-submit').click();
	await visitor.getByTestId('qa-answer-0').waitFor();
	assert.equal(await visitor.getByTestId('qa-answer-0').getByTestId('qa-mark').textContent(), founders[towns.indexOf('Brest') % founders.length]);
	assert.deepEqual(visitor.problems, []);
	assert.deepEqual(page.problems, []);

	const { body: useful } = await moderator.call('GET', '/api/v1/qa/feedback?useful=true');
	assert.equal(useful.length, 1);
	assert.equal(useful[0].answer, year);
	assert.equal(useful[0].question, 'En quelle année l’hôpital d’Évreux a-t-il été fondé ?');
});
