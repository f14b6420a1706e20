// One day of each role, end to end in the browser (issue 10): a volunteer,
// a moderator, an administration's agent and an administrator. Each journey
// runs on its own server (fresh database, demo accounts), checks every page
// it visits with axe, and asserts what the product did through the
// interface and, where the interface does not show it, through the API.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startServer, launchBrowser, newPage, screenshot, signIn, waitForMail } from '../lib/harness.js';
import { expectNoA11yViolations } from '../lib/axe.js';
import { apiSession, cpIndex } from '../lib/api.js';
import { waitJob, sessionHeaders } from '../lib/ner.js';

const MODERATOR = ['moderation@demo.piaf.local', 'demo-moderation-mot-de-passe'];
const VOLUNTEER = ['benevole@demo.piaf.local', 'demo-benevole-mot-de-passe'];
const ADMIN = ['admin@demo.piaf.local', 'demo-admin-mot-de-passe'];

let browser;

before(async () => {
	browser = await launchBrowser();
});

after(async () => {
	await browser?.close();
});

/** Starts a fresh server for one journey and stops it when the test ends. */
async function serverFor(t) {
	const server = await startServer();
	t.after(async () => {
		const res = await server.stop();
		assert.equal(res.code, 0, 'piaf serve must exit 0 on SIGTERM');
	});
	return server;
}

/** Uploads a corpus file to a campaign through the API and waits for the import. */
async function importFile(server, campaignId, name, content, fields = {}) {
	const { headers } = await sessionHeaders(server, ...MODERATOR);
	const moderator = await apiSession(server, ...MODERATOR);
	const form = new FormData();
	form.append('file', new Blob([content]), name);
	for (const [k, v] of Object.entries(fields)) form.append(k, v);
	const res = await fetch(`${server.url}/api/v1/campaigns/${campaignId}/imports`, { method: 'POST', headers, body: form });
	const job = await res.json();
	assert.equal(res.status, 202, JSON.stringify(job));
	const done = await waitJob(moderator, job.id);
	assert.equal(done.state, 'succeeded', JSON.stringify(done));
	return done;
}

/**
 * Writes the questions of the next paragraph of a campaign through the API
 * (one distinct word of the paragraph per answer) and returns the
 * submission's question ids.
 */
async function writeParagraph(session, campaignId, key, label) {
	const { status, body: task } = await session.call('POST', `/api/v1/campaigns/${campaignId}/tasks/next`);
	assert.equal(status, 200, JSON.stringify(task));
	const text = task.paragraph.text;
	const words = [...new Set(text.match(/[\p{L}\p{N}]{5,}/gu))].slice(0, task.questions_needed);
	assert.equal(words.length, task.questions_needed, `not enough words in ${text}`);
	const pairs = words.map((w, i) => ({ question: `${label} ${task.paragraph.id}-${i + 1} : que dit le passage au sujet de « ${w} » ?`, answer: { start: cpIndex(text, w), text: w } }));
	const sub = await session.call('POST', `/api/v1/paragraphs/${task.paragraph.id}/submissions`, { idempotency_key: key, pairs });
	assert.equal(sub.status, 201, JSON.stringify(sub.body));
	return sub.body.question_ids;
}

/** A moderator accepts questions (those a trusted author had accepted at once stay so). */
async function acceptAll(moderator, ids) {
	for (const id of ids) {
		const d = await moderator.call('POST', `/api/v1/review/questions/${id}/decisions`, { action: 'accept' });
		assert.ok(d.status === 200 || d.body?.error?.code === 'invalid_transition', JSON.stringify(d.body));
	}
}

/** The level badge of the profile page, read after a fresh load. */
async function profileLevel(page, server) {
	await page.goto(server.url + '/profil');
	const level = page.getByTestId('profile-level');
	await level.waitFor();
	return (await level.textContent()).trim();
}

/** Clicks the word of the paragraph that starts with `word` (the nth one). */
async function clickWord(page, word, nth = 0) {
	await page.getByTestId('paragraph').locator('span.word', { hasText: new RegExp(`^${word}`) }).nth(nth).click();
}

