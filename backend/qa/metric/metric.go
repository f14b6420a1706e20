// Package metric computes the SQuAD v1.1 exact match and F1 scores, with the
// official normalisation and a French one. It depends on the standard
// library only because the moderation service also uses it, to measure the
// agreement between annotators' answers.
package metric

import "strings"

// ExactMatch returns 1 when the normalised prediction equals the normalised
// gold answer, 0 otherwise, as in the official SQuAD v1.1 script.
func ExactMatch(prediction, gold string, norm Normalizer) float64 {
	if norm(prediction) == norm(gold) {
		return 1
	}
	return 0
}

// F1 returns the harmonic mean of token precision and recall between the
// normalised prediction and gold answer, tokens being counted with
// multiplicity (the official bag-of-words overlap). Two answers that
// normalise to nothing score 0, as in the official script.
func F1(prediction, gold string, norm Normalizer) float64 {
	pred := strings.Fields(norm(prediction))
	ref := strings.Fields(norm(gold))
	if len(pred) == 0 || len(ref) == 0 {
		return 0
	}
	counts := make(map[string]int, len(ref))
	for _, w := range ref {
		counts[w]++
	}
	same := 0
	for _, w := range pred {
		if counts[w] > 0 {
			counts[w]--
			same++
		}
	}
	if same == 0 {
		return 0
	}
	precision := float64(same) / float64(len(pred))
	recall := float64(same) / float64(len(ref))
	return 2 * precision * recall / (precision + recall)
}

// MaxOverGold returns the best score of the prediction against any of the
// gold answers: a question with several accepted answers is answered as
// soon as one of them is matched. No gold answer gives 0.
func MaxOverGold(score func(prediction, gold string, norm Normalizer) float64, prediction string, golds []string, norm Normalizer) float64 {
	best := 0.0
	for _, g := range golds {
		if s := score(prediction, g, norm); s > best {
			best = s
		}
	}
	return best
}

// Scores holds the four figures for one question or, in a Summary, their
// averages in percent.
type Scores struct {
	// ExactMatch uses the official SQuAD normalisation.
	ExactMatch float64 `json:"exact_match"`
	// F1 uses the official SQuAD normalisation.
	F1 float64 `json:"f1"`
	// ExactMatchFr uses NormalizeFrench.
	ExactMatchFr float64 `json:"exact_match_fr"`
	// F1Fr uses NormalizeFrench.
	F1Fr float64 `json:"f1_fr"`
}

// Score computes the four figures of one prediction against its gold
// answers, each the maximum over the gold answers, in [0, 1].
func Score(prediction string, golds []string) Scores {
	return Scores{
		ExactMatch:   MaxOverGold(ExactMatch, prediction, golds, NormalizeSQuAD),
		F1:           MaxOverGold(F1, prediction, golds, NormalizeSQuAD),
		ExactMatchFr: MaxOverGold(ExactMatch, prediction, golds, NormalizeFrench),
		F1Fr:         MaxOverGold(F1, prediction, golds, NormalizeFrench),
	}
}

// Summary is the dataset-level result: averages in percent (0 to 100, as the
// official script prints them) over Count questions.
type Summary struct {
	Scores
	// Count is the number of questions averaged.
	Count int `json:"count"`
}

// Accumulator averages Scores over questions; unanswered questions must be
// added with an empty prediction so that they count as 0, as in the official
// script. The zero value is ready to use; it is not safe for concurrent use.
type Accumulator struct {
	sum   Scores
	count int
}

// Add scores one question and adds it to the running totals; it returns the
// question's own scores for per-question reports.
func (a *Accumulator) Add(prediction string, golds []string) Scores {
	s := Score(prediction, golds)
	a.sum.ExactMatch += s.ExactMatch
	a.sum.F1 += s.F1
	a.sum.ExactMatchFr += s.ExactMatchFr
	a.sum.F1Fr += s.F1Fr
	a.count++
	return s
}

// Summary returns the averages in percent; all zero when nothing was added.
func (a *Accumulator) Summary() Summary {
	if a.count == 0 {
		return Summary{}
	}
	n := float64(a.count) / 100
	return Summary{
		Scores: Scores{
			ExactMatch:   a.sum.ExactMatch / n,
			F1:           a.sum.F1 / n,
			ExactMatchFr: a.sum.ExactMatchFr / n,
			F1Fr:         a.sum.F1Fr / n,
		},
		Count: a.count,
	}
}
