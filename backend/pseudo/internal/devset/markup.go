// Package devset builds the modern-text development set of the
// pseudonymisation engine: hand-written fictional documents with inline
// gold markup, and real court decisions from Judilibre whose
// pseudonymisation placeholders are filled with names drawn from the INSEE
// lists (so that every span is known).
package devset

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Span is a gold span in code points, end exclusive.
type Span struct {
	Start int    `json:"start"`
	End   int    `json:"end"`
	Label string `json:"label"`
}

// Doc is a development document.
type Doc struct {
	ID       string `json:"id"`
	Text     string `json:"text"`
	Entities []Span `json:"entities"`
}

// ParseMarkup reads text where gold spans are written [[covered text|LABEL]]
// and returns the plain text with the spans.
func ParseMarkup(id, s string) (Doc, error) {
	var b strings.Builder
	var spans []Span
	runes := 0
	for {
		i := strings.Index(s, "[[")
		if i < 0 {
			break
		}
		b.WriteString(s[:i])
		runes += utf8.RuneCountInString(s[:i])
		rest := s[i+2:]
		j := strings.Index(rest, "]]")
		if j < 0 {
			return Doc{}, fmt.Errorf("%s: unclosed [[", id)
		}
		inner := rest[:j]
		bar := strings.LastIndex(inner, "|")
		if bar <= 0 || bar == len(inner)-1 {
			return Doc{}, fmt.Errorf("%s: bad span %q", id, inner)
		}
		text, label := inner[:bar], inner[bar+1:]
		if strings.Contains(text, "[[") {
			return Doc{}, errors.New(id + ": nested span")
		}
		n := utf8.RuneCountInString(text)
		spans = append(spans, Span{Start: runes, End: runes + n, Label: label})
		b.WriteString(text)
		runes += n
		s = rest[j+2:]
	}
	b.WriteString(s)
	return Doc{ID: id, Text: b.String(), Entities: spans}, nil
}