/** The tutorial's three exercises: a click, the keyboard, a mouse drag. */
async function doTutorial(page) {
	await clickWord(page, '1905');
	await page.getByTestId('tutorial-check').click();
	await page.getByTestId('tutorial-feedback').getByText('Parfait').waitFor();
	await page.getByTestId('tutorial-next').click();
	await clickWord(page, 'près');
	for (let i = 0; i < 3; i++) await page.keyboard.press('Shift+ArrowRight');
	await page.getByTestId('tutorial-check').click();
	await page.getByTestId('tutorial-feedback').getByText('Parfait').waitFor();
	await page.getByTestId('tutorial-next').click();
	const from = await page.getByTestId('paragraph').locator('span.word', { hasText: /^ville$/ }).boundingBox();
	const to = await page.getByTestId('paragraph').locator('span.word', { hasText: /^région$/ }).boundingBox();
	await page.mouse.move(from.x - 25, from.y + from.height / 2);
	await page.mouse.down();
	await page.mouse.move(to.x + to.width - 2, to.y + to.height / 2, { steps: 5 });
	await page.mouse.up();
	await page.getByTestId('tutorial-check').click();
	await page.getByTestId('tutorial-feedback').getByText('Parfait').waitFor();
	await page.getByTestId('tutorial-next').click();
	await page.getByTestId('tutorial-finish').click();
}

