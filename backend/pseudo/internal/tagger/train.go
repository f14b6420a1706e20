package tagger

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
)

// Sequence is one training or development sequence: a token range of a
// document's features with its gold tags.
type Sequence struct {
	Feats    *Features
	From, To int
	Gold     []int
}

// SourceData is the sequences of one training corpus.
type SourceData struct {
	Name   string
	Weight float32
	Seqs   []Sequence
}

// Options control training.
type Options struct {
	// Epochs is the number of passes (default 12).
	Epochs int
	// Seed makes the shuffling, hence the model, reproducible.
	Seed uint64
	// MinCount drops features seen fewer times (default 2).
	MinCount int
	// SourceCopies gives each source its own copy of every feature next to
	// the shared one (Daumé's feature augmentation); only the shared copy is
	// kept in the model.
	SourceCopies bool
}

// Progress reports the end of an epoch.
type Progress struct {
	Epoch, Epochs int
	// Mistakes is the number of sequences decoded wrongly during the epoch.
	Mistakes int
	// DevF1 is the exact-span F1 on the development sequences (-1 without).
	DevF1 float64
}

// Stats describes a finished training.
type Stats struct {
	Tokens, Sequences int
	Features          int // kept in the model
	BestEpoch         int
	DevF1             float64
}

// ErrNoTrainingData is returned when the sources hold no sequence.
var ErrNoTrainingData = errors.New("no training sequences")

// compiled is a corpus turned into feature ids.
type compiled struct {
	ids    []int32 // feature ids of every token, source copies included
	off    []int64 // token t's ids are ids[off[t]:off[t+1]]
	gold   []uint8
	seqs   []cseq
	weight []float32 // per source
}

type cseq struct {
	tok0, n int // first token index in off, length
	src     int
}

// Train learns an averaged structured perceptron.
func Train(ctx context.Context, labels []string, sources []SourceData, dev []Sequence, opts Options, progress func(Progress)) (*Model, Stats, error) {
	if opts.Epochs <= 0 {
		opts.Epochs = 12
	}
	if opts.MinCount <= 0 {
		opts.MinCount = 2
	}
	ts := TagSet{Labels: labels}
	n := ts.N()

	// Feature dictionary: shared features seen MinCount times or more.
	counts := make(map[uint64]int32, 1<<20)
	total := 0
	for _, s := range sources {
		for _, q := range s.Seqs {
			for t := q.From; t < q.To; t++ {
				for _, h := range q.Feats.Of(t) {
					counts[h]++
				}
				total++
			}
		}
	}
	if total == 0 {
		return nil, Stats{}, ErrNoTrainingData
	}
	if err := ctx.Err(); err != nil {
		return nil, Stats{}, err
	}
	dict := make(map[uint64]int32, len(counts)/2)
	var hashes []uint64 // shared features, by id
	for h, c := range counts {
		if int(c) >= opts.MinCount {
			dict[h] = int32(len(hashes))
			hashes = append(hashes, h)
		}
	}
	counts = nil
	nShared := len(hashes)
	// Ids are assigned in hash order so that training does not depend on
	// map iteration order.
	slices.Sort(hashes)
	for i, h := range hashes {
		dict[h] = int32(i)
	}

	c := compiled{}
	srcDict := make(map[uint64]int32)
	nextID := int32(nShared)
	for si, s := range sources {
		w := s.Weight
		if w <= 0 {
			w = 1
		}
		c.weight = append(c.weight, w)
		seed := hashString(s.Name) | 1
		for _, q := range s.Seqs {
			c.seqs = append(c.seqs, cseq{tok0: len(c.off), n: q.To - q.From, src: si})
			for t := q.From; t < q.To; t++ {
				c.off = append(c.off, int64(len(c.ids)))
				for _, h := range q.Feats.Of(t) {
					id, ok := dict[h]
					if !ok {
						continue
					}
					c.ids = append(c.ids, id)
					if opts.SourceCopies && len(sources) > 1 {
						sh := mix(h, seed)
						sid, ok := srcDict[sh]
						if !ok {
							sid = nextID
							nextID++
							srcDict[sh] = sid
						}
						c.ids = append(c.ids, sid)
					}
				}
				c.gold = append(c.gold, uint8(q.Gold[t-q.From]))
			}
		}
		if err := ctx.Err(); err != nil {
			return nil, Stats{}, err
		}
	}
	c.off = append(c.off, int64(len(c.ids)))
	srcDict = nil
	nFeat := int(nextID)

	devC := compileDev(dev, dict)

	p := newPerceptron(nFeat, n)
	rng := rand.New(rand.NewPCG(opts.Seed, 0x5eed))
	order := make([]int, len(c.seqs))
	for i := range order {
		order[i] = i
	}
	var best []float32
	var bestTrans []float32
	bestF1, bestEpoch := -1.0, opts.Epochs
	tags := make([]int, 0, 64)
	for ep := 1; ep <= opts.Epochs; ep++ {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		mistakes := 0
		for k, si := range order {
			if k%2048 == 0 {
				if err := ctx.Err(); err != nil {
					return nil, Stats{}, err
				}
			}
			q := c.seqs[si]
			tags = grow(tags, q.n)
			if p.step(&c, q, tags, c.weight[q.src]) {
				mistakes++
			}
		}
		devF1 := -1.0
		if devC != nil {
			avgW, avgT := p.averaged(nShared)
			devF1 = devC.f1(avgW, avgT, n)
			if devF1 > bestF1 {
				bestF1, bestEpoch = devF1, ep
				best, bestTrans = avgW, avgT
			}
		}
		if progress != nil {
			progress(Progress{Epoch: ep, Epochs: opts.Epochs, Mistakes: mistakes, DevF1: devF1})
		}
	}
	if best == nil {
		best, bestTrans = p.averaged(nShared)
		bestEpoch = opts.Epochs
	}
	m := export(ts, hashes, best, bestTrans)
	m.Temperature = 1
	st := Stats{Tokens: total, Sequences: len(c.seqs), Features: m.NumFeatures(), BestEpoch: bestEpoch, DevF1: bestF1}
	return m, st, nil
}

