package pseudo

import (
	"unicode"
	"unicode/utf8"

	"github.com/lab-ia/piaf/backend/pseudo/gazetteer"
)

// civilTitles introduce a person's name in modern French documents.
var civilTitles = map[string]bool{
	"m.": true, "mm.": true, "mme": true, "mme.": true, "mmes": true, "mlle": true, "mlle.": true,
	"mlles": true, "me": true, "me.": true, "dr": true, "dr.": true, "pr": true, "pr.": true,
	"monsieur": true, "madame": true, "mademoiselle": true, "messieurs": true, "mesdames": true,
	"maitre": true, "docteur": true, "professeur": true, "mr": true, "mr.": true, "mrs": true,
	"mrs.": true, "ms": true, "ms.": true,
}

// nameParticles may sit inside a name ("M. de La Fontaine", "Mme van der Berg").
var nameParticles = map[string]bool{
	"de": true, "d'": true, "du": true, "des": true, "le": true, "la": true, "van": true,
	"von": true, "der": true, "den": true, "da": true, "di": true, "del": true, "dos": true,
	"el": true, "ben": true, "bin": true, "ibn": true, "mac": true,
}

// notNameKinds are the lexicon kinds that rule a capitalised word out as a
// name part.
const notNameKinds = gazetteer.KindJob | gazetteer.KindDepartment | gazetteer.KindEnglish |
	gazetteer.KindAcronym | gazetteer.KindBrand | gazetteer.KindTitle | gazetteer.KindDeterminer

type capClass uint8

const (
	capNone capClass = iota
	capFirst
	capAll
	capInitial
)

func capitalisation(s string) capClass {
	r, _ := utf8.DecodeRuneInString(s)
	if !unicode.IsUpper(r) {
		return capNone
	}
	letters, upper := 0, 0
	for _, c := range s {
		if unicode.IsLetter(c) {
			letters++
			if unicode.IsUpper(c) {
				upper++
			}
		}
	}
	switch {
	case letters == 1:
		return capInitial
	case upper == letters:
		return capAll
	}
	return capFirst
}

// nameWord reports whether token i may be part of a person's name: a
// capitalised word that the lexicon does not know as a job, a department,
// an English business word, an acronym, a brand, a title or an article.
func (a *analysis) nameWord(i int) bool {
	c := capitalisation(a.toks[i].Text)
	if c == capNone || c == capInitial || nameParticles[a.folded[i]] {
		return false
	}
	return a.lex.Kinds(a.folded[i])&notNameKinds == 0
}

// nameCues finds persons from gazetteer cues alone: a civil title followed
// by capitalised words ("M. Dupont", "Me Michel FILLARD"), and a common
// first name next to a surname in capitals ("Jean DUPONT", "DUPONT Jean").
// They back the tagger up (and stand in for it without a model).
func (a *analysis) nameCues() []Entity {
	var out []Entity
	n := len(a.toks)
	for i := 0; i < n; i++ {
		if civilTitles[a.folded[i]] && i+1 < n && a.segOf[i+1] == a.segOf[i] {
			if end := a.nameAfter(i + 1); end > i+1 {
				from := i + 1
				for from < end && nameParticles[a.folded[from]] {
					from++
				}
				out = append(out, a.entity(from, end, LabelPER, 0.9, SourceGazetteer))
				i = end - 1
				continue
			}
		}
		if end := a.firstNameSurname(i); end > i {
			out = append(out, a.entity(i, end, LabelPER, 0.75, SourceGazetteer))
			i = end - 1
		}
	}
	return out
}

// nameAfter returns the end of the name starting at i (after a title), or
// i when there is none: particles, then up to four name words or initials.
func (a *analysis) nameAfter(i int) int {
	n := len(a.toks)
	seg := a.segOf[i]
	k := i
	words := 0
	for k < n && a.segOf[k] == seg && k-i < 6 {
		t := a.toks[k].Text
		switch {
		case a.nameWord(k):
			words++
			k++
			continue
		case capitalisation(t) == capInitial && words < 3 && (len(t) <= 3):
			// "J.", "J.-P." initials
			words++
			k++
			continue
		case nameParticles[a.folded[k]] && k+1 < n && a.segOf[k+1] == seg && a.nameWord(k+1) && capitalisation(t) == capNone:
			k++
			continue
		}
		break
	}
	if words == 0 {
		return i
	}
	// Do not end on a particle.
	for k > i && nameParticles[a.folded[k-1]] {
		k--
	}
	return k
}

// firstNameSurname matches "Jean DUPONT", "Jean-Marc Dubois" (a surname the
// lexicon knows) and "DUPONT Jean" starting at i; it returns i when no.
func (a *analysis) firstNameSurname(i int) int {
	n := len(a.toks)
	if i+1 >= n || a.segOf[i+1] != a.segOf[i] || !a.nameWord(i) || !a.nameWord(i+1) {
		return i
	}
	ci, cj := capitalisation(a.toks[i].Text), capitalisation(a.toks[i+1].Text)
	fi, fj := a.folded[i], a.folded[i+1]
	commonFirst := func(f string) bool {
		return a.lex.FirstName(f) >= 3 && a.lex.Caps(f) != gazetteer.CapsNever && a.lex.Caps(f) != gazetteer.CapsRarely
	}
	surnameLike := func(k int, c capClass) bool {
		if c == capAll {
			return utf8.RuneCountInString(a.toks[k].Text) >= 2
		}
		caps := a.lex.Caps(a.folded[k])
		return a.lex.Surname(a.folded[k]) > 0 && caps != gazetteer.CapsNever && caps != gazetteer.CapsRarely
	}
	end := i
	switch {
	case ci == capFirst && commonFirst(fi) && surnameLike(i+1, cj):
		end = i + 2
	case ci == capAll && cj == capFirst && commonFirst(fj) && a.lex.Surname(fi) > 0:
		end = i + 2
	default:
		return i
	}
	// More surname words in capitals: "Inès REAL DEL SARTE".
	for end < n && a.segOf[end] == a.segOf[i] && capitalisation(a.toks[end].Text) == capAll && a.nameWord(end) && cj == capAll {
		end++
	}
	return end
}