test('a volunteer signs up, does the tutorial, writes a paragraph’s five pairs, and rises from level 1 to 3 through accepted work and answer mode', async (t) => {
	const server = await serverFor(t);
	const page = await newPage(browser);
	const email = 'nour.benevole@exemple.fr';
	const password = 'colibri-ardoise-tambour-neige-42';

	// Sign-up, the confirmation e-mail, sign-in.
	await page.goto(server.url + '/inscription');
	await page.getByTestId('signup-email').fill(email);
	await page.getByTestId('signup-pseudonym').fill('Nour V');
	await page.getByTestId('signup-password').fill(password);
	await expectNoA11yViolations(page, 'sign-up');
	await page.getByTestId('signup-submit').click();
	await page.getByText('Vérifiez votre messagerie').waitFor();
	const mail = await waitForMail(server, email, 'confirmez');
	await page.goto(mail.text.match(/https?:\/\/\S+jeton=\S+/)[0]);
	await page.getByTestId('verified-login').click();
	await page.getByTestId('login-email').fill(email);
	await page.getByTestId('login-password').fill(password);
	await page.getByTestId('login-submit').click();
	await page.getByTestId('header-user').getByText('Nour V').waitFor();
	assert.equal(await profileLevel(page, server), 'Niveau 1');
	await expectNoA11yViolations(page, 'profile (level 1)');

	// The campaign, the tutorial on the first visit, then the annotation screen.
	await page.goto(server.url + '/campagnes');
	await page.getByTestId('campaign-demo-services-publics').click();
	await page.getByTestId('start-annotating').click();
	await page.waitForURL(/\/tutoriel/);
	await expectNoA11yViolations(page, 'tutorial');
	await doTutorial(page);
	await page.waitForURL(/\/campagnes\/1\/annoter$/);
	await page.getByTestId('paragraph').waitFor();
	await expectNoA11yViolations(page, 'annotation screen');
	const add = async (question, select) => {
		await page.getByTestId('question-input').fill(question);
		await select();
		await page.getByTestId('add-pair').click();
	};
	// Mouse: a click on a word.
	await add('Depuis quelle année la carte a-t-elle un format de carte bancaire ?', () => clickWord(page, '2021'));
	// Keyboard only: Home, → to "puce", Shift+→, Enter adds the pair.
	await page.getByTestId('question-input').fill('Quel élément électronique la nouvelle carte contient-elle ?');
	await page.getByTestId('paragraph').focus();
	await page.keyboard.press('Home');
	const words = await page.getByTestId('paragraph').locator('span.word').allTextContents();
	for (let i = 0; i < words.indexOf('puce'); i++) await page.keyboard.press('ArrowRight');
	await page.keyboard.press('Shift+ArrowRight');
	await page.getByTestId('answer-preview').getByText('« puce sécurisée »').waitFor();
	await page.keyboard.press('Enter');
	await page.getByTestId('pair-counter').getByText('2 / 5').waitFor();
	// Mouse, then the keyboard extends the span.
	await add('Où faut-il déposer sa demande de carte ?', async () => {
		await clickWord(page, 'dans', 1);
		for (let i = 0; i < 3; i++) await page.keyboard.press('Shift+ArrowRight');
	});
	// A mouse drag over two words.
	await add('Que permet de faire ce document d’identité ?', async () => {
		const a = await page.getByTestId('paragraph').locator('span.word', { hasText: /^prouver$/ }).boundingBox();
		const b = await page.getByTestId('paragraph').locator('span.word', { hasText: /^identité$/ }).last().boundingBox();
		await page.mouse.move(a.x + 2, a.y + a.height / 2);
		await page.mouse.down();
		await page.mouse.move(b.x + b.width - 2, b.y + b.height / 2, { steps: 5 });
		await page.mouse.up();
	});
	await add('Sans quel titre peut-on voyager dans l’Union européenne ?', () => clickWord(page, 'passeport'));
	await page.getByTestId('pair-counter').getByText('5 / 5').waitFor();
	const answers = await page.getByTestId('pairs').locator('li').allTextContents();
	assert.match(answers.join('\n'), /« prouver son identité »/);
	await page.getByTestId('submit-paragraph').click();
	await page.getByTestId('next-paragraph').waitFor();

	// Still level 1: answer mode is closed until work is accepted.
	assert.equal(await profileLevel(page, server), 'Niveau 1');
	await page.goto(server.url + '/campagnes/1/repondre');
	await page.getByText('Le mode réponse s’ouvre au niveau 2').waitFor();
	await expectNoA11yViolations(page, 'answer mode (closed)');

	// A moderator accepts the five pairs (API): level 2.
	const volunteer = await apiSession(server, email, password);
	const moderator = await apiSession(server, ...MODERATOR);
	const { body: me } = await volunteer.call('GET', '/api/v1/me');
	const { body: queue } = await moderator.call('GET', `/api/v1/campaigns/1/review?state=submitted&contributor=${me.id}&per_page=50`);
	assert.equal(queue.items.length, 5, JSON.stringify(queue));
	assert.ok(queue.items.some((it) => it.answer.text === 'prouver son identité'), 'the dragged span was submitted');
	await acceptAll(moderator, queue.items.map((it) => it.question.id));
	assert.equal(await profileLevel(page, server), 'Niveau 2');
	await page.getByText('encore 15 questions acceptées et 10 réponses').waitFor();

	// More accepted work, seeded through the API: 20 accepted questions.
	for (let i = 0; i < 3; i++) await acceptAll(moderator, await writeParagraph(volunteer, 1, `journey-volunteer-${i}`, 'Question'));
	const { body: progress } = await volunteer.call('GET', '/api/v1/me/progress');
	assert.equal(progress.questions_accepted, 20, JSON.stringify(progress));
	assert.equal(await profileLevel(page, server), 'Niveau 2');

	// A campaign whose questions all collect more answers, with ten test
	// questions written by someone else.
	const { status, body: campaign } = await moderator.call('POST', '/api/v1/campaigns', { kind: 'qa', title: 'Questions à vérifier', status: 'open', test_share: 100, gold_rate: 0 });
	assert.equal(status, 201, JSON.stringify(campaign));
	await importFile(server, campaign.id, 'textes.txt', [
		'La médiathèque municipale ouvre ses portes du mardi au samedi. Les habitants peuvent y emprunter des livres, des disques et des films gratuitement.',
		'Le centre communal d’action sociale accompagne les familles dans leurs démarches. Ses agents reçoivent le public sans rendez-vous le lundi matin.'
	].join('\n\n') + '\n');
	const other = await apiSession(server, ...VOLUNTEER);
	for (let i = 0; i < 2; i++) await writeParagraph(other, campaign.id, `journey-test-questions-${i}`, 'Vérification');

	// Answer mode: ten answers, by mouse and by keyboard.
	await page.goto(`${server.url}/campagnes/${campaign.id}`);
	await page.getByRole('link', { name: 'Répondre aux questions' }).click();
	await page.waitForURL(/\/repondre$/);
	await page.getByTestId('answer-question').waitFor();
	await expectNoA11yViolations(page, 'answer mode');
	const questionText = async () => (await page.getByTestId('answer-question').textContent()).trim();
	const seen = new Set();
	let current = await questionText();
	for (let n = 1; n <= 10; n++) {
		seen.add(current);
		if (n % 2) {
			await page.getByTestId('paragraph').locator('span.word').nth(n).click();
			await page.getByTestId('submit-answer').click();
		} else {
			await page.getByTestId('paragraph').focus();
			await page.keyboard.press('Home');
			await page.keyboard.press('Shift+ArrowRight');
			await page.keyboard.press('Enter');
		}
		await page.getByText(`${n} réponse(s) données`).waitFor();
		if (n === 10) break;
		// The next question replaces the one answered.
		await page.waitForFunction((prev) => document.querySelector('[data-testid="answer-question"]')?.textContent.trim() !== prev, current);
		current = await questionText();
	}
	assert.equal(seen.size, 10, 'ten different questions');
	await page.getByText('Aucune question n’attend de réponse de votre part').waitFor();

	// Level 3, with the badge.
	assert.equal(await profileLevel(page, server), 'Niveau 3');
	await page.getByText('Expert : vous avez accès aux campagnes certifiées.').waitFor();
	await page.getByText('Certifié', { exact: true }).waitFor();
	await expectNoA11yViolations(page, 'profile (level 3)');
	const { body: after } = await volunteer.call('GET', '/api/v1/me/progress');
	assert.equal(after.answers_given, 10);
	assert.equal(after.level, 3);
	assert.deepEqual(page.problems, []);
});

