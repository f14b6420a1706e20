package pseudo

import (
	"context"
	"slices"
	"sort"
)

// Scores are exact-span precision, recall and F1 for one label or overall.
type Scores struct {
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	// TP counts predicted spans equal to a gold span (same start, end and
	// label); FP other predictions; FN gold spans not predicted.
	TP int `json:"tp"`
	FP int `json:"fp"`
	FN int `json:"fn"`
	// Support is the number of gold spans.
	Support int `json:"support"`
}

func (s *Scores) finish() {
	s.Support = s.TP + s.FN
	if s.TP+s.FP > 0 {
		s.Precision = float64(s.TP) / float64(s.TP+s.FP)
	}
	if s.TP+s.FN > 0 {
		s.Recall = float64(s.TP) / float64(s.TP+s.FN)
	}
	if s.Precision+s.Recall > 0 {
		s.F1 = 2 * s.Precision * s.Recall / (s.Precision + s.Recall)
	}
}

// Evaluation is the result of scoring predictions against gold spans.
type Evaluation struct {
	// Labels holds the scores of each label scored.
	Labels map[string]Scores `json:"labels"`
	// Overall is micro-averaged over the labels scored.
	Overall Scores `json:"overall"`
	// Documents is the number of documents scored.
	Documents int `json:"documents"`
}

// Score compares predicted spans with gold spans, document by document
// (pred[i] goes with gold[i]), by exact match of start, end and label. Only
// the labels in scored are counted, so that rule labels (EMAIL, PHONE...)
// found in a corpus annotated for PER/LOC/ORG/MISC do not count as errors;
// nil scores every label met.
func Score(gold, pred [][]Span, scored []string) Evaluation {
	keep := func(string) bool { return true }
	if scored != nil {
		set := map[string]bool{}
		for _, l := range scored {
			set[l] = true
		}
		keep = func(l string) bool { return set[l] }
	}
	per := map[string]*Scores{}
	get := func(l string) *Scores {
		if per[l] == nil {
			per[l] = &Scores{}
		}
		return per[l]
	}
	for i := range gold {
		g := map[Span]bool{}
		for _, s := range gold[i] {
			if keep(s.Label) {
				g[s] = true
				get(s.Label)
			}
		}
		var p []Span
		if i < len(pred) {
			p = pred[i]
		}
		seen := map[Span]bool{}
		for _, s := range p {
			if !keep(s.Label) || seen[s] {
				continue
			}
			seen[s] = true
			if g[s] {
				get(s.Label).TP++
				delete(g, s)
			} else {
				get(s.Label).FP++
			}
		}
		for s := range g {
			get(s.Label).FN++
		}
	}
	ev := Evaluation{Labels: map[string]Scores{}, Documents: len(gold)}
	labels := make([]string, 0, len(per))
	for l := range per {
		labels = append(labels, l)
	}
	sort.Strings(labels)
	for _, l := range labels {
		s := per[l]
		ev.Overall.TP += s.TP
		ev.Overall.FP += s.FP
		ev.Overall.FN += s.FN
		s.finish()
		ev.Labels[l] = *s
	}
	ev.Overall.finish()
	return ev
}

// Evaluate runs the detector on each document and scores it against the
// document's gold spans. The labels scored are those of the gold data and
// of the detector's model (a model label never annotated in the data still
// counts its false positives).
func Evaluate(ctx context.Context, det *Detector, docs []Document) (Evaluation, error) {
	gold := make([][]Span, len(docs))
	pred := make([][]Span, len(docs))
	labelSet := map[string]bool{}
	for i, d := range docs {
		gold[i] = d.Spans
		for _, s := range d.Spans {
			labelSet[s.Label] = true
		}
		ents, err := det.Detect(ctx, d.Text)
		if err != nil {
			return Evaluation{}, err
		}
		for _, e := range ents {
			pred[i] = append(pred[i], Span{Start: e.Start, End: e.End, Label: e.Label})
		}
	}
	if det.model != nil {
		for _, l := range det.model.Labels() {
			labelSet[l] = true
		}
	}
	var scored []string
	for l := range labelSet {
		scored = append(scored, l)
	}
	slices.Sort(scored)
	return Score(gold, pred, scored), nil
}
