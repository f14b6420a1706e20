package pseudo

import (
	"slices"
	"sort"

	"github.com/lab-ia/piaf/backend/pseudo/internal/tagger"
	"github.com/lab-ia/piaf/backend/pseudo/internal/tokens"
)

// ruleLabels are found by the validated rules; the tagger does not learn
// them (their tokens are O for it).
var ruleLabels = map[string]bool{
	LabelEmail: true, LabelPhone: true, LabelIBAN: true, LabelNIR: true, LabelSIREN: true,
	LabelSIRET: true, LabelCard: true, LabelPlate: true, LabelBirthDate: true, LabelIP: true,
	LabelAddress: true,
}

// taggerLabels returns the labels a model learns from the documents: PER,
// LOC, ORG, MISC first, then any other non-rule label, sorted.
func taggerLabels(sources []TrainingSource) []string {
	seen := map[string]bool{}
	for _, s := range sources {
		for _, d := range s.Documents {
			for _, sp := range d.Spans {
				if !ruleLabels[sp.Label] {
					seen[sp.Label] = true
				}
			}
		}
	}
	var out []string
	for _, l := range []string{LabelPER, LabelLOC, LabelORG, LabelMISC} {
		if seen[l] {
			out = append(out, l)
			delete(seen, l)
		}
	}
	var rest []string
	for l := range seen {
		rest = append(rest, l)
	}
	slices.Sort(rest)
	return append(out, rest...)
}

// goldTags gives each token its BIO tag: a token belongs to a span when it
// starts inside it.
func goldTags(toks []tokens.Token, spans []Span, labelIndex map[string]int) []int {
	tags := make([]int, len(toks))
	sorted := slices.Clone(spans)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Start < sorted[j].Start })
	for _, sp := range sorted {
		k, ok := labelIndex[sp.Label]
		if !ok {
			continue
		}
		i := sort.Search(len(toks), func(i int) bool { return toks[i].End > sp.Start })
		first := true
		for ; i < len(toks) && toks[i].Start < sp.End; i++ {
			if toks[i].Start < sp.Start {
				continue
			}
			if first {
				tags[i] = tagger.Begin(k)
				first = false
			} else {
				tags[i] = tagger.Inside(k)
			}
		}
	}
	return tags
}

// sequences turns a gold document into tagger sequences, one per segment.
func sequences(ext *tagger.Extractor, d Document, labelIndex map[string]int) []tagger.Sequence {
	toks := tokens.Tokenize(d.Text)
	if len(toks) == 0 {
		return nil
	}
	segs := tokens.Segments(toks)
	feats := ext.Extract(toks, segs)
	tags := goldTags(toks, d.Spans, labelIndex)
	out := make([]tagger.Sequence, 0, len(segs))
	for _, s := range segs {
		gold := tags[s.From:s.To]
		// A segment cut inside a span (a very long sentence) must not start
		// with an I tag.
		if len(gold) > 0 && tagger.IsInside(gold[0]) {
			gold = slices.Clone(gold)
			gold[0]--
		}
		out = append(out, tagger.Sequence{Feats: feats, From: s.From, To: s.To, Gold: gold})
	}
	return out
}
