import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, launchBrowser, newPage, screenshot, signIn } from '../lib/harness.js';
import { expectNoA11yViolations } from '../lib/axe.js';
import { docx, unzip, zip } from '../lib/ner.js';

let server;
let browser;
const dir = mkdtempSync(join(tmpdir(), 'piaf-pseudo-'));

before(async () => {
	server = await startServer();
	browser = await launchBrowser();
});

after(async () => {
	await browser?.close();
	await server?.stop();
});

const entity = (page, text) => page.getByTestId('pseudo-entity').and(page.locator(`[data-text="${text}"]`));

test('a consumer pseudonymises a pasted text after rejecting a false entity, then a .docx keeping its bold run, then a zip batch', async () => {
	const page = await newPage(browser);
	await signIn(page, server, 'administration@demo.piaf.local', 'demo-administration-mot-de-passe');
	await page.getByRole('link', { name: 'Pseudonymiser' }).click();
	await page.waitForURL(/\/pseudonymiser$/);
	await page.getByTestId('pseudo-model').waitFor();
	await expectNoA11yViolations(page, 'pseudonymisation page');

	// A pasted text: the rules find two persons, and "Jean Jaurès" (a square here).
	const text = 'Le témoin, Mme Sophie Martin, a rencontré M. Paul Leroy place Jean Jaurès à Marseille le 2 juin 2024.';
	await page.getByTestId('pseudo-text').fill(text);
	await page.getByTestId('pseudo-detect').click();
	await entity(page, 'Jean Jaurès').waitFor();
	assert.equal(await entity(page, 'Sophie Martin').getAttribute('data-status'), 'pending');
	// Mandatory review: no output while an entity is unchecked.
	assert.equal(await page.getByTestId('pseudo-run').isDisabled(), true);
	await entity(page, 'Jean Jaurès').getByTestId('pseudo-reject').click();
	assert.equal(await entity(page, 'Jean Jaurès').getAttribute('data-status'), 'rejected');
	assert.equal(await page.getByTestId('pseudo-run').isDisabled(), true);
	await page.getByTestId('pseudo-accept-all').click();
	await expectNoA11yViolations(page, 'pseudonymisation review');
	await page.setViewportSize({ width: 360, height: 800 });
	assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'no horizontal scroll at 360 px');
	await page.setViewportSize({ width: 1280, height: 720 });
	await page.getByTestId('pseudo-run').click();
	const output = page.getByTestId('pseudo-output');
	await output.waitFor();
	const result = await output.inputValue();
	assert.ok(!result.includes('Sophie Martin') && !result.includes('Paul Leroy'), result);
	assert.ok(result.includes('place Jean Jaurès à Marseille'), result);
	const [txt] = await Promise.all([page.waitForEvent('download'), page.getByTestId('pseudo-download').click()]);
	assert.equal(readFileSync(await txt.path(), 'utf8'), result);
	await screenshot(page, 'pseudonymiser');

	// A .docx whose person is in a bold run.
	const file = join(dir, 'rapport.docx');
	writeFileSync(file, docx([[{ text: 'Rapport de ' }, { text: 'Paul Leroy', bold: true }, { text: ' sur la plainte de Mme Sophie Martin.' }]]));
	await page.locator('label[for=source-file]').click();
	await page.getByTestId('pseudo-file').setInputFiles(file);
	await page.getByTestId('pseudo-detect').click();
	await entity(page, 'Paul Leroy').waitFor();
	await page.getByTestId('pseudo-accept-all').click();
	const [doc] = await Promise.all([page.waitForEvent('download'), page.getByTestId('pseudo-run').click()]);
	assert.match(doc.suggestedFilename(), /rapport.*\.docx$/);
	const xml = unzip(readFileSync(await doc.path()))['word/document.xml'].toString('utf8');
	assert.ok(!xml.includes('Paul Leroy') && !xml.includes('Sophie Martin'), xml);
	assert.ok(xml.includes('<w:b/>'), 'the bold run property is kept: ' + xml);
	assert.match(xml, /<w:r><w:rPr><w:b\/><\/w:rPr><w:t[^>]*>[^<]+<\/w:t><\/w:r>/);

	// A zip of documents, pseudonymised in the background.
	const archive = join(dir, 'lot.zip');
	writeFileSync(archive, zip({ 'a.txt': 'Courrier de M. Paul Leroy.', 'b.docx': readFileSync(file) }));
	await page.getByTestId('pseudo-batch-file').setInputFiles(archive);
	await page.getByTestId('pseudo-batch-start').click();
	await page.getByTestId('job-state').getByText(/Terminé|Échec|Annulé/).waitFor({ timeout: 60_000 });
	assert.equal(await page.getByTestId('job-state').textContent().then((t) => t.trim()), 'Terminé', await page.locator('.job-progress').textContent());
	const [batch] = await Promise.all([page.waitForEvent('download'), page.getByTestId('pseudo-batch-download').click()]);
	const files = unzip(readFileSync(await batch.path()));
	const names = Object.keys(files);
	assert.ok(names.includes('report.json'), names.join(', '));
	const txtOut = names.find((n) => n.endsWith('.txt'));
	assert.ok(txtOut && !files[txtOut].toString('utf8').includes('Paul Leroy'), names.join(', '));
	assert.deepEqual(page.problems, []);
});

test('a volunteer does not see the pseudonymisation page', async () => {
	const page = await newPage(browser);
	await signIn(page, server, 'benevole@demo.piaf.local', 'demo-benevole-mot-de-passe');
	assert.equal(await page.getByRole('link', { name: 'Pseudonymiser' }).count(), 0);
	await page.goto(server.url + '/pseudonymiser');
	await page.getByText('Votre rôle ne permet pas cette action.').waitFor();
	assert.equal(await page.getByTestId('pseudo-detect').count(), 0);
});
