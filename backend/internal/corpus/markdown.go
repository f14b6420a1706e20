package corpus

import (
	"bytes"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// Markdown renders campaign guidelines safely: goldmark escapes raw HTML,
// and bluemonday's user-content policy strips anything dangerous that
// could remain (javascript: links, event handlers).
type Markdown struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
}

// NewMarkdown builds the renderer.
func NewMarkdown() *Markdown {
	p := bluemonday.UGCPolicy()
	p.RequireNoFollowOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	return &Markdown{md: goldmark.New(goldmark.WithExtensions(extension.GFM, extension.Typographer)), policy: p}
}

// HTML renders Markdown to sanitised HTML.
func (m *Markdown) HTML(src string) string {
	var buf bytes.Buffer
	if err := m.md.Convert([]byte(src), &buf); err != nil {
		return m.policy.Sanitize(src)
	}
	return m.policy.Sanitize(buf.String())
}
