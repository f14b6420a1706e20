// Package tokens splits French text into the tokens and segments the
// pseudonymisation tagger works on. It is specific to named-entity
// recognition: elisions are split off ("d'Artagnan" gives "d'" and
// "Artagnan") so that a name never starts with an article, titles keep their
// period ("M.", "Mme.") so that they stay outside person spans, and e-mail
// addresses and URLs stay whole so that the tagger never sees their parts.
//
// Offsets are Unicode code points (end exclusive), the unit of the public
// entity spans, and byte offsets are kept alongside for fast slicing.
package tokens

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Token is one unit of text with its position in the source string.
type Token struct {
	// Text is the token exactly as it appears in the source.
	Text string
	// Start and End are code point offsets, end exclusive.
	Start, End int
	// ByteStart and ByteEnd are the byte offsets of the same range.
	ByteStart, ByteEnd int
	// LineStart is true when only spaces separate the token from the start
	// of its line (lists of attendees, signatures and headings are line
	// based).
	LineStart bool
	// Newlines counts the line breaks between the previous token and this
	// one; two or more mean a paragraph break.
	Newlines int
	// Gap counts the spaces before the token on its line, a tab counting
	// as four: a wide gap separates the columns of a table or a signature
	// block laid out with spaces.
	Gap int
}

// elisionPrefixes are the words that lose their vowel before an apostrophe
// in French; the apostrophe stays with them ("l'", "qu'").
var elisionPrefixes = map[string]bool{
	"l": true, "d": true, "j": true, "m": true, "n": true, "s": true, "t": true, "c": true,
	"qu": true, "jusqu": true, "lorsqu": true, "puisqu": true, "quoiqu": true, "presqu": true,
}

// abbreviations keep their final period because it is not a sentence end.
var abbreviations = map[string]bool{
	"m": true, "mm": true, "mme": true, "mmes": true, "mlle": true, "mlles": true,
	"dr": true, "me": true, "mes": true, "pr": true, "st": true, "ste": true,
	"cie": true, "etc": true, "cf": true, "av": true, "bd": true, "art": true,
	"no": true, "n°": true, "p": true, "pp": true, "vol": true, "ch": true,
	"tél": true, "tel": true, "fax": true, "réf": true, "ref": true, "mgr": true,
	"gal": true, "gén": true, "cdt": true, "col": true, "lt": true, "sgt": true,
	"jr": true, "sr": true, "mr": true, "mrs": true, "ms": true, "prof": true,
	"ing": true, "adj": true, "dir": true, "resp": true, "env": true, "min": true,
	"max": true, "ex": true, "vs": true, "fig": true, "chap": true, "ibid": true,
}

// IsApostrophe reports whether r is one of the apostrophes found in French
// text (typewriter, typographic, modifier letter).
func IsApostrophe(r rune) bool {
	return r == '\'' || r == '’' || r == 'ʼ' || r == '‘'
}