// perceptron holds current weights and the sums for lazy averaging: the
// average is w - u/c where c counts the updates' time steps.
type perceptron struct {
	n      int
	w      []float32
	u      []float64
	trans  []float32
	utrans []float64
	c      float64
	em     []float32
	delta  []float32
	back   []int32
}

func newPerceptron(nFeat, n int) *perceptron {
	return &perceptron{
		n: n, w: make([]float32, nFeat*n), u: make([]float64, nFeat*n),
		trans: make([]float32, (n+1)*n), utrans: make([]float64, (n+1)*n), c: 1,
	}
}

// step decodes one sequence and updates on a mistake; it reports whether
// there was one.
func (p *perceptron) step(c *compiled, q cseq, pred []int, weight float32) bool {
	n := p.n
	p.em = grow(p.em, q.n*n)
	for t := 0; t < q.n; t++ {
		row := p.em[t*n : (t+1)*n]
		clear(row)
		tok := q.tok0 + t
		for _, id := range c.ids[c.off[tok]:c.off[tok+1]] {
			w := p.w[int(id)*n : int(id)*n+n]
			for y := range row {
				row[y] += w[y]
			}
		}
	}
	viterbi(p.em, p.trans, n, q.n, pred, &p.delta, &p.back)
	wrong := false
	for t := 0; t < q.n; t++ {
		if int(c.gold[q.tok0+t]) != pred[t] {
			wrong = true
			break
		}
	}
	if wrong {
		d := float64(weight)
		for t := 0; t < q.n; t++ {
			g, y := int(c.gold[q.tok0+t]), pred[t]
			gp, yp := -1, -1
			if t > 0 {
				gp, yp = int(c.gold[q.tok0+t-1]), pred[t-1]
			}
			if g != y {
				tok := q.tok0 + t
				for _, id := range c.ids[c.off[tok]:c.off[tok+1]] {
					base := int(id) * n
					p.w[base+g] += weight
					p.u[base+g] += p.c * d
					p.w[base+y] -= weight
					p.u[base+y] -= p.c * d
				}
			}
			if g != y || gp != yp {
				p.trans[(gp+1)*n+g] += weight
				p.utrans[(gp+1)*n+g] += p.c * d
				p.trans[(yp+1)*n+y] -= weight
				p.utrans[(yp+1)*n+y] -= p.c * d
			}
		}
	}
	p.c++
	return wrong
}

