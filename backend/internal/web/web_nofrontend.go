//go:build nofrontend

package web

import (
	"embed"
	"io/fs"
)

// Dist returns an empty file system: this binary was built without the SPA.
func Dist() fs.FS { return embed.FS{} }
