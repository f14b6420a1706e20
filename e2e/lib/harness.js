// Test harness for the browser journeys: a real `piaf serve` on a fresh
// PostgreSQL database, and Debian's Chromium driven by playwright-core.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { chromium } from 'playwright-core';

const here = new URL('.', import.meta.url).pathname;
export const repoRoot = resolve(here, '../..');
export const artifactsDir = resolve(here, '../artifacts');

/** The PostgreSQL server the tests create their databases on. */
const adminURL =
	process.env.PIAF_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable';

function databaseURL(name) {
	const u = new URL(adminURL);
	u.pathname = '/' + name;
	if (!u.searchParams.get('sslmode')) u.searchParams.set('sslmode', 'disable');
	return u.toString();
}

function psql(sql) {
	execFileSync('psql', [adminURL, '-v', 'ON_ERROR_STOP=1', '-q', '-c', sql], { stdio: 'pipe' });
}

async function freePort() {
	return new Promise((ok, fail) => {
		const srv = net.createServer();
		srv.once('error', fail);
		srv.listen(0, '127.0.0.1', () => {
			const { port } = srv.address();
			srv.close(() => ok(port));
		});
	});
}

/** Starts a long-running helper process and waits for its ready line. */
async function startProcess(bin, args, readyText) {
	const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
	let out = '';
	await new Promise((ok, fail) => {
		const timer = setTimeout(() => fail(new Error(`${args[0]} not ready: ${out}`)), 15_000);
		const onData = (b) => {
			out += b.toString();
			if (out.includes(readyText)) {
				clearTimeout(timer);
				ok();
			}
		};
		child.stdout.on('data', onData);
		child.stderr.on('data', onData);
		child.once('exit', (code) => fail(new Error(`${args[0]} exited ${code}: ${out}`)));
	});
	return child;
}

/**
 * Starts the fakes PIAF talks to in tests: the SMTP mailbox and the fake
 * ProConnect (from bin/piaf-devtools). Returns the environment for PIAF and
 * a way to read the received e-mails.
 */
async function startFakes(piafURL) {
	const tools = process.env.PIAF_DEVTOOLS_BIN || join(repoRoot, 'bin/piaf-devtools');
	const [smtpPort, mailHTTPPort, pcPort] = [await freePort(), await freePort(), await freePort()];
	const mailbox = await startProcess(tools, ['mailbox', '--smtp', `127.0.0.1:${smtpPort}`, '--http', `127.0.0.1:${mailHTTPPort}`], 'mailbox ready');
	const proconnect = await startProcess(tools, ['proconnect', '--addr', `127.0.0.1:${pcPort}`, '--piaf', piafURL, '--client-id', 'piaf-e2e', '--client-secret', 'e2e-secret'], 'fake ProConnect ready');
	return {
		env: {
			PIAF_SMTP_ADDR: `127.0.0.1:${smtpPort}`,
			PIAF_SMTP_TLS: 'none',
			PIAF_OIDC_PROVIDERS: 'proconnect',
			PIAF_OIDC_PROCONNECT_ISSUER: `http://127.0.0.1:${pcPort}/api/v2`,
			PIAF_OIDC_PROCONNECT_CLIENT_ID: 'piaf-e2e',
			PIAF_OIDC_PROCONNECT_CLIENT_SECRET: 'e2e-secret',
			PIAF_ROLE_RULES: 'moderator:siret=13002526500013,consumer:email=*@interieur.gouv.fr'
		},
		async messages() {
			const res = await fetch(`http://127.0.0.1:${mailHTTPPort}/messages`);
			return res.json();
		},
		stop() {
			mailbox.kill('SIGTERM');
			proconnect.kill('SIGTERM');
		}
	};
}

/** Waits for an e-mail to `to` whose subject contains `subject`. */
export async function waitForMail(server, to, subject) {
	const deadline = Date.now() + 15_000;
	while (Date.now() < deadline) {
		const found = (await server.fakes.messages()).find(
			(m) => m.to.some((t) => t.toLowerCase() === to.toLowerCase()) && m.subject.includes(subject)
		);
		if (found) return found;
		await new Promise((r) => setTimeout(r, 200));
	}
	throw new Error(`no e-mail to ${to} about ${subject}`);
}

