package qa

import (
	"runtime"
	"time"

	"github.com/lab-ia/piaf/backend/qa/metric"
)

// TrainOptions are the reader's hyper-parameters. Zero fields take the
// defaults of DefaultTrainOptions, which were chosen on the by-article dev
// split of PIAF v1.1 (see docs/benchmarks/qa.md).
type TrainOptions struct {
	// Epochs is the number of passes over the training data; with a dev set
	// the epoch with the best dev F1 (French normalisation) is kept.
	Epochs int `json:"epochs"`
	// LearningRate is AdaGrad's step size.
	LearningRate float64 `json:"learning_rate"`
	// L2 is the weight decay applied to the weights a step touches.
	L2 float64 `json:"l2"`
	// BatchSize is the number of questions whose gradients are computed in
	// parallel from the same weights before they are applied, in order.
	BatchSize int `json:"batch_size"`
	// HashBits is log2 of the number of feature weights.
	HashBits int `json:"hash_bits"`
	// MaxAnswerTokens is the longest candidate answer, in tokens.
	MaxAnswerTokens int `json:"max_answer_tokens"`
	// MaxSentences bounds the sentences searched in a passage (0: all).
	MaxSentences int `json:"max_sentences"`
	// TwoStage trains a sentence scorer and a span-within-sentence scorer
	// instead of one scorer over all the spans of the passage.
	TwoStage bool `json:"two_stage"`
	// MBRPool is the number of best spans among which the answer with the
	// highest expected F1 is chosen; 1 disables this decoding.
	MBRPool int `json:"mbr_pool"`
	// Features selects feature groups; 0 means AllFeatures.
	Features FeatureGroup `json:"features"`
	// VectorDim is the size of the word vectors trained on the training
	// contexts for FeatVectors.
	VectorDim int `json:"vector_dim"`
	// VectorEpochs is the number of passes of the word-vector training.
	VectorEpochs int `json:"vector_epochs"`
	// VectorTexts are more texts (e.g. service-public.fr fiches) for the
	// word vectors only, on top of the training contexts.
	VectorTexts []string `json:"-"`
	// Seed makes training deterministic: the same data, options and seed
	// give the same model.
	Seed uint64 `json:"seed"`
	// Workers is the number of goroutines used; it does not change the
	// result. 0 means the number of CPUs.
	Workers int `json:"-"`
}

// DefaultTrainOptions returns the tuned defaults.
func DefaultTrainOptions() TrainOptions {
	return TrainOptions{
		Epochs:          8,
		LearningRate:    0.05,
		L2:              0,
		BatchSize:       16,
		HashBits:        20,
		MaxAnswerTokens: 16,
		MaxSentences:    12,
		MBRPool:         20,
		Features:        DefaultFeatures,
		VectorDim:       48,
		VectorEpochs:    5,
		Seed:            1,
	}
}

// withDefaults fills the zero fields.
func (o TrainOptions) withDefaults() TrainOptions {
	d := DefaultTrainOptions()
	if o.Epochs <= 0 {
		o.Epochs = d.Epochs
	}
	if o.LearningRate <= 0 {
		o.LearningRate = d.LearningRate
	}
	if o.L2 < 0 {
		o.L2 = 0
	}
	if o.BatchSize <= 0 {
		o.BatchSize = d.BatchSize
	}
	if o.HashBits <= 0 {
		o.HashBits = d.HashBits
	}
	if o.HashBits < 10 {
		o.HashBits = 10
	}
	if o.HashBits > 26 {
		o.HashBits = 26
	}
	if o.MaxAnswerTokens <= 0 {
		o.MaxAnswerTokens = d.MaxAnswerTokens
	}
	if o.MBRPool <= 0 {
		o.MBRPool = d.MBRPool
	}
	if o.MaxSentences < 0 {
		o.MaxSentences = 0
	}
	if o.Features == 0 {
		o.Features = d.Features
	}
	if o.VectorDim <= 0 {
		o.VectorDim = d.VectorDim
	}
	if o.VectorEpochs <= 0 {
		o.VectorEpochs = d.VectorEpochs
	}
	if o.Workers <= 0 {
		o.Workers = runtime.NumCPU()
	}
	return o
}

// Training stages reported in TrainProgress.Stage.
const (
	StagePrepare  = "prepare"
	StageVectors  = "vectors"
	StageTrain    = "train"
	StageEvaluate = "evaluate"
	StageDone     = "done"
)

// TrainProgress is sent to the progress callback during training, so that a
// job can show a progress bar and draw the learning curve.
type TrainProgress struct {
	// Stage is one of the Stage constants.
	Stage string `json:"stage"`
	// Epoch is the current training pass, from 1.
	Epoch int `json:"epoch"`
	// Epochs is the number of passes planned.
	Epochs int `json:"epochs"`
	// Done counts the questions of the current stage processed so far.
	Done int `json:"done"`
	// Total is the number of questions of the current stage.
	Total int `json:"total"`
	// Loss is the mean training loss of the epoch so far.
	Loss float64 `json:"loss"`
	// Dev holds the dev metrics at the end of an epoch (stage
	// StageEvaluate), nil otherwise or without a dev set.
	Dev *metric.Summary `json:"dev,omitempty"`
}

// EpochReport is one point of the learning curve.
type EpochReport struct {
	// Epoch is the pass number, from 1.
	Epoch int `json:"epoch"`
	// Loss is the mean training loss of the pass.
	Loss float64 `json:"loss"`
	// Dev holds the dev metrics after the pass; nil without a dev set.
	Dev *metric.Summary `json:"dev,omitempty"`
	// Seconds is the pass's duration, evaluation included.
	Seconds float64 `json:"seconds"`
}

// TrainReport summarises a training run.
type TrainReport struct {
	// Epochs is the learning curve, one point per pass.
	Epochs []EpochReport `json:"epochs"`
	// BestEpoch is the epoch whose weights were kept (the last one without
	// a dev set).
	BestEpoch int `json:"best_epoch"`
	// Dev is the dev result of the kept epoch; nil without a dev set.
	Dev *metric.Summary `json:"dev,omitempty"`
	// TrainExamples counts the questions trained on.
	TrainExamples int `json:"train_examples"`
	// Unreachable counts the questions skipped because no gold answer could
	// be located in the paragraph.
	Unreachable int `json:"unreachable"`
	// Duration is the wall-clock training time.
	Duration time.Duration `json:"duration_ns"`
}
