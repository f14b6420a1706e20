package qa

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"time"

	"github.com/lab-ia/piaf/backend/qa/metric"
)

// trainItem is a prepared training question: its analysis against its
// passage and the gold spans among the candidates.
type trainItem struct {
	q    *questionAnalysis
	p    *textAnalysis
	gold []span
}

// evalItem is a prepared evaluation question.
type evalItem struct {
	q     *questionAnalysis
	p     *textAnalysis
	golds []string
}

// Train learns a reader from training examples. With dev examples, the
// epoch with the best dev F1 (French normalisation) is kept and reported;
// without, the last one. It honours ctx (returning ctx.Err()) and reports
// progress to progress, which may be nil and is called from the calling
// goroutine only. Training is deterministic for given data, options and
// seed, whatever the number of workers.
func Train(ctx context.Context, train, dev []Example, opts TrainOptions, progress func(TrainProgress)) (*Model, TrainReport, error) {
	started := time.Now()
	o := opts.withDefaults()
	if progress == nil {
		progress = func(TrainProgress) {}
	}
	report := TrainReport{}
	if len(train) == 0 {
		return nil, report, ErrNoTrainingData
	}
	progress(TrainProgress{Stage: StagePrepare, Total: len(train) + len(dev)})
	contexts := uniqueContexts(train)
	analyses, err := analyzeAll(ctx, contexts, o.Workers)
	if err != nil {
		return nil, report, err
	}
	m := &Model{
		weights: make([]float32, 1<<o.HashBits),
		idf:     buildIDFFromAnalyses(analyses),
		params: ModelParams{
			HashBits: o.HashBits, MaxAnswerTokens: o.MaxAnswerTokens, Features: o.Features, MaxSentences: o.MaxSentences,
			MBRPool: o.MBRPool, TwoStage: o.TwoStage,
		},
	}
	if o.Features&FeatVectors != 0 {
		progress(TrainProgress{Stage: StageVectors, Epochs: o.VectorEpochs})
		texts := analyses
		if len(o.VectorTexts) > 0 {
			extra, err := analyzeAll(ctx, o.VectorTexts, o.Workers)
			if err != nil {
				return nil, report, err
			}
			texts = append(append([]*textAnalysis(nil), analyses...), extra...)
		}
		m.vectors, err = trainVectors(ctx, texts, o.VectorDim, o.VectorEpochs, o.Seed)
		if err != nil {
			return nil, report, err
		}
	}
	byContext := make(map[string]*textAnalysis, len(contexts))
	for i, c := range contexts {
		byContext[c] = analyses[i]
	}
	items, unreachable, err := m.prepareTrainItems(ctx, train, byContext, o.Workers)
	if err != nil {
		return nil, report, err
	}
	report.TrainExamples, report.Unreachable = len(items), unreachable
	if len(items) == 0 {
		return nil, report, ErrNoTrainingData
	}
	devItems, err := m.prepareEvalItems(ctx, dev, o.Workers)
	if err != nil {
		return nil, report, err
	}
	progress(TrainProgress{Stage: StagePrepare, Done: len(train) + len(dev), Total: len(train) + len(dev)})

	lr := newLearner(m, o, newGradBufs(o.BatchSize, len(m.weights)))
	var best []float32
	bestF1 := math.Inf(-1)
	for epoch := 1; epoch <= o.Epochs; epoch++ {
		t0 := time.Now()
		loss, err := lr.epoch(ctx, items, func(done int, loss float64) {
			progress(TrainProgress{Stage: StageTrain, Epoch: epoch, Epochs: o.Epochs, Done: done, Total: len(items), Loss: loss})
		})
		if err != nil {
			return nil, report, err
		}
		lr.averageInto(m.weights)
		er := EpochReport{Epoch: epoch, Loss: loss}
		if len(devItems) > 0 {
			sum, _, err := m.evaluateItems(ctx, devItems, o.Workers)
			if err != nil {
				return nil, report, err
			}
			er.Dev = &sum
			if sum.F1Fr > bestF1 {
				bestF1 = sum.F1Fr
				best = append(best[:0], m.weights...)
				report.BestEpoch, report.Dev = epoch, &sum
			}
		} else {
			report.BestEpoch = epoch
		}
		er.Seconds = time.Since(t0).Seconds()
		report.Epochs = append(report.Epochs, er)
		progress(TrainProgress{Stage: StageEvaluate, Epoch: epoch, Epochs: o.Epochs, Done: len(items), Total: len(items), Loss: loss, Dev: er.Dev})
	}
	if best != nil {
		copy(m.weights, best)
	}
	report.Duration = time.Since(started)
	m.info = ModelInfo{
		FormatVersion:    ModelFormatVersion,
		CreatedAt:        time.Now().UTC(),
		TrainingDataHash: ExamplesHash(train),
		TrainExamples:    len(train),
		DevExamples:      len(dev),
		Options:          o,
		Params:           m.params,
		Report:           report,
	}
	progress(TrainProgress{Stage: StageDone, Epoch: report.BestEpoch, Epochs: o.Epochs, Dev: report.Dev})
	return m, report, nil
}

