package frtext

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Sentence is the extent of one sentence, in code points (End exclusive) and
// in token indices (EndToken exclusive), so that callers working on either
// text or tokens need no second pass.
type Sentence struct {
	// Start is the code-point offset of the sentence's first character.
	Start int
	// End is the code-point offset just after its last character.
	End int
	// FirstToken is the index of its first token.
	FirstToken int
	// EndToken is the index just after its last token.
	EndToken int
}

// abbreviations end with a point that does not end the sentence ("M. Dupont",
// "av. J.-C."). Compared in lower case.
var abbreviations = map[string]bool{
	"m": true, "mm": true, "mme": true, "mmes": true, "mlle": true, "mlles": true,
	"dr": true, "pr": true, "me": true, "mgr": true, "st": true, "ste": true,
	"av": true, "apr": true, "cf": true, "ex": true, "env": true, "vol": true,
	"p": true, "pp": true, "éd": true, "chap": true, "art": true, "fig": true,
	"no": true, "gén": true, "col": true, "cap": true, "lt": true, "sgt": true,
	"mr": true, "jr": true, "sr": true, "vs": true, "op": true, "coll": true,
	"approx": true, "min": true, "max": true, "hab": true, "km": true,
}

// Sentences splits text into sentences at ".", "!", "?" and "…" followed by
// a capital, a digit or an opening quote, and at line breaks; points after
// abbreviations and initials ("J. R. R. Tolkien") do not split.
func Sentences(s string) []Sentence {
	return SentencesOf(s, Tokenize(s))
}

// SentencesOf is Sentences for a text already tokenised with Tokenize, so
// that the reader tokenises each passage once.
func SentencesOf(s string, toks []Token) []Sentence {
	if len(toks) == 0 {
		return nil
	}
	breaks := lineBreaksBetween(s, toks)
	var out []Sentence
	first := 0
	for i := range toks {
		last := i == len(toks)-1
		if last || breaks[i] || endsSentence(toks, i) {
			out = append(out, Sentence{Start: toks[first].Start, End: toks[i].End, FirstToken: first, EndToken: i + 1})
			first = i + 1
		}
	}
	return out
}

// lineBreaksBetween marks the tokens followed by a line break before the next
// token: headings and list items end there even without a point.
func lineBreaksBetween(s string, toks []Token) []bool {
	out := make([]bool, len(toks))
	cp, b := 0, 0 // walk s once, keeping code-point and byte positions in step
	for i := 0; i+1 < len(toks); i++ {
		for cp < toks[i].End {
			_, w := utf8.DecodeRuneInString(s[b:])
			b += w
			cp++
		}
		for cp < toks[i+1].Start {
			r, w := utf8.DecodeRuneInString(s[b:])
			if r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029' {
				out[i] = true
			}
			b += w
			cp++
		}
	}
	return out
}

// endsSentence reports whether a sentence ends after token i: a final
// punctuation (possibly followed by closing quotes or brackets, which stay in
// the sentence) and then a token that can start a sentence.
func endsSentence(toks []Token, i int) bool {
	t := toks[i]
	if t.Kind != Punct {
		return false
	}
	next := i + 1
	if next >= len(toks) {
		return true
	}
	if isClosing(toks[next].Text) {
		return false // the closing mark ends the sentence instead
	}
	end := i
	for end >= 0 && toks[end].Kind == Punct && isClosing(toks[end].Text) {
		end--
	}
	if end < 0 || !isFinal(toks[end].Text) {
		return false
	}
	if toks[end].Text == "." && end > 0 && isAbbreviation(toks[end-1]) && toks[end-1].End == toks[end].Start {
		return false
	}
	return canStartSentence(toks[next])
}

// isFinal reports the punctuation that ends a sentence.
func isFinal(p string) bool {
	return p == "." || p == "!" || p == "?" || p == "…"
}

// isClosing reports closing quotes and brackets that belong to the sentence
// they close.
func isClosing(p string) bool {
	switch p {
	case "»", "\"", "”", "’", ")", "]", "}", "›":
		return true
	}
	return false
}

// isAbbreviation reports a word that is followed by a non-final point: known
// abbreviations and single capital letters (initials).
func isAbbreviation(t Token) bool {
	if t.Kind != Word {
		return false
	}
	if utf8.RuneCountInString(t.Text) == 1 {
		r, _ := utf8.DecodeRuneInString(t.Text)
		return unicode.IsUpper(r)
	}
	return abbreviations[strings.ToLower(t.Text)]
}

// canStartSentence reports tokens that begin a sentence: a capitalised word,
// a number, an opening quote, a dash of dialogue or a bracket.
func canStartSentence(t Token) bool {
	r, _ := utf8.DecodeRuneInString(t.Text)
	switch t.Kind {
	case Word, Elision:
		return unicode.IsUpper(r)
	case Number:
		return true
	case Punct:
		return strings.ContainsRune("«\"“([—–-¿¡'", r)
	}
	return true
}
