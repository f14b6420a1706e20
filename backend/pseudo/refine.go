package pseudo

import (
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/lab-ia/piaf/backend/pseudo/gazetteer"
)

// wordKinds are the lexicon kinds that mark a word as a common word, a job,
// a brand or an acronym rather than part of a person's name.
const wordKinds = gazetteer.KindJob | gazetteer.KindDepartment | gazetteer.KindEnglish |
	gazetteer.KindAcronym | gazetteer.KindBrand | gazetteer.KindCommon

// refinePersons applies the product's conventions and the "not a name"
// knowledge to the tagger's PER spans: titles, articles and particles at
// the edges are trimmed ("Alix PRINTEMS Monsieur" -> "Alix PRINTEMS"), and
// a span holding a job title, a brand, an English business word, an
// acronym or a common word ("Privacy by Design", "Renault Trucks", "Groupe
// SEB") is dropped unless a common first name or a civil title vouches for
// it ("Norbert CHANEL", "M. Renault").
func (a *analysis) refinePersons(ents []Entity) []Entity {
	var split []Entity
	for _, e := range ents {
		split = append(split, a.splitAtTitles(e)...)
	}
	out := ents[:0]
	for _, e := range split {
		if e.Label != LabelPER {
			out = append(out, e)
			continue
		}
		from, to := a.tokenRange(e.Start, e.End)
		for from < to && a.edgeNoise(from) {
			from++
		}
		for to > from && a.edgeNoise(to-1) {
			to--
		}
		if from == to {
			continue
		}
		titled := from > 0 && civilTitles[a.folded[from-1]]
		// A common first name opening the span vouches for it ("Norbert
		// CHANEL"), not one closing it ("Uber France").
		f0 := a.folded[from]
		strongFirst := a.lex.FirstName(f0) >= 4 && capitalisation(a.toks[from].Text) != capNone && a.lex.Kinds(f0)&wordKinds == 0
		notName := false
		for k := from; k < to; k++ {
			f := a.folded[k]
			if a.lex.Kinds(f)&wordKinds != 0 {
				notName = true
			}
		}
		if notName && !strongFirst && !titled {
			continue
		}
		if t := a.toks[from].Text; strings.HasSuffix(t, ".") && capitalisation(t) != capInitial && !titled && letterCount(t) > 1 {
			continue // "Art. R", "Réf. X"
		}
		if from == e.Start && to == e.End {
			out = append(out, e)
			continue
		}
		out = append(out, a.entity(from, to, e.Label, e.Score, e.Source))
	}
	return out
}

// edgeNoise reports whether token k cannot start or end a person's span:
// a title, an article, a lower-case particle or punctuation.
func (a *analysis) edgeNoise(k int) bool {
	t := a.toks[k].Text
	if !hasLetter(t) {
		return true
	}
	kinds := a.lex.Kinds(a.folded[k])
	if kinds&gazetteer.KindTitle != 0 && a.lex.Surname(a.folded[k]) == 0 {
		return true
	}
	if kinds&gazetteer.KindTitle != 0 && capitalisation(t) == capNone {
		return true
	}
	if kinds&gazetteer.KindDeterminer != 0 && capitalisation(t) == capNone {
		return true
	}
	return nameParticles[a.folded[k]] && capitalisation(t) == capNone
}

func letterCount(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			n++
		}
	}
	return n
}

