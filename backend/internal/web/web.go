//go:build !nofrontend

// Package web holds the single-page app built by `npm run build` (into
// dist/), embedded in the binary. Build with -tags nofrontend to compile
// without it; the server then serves a "frontend not built" page.
package web

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// Dist returns the built SPA (it may hold only .gitkeep when the frontend
// was never built).
func Dist() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		return embed.FS{}
	}
	return sub
}