// IsHyphen reports whether r joins the parts of a compound word.
func IsHyphen(r rune) bool {
	return r == '-' || r == '‐' || r == '‑'
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// Tokenize splits text into tokens. It never drops a non-space character:
// every code point outside white space belongs to exactly one token.
func Tokenize(text string) []Token {
	t := tokenizer{text: text, toks: make([]Token, 0, len(text)/5+1)}
	t.run()
	return t.toks
}

type tokenizer struct {
	text     string
	pos      int // byte position
	rpos     int // code point position
	newlines int
	gap      int
	chunkEnd int // end of the chunk scanned by tryWhole
	lineHead bool
	toks     []Token
}

func (t *tokenizer) peek(at int) (rune, int) {
	if at >= len(t.text) {
		return utf8.RuneError, 0
	}
	c := t.text[at]
	if c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeRuneInString(t.text[at:])
}

func (t *tokenizer) emit(byteEnd, runeEnd int) {
	t.toks = append(t.toks, Token{
		Text:      t.text[t.pos:byteEnd],
		Start:     t.rpos,
		End:       runeEnd,
		ByteStart: t.pos,
		ByteEnd:   byteEnd,
		LineStart: t.lineHead,
		Newlines:  t.newlines,
		Gap:       t.gap,
	})
	t.pos, t.rpos = byteEnd, runeEnd
	t.newlines = 0
	t.gap = 0
	t.lineHead = false
}

func (t *tokenizer) run() {
	t.lineHead = true
	for t.pos < len(t.text) {
		r, n := t.peek(t.pos)
		switch {
		case r == '\n':
			t.newlines++
			t.lineHead = true
			t.gap = 0
			t.pos += n
			t.rpos++
		case unicode.IsSpace(r):
			if r == '\t' {
				t.gap += 4
			} else {
				t.gap++
			}
			t.pos += n
			t.rpos++
		case t.tryWhole():
		case isWordRune(r):
			t.word()
		default:
			t.punct(r, n)
		}
	}
}

// tryWhole emits e-mail addresses and URLs as single tokens. The scan of
// a whitespace-delimited chunk is done once, at its first byte.
func (t *tokenizer) tryWhole() bool {
	if t.pos < t.chunkEnd {
		return false // inside a chunk already known to hold no address
	}
	end := t.pos
	hasAt, hasScheme := false, false
	for end < len(t.text) {
		r, n := t.peek(end)
		if unicode.IsSpace(r) || r == '<' || r == '>' || r == '(' || r == ')' || r == '"' || r == '«' || r == '»' {
			break
		}
		if r == '@' {
			hasAt = true
		}
		end += n
	}
	chunk := t.text[t.pos:end]
	if !hasAt {
		hasScheme = hasPrefixFold(chunk, "http://") || hasPrefixFold(chunk, "https://") || hasPrefixFold(chunk, "www.")
	}
	if !hasAt && !hasScheme {
		t.chunkEnd = end
		return false
	}
	// Trailing punctuation belongs to the sentence, not to the address.
	for len(chunk) > 0 {
		r, n := utf8.DecodeLastRuneInString(chunk)
		if strings.ContainsRune(".,;:!?'’]", r) {
			chunk = chunk[:len(chunk)-n]
			continue
		}
		break
	}
	if hasAt {
		at := strings.IndexByte(chunk, '@')
		if at <= 0 || at == len(chunk)-1 {
			return false
		}
	} else if len(chunk) < 5 {
		return false
	}
	t.emit(t.pos+len(chunk), t.rpos+utf8.RuneCountInString(chunk))
	return true
}

func (t *tokenizer) word() {
	start := t.pos
	p, rp := t.pos, t.rpos
	allDigits := true
	for p < len(t.text) {
		r, n := t.peek(p)
		if isWordRune(r) {
			if !unicode.IsDigit(r) {
				allDigits = false
			}
			p += n
			rp++
			continue
		}
		next, nn := t.peek(p + n)
		// Apostrophe: split after an elided article or pronoun, keep inside
		// names such as O'Neil or words such as aujourd'hui.
		if IsApostrophe(r) {
			// "N'Diaye", "M'Bappé": a capital after n' or m' is a name, not
			// an elided "ne" or "me".
			lp := strings.ToLower(t.text[start:p])
			if (lp == "n" || lp == "m") && nn > 0 && unicode.IsUpper(next) {
				p += n
				rp++
				continue
			}
			if elisionPrefixes[lp] {
				t.emit(p+n, rp+1)
				return
			}
			if nn > 0 && unicode.IsLetter(next) {
				p += n
				rp++
				continue
			}
			break
		}
		if IsHyphen(r) && nn > 0 && isWordRune(next) {
			p += n
			rp++
			continue
		}
		// Separators inside numbers: 1.000,50 12/05/2020 10:30.
		if allDigits && (r == '.' || r == ',' || r == '/' || r == ':') && nn > 0 && unicode.IsDigit(next) {
			p += n
			rp++
			continue
		}
		if r == '.' {
			w := t.text[start:p]
			wr := utf8.RuneCountInString(w)
			if wr == 1 && unicode.IsLetter(firstRune(w)) || abbreviations[strings.ToLower(w)] {
				p += n
				rp++
				// Acronyms written with periods: S.A.R.L., J.P.
				for wr == 1 {
					r2, n2 := t.peek(p)
					r3, n3 := t.peek(p + n2)
					if n2 == 0 || !unicode.IsLetter(r2) || r3 != '.' {
						break
					}
					p += n2 + n3
					rp += 2
				}
			}
		}
		break
	}
	t.emit(p, rp)
}

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

func (t *tokenizer) punct(r rune, n int) {
	p, rp := t.pos+n, t.rpos+1
	// Runs of the same mark (..., !!, --) stay together.
	if r == '.' || r == '!' || r == '?' || r == '-' || r == '_' || r == '=' || r == '*' {
		for p < len(t.text) {
			r2, n2 := t.peek(p)
			if r2 != r {
				break
			}
			p += n2
			rp++
		}
	}
	t.emit(p, rp)
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