/**
 * Starts `piaf serve` on its own PostgreSQL database and data directory,
 * with the fake ProConnect and the mailbox beside it.
 * Returns { url, stop, logs, fakes }. stop() sends SIGTERM and drops the database.
 */
export async function startServer({ demo = true, env = {} } = {}) {
	const bin = process.env.PIAF_BIN || join(repoRoot, 'bin/piaf');
	const db = 'piaf_e2e_' + randomBytes(5).toString('hex');
	psql(`CREATE DATABASE ${db}`);
	const dataDir = mkdtempSync(join(tmpdir(), 'piaf-e2e-'));
	const port = await freePort();
	const url = `http://127.0.0.1:${port}`;
	const fakes = await startFakes(url);
	const args = ['serve'];
	if (demo) args.push('--demo');
	const child = spawn(bin, args, {
		env: {
			PATH: process.env.PATH,
			PIAF_ADDR: `127.0.0.1:${port}`,
			PIAF_PUBLIC_URL: url,
			PIAF_DATABASE_URL: databaseURL(db),
			PIAF_DATA_DIR: dataDir,
			PIAF_LOG_FORMAT: 'json',
			...fakes.env,
			...env
		},
		stdio: ['ignore', 'pipe', 'pipe']
	});
	const logs = [];
	child.stdout.on('data', (b) => logs.push(b.toString()));
	child.stderr.on('data', (b) => logs.push(b.toString()));
	const exited = new Promise((ok) => child.once('exit', (code, signal) => ok({ code, signal })));

	const deadline = Date.now() + 30_000;
	for (;;) {
		try {
			const res = await fetch(url + '/readyz');
			if (res.ok) break;
		} catch {
			// not listening yet
		}
		if (child.exitCode !== null || Date.now() > deadline) {
			fakes.stop();
			psql(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
			throw new Error('piaf serve did not become ready:\n' + logs.join(''));
		}
		await new Promise((r) => setTimeout(r, 100));
	}

	async function stop() {
		if (child.exitCode === null) child.kill('SIGTERM');
		const result = await exited;
		fakes.stop();
		psql(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
		rmSync(dataDir, { recursive: true, force: true });
		return result;
	}
	return { url, stop, logs, child, exited, fakes };
}

/** Launches Debian's Chromium headless; nothing is downloaded. */
export async function launchBrowser() {
	return chromium.launch({
		executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
		headless: true,
		args: [
			'--no-sandbox',
			'--disable-gpu',
			'--disable-dev-shm-usage',
			'--disable-background-networking',
			'--disable-component-update',
			'--disable-sync',
			'--no-first-run',
			'--disable-quic'
		]
	});
}

/**
 * Opens a page that fails the test on any console error or CSP violation.
 * Other options are the browser context's (viewport, hasTouch, isMobile…).
 */
export async function newPage(browser, { locale = 'fr-FR', ...contextOptions } = {}) {
	const context = await browser.newContext({ locale, ...contextOptions });
	const page = await context.newPage();
	const problems = [];
	page.on('console', (msg) => {
		// Expected API refusals (4xx) are shown in the page; anything else counts.
		if (msg.type() === 'error' && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(msg.text())) problems.push(msg.text());
	});
	page.on('pageerror', (err) => problems.push(String(err)));
	page.problems = problems;
	return page;
}

/** Saves a screenshot under e2e/artifacts (the README's pictures come from here). */
export async function screenshot(page, name) {
	mkdirSync(artifactsDir, { recursive: true });
	await page.screenshot({ path: join(artifactsDir, `${name}.png`), fullPage: true });
}

/** Signs in through the volunteer form and waits for the header to show the user. */
export async function signIn(page, server, email, password) {
	await page.goto(server.url + '/connexion');
	await page.getByTestId('login-email').fill(email);
	await page.getByTestId('login-password').fill(password);
	await page.getByTestId('login-submit').click();
	await page.getByTestId('header-user').waitFor();
}
