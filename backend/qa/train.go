package qa

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
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

// learner trains weights with AdaGrad on the softmax likelihood of the gold
// spans among all candidate spans of the passage, and keeps their running
// average: the averaged weights, which the model gets, generalise better
// than the last ones.
type learner struct {
	m *Model // a copy of the model that holds the live (not averaged) weights
	o TrainOptions
	// sq is AdaGrad's accumulated squared gradients.
	sq []float32
	// sum accumulates step × update, so that the average is
	// weights - sum/steps (the averaged perceptron trick).
	sum   []float32
	steps float64
	rng   *rand.Rand
	bufs  []gradBuf
}

// gradBuf is one question's sparse gradient and the scratch to compute it.
type gradBuf struct {
	feats  featVec
	off    []int32
	spans  []span
	score  []float64
	idx    []uint32
	g      []float32
	loss   float64
	target []float64
	// acc sums the gradient per weight (dense, len of the weights) so that
	// AdaGrad sees one gradient per weight per question; touched lists the
	// weights with a non-zero entry.
	acc     []float32
	touched []uint32
}

func newLearner(m *Model, o TrainOptions, bufs []gradBuf) *learner {
	live := *m
	live.weights = append([]float32(nil), m.weights...)
	return &learner{m: &live, o: o, sq: make([]float32, len(m.weights)), sum: make([]float32, len(m.weights)),
		rng: rand.New(rand.NewPCG(o.Seed, 0x9e3779b97f4a7c15)), bufs: bufs}
}

// newGradBufs makes the per-question gradient scratch of one batch.
func newGradBufs(batch, weights int) []gradBuf {
	bufs := make([]gradBuf, batch)
	for i := range bufs {
		bufs[i].feats.mask = uint64(weights - 1)
		bufs[i].acc = make([]float32, weights)
	}
	return bufs
}

// epoch makes one pass in a seeded random order and returns the mean loss.
func (l *learner) epoch(ctx context.Context, items []trainItem, report func(done int, loss float64)) (float64, error) {
	order := l.rng.Perm(len(items))
	var total float64
	lastReport := time.Now()
	for b := 0; b < len(order); b += l.o.BatchSize {
		batch := order[b:min(b+l.o.BatchSize, len(order))]
		if err := parallelFor(ctx, len(batch), l.o.Workers, func(x int) { l.gradient(&items[batch[x]], &l.bufs[x]) }); err != nil {
			return 0, err
		}
		for x := range batch {
			total += l.bufs[x].loss
			l.apply(&l.bufs[x])
		}
		if time.Since(lastReport) > 500*time.Millisecond {
			report(b+len(batch), total/float64(b+len(batch)))
			lastReport = time.Now()
		}
	}
	return total / float64(len(items)), nil
}

// gradient fills buf with the gradient of the item's loss: -log P(gold
// spans) for the joint model; -log P(gold sentences) - log P(gold spans |
// gold sentences) for the two-stage model.
func (l *learner) gradient(it *trainItem, buf *gradBuf) {
	sc := l.m.newScorer(it.q, it.p)
	buf.idx, buf.g = buf.idx[:0], buf.g[:0]
	buf.loss = 0
	sents := sc.searchSentences()
	if !l.m.params.TwoStage {
		l.softmaxGradient(sc, buf, it.gold, func(emit func(i, j int, features func(*featVec))) {
			enumerate(it.p, l.m.params.MaxAnswerTokens, sents, func(i, j int) {
				emit(i, j, func(f *featVec) { sc.ctx.features(f, i, j) })
			})
		})
	} else {
		goldSents := map[int]bool{}
		var gold []span
		for _, g := range it.gold {
			s := int(it.p.toks[g.i].sent)
			goldSents[s] = true
			gold = append(gold, span{int32(s), int32(s)})
		}
		if sents == nil {
			sents = make([]int, len(it.p.sents))
			for x := range sents {
				sents[x] = x
			}
		}
		// sentences, as spans (s, s) so that the same routine serves
		l.softmaxGradient(sc, buf, gold, func(emit func(i, j int, features func(*featVec))) {
			for _, s := range sents {
				emit(s, s, func(f *featVec) { sc.ctx.sentenceFeatures(f, s) })
			}
		})
		var inGold []int
		for s := range goldSents {
			inGold = append(inGold, s)
		}
		sort.Ints(inGold)
		l.softmaxGradient(sc, buf, it.gold, func(emit func(i, j int, features func(*featVec))) {
			enumerate(it.p, l.m.params.MaxAnswerTokens, inGold, func(i, j int) {
				emit(i, j, func(f *featVec) { sc.ctx.spanFeatures(f, i, j) })
			})
		})
	}
	for _, idx := range buf.touched {
		if g := buf.acc[idx]; g != 0 {
			buf.idx = append(buf.idx, idx)
			buf.g = append(buf.g, g)
		}
		buf.acc[idx] = 0
	}
	buf.touched = buf.touched[:0]
}

