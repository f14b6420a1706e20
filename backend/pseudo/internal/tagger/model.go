package tagger

import (
	"math"
)

// Model is a trained tagger: weights per (feature, tag), transition
// weights, and the temperature that turns scores into probabilities. It is
// read-only after training and safe for concurrent use.
type Model struct {
	Tags TagSet
	// index maps a feature hash to its row in W.
	index *featureIndex
	// W holds len(index) rows of Tags.N() weights.
	W []float32
	// Trans holds (N+1) rows of N: row N is the start of a sequence.
	Trans []float32
	// Temperature divides scores before the softmax of the marginals.
	Temperature float32
}

// NumFeatures returns the number of features with a weight.
func (m *Model) NumFeatures() int { return m.index.len() }

// emissions fills em[t*N+y] with the score of tag y at token t of the
// range [from, to) of a document's features.
func (m *Model) emissions(f *Features, from, to int, em []float32) {
	n := m.Tags.N()
	for t := from; t < to; t++ {
		row := em[(t-from)*n : (t-from+1)*n]
		clear(row)
		for _, h := range f.Of(t) {
			r, ok := m.index.get(h)
			if !ok {
				continue
			}
			w := m.W[int(r)*n : int(r)*n+n]
			for y := range row {
				row[y] += w[y]
			}
		}
	}
}

// Decoder holds scratch buffers for decoding one sequence at a time; one per
// goroutine.
type Decoder struct {
	m     *Model
	em    []float32
	delta []float32
	back  []int32
	alpha []float64
	beta  []float64
	ex    []float64
	eT    []float64
}

// NewDecoder returns a decoder for m.
func (m *Model) NewDecoder() *Decoder {
	n := m.Tags.N()
	d := &Decoder{m: m, eT: make([]float64, (n+1)*n)}
	temp := float64(m.Temperature)
	if temp <= 0 {
		temp = 1
	}
	for p := -1; p < n; p++ {
		for y := 0; y < n; y++ {
			if Allowed(p, y) {
				d.eT[(p+1)*n+y] = math.Exp(float64(m.Trans[(p+1)*n+y]) / temp)
			}
		}
	}
	return d
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// Tag decodes tokens [from, to) of a document: the best tag sequence into
// tags, and, when probs is not nil, the marginal probability of each chosen
// tag into probs (left at 1 for a sequence without entities, whose scores
// nobody reads).
func (d *Decoder) Tag(f *Features, from, to int, tags []int, probs []float64) {
	m := d.m
	n := m.Tags.N()
	T := to - from
	if T == 0 {
		return
	}
	d.em = grow(d.em, T*n)
	m.emissions(f, from, to, d.em)
	viterbi(d.em, m.Trans, n, T, tags, &d.delta, &d.back)
	if probs == nil {
		return
	}
	for _, t := range tags[:T] {
		if t != 0 {
			d.marginals(T, tags, probs)
			return
		}
	}
	// No entity: scores are only read for entities, skip forward-backward.
	for t := range probs[:T] {
		probs[t] = 1
	}
}

func viterbi(em, trans []float32, n, T int, tags []int, deltaBuf *[]float32, backBuf *[]int32) {
	delta := grow(*deltaBuf, T*n)
	back := grow(*backBuf, T*n)
	*deltaBuf, *backBuf = delta, back
	negInf := float32(math.Inf(-1))
	for y := 0; y < n; y++ {
		if Allowed(-1, y) {
			delta[y] = em[y] + trans[y]
		} else {
			delta[y] = negInf
		}
	}
	for t := 1; t < T; t++ {
		prev := delta[(t-1)*n : t*n]
		cur := delta[t*n : (t+1)*n]
		for y := 0; y < n; y++ {
			best, arg := negInf, int32(0)
			for p := 0; p < n; p++ {
				if !Allowed(p, y) || prev[p] == negInf {
					continue
				}
				if s := prev[p] + trans[(p+1)*n+y]; s > best {
					best, arg = s, int32(p)
				}
			}
			cur[y] = best + em[t*n+y]
			back[t*n+y] = arg
		}
	}
	last := delta[(T-1)*n : T*n]
	best := 0
	for y := 1; y < n; y++ {
		if last[y] > last[best] {
			best = y
		}
	}
	for t := T - 1; t >= 0; t-- {
		tags[t] = best
		best = int(back[t*n+best])
	}
}

// marginals runs forward-backward in probability space with per-step
// normalisation (no logarithms: one exponential per tag and token).
func (d *Decoder) marginals(T int, tags []int, probs []float64) {
	n := d.m.Tags.N()
	temp := float64(d.m.Temperature)
	if temp <= 0 {
		temp = 1
	}
	d.alpha = grow(d.alpha, T*n)
	d.beta = grow(d.beta, T*n)
	d.ex = grow(d.ex, T*n)
	ex, alpha, beta, eT := d.ex, d.alpha, d.beta, d.eT
	for t := 0; t < T; t++ {
		row := d.em[t*n : (t+1)*n]
		mx := float32(math.Inf(-1))
		for _, v := range row {
			mx = max(mx, v)
		}
		for y, v := range row {
			ex[t*n+y] = math.Exp(float64(v-mx) / temp)
		}
	}
	norm := func(r []float64) {
		s := 0.0
		for _, v := range r {
			s += v
		}
		if s > 0 {
			for i := range r {
				r[i] /= s
			}
		}
	}
	for y := 0; y < n; y++ {
		alpha[y] = eT[y] * ex[y]
	}
	norm(alpha[:n])
	for t := 1; t < T; t++ {
		for y := 0; y < n; y++ {
			s := 0.0
			for p := 0; p < n; p++ {
				s += alpha[(t-1)*n+p] * eT[(p+1)*n+y]
			}
			alpha[t*n+y] = s * ex[t*n+y]
		}
		norm(alpha[t*n : (t+1)*n])
	}
	for y := 0; y < n; y++ {
		beta[(T-1)*n+y] = 1
	}
	for t := T - 2; t >= 0; t-- {
		for p := 0; p < n; p++ {
			s := 0.0
			for y := 0; y < n; y++ {
				s += eT[(p+1)*n+y] * ex[(t+1)*n+y] * beta[(t+1)*n+y]
			}
			beta[t*n+p] = s
		}
		norm(beta[t*n : (t+1)*n])
	}
	for t := 0; t < T; t++ {
		s := 0.0
		for y := 0; y < n; y++ {
			s += alpha[t*n+y] * beta[t*n+y]
		}
		if s > 0 {
			probs[t] = alpha[t*n+tags[t]] * beta[t*n+tags[t]] / s
		} else {
			probs[t] = 0
		}
	}
}