// preferLongerCues lets a gazetteer cue replace the tagger's spans it
// contains: person spans it extends (the cue knows that "H." in "H.
// Lambert" or "LEBRUN" in "LEBRUN Hervé" belongs to the name) and less
// confident spans of other labels. Other cues only fill gaps later.
func preferLongerCues(ents, cues []Entity) []Entity {
	if len(cues) == 0 {
		return ents
	}
	sorted := slices.Clone(ents)
	sortByStart(sorted)
	removed := make([]bool, len(sorted))
	var added []Entity
	for _, c := range cues {
		if c.Label != LabelPER {
			continue
		}
		i := sort.Search(len(sorted), func(i int) bool { return sorted[i].End > c.Start })
		j := i
		ok := true
		for ; j < len(sorted) && sorted[j].Start < c.End; j++ {
			e := sorted[j]
			// The tagger's other labels give way to a cue more confident
			// than they are ("Mmes Darbois, Poillot-Peruzzetto" read as a
			// place, "Me Alexandre de Montfort" cut at "de").
			if removed[j] || e.Source != SourceModel || e.Start < c.Start || e.End > c.End || e.Label != LabelPER && e.Score >= c.Score {
				ok = false
				break
			}
		}
		if !ok || j == i || j == i+1 && sorted[i].Start == c.Start && sorted[i].End == c.End && sorted[i].Label == LabelPER {
			continue
		}
		for k := i; k < j; k++ {
			removed[k] = true
			c.Score = max(c.Score, sorted[k].Score)
		}
		added = append(added, c)
	}
	if len(added) == 0 {
		return ents
	}
	out := make([]Entity, 0, len(sorted)+len(added))
	for k, e := range sorted {
		if !removed[k] {
			out = append(out, e)
		}
	}
	return append(out, added...)
}

// splitAtTitles cuts a person span at a civil title inside it: "Alix
// PRINTEMS Monsieur Gérard TEILLET" is two persons.
func (a *analysis) splitAtTitles(e Entity) []Entity {
	if e.Label != LabelPER {
		return []Entity{e}
	}
	from, to := a.tokenRange(e.Start, e.End)
	var out []Entity
	start := from
	for k := from; k < to; k++ {
		if civilTitles[a.folded[k]] && capitalisation(a.toks[k].Text) != capNone {
			if k > start {
				out = append(out, a.entity(start, k, e.Label, e.Score, e.Source))
			}
			start = k + 1
		}
	}
	if start == from {
		return []Entity{e}
	}
	if start < to {
		out = append(out, a.entity(start, to, e.Label, e.Score, e.Source))
	}
	return out
}

// relabelTitled turns into persons the tagger's places and organisations
// made only of words that the document elsewhere writes after a civil title
// ("M. d'Artagnan", "monsieur de Tréville"): a word that follows "M." is a
// name, whatever its neighbourhood suggested to the tagger ("d'Artagnan"
// looks like "d'Angleterre").
func (a *analysis) relabelTitled(ents []Entity) []Entity {
	titled := map[string]bool{}
	for i := 0; i+1 < len(a.toks); i++ {
		if !civilTitles[a.folded[i]] {
			continue
		}
		k := i + 1
		for k < len(a.toks) && k < i+3 && nameParticles[a.folded[k]] && capitalisation(a.toks[k].Text) == capNone {
			k++
		}
		if k < len(a.toks) && a.nameWord(k) {
			titled[a.folded[k]] = true
		}
	}
	// A word also met right after a preposition of place ("à Saumur", "en
	// Froidfond") is a place that gives its name to nobles ("M. de
	// Froidfond"): leave it to the tagger.
	for i := 1; i < len(a.toks); i++ {
		p := i - 1
		if p > 0 && a.lex.Kinds(a.folded[p])&gazetteer.KindDeterminer != 0 && capitalisation(a.toks[p].Text) == capNone {
			p-- // "à la Madeleine", "vers l'Opéra"
		}
		if locativePrepositions[a.folded[p]] {
			delete(titled, a.folded[i])
		}
	}
	if len(titled) == 0 {
		return ents
	}
	for i, e := range ents {
		if e.Label == LabelPER || e.Source != SourceModel {
			continue
		}
		from, to := a.tokenRange(e.Start, e.End)
		words := 0
		all := true
		for k := from; k < to; k++ {
			if nameParticles[a.folded[k]] {
				continue
			}
			words++
			if !titled[a.folded[k]] {
				all = false
				break
			}
		}
		if all && words > 0 {
			for from < to && nameParticles[a.folded[from]] && capitalisation(a.toks[from].Text) == capNone {
				from++
			}
			ents[i] = a.entity(from, to, LabelPER, e.Score, e.Source)
		}
	}
	return ents
}

// locativePrepositions introduce places.
var locativePrepositions = map[string]bool{
	"à": true, "a": true, "en": true, "au": true, "aux": true, "vers": true, "dans": true,
	"sur": true, "sous": true, "depuis": true, "jusqu'à": true, "près": true, "via": true,
}
