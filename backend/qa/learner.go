package qa

import (
	"context"
	"math"
	"math/rand/v2"
	"sort"
	"time"
)

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
