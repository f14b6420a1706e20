import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** The SPA is built straight into the Go package that embeds it. */
const out = '../backend/internal/web/dist';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	kit: {
		adapter: adapter({ pages: out, assets: out, fallback: 'index.html', strict: false }),
		// Keep the build folder's .gitkeep: SvelteKit empties `out` on each build.
		files: { assets: 'static' }
	}
};

export default config;
