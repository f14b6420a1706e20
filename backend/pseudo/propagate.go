package pseudo

import (
	"sort"
	"unicode/utf8"

	"github.com/lab-ia/piaf/backend/pseudo/gazetteer"
)

// propagationDiscount lowers the score of a propagated mention relative to
// the mention it repeats.
const propagationDiscount = 0.9

// minPropagationScore is the confidence a person must have to be spread.
const minPropagationScore = 0.5

type namePart struct {
	score float64
	// weak parts are usually lower-case words ("Petit", "Blanc"): they are
	// not spread to the start of a sentence, where any word is capitalised.
	weak bool
}

// propagate finds the other mentions of the persons already found: their
// multi-word names and the parts that are safe to spread ("Jean-Marc
// Dubois" gives "Dubois" and "Jean-Marc" elsewhere, "M. Dubois" gives
// "Dubois"). Propagating with care matters: a wrong entity spread is many
// errors, so a single word in capitals, a brand, a job title or an acronym
// is never spread, and a part must be backed by a title, by a second name
// word, or by the INSEE name lists.
func (a *analysis) propagate(ents []Entity) []Entity {
	parts := map[string]namePart{}
	covered := make([]bool, len(a.toks))
	for _, e := range ents {
		from, to := a.tokenRange(e.Start, e.End)
		for k := from; k < to; k++ {
			covered[k] = true
		}
		if e.Label != LabelPER || e.Source == SourcePropagation || e.Score < minPropagationScore || from >= to {
			continue
		}
		var words []int
		for k := from; k < to; k++ {
			if a.nameWord(k) {
				words = append(words, k)
			}
		}
		titled := from > 0 && civilTitles[a.folded[from-1]]
		single := len(words) == 1
		for _, k := range words {
			f := a.folded[k]
			gaz := a.lex.FirstName(f) > 0 || a.lex.Surname(f) > 0
			if utf8.RuneCountInString(a.toks[k].Text) < 2 {
				continue
			}
			if single && !titled && (capitalisation(a.toks[k].Text) == capAll || !gaz) {
				continue
			}
			caps := a.lex.Caps(f)
			p := namePart{score: e.Score * propagationDiscount, weak: caps == gazetteer.CapsNever || caps == gazetteer.CapsRarely}
			if old, ok := parts[f]; !ok || old.score < p.score {
				parts[f] = p
			}
		}
	}
	if len(parts) == 0 {
		return nil
	}
	var out []Entity
	for i := 0; i < len(a.toks); i++ {
		if covered[i] || !a.isPart(i, parts) {
			continue
		}
		j := i + 1
		score := parts[a.folded[i]].score
		for j < len(a.toks) && !covered[j] && a.segOf[j] == a.segOf[i] {
			if a.isPart(j, parts) {
				score = min(score, parts[a.folded[j]].score)
				j++
				continue
			}
			// "Jean de La Fontaine": a particle between two parts.
			if nameParticles[a.folded[j]] && j+1 < len(a.toks) && !covered[j+1] && a.segOf[j+1] == a.segOf[i] && a.isPart(j+1, parts) {
				j++
				continue
			}
			break
		}
		out = append(out, a.entity(i, j, LabelPER, score, SourcePropagation))
		i = j - 1
	}
	return out
}

func (a *analysis) isPart(i int, parts map[string]namePart) bool {
	p, ok := parts[a.folded[i]]
	if !ok || !a.nameWord(i) {
		return false
	}
	if p.weak && int(a.segs[a.segOf[i]].From) == i {
		return false
	}
	// A word in an all-capitals heading ("BOULANGERIE MARTIN & FILS") is
	// not spread into: headings name companies and services.
	if capitalisation(a.toks[i].Text) == capAll && a.isHeading(int(a.segOf[i])) {
		return false
	}
	return true
}

// tokenRange returns the tokens covered by [start, end) code points.
func (a *analysis) tokenRange(start, end int) (int, int) {
	from := sort.Search(len(a.toks), func(i int) bool { return a.toks[i].End > start })
	to := from
	for to < len(a.toks) && a.toks[to].Start < end {
		to++
	}
	return from, to
}

// isHeading reports whether most words of segment si are in capitals.
func (a *analysis) isHeading(si int) bool {
	s := a.segs[si]
	upper, words := 0, 0
	for k := s.From; k < s.To; k++ {
		switch capitalisation(a.toks[k].Text) {
		case capAll:
			upper++
			words++
		case capFirst, capNone:
			if hasLetter(a.toks[k].Text) {
				words++
			}
		}
	}
	return words >= 3 && upper*10 >= words*7
}
