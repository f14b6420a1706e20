package dataio

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/lab-ia/piaf/backend/frtext"
)

// SplitOptions bounds paragraph length in code points.
type SplitOptions struct {
	MinLength int
	MaxLength int
}

func (o *SplitOptions) defaults() {
	if o.MinLength <= 0 {
		o.MinLength = 80
	}
	if o.MaxLength <= 0 {
		o.MaxLength = 2000
	}
	if o.MaxLength < o.MinLength {
		o.MaxLength = o.MinLength
	}
}

// splitResult is a text cut into paragraphs, with what was left out.
type splitResult struct {
	Paragraphs []string
	TooShort   int
}

// SplitParagraphs cuts a text at blank lines, joins the lines of each
// paragraph, drops paragraphs shorter than MinLength and cuts those longer
// than MaxLength at sentence ends.
func SplitParagraphs(text string, o SplitOptions) splitResult {
	o.defaults()
	var res splitResult
	for _, block := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		res.add(block, o)
	}
	return res
}

func (res *splitResult) add(block string, o SplitOptions) {
	p := norm.NFC.String(strings.Join(strings.Fields(block), " "))
	if p == "" {
		return
	}
	if utf8.RuneCountInString(p) < o.MinLength {
		res.TooShort++
		return
	}
	for _, chunk := range cutLong(p, o.MaxLength) {
		if utf8.RuneCountInString(chunk) >= o.MinLength || len(res.Paragraphs) == 0 {
			res.Paragraphs = append(res.Paragraphs, chunk)
		} else {
			// A short tail joins the previous chunk rather than being lost.
			res.Paragraphs[len(res.Paragraphs)-1] += " " + chunk
		}
	}
}

// cutLong cuts p into pieces of at most max code points at sentence ends
// (a single sentence longer than max is cut at the last space).
func cutLong(p string, max int) []string {
	runes := []rune(p)
	if len(runes) <= max {
		return []string{p}
	}
	var out []string
	start := 0
	for _, s := range frtext.Sentences(p) {
		if s.End-start > max && s.Start > start {
			out = append(out, strings.TrimSpace(string(runes[start:s.Start])))
			start = s.Start
		}
		for s.End-start > max {
			cut := start + max
			for cut > start && runes[cut] != ' ' {
				cut--
			}
			if cut == start {
				cut = start + max
			}
			out = append(out, strings.TrimSpace(string(runes[start:cut])))
			start = cut
		}
	}
	if start < len(runes) {
		if tail := strings.TrimSpace(string(runes[start:])); tail != "" {
			out = append(out, tail)
		}
	}
	return out
}
