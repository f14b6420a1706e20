package frtext

import (
	"strings"
	"unicode"
)

// Kind tells what a token is, so that callers can skip punctuation or treat
// numbers as quantities without re-reading the text.
type Kind uint8

// Token kinds.
const (
	// Word is a run of letters, marks and digits, hyphenated compounds
	// included ("arc-en-ciel", "A380", "XIXe", "aujourd'hui").
	Word Kind = iota
	// Elision is an elided article, pronoun or conjunction with its
	// apostrophe ("l'", "qu’", "jusqu'"), split from the following word.
	Elision
	// Number is a number written with digits, digit groups separated by
	// spaces (normal, no-break or narrow no-break) and a decimal comma or
	// point ("100 000", "1 234,5", "14,2").
	Number
	// Punct is one punctuation character.
	Punct
	// Symbol is any other visible character (currency, %, emoji), emoji
	// sequences with their modifiers and joiners kept together.
	Symbol
)

// String names the kind for debugging and test output.
func (k Kind) String() string {
	switch k {
	case Word:
		return "word"
	case Elision:
		return "elision"
	case Number:
		return "number"
	case Punct:
		return "punct"
	case Symbol:
		return "symbol"
	}
	return "unknown"
}

// Token is a piece of text with its position in code points (End exclusive),
// the unit every offset of the platform uses.
type Token struct {
	// Text is the token as written in the source, apostrophes and case kept.
	Text string
	// Start is the code-point offset of the first character.
	Start int
	// End is the code-point offset just after the last character.
	End int
	// Kind classifies the token.
	Kind Kind
}

// elisionPrefixes are the French words that lose their last vowel before a
// vowel and are split from the next word ("l'homme" gives "l'" + "homme").
// Other apostrophes stay inside the word ("aujourd'hui", "presqu'île",
// "O'Neill").
var elisionPrefixes = map[string]bool{
	"l": true, "d": true, "qu": true, "jusqu": true, "lorsqu": true,
	"puisqu": true, "quoiqu": true, "n": true, "s": true, "c": true,
	"j": true, "m": true, "t": true,
}

// IsElisionPrefix reports whether w (without its apostrophe, any case) is one
// of the French elided words the tokeniser splits off.
func IsElisionPrefix(w string) bool {
	return elisionPrefixes[strings.ToLower(w)]
}

// Tokenize splits French text into tokens with code-point offsets. Spaces are
// dropped; every other character belongs to exactly one token. The text is
// read as given (no normalisation), so offsets index s itself.
func Tokenize(s string) []Token {
	rs := []rune(s)
	toks := make([]Token, 0, len(rs)/5+1)
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case isSpace(r):
			i++
		case unicode.IsDigit(r):
			end, isNumber := scanNumber(rs, i)
			if isNumber {
				toks = append(toks, Token{Text: string(rs[i:end]), Start: i, End: end, Kind: Number})
				i = end
				continue
			}
			i = scanWord(rs, i, &toks)
		case isWordRune(r):
			i = scanWord(rs, i, &toks)
		case unicode.IsPunct(r):
			toks = append(toks, Token{Text: string(r), Start: i, End: i + 1, Kind: Punct})
			i++
		default:
			end := scanSymbol(rs, i)
			toks = append(toks, Token{Text: string(rs[i:end]), Start: i, End: end, Kind: Symbol})
			i = end
		}
	}
	return toks
}

// isSpace reports the separators that end tokens: Unicode spaces (NBSP and
// NNBSP included) and the zero-width characters that sometimes pollute
// copied text.
func isSpace(r rune) bool {
	if unicode.IsSpace(r) || r == '\u00a0' || r == '\u202f' || r == '\u2009' {
		return true
	}
	switch r {
	case '\u200b', '\ufeff', '\u2060':
		return true
	}
	return false
}

// isWordRune reports letters, combining marks and digits, except the
// modifier letter apostrophe (ʼ), which the tokeniser treats as an apostrophe.
func isWordRune(r rune) bool {
	return (unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r)) && !IsApostrophe(r)
}

// scanWord reads a word starting at i, splitting off elided prefixes, and
// joining hyphenated parts; it appends the tokens and returns the next index.
func scanWord(rs []rune, i int, toks *[]Token) int {
	start := i
	for i < len(rs) {
		for i < len(rs) && isWordRune(rs[i]) {
			i++
		}
		if i+1 < len(rs) && IsApostrophe(rs[i]) && isWordRune(rs[i+1]) {
			if elisionPrefixes[strings.ToLower(string(rs[start:i]))] && !hyphenInside(rs[start:i]) {
				*toks = append(*toks, Token{Text: string(rs[start : i+1]), Start: start, End: i + 1, Kind: Elision})
				i++
				start = i
				continue
			}
			i++ // apostrophe inside a word: aujourd'hui, prud'homme
			continue
		}
		if i+1 < len(rs) && IsHyphen(rs[i]) && isWordRune(rs[i+1]) {
			i++
			continue
		}
		if i < len(rs) && IsApostrophe(rs[i]) && i > start && elisionPrefixes[strings.ToLower(string(rs[start:i]))] &&
			(i+1 == len(rs) || isSpace(rs[i+1])) {
			// "l' homme": an elision separated by a space
			*toks = append(*toks, Token{Text: string(rs[start : i+1]), Start: start, End: i + 1, Kind: Elision})
			return i + 1
		}
		break
	}
	if i > start {
		*toks = append(*toks, Token{Text: string(rs[start:i]), Start: start, End: i, Kind: Word})
	}
	return i
}

// hyphenInside reports whether a hyphen appears in rs (an elision prefix
// never contains one).
func hyphenInside(rs []rune) bool {
	for _, r := range rs {
		if IsHyphen(r) {
			return true
		}
	}
	return false
}

// scanSymbol reads one symbol with the modifiers, variation selectors and
// zero-width joiners that make a single emoji.
func scanSymbol(rs []rune, start int) int {
	i := start + 1
	for i < len(rs) {
		r := rs[i]
		switch {
		case unicode.IsMark(r), r == '\ufe0f', r == '\ufe0e', r >= 0x1f3fb && r <= 0x1f3ff, r >= 0xe0020 && r <= 0xe007f:
			i++
		case r == '\u200d' && i+1 < len(rs):
			i += 2
		case i == start+1 && isRegionalIndicator(rs[start]) && isRegionalIndicator(r):
			i++ // a flag is a pair of regional indicators
		default:
			return i
		}
	}
	return i
}

// isRegionalIndicator reports the letters that pair up into a flag emoji.
func isRegionalIndicator(r rune) bool { return r >= 0x1f1e6 && r <= 0x1f1ff }