// softmaxGradient adds to buf.acc the gradient of -log P(gold) under a
// softmax over the candidates that each calls emit with, and adds the loss.
func (l *learner) softmaxGradient(sc *scorer, buf *gradBuf, gold []span, each func(emit func(i, j int, features func(*featVec)))) {
	buf.feats.reset()
	buf.off, buf.spans, buf.score = buf.off[:0], buf.spans[:0], buf.score[:0]
	w := l.m.weights
	each(func(i, j int, features func(*featVec)) {
		from := len(buf.feats.idx)
		buf.off = append(buf.off, int32(from))
		features(&buf.feats)
		var s float32
		for k := from; k < len(buf.feats.idx); k++ {
			s += w[buf.feats.idx[k]] * buf.feats.val[k]
		}
		buf.spans = append(buf.spans, span{int32(i), int32(j)})
		buf.score = append(buf.score, float64(s))
	})
	buf.off = append(buf.off, int32(len(buf.feats.idx)))
	if len(buf.spans) == 0 {
		return
	}
	softmaxInPlace(buf.score)
	var goldMass float64
	buf.target = buf.target[:0]
	for c, sp := range buf.spans {
		t := 0.0
		for _, g := range gold {
			if g == sp {
				t = 1
				goldMass += buf.score[c]
				break
			}
		}
		buf.target = append(buf.target, t)
	}
	if goldMass <= 0 {
		return
	}
	buf.loss -= math.Log(math.Max(goldMass, 1e-300))
	for c := range buf.spans {
		grad := buf.score[c]
		if buf.target[c] > 0 {
			grad -= buf.score[c] / goldMass
		}
		if math.Abs(grad) < 1e-7 {
			continue
		}
		for k := buf.off[c]; k < buf.off[c+1]; k++ {
			idx := buf.feats.idx[k]
			if buf.acc[idx] == 0 {
				buf.touched = append(buf.touched, idx)
			}
			buf.acc[idx] += float32(grad) * buf.feats.val[k]
		}
	}
}

// apply performs the AdaGrad step of one gradient.
func (l *learner) apply(buf *gradBuf) {
	w, sq, sum := l.m.weights, l.sq, l.sum
	eta, l2 := float32(l.o.LearningRate), float32(l.o.L2)
	l.steps++
	c := float32(l.steps)
	for k, idx := range buf.idx {
		g := buf.g[k] + l2*w[idx]
		sq[idx] += g * g
		delta := -eta * g / (float32(math.Sqrt(float64(sq[idx]))) + 1e-6)
		w[idx] += delta
		sum[idx] += c * delta
	}
}

// averageInto writes the average of the weights over all steps so far.
func (l *learner) averageInto(dst []float32) {
	inv := float32(0)
	if l.steps > 0 {
		inv = float32(1 / l.steps)
	}
	for i, w := range l.m.weights {
		dst[i] = w - l.sum[i]*inv
	}
}