/** A SQuAD file of town halls, three questions a paragraph. */
function townHalls() {
	const towns = [['Annecy', '1884', 'Marie Dupuis'], ['Vannes', '1902', 'Louis Berger'], ['Millau', '1927', 'Anne Roussel']];
	const data = towns.map(([town, year, architect], d) => {
		const context = `La mairie d’${town} occupe un bâtiment construit en ${year} sur les plans de l’architecte ${architect}. Elle accueille le public chaque jour ouvrable et célèbre les mariages dans sa grande salle.`;
		const at = (a) => cpIndex(context, a);
		const qas = [
			[`En quelle année la mairie d’${town} a-t-elle été construite ?`, year],
			[`Qui a dessiné les plans de la mairie d’${town} ?`, architect],
			[`Où les mariages sont-ils célébrés à ${town} ?`, 'dans sa grande salle']
		].map(([question, answer], k) => ({ id: `m${d}-${k}`, question, answers: [{ answer_start: at(answer), text: answer }] }));
		return { title: `Mairie d’${town}`, paragraphs: [{ context, qas }] };
	});
	return JSON.stringify({ version: 'e2e', data });
}

test('a moderator creates a campaign, imports a corpus watching the job, reviews with the keyboard, then publishes a release found in the catalogue', async (t) => {
	const server = await serverFor(t);
	const page = await newPage(browser);
	await signIn(page, server, ...MODERATOR);

	// A new campaign, from the campaigns page.
	await page.goto(server.url + '/campagnes');
	await page.getByRole('link', { name: 'Nouvelle campagne' }).click();
	await page.waitForURL(/\/campagnes\/nouvelle$/);
	await page.getByTestId('campaign-title').waitFor();
	await expectNoA11yViolations(page, 'new campaign');
	await page.locator('label[for=kind-qa]').click();
	await page.getByTestId('campaign-title').fill('Mairies de France');
	await page.locator('#description').fill('Des questions sur les hôtels de ville.');
	await page.getByTestId('create-campaign').click();
	await page.waitForURL(/\/campagnes\/\d+\/gerer$/);
	const id = Number(page.url().match(/campagnes\/(\d+)\/gerer/)[1]);
	await page.getByTestId('campaign-status').getByText('Brouillon').waitFor();
	await page.getByTestId('open-campaign').click();
	await page.getByTestId('campaign-status').getByText('Ouverte').waitFor();
	await expectNoA11yViolations(page, 'manage campaign');

	// The corpus by upload; the job's progress shows live, then the report.
	await page.getByTestId('import-file').setInputFiles({ name: 'mairies.json', mimeType: 'application/json', buffer: Buffer.from(townHalls()) });
	await page.getByTestId('import-submit').click();
	await page.getByTestId('job-state').waitFor();
	await page.getByTestId('job-state').getByText('Terminé').waitFor({ timeout: 60_000 });
	assert.equal((await page.getByTestId('job-percent').textContent()).trim(), '100 %');
	await page.getByTestId('import-report').getByText('3 documents, 3 nouveaux paragraphes, 9 nouvelles questions, 0 lignes refusées.').waitFor();
	await expectNoA11yViolations(page, 'manage campaign after import');

	// The review screen, keyboard only: j/k move, a accepts, r rejects.
	await page.goto(`${server.url}/campagnes/${id}`);
	await page.getByTestId('review-link').click();
	await page.getByTestId('review-question').waitFor();
	await page.getByTestId('queue-size').getByText('9 à relire').waitFor();
	await expectNoA11yViolations(page, 'review screen');
	const question = async () => (await page.getByTestId('review-question').textContent()).trim();
	const first = await question();
	await page.keyboard.press('j');
	await page.waitForFunction((q) => document.querySelector('[data-testid="review-question"]')?.textContent.trim() !== q, first);
	await page.keyboard.press('k');
	await page.waitForFunction((q) => document.querySelector('[data-testid="review-question"]')?.textContent.trim() === q, first);
	const rejected = first;
	await page.keyboard.press('r');
	await page.locator('label[for=reason-wrong_span]').click();
	await page.locator('#reason-comment').fill('La réponse est incomplète.');
	await page.getByTestId('confirm-reject').click();
	await page.getByText('Rejetée.').waitFor();
	const accepted = [];
	for (let i = 0; i < 8; i++) {
		const q = await question();
		accepted.push(q);
		await page.locator('body').press('a');
		await page.waitForFunction((prev) => {
			const el = document.querySelector('[data-testid="review-question"]');
			return !el || el.textContent.trim() !== prev;
		}, q);
	}
	await page.getByTestId('queue-empty').waitFor();
	assert.ok(!accepted.includes(rejected));
	const moderator = await apiSession(server, ...MODERATOR);
	const { body: acceptedQueue } = await moderator.call('GET', `/api/v1/campaigns/${id}/review?state=accepted&per_page=50`);
	assert.deepEqual(acceptedQueue.items.map((it) => it.question.text).sort(), [...accepted].sort());
	const { body: rejectedQueue } = await moderator.call('GET', `/api/v1/campaigns/${id}/review?state=rejected&per_page=50`);
	assert.deepEqual(rejectedQueue.items.map((it) => it.question.text), [rejected]);

	// A release of the accepted questions, built live, then published.
	await page.goto(`${server.url}/campagnes/${id}`);
	await page.getByTestId('versions-link').click();
	await page.getByTestId('release-form').waitFor();
	await page.getByTestId('release-version').fill('1.0.0');
	await page.locator('#release-changelog').fill('Première version des mairies.');
	await page.getByTestId('release-submit').click();
	await page.getByTestId('job-state').getByText('Terminé').waitFor({ timeout: 60_000 });
	await page.getByTestId('open-release').click();
	await page.getByTestId('release-status').getByText('Brouillon').waitFor();
	await page.getByTestId('split-counts').waitFor();
	await expectNoA11yViolations(page, 'release draft');
	await page.getByTestId('publish').click();
	await page.getByTestId('confirm-publish').click();
	await page.getByTestId('release-status').getByText('Publiée').waitFor();

	// The catalogue lists it; its files hold the eight accepted questions.
	const { body: campaign } = await moderator.call('GET', `/api/v1/campaigns/${id}`);
	await page.goto(server.url + '/jeux-de-donnees');
	await page.getByTestId(`catalogue-link-${campaign.slug}`).click();
	await page.waitForURL(new RegExp(`/campagnes/${id}/versions/1\\.0\\.0$`));
	await page.getByTestId('release-files').waitFor();
	await expectNoA11yViolations(page, 'published release');
	const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-questions.csv').click()]);
	const rows = readFileSync(await csv.path(), 'utf8').trim().split('\r\n');
	assert.equal(rows.length, 1 + accepted.length);
	assert.ok(!rows.some((r) => r.includes(rejected)), 'the rejected question is not released');
	assert.deepEqual(page.problems, []);
});

