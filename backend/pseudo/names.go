package pseudo

import (
	"strings"
	"unicode"

	"github.com/lab-ia/piaf/backend/pseudo/gazetteer"
	"github.com/lab-ia/piaf/backend/pseudo/internal/tokens"
)

// nameRole says whether a word of a person's name is a given name or a
// surname.
type nameRole uint8

const (
	roleGiven nameRole = iota + 1
	roleSurname
)

// nameWord is one word of a person's mention with its role.
type personWord struct {
	folded string
	role   nameRole
}

// splitPerson splits a person mention into given names and surnames:
// words in capitals are surnames next to capitalised ones ("Michel
// FILLARD", "DUPONT Jean"); otherwise the last word is the surname and the
// earlier ones are given names when the INSEE list knows them ("Jean de La
// Fontaine": Jean, then La Fontaine); initials are given names; particles
// are dropped. known holds roles learnt from fuller mentions of the
// document and wins for one-word mentions.
func splitPerson(text string, lex *gazetteer.Lexicon, known map[string]nameRole) []personWord {
	var words []tokens.Token
	for _, t := range tokens.Tokenize(text) {
		f := gazetteer.Fold(t.Text)
		if nameParticles[f] || !hasLetter(t.Text) {
			continue
		}
		words = append(words, t)
	}
	out := make([]personWord, len(words))
	hasAll, hasFirst := false, false
	for _, w := range words {
		switch capitalisation(w.Text) {
		case capAll:
			hasAll = true
		case capFirst:
			hasFirst = true
		}
	}
	for i, w := range words {
		f := strings.TrimSuffix(gazetteer.Fold(w.Text), ".")
		out[i].folded = f
		c := capitalisation(w.Text)
		switch {
		case c == capInitial || strings.HasSuffix(w.Text, "."):
			out[i].role = roleGiven
		case len(words) == 1:
			if r, ok := known[f]; ok {
				out[i].role = r
			} else if lex.FirstName(f) >= 3 && lex.FirstName(f) > lex.Surname(f) {
				out[i].role = roleGiven
			} else {
				out[i].role = roleSurname
			}
		case hasAll && hasFirst:
			if c == capAll && len([]rune(w.Text)) > 1 {
				out[i].role = roleSurname
			} else {
				out[i].role = roleGiven
			}
		case i == len(words)-1:
			out[i].role = roleSurname
		case lex.FirstName(f) > 0 || isCompoundFirstName(f, lex):
			out[i].role = roleGiven
		default:
			out[i].role = roleSurname
		}
	}
	// "Jean de La Fontaine": once a surname word is met, what follows is
	// surname too.
	seenSurname := false
	for i := range out {
		if out[i].role == roleSurname {
			seenSurname = true
		} else if seenSurname && !(hasAll && hasFirst) && len(out) > 1 {
			out[i].role = roleSurname
		}
	}
	return out
}

func isCompoundFirstName(f string, lex *gazetteer.Lexicon) bool {
	parts := strings.Split(f, "-")
	if len(parts) < 2 {
		return false
	}
	for _, p := range parts {
		if lex.FirstName(p) == 0 {
			return false
		}
	}
	return true
}

func hasLetter(s string) bool {
	return strings.IndexFunc(s, unicode.IsLetter) >= 0
}

// letterCode returns the n-th code (0-based) of a sequence of letters:
// given names use A..W (X, Y, Z are for surnames) then AA, AB...; surnames
// use X, Y, Z then XA, XB... .
func letterCode(n int, surname bool) string {
	if surname {
		base := []string{"X", "Y", "Z"}
		if n < 3 {
			return base[n]
		}
		n -= 3
		return base[(n/26)%3] + string(rune('A'+n%26)) + strings.Repeat("'", n/78)
	}
	if n < 23 {
		return string(rune('A' + n))
	}
	n -= 23
	return string(rune('A'+(n/26)%26)) + string(rune('A'+n%26)) + strings.Repeat("'", n/676)
}
