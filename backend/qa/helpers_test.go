package qa

import (
	"testing"

	"github.com/lab-ia/piaf/backend/qa/squad"
)

// miniDataset is a small hand-written French SQuAD file: six paragraphs,
// twenty-four questions, one with two gold answers.
func miniDataset(t testing.TB) *squad.Dataset {
	t.Helper()
	d, err := squad.ReadFile("testdata/mini.json")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// quickOptions train in well under a second on the mini dataset.
func quickOptions() TrainOptions {
	o := DefaultTrainOptions()
	o.Epochs = 3
	o.HashBits = 16
	o.VectorEpochs = 1
	return o
}

// answers builds gold answers from texts (offsets unused by the metrics).
func answers(texts ...string) []squad.Answer {
	out := make([]squad.Answer, len(texts))
	for i, s := range texts {
		out[i] = squad.Answer{Text: s}
	}
	return out
}
