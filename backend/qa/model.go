package qa

import (
	"context"
	"time"
)

// Model is a trained reader: a log-linear ranker over candidate answer spans
// with hashed sparse features, plus the statistics it was trained with
// (word weights, word vectors). It is immutable once trained or loaded, so
// one Model serves any number of goroutines.
type Model struct {
	weights []float32
	idf     *idfTable
	vectors *wordVectors
	params  ModelParams
	info    ModelInfo
}

// ModelParams are the settings a model needs at prediction time; they are
// fixed at training and saved with the weights.
type ModelParams struct {
	// HashBits is log2 of the number of weights.
	HashBits int `json:"hash_bits"`
	// MaxAnswerTokens is the longest answer considered, in tokens.
	MaxAnswerTokens int `json:"max_answer_tokens"`
	// Features are the feature groups used.
	Features FeatureGroup `json:"features"`
	// MBRPool is the number of best-scoring spans among which the answer
	// with the highest expected F1 is chosen (minimum Bayes risk decoding);
	// 0 or 1 picks the best-scoring span.
	MBRPool int `json:"mbr_pool"`
	// TwoStage scores a span as P(sentence) × P(span | sentence), two
	// softmaxes with separate features, instead of one softmax over all the
	// spans of the passage.
	TwoStage bool `json:"two_stage"`
	// MaxSentences bounds the sentences searched in long passages (the best
	// ones by question-word overlap), to keep answering time bounded.
	MaxSentences int `json:"max_sentences"`
}

// ModelInfo is what a model file says about itself: what the registry shows
// and what tells two models apart.
type ModelInfo struct {
	// FormatVersion is the ModelFormatVersion of the file.
	FormatVersion int `json:"format_version"`
	// CreatedAt is when training finished (UTC).
	CreatedAt time.Time `json:"created_at"`
	// TrainingDataHash is the SHA-256 of the training examples (ids,
	// questions, contexts, answers), to know which data made the model.
	TrainingDataHash string `json:"training_data_hash"`
	// TrainExamples and DevExamples count the questions given to Train.
	TrainExamples int `json:"train_examples"`
	// DevExamples is 0 when no dev set chose the epoch.
	DevExamples int `json:"dev_examples"`
	// Options are the hyper-parameters, defaults filled in.
	Options TrainOptions `json:"options"`
	// Params are the settings prediction needs.
	Params ModelParams `json:"params"`
	// Report holds the learning curve and the dev metrics of the kept
	// epoch.
	Report TrainReport `json:"report"`
}

// Info describes the model.
func (m *Model) Info() ModelInfo { return m.info }

// Answers implements Reader.
func (m *Model) Answers(ctx context.Context, question, passage string, k int) ([]Span, error) {
	if err := CheckQuestion(question); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if k <= 0 {
		return nil, nil
	}
	q := analyzeQuestion(question, m.idf)
	p := analyzeText(passage)
	return m.answersAnalyzed(q, p, k), nil
}

func (m *Model) answersAnalyzed(q *questionAnalysis, p *textAnalysis, k int) []Span {
	if len(p.toks) == 0 {
		return nil
	}
	sc := m.newScorer(q, p)
	var top []scoredSpan
	if m.params.MBRPool > 1 {
		top = sc.decodeMBR(k, m.params.MBRPool)
	} else {
		top = sc.best(k)
	}
	out := make([]Span, len(top))
	for x, t := range top {
		text, start, end := spanText(p, t.sp)
		out[x] = Span{Text: text, Start: start, End: end, Score: t.score}
	}
	return out
}
