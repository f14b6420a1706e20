package qa

import (
	"context"
	"math"
	"testing"
)

// fixedReader answers from a table, to test the evaluation on its own.
type fixedReader map[string]string

func (f fixedReader) Answers(ctx context.Context, question, passage string, k int) ([]Span, error) {
	if err := CheckQuestion(question); err != nil {
		return nil, err
	}
	a, ok := f[question]
	if !ok {
		return nil, nil
	}
	return []Span{{Text: a}}, nil
}

func TestEvaluateHandComputed(t *testing.T) {
	examples := []Example{
		{ID: "1", Question: "q1", Answers: answers("Pierre-Paul Riquet")},
		{ID: "2", Question: "q2", Answers: answers("1666", "en 1666")},
		{ID: "3", Question: "q3", Answers: answers("14,2 milliards d'euros", "14,2 milliards")},
		{ID: "4", Question: "q4", Answers: answers("la Normandie")},
		{ID: "5", Question: "   ", Answers: answers("x")}, // rejected question: unanswered
	}
	r := fixedReader{"q1": "Riquet", "q2": "en 1666", "q3": "14,2 milliards d'euros en 2003", "q4": "Normandie"}
	sum, preds, err := Evaluate(context.Background(), r, examples, 2)
	if err != nil {
		t.Fatal(err)
	}
	// Official normalisation:
	//  q1: {riquet} vs {pierrepaul, riquet}: P 1, R 1/2, F1 2/3; EM 0
	//  q2: "en 1666" equals the second answer: EM 1, F1 1
	//  q3: {142, milliards, deuros, en, 2003} vs {142, milliards, deuros}: P 3/5 R 1 F1 3/4;
	//      vs {142, milliards}: P 2/5 R 1 F1 4/7; max 3/4; EM 0
	//  q4: {normandie} vs {la, normandie}: F1 2/3; EM 0
	//  q5: 0
	wantF1 := (2.0/3 + 1 + 3.0/4 + 2.0/3) / 5 * 100
	wantEM := 1.0 / 5 * 100
	// French normalisation:
	//  q1: {riquet} vs {pierre, paul, riquet}: P 1 R 1/3 F1 1/2
	//  q2: 1; q3: {14, 2, milliards, euros, en, 2003} vs {14, 2, milliards, euros}: P 4/6 R 1 F1 4/5
	//  q4: "normandie" == "normandie": EM 1; q5: 0
	wantF1Fr := (0.5 + 1 + 0.8 + 1) / 5 * 100
	wantEMFr := 2.0 / 5 * 100
	if !close(sum.F1, wantF1) || !close(sum.ExactMatch, wantEM) || !close(sum.F1Fr, wantF1Fr) || !close(sum.ExactMatchFr, wantEMFr) || sum.Count != 5 {
		t.Errorf("summary %+v, want EM %.3f F1 %.3f EMfr %.3f F1fr %.3f", sum, wantEM, wantF1, wantEMFr, wantF1Fr)
	}
	if preds["5"] != "" || preds["1"] != "Riquet" || len(preds) != 5 {
		t.Errorf("predictions %v", preds)
	}
}

func close(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestBaselineAnswersFromThePassage(t *testing.T) {
	examples := ExamplesFromDataset(miniDataset(t))
	sum, preds, err := Evaluate(context.Background(), SlidingWindow{}, examples, 2)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Count != len(examples) {
		t.Fatalf("count %d", sum.Count)
	}
	for _, e := range examples {
		if p := preds[e.ID]; p == "" || !containsText(e.Context, p) {
			t.Errorf("%s: baseline answer %q not in the passage", e.ID, p)
		}
	}
}

func containsText(s, sub string) bool {
	return len(sub) > 0 && len(s) >= len(sub) && (func() bool {
		for i := 0; i+len(sub) <= len(s); i++ {
			if s[i:i+len(sub)] == sub {
				return true
			}
		}
		return false
	})()
}
