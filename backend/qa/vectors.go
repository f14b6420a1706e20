package qa

import "context"

// wordVectors are dense word vectors trained on the training contexts.
type wordVectors struct {
	dim   int
	index map[uint64]int32
	data  []float32
}

// vectorContext holds per-token similarities to the question.
type vectorContext struct{}

func newVectorContext(v *wordVectors, q *questionAnalysis, p *textAnalysis) *vectorContext {
	return nil
}

func (v *vectorContext) features(f *featVec, i, j, lo, hi int, wh uint64) {}

func trainVectors(ctx context.Context, texts []*textAnalysis, dim, epochs int, seed uint64, workers int) (*wordVectors, error) {
	return nil, nil
}
