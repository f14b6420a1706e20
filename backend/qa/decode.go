package qa

import (
	"math"
	"sort"
)

// scorer scores candidate spans of one (question, passage) pair.
type scorer struct {
	m   *Model
	ctx *spanContext
	buf featVec
}

func (m *Model) newScorer(q *questionAnalysis, p *textAnalysis) *scorer {
	return &scorer{m: m, ctx: newSpanContext(q, p, m.params.Features, m.idf, m.vectors), buf: featVec{mask: uint64(len(m.weights) - 1)}}
}

func (s *scorer) score(i, j int) float64 {
	s.buf.reset()
	s.ctx.features(&s.buf, i, j)
	var sum float32
	w := s.m.weights
	for k, idx := range s.buf.idx {
		sum += w[idx] * s.buf.val[k]
	}
	return float64(sum)
}

// scoreAll calls fn with every candidate span and its score. The joint
// model scores a span with all its features; the two-stage model gives
// log P(sentence) + log P(span | sentence), each a softmax of its own
// features.
func (s *scorer) scoreAll(fn func(i, j int, score float64)) {
	sents := s.searchSentences()
	if !s.m.params.TwoStage {
		enumerate(s.ctx.p, s.m.params.MaxAnswerTokens, sents, func(i, j int) { fn(i, j, s.score(i, j)) })
		return
	}
	if sents == nil {
		sents = make([]int, len(s.ctx.p.sents))
		for x := range sents {
			sents[x] = x
		}
	}
	sentScores := make([]float64, len(sents))
	for x, sent := range sents {
		sentScores[x] = s.sentenceScore(sent)
	}
	lse := logSumExp(sentScores)
	var spans []scoredSpan
	for x, sent := range sents {
		spans = spans[:0]
		enumerate(s.ctx.p, s.m.params.MaxAnswerTokens, []int{sent}, func(i, j int) {
			spans = append(spans, scoredSpan{span{int32(i), int32(j)}, s.spanScore(i, j)})
		})
		if len(spans) == 0 {
			continue
		}
		spanLSE := math.Inf(-1)
		for _, sp := range spans {
			spanLSE = logAddExp(spanLSE, sp.score)
		}
		base := sentScores[x] - lse - spanLSE
		for _, sp := range spans {
			fn(int(sp.sp.i), int(sp.sp.j), base+sp.score)
		}
	}
}

func (s *scorer) dotBuf() float64 {
	var sum float32
	w := s.m.weights
	for k, idx := range s.buf.idx {
		sum += w[idx] * s.buf.val[k]
	}
	return float64(sum)
}

// sentenceScore is the two-stage model's sentence score.
func (s *scorer) sentenceScore(sent int) float64 {
	s.buf.reset()
	s.ctx.sentenceFeatures(&s.buf, sent)
	return s.dotBuf()
}

// spanScore is the two-stage model's score of a span within its sentence.
func (s *scorer) spanScore(i, j int) float64 {
	s.buf.reset()
	s.ctx.spanFeatures(&s.buf, i, j)
	return s.dotBuf()
}

func logAddExp(a, b float64) float64 {
	if math.IsInf(a, -1) {
		return b
	}
	if a < b {
		a, b = b, a
	}
	return a + math.Log1p(math.Exp(b-a))
}

// searchSentences picks the sentences to search: all of them, or for long
// passages the MaxSentences best by question-word overlap.
func (s *scorer) searchSentences() []int {
	n := len(s.ctx.p.sents)
	limit := s.m.params.MaxSentences
	if limit <= 0 || n <= limit {
		return nil
	}
	out := make([]int, 0, limit)
	for sent, r := range s.ctx.m.sentRank {
		if r < limit {
			out = append(out, sent)
		}
	}
	sort.Ints(out)
	return out
}

// scoredSpan is a candidate with its score.
type scoredSpan struct {
	sp    span
	score float64
}

// best returns the k best spans, best first, without overlapping
// duplicates of the same answer.
func (s *scorer) best(k int) []scoredSpan {
	var top []scoredSpan
	s.scoreAll(func(i, j int, sc float64) {
		if len(top) < k || sc > top[len(top)-1].score {
			top = insertTop(top, scoredSpan{span{int32(i), int32(j)}, sc}, k)
		}
	})
	return top
}

