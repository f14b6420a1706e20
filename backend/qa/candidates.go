package qa

import (
	"strings"
	"unicode/utf8"

	"github.com/lab-ia/piaf/backend/frtext"
)

// span is a candidate answer: tokens i to j inclusive.
type span struct{ i, j int32 }

// canStart and canEnd reject spans that begin or end with punctuation, other
// than opening and closing quotes and brackets, which answers sometimes keep;
// a span may end with a symbol (12 €) but not start with one.
func canStart(t *tokenInfo) bool {
	switch t.kind {
	case frtext.Punct:
		return t.fold == "«" || t.fold == "\"" || t.fold == "(" || t.fold == "“"
	case frtext.Symbol:
		return false
	}
	return true
}

func canEnd(t *tokenInfo) bool {
	if t.kind == frtext.Punct {
		return t.fold == "»" || t.fold == "\"" || t.fold == ")" || t.fold == "”" || t.fold == "%"
	}
	return t.kind != frtext.Elision
}

// enumerate calls fn for every candidate span of at most maxLen tokens
// inside one sentence of the given sentences (all when sents is nil).
func enumerate(p *textAnalysis, maxLen int, sents []int, fn func(i, j int)) {
	each := func(s int) {
		se := p.sents[s]
		for i := se.FirstToken; i < se.EndToken; i++ {
			if !canStart(&p.toks[i]) {
				continue
			}
			for j := i; j < se.EndToken && j < i+maxLen; j++ {
				if canEnd(&p.toks[j]) {
					fn(i, j)
				}
			}
		}
	}
	if sents == nil {
		for s := range p.sents {
			each(s)
		}
		return
	}
	for _, s := range sents {
		each(s)
	}
}

// goldSpan maps a gold answer (code-point start, text) to the tokens it
// covers. When the text is not at the given offset (a few annotations are
// off by some characters), the occurrence nearest to it is used. ok is
// false when the answer cannot be found.
func goldSpan(p *textAnalysis, start int, text string) (sp span, ok bool) {
	text = strings.TrimSpace(text)
	n := utf8.RuneCountInString(text)
	if n == 0 {
		return span{}, false
	}
	if frtext.Slice(p.text, start, start+n) != text {
		start = nearestOccurrence(p.text, text, start)
		if start < 0 {
			return span{}, false
		}
	}
	end := start + n
	i, j := -1, -1
	for k, t := range p.toks {
		if i < 0 && t.end > start {
			i = k
		}
		if t.start < end {
			j = k
		}
	}
	if i < 0 || j < i {
		return span{}, false
	}
	return span{int32(i), int32(j)}, true
}

// nearestOccurrence returns the code-point offset of the occurrence of sub
// in s closest to near, or -1.
func nearestOccurrence(s, sub string, near int) int {
	best, bestDist := -1, 0
	from := 0
	for {
		k := strings.Index(s[from:], sub)
		if k < 0 {
			return best
		}
		b := from + k
		cp := utf8.RuneCountInString(s[:b])
		d := cp - near
		if d < 0 {
			d = -d
		}
		if best < 0 || d < bestDist {
			best, bestDist = cp, d
		}
		from = b + 1
	}
}

// spanText cuts the text of span sp out of the passage.
func spanText(p *textAnalysis, sp span) (text string, start, end int) {
	start, end = p.toks[sp.i].start, p.toks[sp.j].end
	return frtext.Slice(p.text, start, end), start, end
}