const towns = ['Évry', 'Orléans', 'Besançon', 'Nîmes', 'Angoulême', 'Pontoise', 'Sète', 'Créteil', 'Compiègne', 'Châlons', 'Épinal', 'Mâcon', 'Rodez', 'Agen', 'Alençon', 'Évreux', 'Périgueux', 'Brest', 'Montbéliard', 'Béziers'];
const founders = ['Émile Durand', 'Hélène Boucher', 'Joséphine Marchand', 'Léon Petit', 'Françoise Lefèvre', 'André Girard', 'Cécile Moreau', 'Jérôme Rivière'];

/** The hospitals SQuAD file of the qa test: questions following a few patterns. */
function hospitals() {
	const data = towns.map((town, d) => {
		const year = String(1801 + d * 7);
		const context = `L’hôpital d’${town} est l’établissement de santé de la ville. Il a été fondé en ${year} par ${founders[d % founders.length]}, qui l’a dirigé pendant vingt ans. Aujourd’hui, l’hôpital compte ${120 + d * 11} lits et accueille des patients de toute la région.`;
		const qas = [
			[`En quelle année l’hôpital d’${town} a-t-il été fondé ?`, year],
			[`Qui a fondé l’hôpital d’${town} ?`, founders[d % founders.length]],
			[`Combien de lits compte l’hôpital d’${town} ?`, String(120 + d * 11)]
		].map(([question, answer], k) => ({ id: `h${d}-${k}`, question, answers: [{ answer_start: cpIndex(context, answer), text: answer }] }));
		return { title: `Hôpital d’${town}`, paragraphs: [{ context, qas }] };
	});
	return JSON.stringify({ version: 'e2e', data });
}

