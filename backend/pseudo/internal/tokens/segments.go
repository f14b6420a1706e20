package tokens

import (
	"unicode"
	"unicode/utf8"
)

// Segment is a half-open range [From, To) of token indices that the tagger
// decodes as one sequence: a sentence, a line of a list, a heading.
type Segment struct {
	From, To int
}

// MaxSegment bounds a segment's length so that pathological inputs (a
// megabyte without a period or a line break) keep linear decoding cheap
// and memory bounded.
const MaxSegment = 400

// WideGap is the run of spaces (a tab counts four) that separates columns.
const WideGap = 4

// Segments cuts the tokens into sentences: after a sentence-final mark
// followed by a capital, a quote or a dash, at every line break, since
// modern documents put one item per line (attendee lists, signatures,
// headings), and at wide gaps (columns laid out with spaces or tabs).
func Segments(toks []Token) []Segment {
	var segs []Segment
	from := 0
	for i := range toks {
		if i > from && (toks[i].Newlines > 0 || toks[i].Gap >= WideGap || i-from >= MaxSegment) {
			segs = append(segs, Segment{from, i})
			from = i
		}
		if isSentenceEnd(toks[i].Text) && i+1 < len(toks) && toks[i+1].Newlines == 0 && opensSentence(toks[i+1].Text) {
			segs = append(segs, Segment{from, i + 1})
			from = i + 1
		}
	}
	if from < len(toks) {
		segs = append(segs, Segment{from, len(toks)})
	}
	return segs
}

func isSentenceEnd(s string) bool {
	switch s {
	case ".", "!", "?", "...", "…", "!!", "?!", "!?", "..", "....":
		return true
	}
	return false
}

func opensSentence(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsUpper(r) || r == '«' || r == '"' || r == '—' || r == '–' || r == '-' || r == '(' || unicode.IsDigit(r)
}
