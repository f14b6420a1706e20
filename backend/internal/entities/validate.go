package entities

import (
	"fmt"
	"slices"
	"sort"
	"unicode"

	"github.com/lab-ia/piaf/backend/internal/apperr"
	"github.com/lab-ia/piaf/backend/pseudo"
)

// MaxSpans bounds the entities of one passage.
const MaxSpans = 1000

// Labels are the entity labels annotators may use: those the engine
// produces, so that what they annotate can train and evaluate it.
func Labels() []string { return pseudo.AllLabels() }

// CleanSpans checks spans against the passage (offsets in code points,
// inside the text, not empty, not starting or ending with a space, known
// labels, no overlap) and returns them sorted, every field reported at
// once.
func CleanSpans(text []rune, spans []Span) ([]Span, error) {
	var v apperr.Validation
	if len(spans) > MaxSpans {
		v.Addf("spans", "at most %d entities per passage", MaxSpans)
		return nil, v.Err()
	}
	labels := Labels()
	out := make([]Span, 0, len(spans))
	for i, s := range spans {
		field := fmt.Sprintf("spans[%d]", i)
		switch {
		case s.Start < 0 || s.End > len(text) || s.Start >= s.End:
			v.Addf(field, "must satisfy 0 ≤ start < end ≤ %d (code points)", len(text))
			continue
		case !slices.Contains(labels, s.Label):
			v.Addf(field, "unknown label %q", s.Label)
			continue
		case unicode.IsSpace(text[s.Start]) || unicode.IsSpace(text[s.End-1]):
			v.Add(field, "must not start or end with a space")
			continue
		}
		if s.Origin == "" {
			s.Origin = "human"
		}
		if s.Origin != "human" && s.Origin != "model" {
			v.Add(field, "origin must be model or human")
			continue
		}
		out = append(out, s)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start < out[j].Start })
	for i := 1; i < len(out); i++ {
		if out[i].Start < out[i-1].End {
			v.Addf("spans", "entities [%d,%d) and [%d,%d) overlap", out[i-1].Start, out[i-1].End, out[i].Start, out[i].End)
		}
	}
	return out, v.Err()
}
