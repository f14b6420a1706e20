// PIAF's interface is a single-page app served by the Go binary: no server
// rendering, no prerendering; index.html is the fallback for every route.
export const ssr = false;
export const prerender = false;