// averaged returns the averaged weights of the first nShared features and
// the averaged transitions.
func (p *perceptron) averaged(nShared int) ([]float32, []float32) {
	w := make([]float32, nShared*p.n)
	for i := range w {
		w[i] = float32(float64(p.w[i]) - p.u[i]/p.c)
	}
	tr := make([]float32, len(p.trans))
	for i := range tr {
		tr[i] = float32(float64(p.trans[i]) - p.utrans[i]/p.c)
	}
	return w, tr
}

// export keeps the shared features whose averaged weights are not all
// (nearly) zero.
func export(ts TagSet, hashes []uint64, w, trans []float32) *Model {
	n := ts.N()
	m := &Model{Tags: ts, index: newFeatureIndex(1 << 16), Trans: trans}
	for i, h := range hashes {
		row := w[i*n : (i+1)*n]
		keep := false
		for _, v := range row {
			if math.Abs(float64(v)) > 1e-4 {
				keep = true
				break
			}
		}
		if !keep {
			continue
		}
		m.index.put(h, int32(len(m.W)/n))
		m.W = append(m.W, row...)
	}
	return m
}

// devSet is the development sequences compiled against the shared
// dictionary.
type devSet struct {
	ids  []int32
	off  []int64
	gold []uint8
	seqs []cseq
}

func compileDev(dev []Sequence, dict map[uint64]int32) *devSet {
	if len(dev) == 0 {
		return nil
	}
	d := &devSet{}
	for _, q := range dev {
		d.seqs = append(d.seqs, cseq{tok0: len(d.off), n: q.To - q.From})
		for t := q.From; t < q.To; t++ {
			d.off = append(d.off, int64(len(d.ids)))
			for _, h := range q.Feats.Of(t) {
				if id, ok := dict[h]; ok {
					d.ids = append(d.ids, id)
				}
			}
			d.gold = append(d.gold, uint8(q.Gold[t-q.From]))
		}
	}
	d.off = append(d.off, int64(len(d.ids)))
	return d
}

// f1 decodes the development set with the given weights and returns the
// exact-span F1 over all labels.
func (d *devSet) f1(w, trans []float32, n int) float64 {
	var em, delta []float32
	var back []int32
	tp, np, ng := 0, 0, 0
	for _, q := range d.seqs {
		em = grow(em, q.n*n)
		for t := 0; t < q.n; t++ {
			row := em[t*n : (t+1)*n]
			clear(row)
			tok := q.tok0 + t
			for _, id := range d.ids[d.off[tok]:d.off[tok+1]] {
				wr := w[int(id)*n : int(id)*n+n]
				for y := range row {
					row[y] += wr[y]
				}
			}
		}
		pred := make([]int, q.n)
		viterbi(em, trans, n, q.n, pred, &delta, &back)
		gold := make([]int, q.n)
		for t := range gold {
			gold[t] = int(d.gold[q.tok0+t])
		}
		ps, gs := Spans(pred), Spans(gold)
		np += len(ps)
		ng += len(gs)
		set := map[SpanOf]bool{}
		for _, s := range gs {
			set[s] = true
		}
		for _, s := range ps {
			if set[s] {
				tp++
			}
		}
	}
	if np == 0 || ng == 0 || tp == 0 {
		return 0
	}
	pr, rc := float64(tp)/float64(np), float64(tp)/float64(ng)
	return 2 * pr * rc / (pr + rc)
}
