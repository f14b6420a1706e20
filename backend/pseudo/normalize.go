package pseudo

import (
	"sort"
	"strings"
	"unicode"

	"github.com/lab-ia/piaf/backend/pseudo/gazetteer"
	"github.com/lab-ia/piaf/backend/pseudo/internal/tokens"
)

// capitalisedPossessives are never part of a name even when capitalised
// ("Son Éminence", "Votre Majesté").
var capitalisedPossessives = map[string]bool{
	"mon": true, "ma": true, "mes": true, "ton": true, "ta": true, "tes": true,
	"son": true, "sa": true, "ses": true, "notre": true, "nos": true, "votre": true,
	"vos": true, "leur": true, "leurs": true, "ce": true, "cet": true, "cette": true,
	"ces": true, "un": true, "une": true,
}

// NormalizeSpans applies the product's span conventions to a document's
// gold spans, in place:
//   - leading articles, contracted articles and possessives are removed
//     from every span ("la France" -> "France", "du cardinal" -> "cardinal"),
//     except a capitalised article inside a name ("La Rochelle", "Le Bras",
//     "mademoiselle de La Mole"), kept unless it opens the sentence;
//   - leading titles are removed from PER spans ("madame Bovary" ->
//     "Bovary"), so that the title stays visible in pseudonymised text, and
//     so are lower-case particles ("M. de Rênal" -> "Rênal", "d'Artagnan"
//     -> "Artagnan"): a PER span starts with a capital;
//   - a span left empty (a bare title: "le cardinal", "Sa Majesté") or left
//     without any capital after removal ("la bohémienne") is dropped: it is
//     a description, not a name.
//
// The novels of ner_7romans put titles inside PER and articles inside LOC;
// reading them through this function is what makes scores comparable to
// the engine's output. Normalising is idempotent.
func NormalizeSpans(d *Document) {
	if len(d.Spans) == 0 {
		return
	}
	lex, err := gazetteer.Default()
	if err != nil {
		return
	}
	toks := tokens.Tokenize(d.Text)
	segStart := make(map[int]bool)
	for _, s := range tokens.Segments(toks) {
		segStart[s.From] = true
	}
	// Index of the first token starting at or after each span start.
	out := d.Spans[:0]
	for _, sp := range d.Spans {
		i := sort.Search(len(toks), func(k int) bool { return toks[k].Start >= sp.Start })
		j := i
		for j < len(toks) && toks[j].End <= sp.End {
			j++
		}
		if i >= len(toks) || toks[i].Start != sp.Start || j == i {
			out = append(out, sp) // not on token boundaries: leave as is
			continue
		}
		k := stripLeading(toks, i, j, sp.Label, segStart[i], lex)
		if k == j {
			continue
		}
		if k > i && !anyUpper(toks[k:j]) {
			continue
		}
		sp.Start = toks[k].Start
		out = append(out, sp)
	}
	d.Spans = out
}

// stripLeading returns the index of the first token of [i, j) that belongs
// to the name.
func stripLeading(toks []tokens.Token, i, j int, label string, sentenceStart bool, lex *gazetteer.Lexicon) int {
	k := i
	prevTitle := false
	for k < j {
		t := toks[k]
		f := gazetteer.Fold(t.Text)
		kinds := lex.Kinds(f)
		upper := startsUpper(t.Text)
		isDet := kinds&gazetteer.KindDeterminer != 0
		switch {
		case isDet && (f == "du" || f == "des") && label == LabelPER:
			// "du cardinal" is an article, "du Vallon" a particle: both stay
			// out; "Du Roy" in the middle of a sentence is the name.
			if upper && !(sentenceStart && k == i) {
				return k
			}
		case isDet && !upper:
		case isDet && capitalisedPossessives[f]:
		case isDet && upper:
			// "La Rochelle", "Le Bras", "La Mole": part of the name, unless
			// the capital only comes from the start of the sentence.
			if !(sentenceStart && k == i) || label == LabelLOC && lex.Communes().LongestAt(foldAll(toks[k:j]), 0) == j-k {
				return k
			}
		case label == LabelPER && kinds&gazetteer.KindTitle != 0:
			// A title is a name when it is what is left after another
			// title: "M. Baron", "Mme Reine".
			if k == j-1 && prevTitle && upper {
				return k
			}
			prevTitle = true
			k++
			continue
		case label == LabelPER && nobiliaryParticles[f] && k+1 < j && (!upper || sentenceStart && k == i) &&
			(startsUpper(toks[k+1].Text) || k+2 < j && lex.Kinds(gazetteer.Fold(toks[k+1].Text))&gazetteer.KindDeterminer != 0 && startsUpper(toks[k+2].Text)):
			// "de Tréville", "d'Artagnan": the name starts at the capital
			// (the particle is ambiguous with the preposition, "l'hôtel de
			// Tréville", and a name always starts with a capital this way).
		default:
			return k
		}
		prevTitle = false
		k++
	}
	return k
}

// nobiliaryParticles open a surname without being part of the PER span.
var nobiliaryParticles = map[string]bool{"de": true, "d'": true, "du": true, "des": true}

func foldAll(toks []tokens.Token) []string {
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = gazetteer.Fold(t.Text)
	}
	return out
}

func startsUpper(s string) bool {
	for _, r := range s {
		return unicode.IsUpper(r)
	}
	return false
}

func anyUpper(toks []tokens.Token) bool {
	for _, t := range toks {
		if strings.IndexFunc(t.Text, unicode.IsUpper) >= 0 {
			return true
		}
	}
	return false
}
