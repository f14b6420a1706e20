package rules

import (
	"unicode"
	"unicode/utf8"

	"github.com/lab-ia/piaf/backend/pseudo/gazetteer"
	"github.com/lab-ia/piaf/backend/pseudo/internal/tokens"
)

// addressParticles may appear inside a street or city name in lower case.
var addressParticles = map[string]bool{
	"de": true, "du": true, "des": true, "la": true, "le": true, "les": true,
	"l'": true, "d'": true, "aux": true, "au": true, "sur": true,
	"sous": true, "en": true, "et": true, "lès": true, "les-": true, "saint": true,
	"sainte": true, "-": true,
}

var streetNumberSuffixes = map[string]bool{"bis": true, "ter": true, "quater": true, "b": true, "t": true, "a": true, "c": true, "d": true}

// findAddresses recognises "12 bis, rue du Général-de-Gaulle, 75008 Paris
// Cedex 08": a road type from the gazetteer, a name, and at least a street
// number before it or a postcode after it (a bare "rue de Rivoli" in prose
// is a place, left to the tagger).
func (r *Recognizer) findAddresses(text string, toks []tokens.Token, folded []string, ms []byteMatch) []byteMatch {
	for i := 0; i < len(toks); i++ {
		if r.lex.Kinds(folded[i])&gazetteer.KindRoadType == 0 {
			continue
		}
		start, hasNumber := streetNumberBefore(toks, folded, i)
		nameEnd := streetNameEnd(toks, folded, i+1)
		if nameEnd == i+1 {
			continue
		}
		end, hasPostcode := postcodeCityAfter(toks, folded, nameEnd)
		if !hasNumber && !hasPostcode {
			continue
		}
		if start > i {
			start = i
		}
		ms = append(ms, byteMatch{toks[start].ByteStart, toks[end-1].ByteEnd, LabelAddress})
		i = end - 1
	}
	return ms
}

func isNumberToken(s string) bool {
	n := 0
	for _, r := range s {
		if !unicode.IsDigit(r) {
			return false
		}
		n++
	}
	return n > 0 && n <= 4
}

// streetNumberBefore looks for "12", "12 bis", "12bis", "12-14" and an
// optional comma before the road type at i.
func streetNumberBefore(toks []tokens.Token, folded []string, i int) (int, bool) {
	j := i - 1
	if j >= 0 && toks[j].Text == "," {
		j--
	}
	if j >= 0 && toks[i].Newlines > 0 {
		return i, false
	}
	if j >= 0 && streetNumberSuffixes[folded[j]] && j-1 >= 0 && isNumberToken(toks[j-1].Text) {
		return j - 1, true
	}
	if j >= 0 && isNumberWithSuffix(folded[j]) {
		if j-2 >= 0 && toks[j-1].Text == "-" && isNumberToken(toks[j-2].Text) {
			return j - 2, true
		}
		return j, true
	}
	return i, false
}

func isNumberWithSuffix(s string) bool {
	d := 0
	for d < len(s) && s[d] >= '0' && s[d] <= '9' {
		d++
	}
	if d == 0 || d > 4 {
		return false
	}
	return d == len(s) || streetNumberSuffixes[s[d:]]
}

// streetNameEnd returns the index after the street name starting at i.
func streetNameEnd(toks []tokens.Token, folded []string, i int) int {
	end := i
	named := false
	for k := i; k < len(toks) && k < i+8; k++ {
		t := toks[k]
		if k > i && t.Newlines > 0 {
			break
		}
		r, _ := utf8.DecodeRuneInString(t.Text)
		switch {
		case unicode.IsUpper(r) || unicode.IsDigit(r):
			named = true
			end = k + 1
		case addressParticles[folded[k]]:
			// particles only count if a name follows
		default:
			k = len(toks)
		}
	}
	if !named {
		return i
	}
	return end
}

// postcodeCityAfter matches ", 75008 Paris Cedex 08", "BP 12" and "CS 1234"
// after a street name.
func postcodeCityAfter(toks []tokens.Token, folded []string, i int) (int, bool) {
	k := i
	if k < len(toks) && toks[k].Text == "," {
		k++
	}
	for k+1 < len(toks) && (folded[k] == "bp" || folded[k] == "cs" || folded[k] == "tsa") && isNumberToken(toks[k+1].Text) {
		k += 2
		if k < len(toks) && toks[k].Text == "," {
			k++
		}
	}
	if k >= len(toks) || !isPostcode(toks[k].Text) {
		return i, false
	}
	k++
	cityEnd := k
	for n := 0; k < len(toks) && n < 5; k, n = k+1, n+1 {
		t := toks[k]
		if t.Newlines > 0 {
			break
		}
		r, _ := utf8.DecodeRuneInString(t.Text)
		if unicode.IsUpper(r) {
			cityEnd = k + 1
			if folded[k] == "cedex" && k+1 < len(toks) && isNumberToken(toks[k+1].Text) && toks[k+1].Newlines == 0 {
				k++
				cityEnd = k + 1
			}
			continue
		}
		if addressParticles[folded[k]] {
			continue
		}
		break
	}
	return cityEnd, true
}

func isPostcode(s string) bool {
	if len(s) != 5 {
		return false
	}
	for i := 0; i < 5; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s >= "01000" && s < "99000"
}