test('an administration’s agent signs in with ProConnect, downloads a restricted release, asks the QA engine and pseudonymises a document', async (t) => {
	const server = await serverFor(t);
	// Prepared by the moderators (API): a restricted release, a collection
	// of its paragraphs and a model trained on it, chosen for the collection.
	const moderator = await apiSession(server, ...MODERATOR);
	const { body: campaign } = await moderator.call('POST', '/api/v1/campaigns', { kind: 'qa', title: 'Hôpitaux de France', status: 'open' });
	await importFile(server, campaign.id, 'hopitaux.json', hospitals(), { pre_accept: 'true' });
	const rel = await moderator.call('POST', `/api/v1/campaigns/${campaign.id}/releases`, { version: '1.0.0', title: 'Hôpitaux (réservé)', visibility: 'restricted' });
	assert.equal(rel.status, 201, JSON.stringify(rel.body));
	assert.equal((await waitJob(moderator, rel.body.job_id)).state, 'succeeded');
	assert.equal((await moderator.call('POST', `/api/v1/campaigns/${campaign.id}/releases/1.0.0/publish`)).status, 200);
	const col = await moderator.call('POST', '/api/v1/qa/collections', { name: 'Hôpitaux', campaign_id: campaign.id });
	assert.equal(col.status, 201, JSON.stringify(col.body));
	assert.equal((await waitJob(moderator, col.body.job_id)).state, 'succeeded');
	const training = await moderator.call('POST', '/api/v1/qa/models', { campaign_id: campaign.id, version: '1.0.0', epochs: 3 });
	assert.equal(training.status, 201, JSON.stringify(training.body));
	assert.equal((await waitJob(moderator, training.body.job_id)).state, 'succeeded');
	const chosen = await moderator.call('PUT', `/api/v1/qa/collections/${col.body.collection.id}/model`, { model_id: training.body.model.id });
	assert.equal(chosen.status, 200, JSON.stringify(chosen.body));

	// Anonymous visitors may not download the restricted files.
	assert.equal((await fetch(`${server.url}/datasets/${campaign.slug}/1.0.0/train.jsonl`)).status, 401);

	// Sign-in with ProConnect: an agent of the Ministry of the Interior is a consumer.
	const page = await newPage(browser);
	await page.goto(server.url + '/connexion');
	await page.getByTestId('proconnect-login').click();
	await page.getByTestId('agent-agent-yannick').click();
	await page.waitForURL(server.url + '/');
	await page.getByTestId('header-user').getByText('Yannick').waitFor();
	await page.goto(server.url + '/profil');
	assert.equal(await page.getByTestId('profile-role').textContent(), 'Administration utilisatrice');

	// The restricted release, from the catalogue.
	await page.getByRole('link', { name: 'Jeux de données' }).first().click();
	await page.getByTestId(`catalogue-link-${campaign.slug}`).click();
	await page.getByTestId('release-files').waitFor();
	await expectNoA11yViolations(page, 'restricted release (consumer)');
	let rows = 0;
	for (const split of ['train', 'dev', 'test']) {
		const [d] = await Promise.all([page.waitForEvent('download'), page.getByTestId(`download-${split}.jsonl`).click()]);
		rows += readFileSync(await d.path(), 'utf8').split('\n').filter(Boolean).length;
	}
	assert.equal(rows, towns.length * 3);

	// The QA engine, in French.
	await page.getByRole('link', { name: 'Poser une question' }).first().click();
	await page.waitForURL(/\/questions$/);
	await page.getByTestId('qa-collection').selectOption('hopitaux');
	await page.getByTestId('qa-question').fill('En quelle année l’hôpital d’Évreux a-t-il été fondé ?');
	await page.getByTestId('qa-submit').click();
	const answer = page.getByTestId('qa-answer-0');
	await answer.waitFor();
	const year = String(1801 + towns.indexOf('Évreux') * 7);
	assert.equal((await answer.getByTestId('qa-answer-text').textContent()).trim(), year);
	assert.match(await answer.textContent(), /Hôpital d’Évreux/);
	await expectNoA11yViolations(page, 'qa answers (consumer)');

	// Pseudonymisation of a pasted document, reviewed, then downloaded.
	await page.getByRole('link', { name: 'Pseudonymiser' }).click();
	await page.waitForURL(/\/pseudonymiser$/);
	await page.getByTestId('pseudo-text').fill('Le 3 mars 2024, Mme Sophie Martin a déposé une plainte contre M. Paul Leroy au commissariat.');
	await page.getByTestId('pseudo-detect').click();
	const entity = (text) => page.getByTestId('pseudo-entity').and(page.locator(`[data-text="${text}"]`));
	await entity('Sophie Martin').waitFor();
	await entity('Paul Leroy').waitFor();
	await expectNoA11yViolations(page, 'pseudonymisation review (consumer)');
	await page.getByTestId('pseudo-accept-all').click();
	await page.getByTestId('pseudo-run').click();
	const output = await page.getByTestId('pseudo-output').inputValue();
	assert.ok(!output.includes('Sophie Martin') && !output.includes('Paul Leroy'), output);
	assert.ok(output.includes('a déposé une plainte contre'), output);
	const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId('pseudo-download').click()]);
	assert.equal(readFileSync(await file.path(), 'utf8'), output);
	assert.deepEqual(page.problems, []);
});

