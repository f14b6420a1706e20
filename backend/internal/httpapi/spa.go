package httpapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"path"
	"regexp"
	"strings"

	"github.com/labstack/echo/v4"
)

// notBuiltPage is served when the binary was built without the SPA.
const notBuiltPage = `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>PIAF — interface non construite</title></head>
<body><main><h1>L'interface web n'est pas construite</h1>
<p>Ce binaire a été compilé sans l'application web. Lancez <code>make run</code> (ou <code>npm ci &amp;&amp; npm run build -w frontend</code> puis recompilez). L'API reste disponible sous <code>/api/v1</code>.</p>
<p lang="en">The web interface was not built into this binary. Run <code>make run</code>. The API is available under <code>/api/v1</code>.</p>
</main></body></html>`

// spa serves the embedded single-page app: files as they are, with long
// cache lifetimes for content-hashed assets, and index.html (never cached)
// for every other path so that client-side routes work on reload.
type spa struct {
	files        fs.FS
	index        []byte
	built        bool
	scriptHashes []string
}

var inlineScript = regexp.MustCompile(`(?s)<script(?:\s[^>]*)?>(.*?)</script>`)

func newSPA(files fs.FS, log *slog.Logger) (*spa, error) {
	s := &spa{files: files}
	index, err := fs.ReadFile(s.files, "index.html")
	switch {
	case errors.Is(err, fs.ErrNotExist):
		log.Warn("the web interface is not built into this binary; serving a placeholder page")
		s.index = []byte(notBuiltPage)
		return s, nil
	case err != nil:
		return nil, err
	}
	s.index, s.built = index, true
	// The SPA's bootstrap is an inline script: allow exactly it by hash
	// rather than allowing inline scripts.
	for _, m := range inlineScript.FindAllSubmatch(index, -1) {
		if len(bytes.TrimSpace(m[1])) == 0 {
			continue
		}
		sum := sha256.Sum256(m[1])
		s.scriptHashes = append(s.scriptHashes, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'")
	}
	return s, nil
}

func (s *spa) serve(c echo.Context) error {
	p := strings.TrimPrefix(path.Clean("/"+c.Param("*")), "/")
	if p != "" && p != "index.html" && s.built {
		if data, err := fs.ReadFile(s.files, p); err == nil {
			h := c.Response().Header()
			if strings.HasPrefix(p, "_app/immutable/") {
				h.Set("Cache-Control", "public, max-age=31536000, immutable")
			} else {
				h.Set("Cache-Control", "no-cache")
			}
			ct := mime.TypeByExtension(path.Ext(p))
			if ct == "" {
				ct = http.DetectContentType(data)
			}
			return c.Blob(http.StatusOK, ct, data)
		}
		// A missing asset is a 404, not the app: a stale page asking for an
		// old chunk must fail visibly rather than parse HTML as JavaScript.
		if strings.HasPrefix(p, "_app/") || assetExtensions[strings.ToLower(path.Ext(p))] {
			return echo.ErrNotFound
		}
	}
	c.Response().Header().Set("Cache-Control", "no-cache, no-store, must-revalidate")
	return c.HTMLBlob(http.StatusOK, s.index)
}

// assetExtensions are the file types the app is built into; other paths
// with a dot (/campagnes/1/versions/1.0.0) are the app's own routes.
var assetExtensions = map[string]bool{".js": true, ".mjs": true, ".css": true, ".map": true, ".json": true, ".png": true, ".jpg": true,
	".jpeg": true, ".svg": true, ".ico": true, ".webp": true, ".woff": true, ".woff2": true, ".ttf": true, ".txt": true, ".webmanifest": true, ".html": true}

// contentSecurityPolicy is the policy of every response.
func contentSecurityPolicy(scriptHashes []string) string {
	scripts := "'self'"
	if len(scriptHashes) > 0 {
		scripts += " " + strings.Join(scriptHashes, " ")
	}
	return strings.Join([]string{
		"default-src 'self'",
		"script-src " + scripts,
		"style-src 'self' 'unsafe-inline'",
		"img-src 'self' data:",
		"font-src 'self' data:",
		"connect-src 'self'",
		"object-src 'none'",
		"base-uri 'self'",
		"form-action 'self'",
		"frame-ancestors 'none'",
	}, "; ")
}
