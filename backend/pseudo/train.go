package pseudo

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/lab-ia/piaf/backend/pseudo/gazetteer"
	"github.com/lab-ia/piaf/backend/pseudo/internal/tagger"
)

// TrainOptions control Train. The zero value is a sensible default.
type TrainOptions struct {
	// Epochs is the number of passes over the data (default 12). With a
	// development set, the best epoch on it is kept.
	Epochs int
	// Seed makes training reproducible (default 1).
	Seed uint64
	// MinCount drops features seen fewer times in training (default 2).
	MinCount int
	// Dev is an optional development set: early stopping and calibration of
	// the scores.
	Dev []Document
	// NoSourceCopies disables per-source feature copies: all sources then
	// share one set of weights.
	NoSourceCopies bool
	// NoSynthetic leaves out the generated modern documents
	// (SyntheticSource) that Train adds to the sources by default.
	NoSynthetic bool
	// SyntheticDocs is the number of generated documents (default
	// DefaultSyntheticDocs).
	SyntheticDocs int
}

// DefaultSyntheticDocs is how many modern documents Train generates by
// default (about 150,000 tokens, an eighth of the six novels).
const DefaultSyntheticDocs = 1500

// TrainProgress reports training progress to a background job.
type TrainProgress struct {
	// Stage is "features", "epoch", "calibrating" or "done".
	Stage string `json:"stage"`
	// Epoch and Epochs count passes during the "epoch" stage.
	Epoch  int `json:"epoch"`
	Epochs int `json:"epochs"`
	// Fraction estimates the share of the work done, in [0, 1].
	Fraction float64 `json:"fraction"`
	// Mistakes counts wrongly decoded sequences during the epoch.
	Mistakes int `json:"mistakes"`
	// DevF1 is the development F1 after the epoch, -1 without a dev set.
	DevF1 float64 `json:"dev_f1"`
}

// SourceReport describes one training source.
type SourceReport struct {
	Name      string         `json:"name"`
	Documents int            `json:"documents"`
	Sequences int            `json:"sequences"`
	Spans     map[string]int `json:"spans"`
}

// Report summarises a training run.
type Report struct {
	Sources   []SourceReport `json:"sources"`
	Labels    []string       `json:"labels"`
	Tokens    int            `json:"tokens"`
	Features  int            `json:"features"`
	Epochs    int            `json:"epochs"`
	BestEpoch int            `json:"best_epoch"`
	DevF1     float64        `json:"dev_f1"`
	Duration  time.Duration  `json:"duration_ns"`
}

// ErrNoTrainingData is returned when the sources hold no annotated text.
var ErrNoTrainingData = errors.New("pseudo: no training data")

// Train learns a tagger from annotated sources. It honours ctx
// cancellation (checked between documents and every few thousand
// sequences) and reports progress; progress may be nil. Training is
// deterministic for a given seed and input.
func Train(ctx context.Context, sources []TrainingSource, opts TrainOptions, progress func(TrainProgress)) (*Model, Report, error) {
	start := time.Now()
	if progress == nil {
		progress = func(TrainProgress) {}
	}
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	if opts.Epochs <= 0 {
		opts.Epochs = 12
	}
	lex, err := gazetteer.Default()
	if err != nil {
		return nil, Report{}, err
	}
	if len(taggerLabels(sources)) == 0 {
		return nil, Report{}, fmt.Errorf("%w: no PER, LOC, ORG or MISC span in the sources", ErrNoTrainingData)
	}
	if !opts.NoSynthetic {
		n := opts.SyntheticDocs
		if n <= 0 {
			n = DefaultSyntheticDocs
		}
		sources = append(sources[:len(sources):len(sources)], SyntheticSource(lex, n, opts.Seed))
	}
	labels := taggerLabels(sources)
	labelIndex := map[string]int{}
	for i, l := range labels {
		labelIndex[l] = i
	}
	ext := tagger.NewExtractor(lex)
	rep := Report{Labels: labels, Epochs: opts.Epochs}

	progress(TrainProgress{Stage: "features", Fraction: 0})
	var data []tagger.SourceData
	for _, s := range sources {
		seqs, err := sequencesParallel(ctx, ext, s.Documents, labelIndex)
		if err != nil {
			return nil, Report{}, err
		}
		sr := SourceReport{Name: s.Name, Documents: len(s.Documents), Sequences: len(seqs), Spans: map[string]int{}}
		for _, d := range s.Documents {
			for _, sp := range d.Spans {
				sr.Spans[sp.Label]++
			}
		}
		rep.Sources = append(rep.Sources, sr)
		data = append(data, tagger.SourceData{Name: s.Name, Weight: float32(s.Weight), Seqs: seqs})
	}
	dev, err := sequencesParallel(ctx, ext, opts.Dev, labelIndex)
	if err != nil {
		return nil, Report{}, err
	}
	progress(TrainProgress{Stage: "features", Fraction: 0.1})

	tm, st, err := tagger.Train(ctx, labels, data, dev, tagger.Options{
		Epochs: opts.Epochs, Seed: opts.Seed, MinCount: opts.MinCount, SourceCopies: !opts.NoSourceCopies,
	}, func(p tagger.Progress) {
		progress(TrainProgress{
			Stage: "epoch", Epoch: p.Epoch, Epochs: p.Epochs, Mistakes: p.Mistakes, DevF1: p.DevF1,
			Fraction: 0.1 + 0.85*float64(p.Epoch)/float64(p.Epochs),
		})
	})
	if errors.Is(err, tagger.ErrNoTrainingData) {
		return nil, Report{}, fmt.Errorf("%w: %v", ErrNoTrainingData, err)
	}
	if err != nil {
		return nil, Report{}, err
	}
	progress(TrainProgress{Stage: "calibrating", Fraction: 0.95})
	calib := dev
	if len(calib) == 0 {
		// Without held-out data, calibrate on a deterministic sample of the
		// training sequences (scores will be somewhat overconfident).
		for _, d := range data {
			for i := 0; i < len(d.Seqs); i += 20 {
				calib = append(calib, d.Seqs[i])
			}
		}
	}
	tm.Calibrate(calib)
	rep.Tokens = st.Tokens
	rep.Features = st.Features
	rep.BestEpoch = st.BestEpoch
	rep.DevF1 = st.DevF1
	rep.Duration = time.Since(start)
	m := &Model{tagger: tm, Info: ModelInfo{
		FormatVersion: ModelFormatVersion, Labels: labels, Sources: rep.Sources,
		TrainedAt: time.Now().UTC().Truncate(time.Second), Epochs: opts.Epochs, BestEpoch: st.BestEpoch,
		Features: st.Features, DevF1: st.DevF1, Seed: opts.Seed, SourceCopies: !opts.NoSourceCopies,
	}}
	progress(TrainProgress{Stage: "done", Fraction: 1, Epoch: opts.Epochs, Epochs: opts.Epochs, DevF1: st.DevF1})
	return m, rep, nil
}

// sequencesParallel extracts features of documents on all cores, keeping
// the documents' order.
func sequencesParallel(ctx context.Context, ext *tagger.Extractor, docs []Document, labelIndex map[string]int) ([]tagger.Sequence, error) {
	per := make([][]tagger.Sequence, len(docs))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				per[i] = sequences(ext, docs[i], labelIndex)
			}
		}()
	}
	var err error
	for i := range docs {
		if err = ctx.Err(); err != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if err != nil {
		return nil, err
	}
	var out []tagger.Sequence
	for _, p := range per {
		out = append(out, p...)
	}
	return out, nil
}
