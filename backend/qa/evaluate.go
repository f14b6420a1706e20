package qa

import (
	"context"
	"errors"
	"runtime"

	"github.com/lab-ia/piaf/backend/qa/metric"
	"github.com/lab-ia/piaf/backend/qa/squad"
)

// Evaluate answers every example from its own paragraph with the reader and
// scores the answers with the official SQuAD v1.1 metrics and the French
// ones. Questions the reader rejects (empty ones) count as unanswered, as
// the official script counts missing predictions. workers <= 0 means the
// number of CPUs.
func Evaluate(ctx context.Context, r Reader, examples []Example, workers int) (metric.Summary, squad.Predictions, error) {
	preds, err := Predict(ctx, r, examples, workers)
	if err != nil {
		return metric.Summary{}, nil, err
	}
	return Score(examples, preds), preds, nil
}

// Predict answers every example from its own paragraph; the result is the
// official predictions map (an empty answer for a question the reader
// rejects or finds nothing for).
func Predict(ctx context.Context, r Reader, examples []Example, workers int) (squad.Predictions, error) {
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	answers := make([]string, len(examples))
	errs := make([]error, len(examples))
	err := parallelFor(ctx, len(examples), workers, func(i int) {
		spans, err := r.Answers(ctx, examples[i].Question, examples[i].Context, 1)
		if err != nil {
			errs[i] = err
			return
		}
		if len(spans) > 0 {
			answers[i] = spans[0].Text
		}
	})
	if err != nil {
		return nil, err
	}
	for _, e := range errs {
		if e != nil && !errors.Is(e, ErrEmptyQuestion) && !errors.Is(e, ErrQuestionTooLong) {
			return nil, e
		}
	}
	preds := make(squad.Predictions, len(examples))
	for i, e := range examples {
		preds[e.ID] = answers[i]
	}
	return preds, nil
}

// Score compares predictions with the examples' gold answers; a missing
// prediction scores 0.
func Score(examples []Example, preds squad.Predictions) metric.Summary {
	var acc metric.Accumulator
	for _, e := range examples {
		acc.Add(preds[e.ID], e.GoldTexts())
	}
	return acc.Summary()
}

// OpenSummary is the result of open-mode evaluation: answer metrics when
// answering from retrieved passages, and the retriever's recall.
type OpenSummary struct {
	metric.Summary
	// RecallAt1 is the percentage of questions whose own passage was
	// retrieved first.
	RecallAt1 float64 `json:"recall_at_1"`
	// RecallAt5 is the percentage with their passage in the first five.
	RecallAt5 float64 `json:"recall_at_5"`
	// RecallAt10 is the percentage with their passage in the first ten.
	RecallAt10 float64 `json:"recall_at_10"`
}

// EvaluateOpen asks every example's question to the engine, ignoring its
// paragraph, and scores the best answer; recall@k checks whether the
// example's PassageID is among the first k passages retrieved.
func EvaluateOpen(ctx context.Context, e *Engine, examples []Example, workers int) (OpenSummary, squad.Predictions, error) {
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	type result struct {
		answer string
		rank   int
		err    error
	}
	results := make([]result, len(examples))
	err := parallelFor(ctx, len(examples), workers, func(i int) {
		answers, hits, err := e.ask(ctx, examples[i].Question, 1, 10)
		if err != nil {
			results[i].err = err
			return
		}
		results[i].rank = -1
		for r, h := range hits {
			if h.ID == examples[i].PassageID {
				results[i].rank = r
				break
			}
		}
		if len(answers) > 0 {
			results[i].answer = answers[0].Text
		}
	})
	if err != nil {
		return OpenSummary{}, nil, err
	}
	preds := make(squad.Predictions, len(examples))
	var sum OpenSummary
	for i, ex := range examples {
		res := results[i]
		if res.err != nil && !errors.Is(res.err, ErrEmptyQuestion) && !errors.Is(res.err, ErrQuestionTooLong) {
			return OpenSummary{}, nil, res.err
		}
		preds[ex.ID] = res.answer
		if res.err == nil && res.rank >= 0 {
			if res.rank < 1 {
				sum.RecallAt1++
			}
			if res.rank < 5 {
				sum.RecallAt5++
			}
			sum.RecallAt10++
		}
	}
	sum.Summary = Score(examples, preds)
	if n := float64(len(examples)) / 100; n > 0 {
		sum.RecallAt1 /= n
		sum.RecallAt5 /= n
		sum.RecallAt10 /= n
	}
	return sum, preds, nil
}
