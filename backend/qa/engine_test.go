package qa

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/lab-ia/piaf/backend/frtext"
)

func TestEngineAsk(t *testing.T) {
	ix, _ := buildMiniIndex(t)
	o := quickOptions()
	o.Epochs = 5
	m, examples := trainMini(t, o)
	e := NewEngine(ix, m, EngineOptions{})
	ctx := context.Background()
	answers, err := e.Ask(ctx, "Qui a dirigé la construction du canal du Midi ?", 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(answers) == 0 || len(answers) > 3 {
		t.Fatalf("%d answers", len(answers))
	}
	top := answers[0]
	if top.Title != "Canal du Midi" || !strings.Contains(top.Text, "Riquet") {
		t.Errorf("top answer %+v", top)
	}
	seen := map[string]bool{}
	for i, a := range answers {
		if frtext.Slice(a.Passage, a.Start, a.End) != a.Text {
			t.Errorf("answer %d: offsets %d-%d do not give %q", i, a.Start, a.End, a.Text)
		}
		if a.PassageID == "" || a.DocumentID == "" {
			t.Errorf("answer %d lacks its passage: %+v", i, a)
		}
		if i > 0 && a.Score > answers[i-1].Score {
			t.Error("answers not sorted by score")
		}
		if seen[a.Text] {
			t.Errorf("duplicate answer %q", a.Text)
		}
		seen[a.Text] = true
	}
	if _, err := e.Ask(ctx, "", 3); !errors.Is(err, ErrEmptyQuestion) {
		t.Errorf("empty question: %v", err)
	}
	if _, err := e.Ask(ctx, strings.Repeat("où ", 40000), 3); !errors.Is(err, ErrQuestionTooLong) {
		t.Errorf("long question: %v", err)
	}
	sum, preds, err := EvaluateOpen(ctx, e, examples, 2)
	if err != nil {
		t.Fatal(err)
	}
	if sum.RecallAt5 < 90 || sum.Count != len(examples) || len(preds) != len(examples) {
		t.Errorf("open evaluation on the mini set: %+v", sum)
	}
}