test('an administrator promotes a user, creates and revokes an API token, and finds those actions in the audit log', async (t) => {
	const server = await serverFor(t);
	const target = await apiSession(server, ...VOLUNTEER);
	const { body: before } = await target.call('GET', '/api/v1/me');
	assert.equal(before.role, 'contributor');

	const page = await newPage(browser);
	await signIn(page, server, ...ADMIN);
	const { body: admin } = await (await apiSession(server, ...ADMIN)).call('GET', '/api/v1/me');

	// Roles: find the volunteer and make them a moderator.
	// Administration is a drop-down of the navigation bar; it closes once its link is followed.
	await page.getByTestId('nav-menu-admin').click();
	await page.getByRole('link', { name: 'Utilisateurs' }).click();
	await page.waitForURL(/\/admin\/utilisateurs$/);
	await page.locator('#nav-menu-admin').waitFor({ state: 'hidden' });
	assert.equal(await page.getByTestId('nav-menu-admin').getAttribute('aria-expanded'), 'false');
	assert.equal(await page.getByTestId('nav-menu-admin').getAttribute('aria-current'), 'true');
	await page.locator('#user-search').fill('benevole@demo');
	await page.locator('#user-search').press('Enter');
	await page.getByText('1 utilisateur(s)').waitFor();
	await expectNoA11yViolations(page, 'admin users');
	await page.getByTestId(`role-${VOLUNTEER[0]}`).selectOption('moderator');
	await page.getByText('Rôle mis à jour.').waitFor();
	assert.equal(await page.getByTestId(`role-${VOLUNTEER[0]}`).inputValue(), 'moderator');
	// The change holds for the volunteer's existing session.
	const { body: promoted } = await target.call('GET', '/api/v1/me');
	assert.equal(promoted.role, 'moderator');
	const queue = await target.call('GET', '/api/v1/campaigns/1/review?per_page=1');
	assert.equal(queue.status, 200, JSON.stringify(queue.body));

	// An API token for the pseudonymisation API: created, used, revoked, refused.
	await page.goto(server.url + '/profil/jetons');
	await page.locator('#name').fill('Pseudonymisation nocturne');
	await page.locator('label[for="scope-pseudo:run"]').click();
	await expectNoA11yViolations(page, 'tokens');
	await page.getByRole('button', { name: 'Créer le jeton' }).click();
	const secret = (await page.getByTestId('token-secret').textContent()).trim();
	const row = page.locator('tr', { hasText: 'Pseudonymisation nocturne' });
	await row.getByText('pseudo:run').waitFor();
	const info = (headers = {}) => fetch(server.url + '/api/v1/pseudonymize/info', { headers }).then((r) => r.status);
	assert.equal(await info(), 401);
	assert.equal(await info({ Authorization: `Bearer ${secret}` }), 200);
	await row.getByRole('button', { name: 'Révoquer' }).click();
	await row.getByText('Révoqué').waitFor();
	assert.equal(await info({ Authorization: `Bearer ${secret}` }), 401);

	// The audit log holds the three actions, with their actor and target.
	await page.goto(server.url + '/admin/journal');
	const table = page.getByTestId('audit-table');
	await table.getByText('token_revoked').waitFor();
	await expectNoA11yViolations(page, 'audit log');
	const rows = () =>
		table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.dataset.action, ...[...tr.querySelectorAll('td')].map((td) => td.innerText.trim())]));
	const entries = await rows();
	const find = (action) => entries.find((e) => e[0] === action);
	// Accounts by pseudonym, the event in words, its details readable.
	assert.deepEqual(find('role_changed')?.slice(2, 6), ['Rôle changé\nrole_changed', admin.pseudonym, before.pseudonym, 'Ancien rôle\u00a0: Contributeur\nNouveau rôle\u00a0: Modérateur'], JSON.stringify(entries));
	assert.deepEqual(find('token_created')?.slice(3, 5), [admin.pseudonym, admin.pseudonym], JSON.stringify(entries));
	assert.match(find('token_created')[5], /Droits\u00a0: (.*, )?pseudo:run/);
	assert.deepEqual(find('token_revoked')?.slice(3, 5), [admin.pseudonym, admin.pseudonym], JSON.stringify(entries));
	// Newest first: the revocation after the creation after the role change.
	const order = ['token_revoked', 'token_created', 'role_changed'].map((a) => entries.findIndex((e) => e[0] === a));
	assert.deepEqual([...order].sort((a, b) => a - b), order);
	await screenshot(page, 'journey-admin-audit');
	// The volunteer's name leads to that account's events only.
	await table.locator('tr[data-action="role_changed"]').getByRole('link', { name: before.pseudonym }).click();
	await page.waitForURL(new RegExp(`/admin/journal\\?compte=${before.id}$`));
	await page.getByText(`Événements du compte ${before.pseudonym}`).waitFor();
	await table.locator('tr[data-action="role_changed"]').waitFor();
	const theirs = await rows();
	assert.ok(!theirs.some((e) => e[0].startsWith('token_')), JSON.stringify(theirs));
	assert.ok(theirs.every((e) => e.slice(3, 5).includes(before.pseudonym)), JSON.stringify(theirs));
	await expectNoA11yViolations(page, 'audit log of one account');
	assert.deepEqual(page.problems, []);
});
