package pseudo

import (
	"strings"
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
	gazetteer.KindAcronym | gazetteer.KindBrand | gazetteer.KindTitle | gazetteer.KindDeterminer |
	gazetteer.KindCommon

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

// pluralTitles introduce several names: "MM. Y... et Z...", "Mmes Darbois,
// Champalaune".
var pluralTitles = map[string]bool{"mm.": true, "mmes": true, "mlles": true, "messieurs": true, "mesdames": true}

// nameCues finds persons from gazetteer cues alone: a civil title followed
// by capitalised words ("M. Dupont", "Me Michel FILLARD", "Mmes Darbois,
// Champalaune"), an initial before a surname ("J. Martin"), a common first
// name next to a surname ("Jean DUPONT", "DUPONT Jean", "Marie Blanc") and
// the "NOM, Prénom" of attendance lists. They back the tagger up (and stand
// in for it without a model).
func (a *analysis) nameCues() []Entity {
	var out []Entity
	n := len(a.toks)
	add := func(from, end int, score float64) {
		for from < end && nameParticles[a.folded[from]] && capitalisation(a.toks[from].Text) == capNone {
			from++
		}
		if from < end {
			out = append(out, a.entity(from, end, LabelPER, score, SourceGazetteer))
		}
	}
	for i := 0; i < n; i++ {
		if civilTitles[a.folded[i]] && i+1 < n && a.segOf[i+1] == a.segOf[i] {
			j := a.skipRoleWords(i + 1)
			if j > i+1 && !a.nameWord(j) {
				continue // "M. le maire de Ramonville": a role, not a name
			}
			if end := a.nameAfter(j); end > j {
				add(j, end, 0.9)
				// "MM. Y... et Z...", "Mmes Darbois, Poillot-Peruzzetto, ..."
				for pluralTitles[a.folded[i]] {
					k := end
					if k+1 >= n || a.segOf[k+1] != a.segOf[i] || a.toks[k].Text != "," && a.folded[k] != "et" {
						break
					}
					k++
					if civilTitles[a.folded[k]] {
						break // a new title starts its own cue
					}
					e2 := a.nameAfter(k)
					if e2 == k {
						break
					}
					add(k, e2, 0.85)
					end = e2
				}
				i = end - 1
				continue
			}
		}
		if end := a.initialSurname(i); end > i {
			add(i, end, 0.8)
			i = end - 1
			continue
		}
		if end := a.surnameCommaFirstName(i); end > i {
			add(i, i+1, 0.75)
			add(end-1, end, 0.75)
			i = end - 1
			continue
		}
		if end := a.firstNameSurname(i); end > i {
			add(i, end, 0.75)
			i = end - 1
		}
	}
	return out
}

// skipRoleWords skips lower-case titles and roles between a civil title and
// the name ("Mme veuve Roux", "M. le docteur Martin").
func (a *analysis) skipRoleWords(i int) int {
	seg := a.segOf[i]
	for k := i; k < len(a.toks) && a.segOf[k] == seg && k < i+3; k++ {
		if capitalisation(a.toks[k].Text) != capNone {
			return k
		}
		kinds := a.lex.Kinds(a.folded[k])
		if kinds&gazetteer.KindTitle == 0 && !(kinds&gazetteer.KindDeterminer != 0 && k+1 < len(a.toks) && a.lex.Kinds(a.folded[k+1])&gazetteer.KindTitle != 0) {
			return k
		}
	}
	return i
}

// nameAfter returns the end of the name starting at i (after a title), or
// i when there is none: particles, then up to four name words or initials.
func (a *analysis) nameAfter(i int) int {
	n := len(a.toks)
	if i >= n {
		return i
	}
	seg := a.segOf[i]
	k := i
	words := 0
	for k < n && a.segOf[k] == seg && k-i < 7 {
		t := a.toks[k].Text
		switch {
		case a.nameWord(k), words > 0 && a.surnameAfterName(k):
			words++
			k++
			continue
		case capitalisation(t) == capInitial && words < 3 && len(t) <= 5:
			// "J.", "J.-P." initials, "X..." placeholders
			words++
			k++
			continue
		case nameParticles[a.folded[k]] && k+1 < n && a.segOf[k+1] == seg && (a.nameWord(k+1) || nameParticles[a.folded[k+1]] && k+2 < n && a.nameWord(k+2)):
			k++
			continue
		}
		break
	}
	if words == 0 {
		return i
	}
	for k > i && nameParticles[a.folded[k-1]] {
		k--
	}
	return k
}

// surnameAfterName reports whether token k, following a first name or an
// initial, can be a surname: a name word, or a capitalised title or brand
// that the INSEE list knows as a surname ("A. Chevalier", "Jean-Louis
// Baron", "Norbert CHANEL").
func (a *analysis) surnameAfterName(k int) bool {
	if a.nameWord(k) {
		return true
	}
	c := capitalisation(a.toks[k].Text)
	if c == capNone || c == capInitial || nameParticles[a.folded[k]] {
		return false
	}
	kinds := a.lex.Kinds(a.folded[k])
	return kinds&(gazetteer.KindTitle|gazetteer.KindBrand) != 0 &&
		kinds&^(gazetteer.KindTitle|gazetteer.KindBrand)&notNameKinds == 0 && a.lex.Surname(a.folded[k]) > 0
}

// initialSurname matches "J. Martin", "A. FAURE".
func (a *analysis) initialSurname(i int) int {
	if i+1 >= len(a.toks) || a.segOf[i+1] != a.segOf[i] {
		return i
	}
	t := a.toks[i].Text
	if capitalisation(t) != capInitial || !strings.HasSuffix(t, ".") || len(t) > 5 {
		return i
	}
	f := a.folded[i+1]
	if !a.surnameAfterName(i+1) || !(a.lex.Surname(f) > 0 || capitalisation(a.toks[i+1].Text) == capAll) {
		return i
	}
	return i + 2
}

// surnameCommaFirstName matches "DUBOIS, Marie" and, at the start of a
// line, "Dubois, Marie"; it returns the index after the first name.
func (a *analysis) surnameCommaFirstName(i int) int {
	if i+2 >= len(a.toks) || a.toks[i+1].Text != "," || a.segOf[i+2] != a.segOf[i] {
		return i
	}
	c := capitalisation(a.toks[i].Text)
	if !a.nameWord(i) || !a.nameWord(i+2) || capitalisation(a.toks[i+2].Text) != capFirst {
		return i
	}
	if !(c == capAll || c == capFirst && a.toks[i].LineStart) {
		return i
	}
	if a.lex.Surname(a.folded[i]) == 0 || a.lex.FirstName(a.folded[i+2]) < 3 {
		return i
	}
	// "PARIS, Lyon" or a first name used as a surname: the second word must
	// be a more common first name than surname.
	if a.lex.Surname(a.folded[i+2]) > a.lex.FirstName(a.folded[i+2]) {
		return i
	}
	return i + 3
}

// firstNameSurname matches "Jean DUPONT", "Marie Blanc", "Jean-Marc Dubois"
// (a surname the lexicon knows) and "DUPONT Jean" starting at i; it returns
// i when there is none.
func (a *analysis) firstNameSurname(i int) int {
	n := len(a.toks)
	if i+1 >= n || a.segOf[i+1] != a.segOf[i] {
		return i
	}
	// "EL AMRANI Youssef", "REAL DEL SARTE": particles in capitals.
	start := i
	for start < n-1 && capitalisation(a.toks[start].Text) == capAll && nameParticles[a.folded[start]] && a.segOf[start+1] == a.segOf[i] {
		start++
	}
	if start+1 >= n || a.segOf[start+1] != a.segOf[i] {
		return i
	}
	ci, cj := capitalisation(a.toks[start].Text), capitalisation(a.toks[start+1].Text)
	fi, fj := a.folded[start], a.folded[start+1]
	strongFirst := func(f string) bool {
		b := a.lex.FirstName(f)
		caps := a.lex.Caps(f)
		return b >= 3 && caps != gazetteer.CapsNever || b >= 5
	}
	end := i
	switch {
	case start == i && ci == capFirst && a.nameWord(i) && strongFirst(fi) && a.surnameAfterName(i+1) &&
		(cj == capAll && utf8.RuneCountInString(a.toks[i+1].Text) >= 2 || a.lex.Surname(fj) > 0):
		end = i + 2
	case ci == capAll && a.nameWord(start) && cj == capFirst && a.nameWord(start+1) && strongFirst(fj) && a.lex.Surname(fi) > 0:
		end = start + 2
	default:
		return i
	}
	// More surname words in capitals: "Inès REAL DEL SARTE".
	for end < n && a.segOf[end] == a.segOf[i] && capitalisation(a.toks[end].Text) == capAll && capitalisation(a.toks[end-1].Text) == capAll &&
		(a.nameWord(end) || nameParticles[a.folded[end]] && end+1 < n && capitalisation(a.toks[end+1].Text) == capAll && a.nameWord(end+1)) {
		end++
	}
	return end
}
