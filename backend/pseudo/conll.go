package pseudo

import (
	"io"
	"strings"
	"unicode/utf8"

	"github.com/lab-ia/piaf/backend/pseudo/internal/tokens"
)

// labelAliases maps tag suffixes found in public corpora to ours.
var labelAliases = map[string]string{
	"PERS": "PER", "PERSON": "PER", "LOCATION": "LOC", "GPE": "LOC",
	"ORGANIZATION": "ORG", "ORGANISATION": "ORG", "MISCELLANEOUS": "MISC",
}

// ReadCoNLL reads "token TAG" lines (whitespace separated, tag last) with a
// blank line between sentences, in BIO (IOB2), IOB1, IO or BIOES tagging,
// and "-DOCSTART-" lines between documents. Without DOCSTART the whole file
// is one document (a novel, a newspaper issue), so that document-level cues
// apply. Tokens are joined with spaces (elided articles glued to the next
// word, "d ' Artagnan" becoming "d'Artagnan"), sentences with newlines, and
// the spans are normalised to the product's conventions (NormalizeSpans).
func ReadCoNLL(r io.Reader) ([]Document, error) {
	var docs []Document
	b := conllBuilder{}
	err := readLines(r, func(n int, line string) error {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			b.endSentence()
			return nil
		}
		if fields[0] == "-DOCSTART-" {
			if d, ok := b.finish(); ok {
				docs = append(docs, d)
			}
			return nil
		}
		if len(fields) < 2 {
			return &CorpusError{Line: n, Msg: "expected a token and a tag"}
		}
		tag := fields[len(fields)-1]
		prefix, label, err := splitTag(tag)
		if err != "" {
			return &CorpusError{Line: n, Msg: err}
		}
		b.add(fields[0], prefix, label)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if d, ok := b.finish(); ok {
		docs = append(docs, d)
	}
	for i := range docs {
		NormalizeSpans(&docs[i])
	}
	return docs, nil
}

func splitTag(tag string) (prefix byte, label string, err string) {
	if tag == "O" || tag == "0" || tag == "_" {
		return 'O', "", ""
	}
	if len(tag) < 3 || tag[1] != '-' && tag[1] != '_' {
		return 0, "", "bad tag " + tag + " (want O, B-X, I-X, E-X or S-X)"
	}
	p := tag[0]
	switch p {
	case 'B', 'I', 'E', 'S', 'L', 'U':
	default:
		return 0, "", "bad tag prefix in " + tag
	}
	label = strings.ToUpper(tag[2:])
	if a, ok := labelAliases[label]; ok {
		label = a
	}
	return p, label, ""
}

type conllBuilder struct {
	text      strings.Builder
	runes     int
	spans     []Span
	open      int // index of the open span, -1 when none
	openValid bool
	inSent    bool
	lastTok   string
	glueNext  bool
}

func (b *conllBuilder) write(s string) {
	b.text.WriteString(s)
	b.runes += utf8.RuneCountInString(s)
}

// elided are the words that lose their vowel before an apostrophe; corpora
// that split "d ' Artagnan" get it glued back.
var elided = map[string]bool{
	"l": true, "d": true, "j": true, "m": true, "n": true, "s": true, "t": true, "c": true,
	"qu": true, "jusqu": true, "lorsqu": true, "puisqu": true, "quoiqu": true, "presqu": true,
}

func isApostropheToken(s string) bool {
	r, n := utf8.DecodeRuneInString(s)
	return n == len(s) && tokens.IsApostrophe(r)
}

func endsWithApostrophe(s string) bool {
	r, _ := utf8.DecodeLastRuneInString(s)
	return tokens.IsApostrophe(r) && len(s) > 1
}

func (b *conllBuilder) add(tok string, prefix byte, label string) {
	if !b.inSent && b.runes > 0 {
		b.write("\n")
	}
	// Glue elisions: "d" "'" "Artagnan" -> "d'Artagnan"; "l'" "homme" -> "l'homme".
	apos := isApostropheToken(tok)
	switch {
	case !b.inSent:
	case apos && elided[strings.ToLower(b.lastTok)]:
		// glued to the previous token
	case b.glueNext:
	default:
		b.write(" ")
	}
	b.glueNext = apos && b.inSent && elided[strings.ToLower(b.lastTok)] || endsWithApostrophe(tok)
	b.inSent = true
	start := b.runes
	b.write(tok)
	end := b.runes
	b.lastTok = tok

	continues := b.openValid && len(b.spans) > 0 && b.spans[len(b.spans)-1].Label == label
	switch prefix {
	case 'O':
		b.openValid = false
	case 'B', 'S', 'U':
		b.spans = append(b.spans, Span{Start: start, End: end, Label: label})
		b.openValid = prefix == 'B'
	case 'I', 'E', 'L':
		if continues {
			b.spans[len(b.spans)-1].End = end
		} else {
			b.spans = append(b.spans, Span{Start: start, End: end, Label: label})
		}
		b.openValid = prefix == 'I'
	}
}

func (b *conllBuilder) endSentence() {
	b.inSent = false
	b.openValid = false
	b.glueNext = false
}

func (b *conllBuilder) finish() (Document, bool) {
	defer func() { *b = conllBuilder{} }()
	if b.runes == 0 {
		return Document{}, false
	}
	return Document{Text: b.text.String(), Spans: b.spans}, true
}
