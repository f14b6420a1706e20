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

/**
 * Starts `piaf serve` on its own PostgreSQL database and data directory.
 * Returns { url, stop, logs }. stop() sends SIGTERM and drops the database.
 */
export async function startServer({ demo = true, env = {} } = {}) {
	const bin = process.env.PIAF_BIN || join(repoRoot, 'bin/piaf');
	const db = 'piaf_e2e_' + randomBytes(5).toString('hex');
	psql(`CREATE DATABASE ${db}`);
	const dataDir = mkdtempSync(join(tmpdir(), 'piaf-e2e-'));
	const port = await freePort();
	const url = `http://127.0.0.1:${port}`;
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
			psql(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
			throw new Error('piaf serve did not become ready:\n' + logs.join(''));
		}
		await new Promise((r) => setTimeout(r, 100));
	}

	async function stop() {
		if (child.exitCode === null) child.kill('SIGTERM');
		const result = await exited;
		psql(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
		rmSync(dataDir, { recursive: true, force: true });
		return result;
	}
	return { url, stop, logs, child, exited };
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

/** Opens a page that fails the test on any console error or CSP violation. */
export async function newPage(browser, { locale = 'fr-FR' } = {}) {
	const context = await browser.newContext({ locale });
	const page = await context.newPage();
	const problems = [];
	page.on('console', (msg) => {
		if (msg.type() === 'error') problems.push(msg.text());
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
