// Package rules finds structured personal data in French text with
// patterns and validation: e-mail addresses, French phone numbers, IBANs
// (mod 97), social security numbers (NIR, key 97 - n mod 97, Corsica
// 2A/2B), SIREN and SIRET (Luhn, La Poste's exception), bank cards (Luhn),
// vehicle plates (SIV and the older FNI format), postal addresses (road type
// from a gazetteer), dates of birth in context and IP addresses.
//
// A candidate whose checksum fails is not reported: a wrong identifier is
// usually not an identifier, and reporting it would teach reviewers to
// ignore the engine.
package rules

import (
	"sort"
	"unicode/utf8"

	"github.com/lab-ia/piaf/backend/pseudo/gazetteer"
	"github.com/lab-ia/piaf/backend/pseudo/internal/tokens"
)

// Labels of the structured entities, as the detect output writes them.
const (
	LabelEmail     = "EMAIL"
	LabelPhone     = "PHONE"
	LabelIBAN      = "IBAN"
	LabelNIR       = "NIR"
	LabelSIREN     = "SIREN"
	LabelSIRET     = "SIRET"
	LabelCard      = "CARD"
	LabelPlate     = "PLATE"
	LabelAddress   = "ADDRESS"
	LabelBirthDate = "BIRTH_DATE"
	LabelIP        = "IP"
)

// priority orders overlapping matches: the most specific, validated
// identifier wins over the looser patterns it contains.
var priority = map[string]int{
	LabelEmail: 10, LabelIBAN: 9, LabelNIR: 8, LabelCard: 7, LabelSIRET: 6,
	LabelSIREN: 5, LabelPhone: 4, LabelIP: 4, LabelPlate: 3, LabelBirthDate: 2,
	LabelAddress: 1,
}

// Match is one recognised identifier. Offsets are Unicode code points, end
// exclusive, like the public entity spans.
type Match struct {
	Start, End int
	Label      string
	Text       string
}

// byteMatch is a match in byte offsets, before conversion.
type byteMatch struct {
	start, end int
	label      string
}

// Recognizer runs every pattern over a text. It holds only read-only data
// and is safe for concurrent use.
type Recognizer struct {
	lex *gazetteer.Lexicon
}

// New returns a recognizer using the lexicon's road types and communes for
// postal addresses.
func New(lex *gazetteer.Lexicon) *Recognizer {
	return &Recognizer{lex: lex}
}

// Find returns the non-overlapping identifiers of text, sorted by start.
func (r *Recognizer) Find(text string) []Match { return r.FindTokens(text, nil, nil) }

// FindTokens is Find for a text already tokenised by the engine's tokenizer,
// with the tokens' folded forms (gazetteer.Fold): the detector shares them.
// nil tokens tokenise; nil folded forms are computed.
func (r *Recognizer) FindTokens(text string, toks []tokens.Token, folded []string) []Match {
	var ms []byteMatch
	ms = findIn(text, byteWindows(text, '@', 80, 260), ms, findEmails)
	ms = findIn(text, numericWindows(text), ms, findNumbers)
	ms = findIn(text, numericWindows(text), ms, findPlates)
	ms = findIn(text, hexColonWindows(text), ms, findIPv6)
	ms = findIn(text, birthWindows(text), ms, findBirthDates)
	if r.lex != nil {
		if toks == nil {
			toks = tokens.Tokenize(text)
			folded = nil
		}
		if folded == nil {
			folded = make([]string, len(toks))
			for i, t := range toks {
				folded[i] = gazetteer.Fold(t.Text)
			}
		}
		ms = r.findAddresses(text, toks, folded, ms)
	}
	ms = resolveOverlaps(ms)
	return toRunes(text, ms)
}

func resolveOverlaps(ms []byteMatch) []byteMatch {
	sort.SliceStable(ms, func(i, j int) bool {
		pi, pj := priority[ms[i].label], priority[ms[j].label]
		if pi != pj {
			return pi > pj
		}
		li, lj := ms[i].end-ms[i].start, ms[j].end-ms[j].start
		if li != lj {
			return li > lj
		}
		return ms[i].start < ms[j].start
	})
	var kept []byteMatch
	for _, m := range ms {
		ok := true
		for _, k := range kept {
			if m.start < k.end && k.start < m.end {
				ok = false
				break
			}
		}
		if ok {
			kept = append(kept, m)
		}
	}
	sort.Slice(kept, func(i, j int) bool { return kept[i].start < kept[j].start })
	return kept
}

// toRunes converts sorted byte matches to code point offsets in one pass.
func toRunes(text string, ms []byteMatch) []Match {
	out := make([]Match, 0, len(ms))
	bpos, rpos := 0, 0
	advance := func(to int) int {
		rpos += utf8.RuneCountInString(text[bpos:to])
		bpos = to
		return rpos
	}
	for _, m := range ms {
		s := advance(m.start)
		e := advance(m.end)
		out = append(out, Match{Start: s, End: e, Label: m.label, Text: text[m.start:m.end]})
	}
	return out
}

// boundaryOK reports whether text[start:end] is not glued to a letter or a
// digit on either side, so that "0612345678" inside a longer number or a
// word is not taken.
func boundaryOK(text string, start, end int) bool {
	if start > 0 {
		r, _ := utf8.DecodeLastRuneInString(text[:start])
		if isAlnum(r) {
			return false
		}
	}
	if end < len(text) {
		r, _ := utf8.DecodeRuneInString(text[end:])
		if isAlnum(r) {
			return false
		}
	}
	return true
}