// ExamplesHash fingerprints training data (ids, questions, contexts and
// answers, in order): two models with the same hash saw the same data.
func ExamplesHash(examples []Example) string {
	h := sha256.New()
	for _, e := range examples {
		fmt.Fprintf(h, "%d:%s%d:%s%d:%s", len(e.ID), e.ID, len(e.Question), e.Question, len(e.Context), e.Context)
		for _, a := range e.Answers {
			fmt.Fprintf(h, "%d:%d:%s", a.Start, len(a.Text), a.Text)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// uniqueContexts lists the distinct contexts in first-seen order.
func uniqueContexts(examples []Example) []string {
	seen := map[string]bool{}
	var out []string
	for _, e := range examples {
		if !seen[e.Context] {
			seen[e.Context] = true
			out = append(out, e.Context)
		}
	}
	return out
}

// analyzeAll analyses texts in parallel.
func analyzeAll(ctx context.Context, texts []string, workers int) ([]*textAnalysis, error) {
	out := make([]*textAnalysis, len(texts))
	err := parallelFor(ctx, len(texts), workers, func(i int) { out[i] = analyzeText(texts[i]) })
	return out, err
}

// buildIDFFromAnalyses computes stem idf over the analysed paragraphs.
func buildIDFFromAnalyses(as []*textAnalysis) *idfTable {
	df := map[string]int{}
	for _, a := range as {
		seen := map[string]bool{}
		for _, t := range a.toks {
			if !seen[t.stem] {
				seen[t.stem] = true
				df[t.stem]++
			}
		}
	}
	n := float64(len(as))
	t := &idfTable{byStem: make(map[string]float32, len(df)), unseen: float32(math.Log((n + 1) / 0.5))}
	for s, d := range df {
		t.byStem[s] = float32(math.Log((n + 1) / (float64(d) + 0.5)))
	}
	return t
}

// prepareTrainItems analyses the questions and finds their gold spans among
// the candidates; questions with no reachable gold span are counted and
// skipped.
func (m *Model) prepareTrainItems(ctx context.Context, examples []Example, byContext map[string]*textAnalysis, workers int) ([]trainItem, int, error) {
	all := make([]trainItem, len(examples))
	err := parallelFor(ctx, len(examples), workers, func(x int) {
		e := examples[x]
		p := byContext[e.Context]
		it := trainItem{q: analyzeQuestion(e.Question, m.idf), p: p}
		seen := map[span]bool{}
		for _, a := range e.Answers {
			sp, ok := goldSpan(p, a.Start, a.Text)
			if ok {
				sp, ok = reachableSpan(p, sp, m.params.MaxAnswerTokens)
			}
			if !ok || seen[sp] {
				continue
			}
			seen[sp] = true
			it.gold = append(it.gold, sp)
		}
		all[x] = it
	})
	if err != nil {
		return nil, 0, err
	}
	items := all[:0]
	for _, it := range all {
		if len(it.gold) > 0 {
			items = append(items, it)
		}
	}
	return items, len(examples) - len(items), nil
}

// reachableSpan maps a gold span to the closest candidate span: cut at the
// end of its first sentence and at maxTokens tokens, then trimmed of the
// punctuation a candidate cannot start or end with. A long gold answer thus
// still teaches where answers start, and the partial span is what the F1
// metric rewards.
func reachableSpan(p *textAnalysis, sp span, maxTokens int) (span, bool) {
	i, j := int(sp.i), int(sp.j)
	end := p.sents[p.toks[i].sent].EndToken - 1
	j = min(j, end, i+maxTokens-1)
	for i <= j && !canStart(&p.toks[i]) {
		i++
	}
	for j >= i && !canEnd(&p.toks[j]) {
		j--
	}
	if i > j {
		return span{}, false
	}
	return span{int32(i), int32(j)}, true
}

// prepareEvalItems analyses evaluation questions and their passages.
func (m *Model) prepareEvalItems(ctx context.Context, examples []Example, workers int) ([]evalItem, error) {
	contexts := uniqueContexts(examples)
	analyses, err := analyzeAll(ctx, contexts, workers)
	if err != nil {
		return nil, err
	}
	byContext := make(map[string]*textAnalysis, len(contexts))
	for i, c := range contexts {
		byContext[c] = analyses[i]
	}
	items := make([]evalItem, len(examples))
	err = parallelFor(ctx, len(examples), workers, func(x int) {
		e := examples[x]
		items[x] = evalItem{q: analyzeQuestion(e.Question, m.idf), p: byContext[e.Context], golds: e.GoldTexts()}
	})
	return items, err
}

// evaluateItems predicts the best span of each item and scores it.
func (m *Model) evaluateItems(ctx context.Context, items []evalItem, workers int) (metric.Summary, []string, error) {
	preds := make([]string, len(items))
	err := parallelFor(ctx, len(items), workers, func(x int) {
		if ans := m.answersAnalyzed(items[x].q, items[x].p, 1); len(ans) > 0 {
			preds[x] = ans[0].Text
		}
	})
	if err != nil {
		return metric.Summary{}, nil, err
	}
	var acc metric.Accumulator
	for x, it := range items {
		acc.Add(preds[x], it.golds)
	}
	return acc.Summary(), preds, nil
}