// decodeMBR returns the k spans with the highest expected token F1 against
// the pool of the best-scoring spans, weighted by their probabilities: F1
// gives credit to overlapping answers, so a span that agrees with several
// likely ones beats a slightly likelier isolated one. Scores are the log of
// the expected-F1-weighted probability mass, comparable across passages.
func (s *scorer) decodeMBR(k, pool int) []scoredSpan {
	var cands []scoredSpan // sorted by score, overlaps allowed
	s.scoreAll(func(i, j int, sc float64) {
		if len(cands) == pool && sc <= cands[pool-1].score {
			return
		}
		c := scoredSpan{span{int32(i), int32(j)}, sc}
		pos := sort.Search(len(cands), func(x int) bool { return cands[x].score < sc })
		if len(cands) < pool {
			cands = append(cands, scoredSpan{})
		}
		copy(cands[pos+1:], cands[pos:])
		cands[pos] = c
	})
	if len(cands) == 0 {
		return nil
	}
	probs := make([]float64, len(cands))
	for x, c := range cands {
		probs[x] = c.score
	}
	logZ := logSumExp(probs)
	for x := range probs {
		probs[x] = math.Exp(probs[x] - logZ)
	}
	type mbr struct {
		c  scoredSpan
		ef float64
	}
	ranked := make([]mbr, len(cands))
	for x, c := range cands {
		var ef float64
		for y, d := range cands {
			ef += probs[y] * spanTokenF1(c.sp, d.sp)
		}
		ranked[x] = mbr{c, ef}
	}
	sort.SliceStable(ranked, func(a, b int) bool { return ranked[a].ef > ranked[b].ef })
	var out []scoredSpan
	for _, r := range ranked {
		overlaps := false
		for _, o := range out {
			if o.sp.i <= r.c.sp.j && r.c.sp.i <= o.sp.j {
				overlaps = true
				break
			}
		}
		if overlaps {
			continue
		}
		out = append(out, scoredSpan{r.c.sp, logZ + math.Log(math.Max(r.ef, 1e-12))})
		if len(out) == k {
			break
		}
	}
	return out
}

func logSumExp(xs []float64) float64 {
	mx := math.Inf(-1)
	for _, x := range xs {
		mx = math.Max(mx, x)
	}
	var z float64
	for _, x := range xs {
		z += math.Exp(x - mx)
	}
	return mx + math.Log(z)
}

// spanTokenF1 is the token-level F1 between two spans, a cheap stand-in for
// the answer F1 of their texts.
func spanTokenF1(a, b span) float64 {
	overlap := min(a.j, b.j) - max(a.i, b.i) + 1
	if overlap <= 0 {
		return 0
	}
	p := float64(overlap) / float64(a.j-a.i+1)
	r := float64(overlap) / float64(b.j-b.i+1)
	return 2 * p * r / (p + r)
}

// insertTop inserts c into the sorted list, dropping spans that overlap a
// better one, and keeps at most k.
func insertTop(top []scoredSpan, c scoredSpan, k int) []scoredSpan {
	for _, t := range top {
		if t.score >= c.score && t.sp.i <= c.sp.j && c.sp.i <= t.sp.j {
			return top // a better overlapping answer is already there
		}
	}
	kept := top[:0]
	for _, t := range top {
		if !(t.score < c.score && t.sp.i <= c.sp.j && c.sp.i <= t.sp.j) {
			kept = append(kept, t)
		}
	}
	pos := sort.Search(len(kept), func(x int) bool { return kept[x].score < c.score })
	kept = append(kept, scoredSpan{})
	copy(kept[pos+1:], kept[pos:])
	kept[pos] = c
	if len(kept) > k {
		kept = kept[:k]
	}
	return kept
}

// softmaxInPlace turns scores into probabilities; used in training.
func softmaxInPlace(xs []float64) {
	mx := math.Inf(-1)
	for _, x := range xs {
		if x > mx {
			mx = x
		}
	}
	var z float64
	for i, x := range xs {
		xs[i] = math.Exp(x - mx)
		z += xs[i]
	}
	for i := range xs {
		xs[i] /= z
	}
}
