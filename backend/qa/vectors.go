package qa

import (
	"context"
	"math"
	"math/rand/v2"

	"github.com/lab-ia/piaf/backend/frtext"
)

// wordVectors are dense stem vectors learnt with skip-gram and negative
// sampling (word2vec) on the training contexts and questions. They give the
// reader a notion of similar words ("achève" and "termine") that exact and
// stem matching lack. Rows are unit length, so a dot product is a cosine.
type wordVectors struct {
	dim   int
	index map[uint64]int32 // stem hash to row
	data  []float32
}

// row returns the vector of a stem, nil when it is unknown.
func (v *wordVectors) row(stem uint64) []float32 {
	r, ok := v.index[stem]
	if !ok {
		return nil
	}
	return v.data[int(r)*v.dim : int(r+1)*v.dim]
}

func dot(a, b []float32) float32 {
	var s float32
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// Skip-gram settings: chosen for small corpora (a few hundred thousand
// tokens), where a narrow window and few negatives work best.
const (
	vecMinCount  = 2
	vecWindow    = 4
	vecNegatives = 5
	vecSubsample = 1e-3
	vecLearnRate = 0.025
)

// trainVectors learns stem vectors from the sentences of the given texts.
// It runs on one goroutine so that the result depends only on the data and
// the seed.
func trainVectors(ctx context.Context, texts []*textAnalysis, dim, epochs int, seed uint64) (*wordVectors, error) {
	counts := map[uint64]int{}
	var order []uint64 // first-seen order, for a deterministic vocabulary
	for _, a := range texts {
		for _, t := range a.toks {
			if t.kind == frtext.Punct || t.kind == frtext.Symbol {
				continue
			}
			if counts[t.stemID] == 0 {
				order = append(order, t.stemID)
			}
			counts[t.stemID]++
		}
	}
	vocab := map[uint64]int32{}
	var freq []float64
	total := 0.0
	for _, s := range order {
		if c := counts[s]; c >= vecMinCount {
			vocab[s] = int32(len(freq))
			freq = append(freq, float64(c))
			total += float64(c)
		}
	}
	n := len(freq)
	if n < 10 {
		return nil, nil // too little text to learn anything
	}
	// sentences as sequences of vocabulary rows
	var sents [][]int32
	for _, a := range texts {
		for _, se := range a.sents {
			var s []int32
			for i := se.FirstToken; i < se.EndToken; i++ {
				if r, ok := vocab[a.toks[i].stemID]; ok {
					s = append(s, r)
				}
			}
			if len(s) > 1 {
				sents = append(sents, s)
			}
		}
	}
	rng := rand.New(rand.NewPCG(seed, 0x77a1))
	negTable := buildNegativeTable(freq)
	keep := make([]float64, n)
	for i, f := range freq {
		r := f / total
		keep[i] = math.Min(1, (math.Sqrt(r/vecSubsample)+1)*vecSubsample/r)
	}
	in := make([]float32, n*dim)
	out := make([]float32, n*dim)
	for i := range in {
		in[i] = (rng.Float32() - 0.5) / float32(dim)
	}
	grad := make([]float32, dim)
	steps := epochs * len(sents)
	step := 0
	buf := make([]int32, 0, 64)
	for ep := 0; ep < epochs; ep++ {
		for _, s := range sents {
			if step%1024 == 0 {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
			}
			lr := float32(vecLearnRate * math.Max(0.0001, 1-float64(step)/float64(steps)))
			step++
			buf = buf[:0]
			for _, w := range s {
				if rng.Float64() < keep[w] {
					buf = append(buf, w)
				}
			}
			for pos, center := range buf {
				win := 1 + rng.IntN(vecWindow)
				cv := in[int(center)*dim : int(center+1)*dim]
				for c := max(0, pos-win); c < min(len(buf), pos+win+1); c++ {
					if c == pos {
						continue
					}
					for k := range grad {
						grad[k] = 0
					}
					for neg := 0; neg <= vecNegatives; neg++ {
						target, label := buf[c], float32(1)
						if neg > 0 {
							target = negTable[rng.IntN(len(negTable))]
							if target == buf[c] {
								continue
							}
							label = 0
						}
						ov := out[int(target)*dim : int(target+1)*dim]
						g := (label - sigmoid(dot(cv, ov))) * lr
						for k := range grad {
							grad[k] += g * ov[k]
							ov[k] += g * cv[k]
						}
					}
					for k := range cv {
						cv[k] += grad[k]
					}
				}
			}
		}
	}
	v := &wordVectors{dim: dim, index: make(map[uint64]int32, n), data: in}
	for stem, r := range vocab {
		v.index[stem] = r
		row := in[int(r)*dim : int(r+1)*dim]
		norm := float32(math.Sqrt(float64(dot(row, row))))
		if norm > 0 {
			for k := range row {
				row[k] /= norm
			}
		}
	}
	return v, nil
}

// buildNegativeTable samples rows in proportion to frequency^0.75.
func buildNegativeTable(freq []float64) []int32 {
	const size = 1 << 20
	var z float64
	for _, f := range freq {
		z += math.Pow(f, 0.75)
	}
	table := make([]int32, 0, size)
	for i, f := range freq {
		k := int(math.Round(math.Pow(f, 0.75) / z * size))
		for j := 0; j < k; j++ {
			table = append(table, int32(i))
		}
	}
	if len(table) == 0 {
		table = append(table, 0)
	}
	return table
}

func sigmoid(x float32) float32 {
	if x > 8 {
		return 1
	}
	if x < -8 {
		return 0
	}
	return float32(1 / (1 + math.Exp(-float64(x))))
}

// vectorContext holds, for one (question, passage) pair, how similar each
// passage token is to the question's content words.
type vectorContext struct {
	v *wordVectors
	// soft[i] is the best cosine of token i with a question content word
	// times that word's share of the question weight; cum its prefix sums.
	soft, cum []float32
	sentSoft  []float32
	head      []float32 // vector of the question's head noun, nil if none
	mean      []float32 // scratch for the span's mean vector
}

func newVectorContext(v *wordVectors, q *questionAnalysis, p *textAnalysis) *vectorContext {
	c := &vectorContext{v: v, soft: make([]float32, len(p.toks)), cum: make([]float32, len(p.toks)+1),
		sentSoft: make([]float32, len(p.sents)), mean: make([]float32, v.dim)}
	qv := make([][]float32, len(q.content))
	for k, w := range q.content {
		qv[k] = v.row(w.stemID)
	}
	tot := q.totalIDF
	if tot <= 0 {
		tot = 1
	}
	bestInSent := make([]float32, len(q.content)*len(p.sents))
	for i := range p.toks {
		t := &p.toks[i]
		if t.content() {
			tv := v.row(t.stemID)
			for k, w := range q.content {
				var sim float32
				switch {
				case t.stemID == w.stemID:
					sim = 1
				case tv != nil && qv[k] != nil:
					sim = dot(tv, qv[k])
				}
				if sim < 0 {
					sim = 0
				}
				s := sim * w.idf / tot
				if s > c.soft[i] {
					c.soft[i] = s
				}
				if x := t.sent*len(q.content) + k; s > bestInSent[x] {
					bestInSent[x] = s
				}
			}
		}
		c.cum[i+1] = c.cum[i] + c.soft[i]
	}
	for s := range p.sents {
		for k := range q.content {
			c.sentSoft[s] += bestInSent[s*len(q.content)+k]
		}
	}
	if q.head != "" {
		c.head = v.row(q.headID)
	}
	return c
}

// features adds the vector features of span [i, j] in sentence [lo, hi).
func (c *vectorContext) features(f *featVec, p *textAnalysis, i, j, lo, hi int, wh uint64) {
	f.add(mix(tVecLeft, wh), window(c.cum, i-4, i, lo, hi))
	f.add(mix(tVecRight, wh), window(c.cum, j+1, j+5, lo, hi))
	f.add(mix(tVecSpan, wh), window(c.cum, i, j+1, lo, hi)/float32(j-i+1))
	if c.head != nil {
		var best float32
		for k := i; k <= j; k++ {
			if tv := c.v.row(p.toks[k].stemID); tv != nil {
				best = max(best, dot(tv, c.head))
			}
		}
		f.add(mix(tVecHead, wh), best)
	}
	// the span's mean vector, per question type: which kinds of words
	// answer which kinds of questions
	var n float32
	mean := c.mean
	for d := range mean {
		mean[d] = 0
	}
	for k := i; k <= j; k++ {
		if tv := c.v.row(p.toks[k].stemID); tv != nil && p.toks[k].content() {
			for d := range mean {
				mean[d] += tv[d]
			}
			n++
		}
	}
	if n > 0 {
		for d := range mean {
			f.add(mix(mix(tVecMean, uint64(d)), wh), mean[d]/n)
		}
	}
}
