import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
	plugins: [sveltekit()],
	// Component tests mount Svelte's browser build in jsdom.
	resolve: (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env.VITEST ? { conditions: ['browser'] } : undefined,
	css: {
		// DSFR's CSS carries Internet Explorer hacks (min-width:0\0) that
		// Lightning CSS rejects; recovering drops just those rules.
		lightningcss: { errorRecovery: true }
	},
	server: {
		// `npm run dev` talks to a `piaf serve` on :8080.
		proxy: { '/api': { target: 'http://localhost:8080', ws: true } }
	},
	test: {
		include: ['src/**/*.test.ts'],
		environment: 'jsdom'
	}
});
