package metric

import (
	"strings"
	"unicode"
)

// Normalizer turns an answer into the form compared by ExactMatch and F1.
// Two are provided: the official SQuAD v1.1 one, kept for comparison with
// published figures, and a French one.
type Normalizer func(string) string

// asciiPunctuation is Python's string.punctuation, removed by the official
// SQuAD v1.1 script.
const asciiPunctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"

// NormalizeSQuAD is the official SQuAD v1.1 evaluation normalisation: lower
// case, ASCII punctuation deleted (not replaced by a space), the English
// articles a, an, the removed, whitespace collapsed. Non-ASCII punctuation
// such as « » and ’ is kept, exactly as the official script does.
func NormalizeSQuAD(s string) string {
	s = strings.ToLower(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if r < 128 && strings.ContainsRune(asciiPunctuation, r) {
			continue
		}
		b.WriteRune(r)
	}
	words := strings.Fields(b.String())
	kept := words[:0]
	for _, w := range words {
		// Python's \b(a|an|the)\b on the punctuation-free text: whole words only.
		if w == "a" || w == "an" || w == "the" {
			continue
		}
		kept = append(kept, w)
	}
	return strings.Join(kept, " ")
}

// frenchArticles are the words NormalizeFrench removes: answers that differ
// only by a determiner ("la Révolution" and "Révolution") are the same
// answer.
var frenchArticles = map[string]bool{
	"le": true, "la": true, "les": true, "un": true, "une": true, "des": true, "du": true, "de": true,
}

// isApostrophe reports the ASCII and typographic apostrophes.
func isApostrophe(r rune) bool {
	return r == '\'' || r == '’' || r == 'ʼ' || r == '‘' || r == '`' || r == '´'
}

// NormalizeFrench is the French evaluation normalisation: lower case, the
// elided articles l' and d' removed at the start of a word (any apostrophe),
// every other punctuation or symbol character replaced by a space, the
// articles le, la, les, un, une, des, du, de removed, whitespace collapsed.
// Accents are kept: "où" and "ou" are different answers. Punctuation becomes
// a space rather than nothing so that "Jean-Paul" and "Jean Paul" match.
func NormalizeFrench(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range strings.ToLower(s) {
		switch {
		case isApostrophe(r):
			// drop an elided article: a lone l or d at the start of a word
			n := len(out)
			if n >= 1 && (out[n-1] == 'l' || out[n-1] == 'd') && (n == 1 || out[n-2] == ' ') {
				out = out[:n-1]
			}
			out = append(out, ' ')
		case unicode.IsPunct(r) || unicode.IsSymbol(r) || unicode.IsSpace(r) || unicode.IsControl(r):
			out = append(out, ' ')
		default:
			out = append(out, r)
		}
	}
	words := strings.Fields(string(out))
	kept := words[:0]
	for _, w := range words {
		if !frenchArticles[w] {
			kept = append(kept, w)
		}
	}
	return strings.Join(kept, " ")
}
