package qa

import (
	"sort"

	"github.com/lab-ia/piaf/backend/frtext"
)

// prefixMatchWeight discounts a match on the first letters only, which is
// right for derived words ("construction", "construit") but sometimes wrong.
const prefixMatchWeight = 0.7

// matchInfo records where the question's content words occur in a passage:
// the evidence around which the answer is looked for.
type matchInfo struct {
	// idf[i] is the weight of the question word matched by passage token i
	// (same stem), 0 when it matches none.
	idf []float32
	// exact[i] tells that the match is on the folded form, not only the stem.
	exact []bool
	// cum, cumBefore and cumAfter are prefix sums (length n+1) of idf, of
	// the idf of words before the interrogative word, and after it.
	cum, cumBefore, cumAfter []float32
	// prevMatch[i] is the largest k < i in the same sentence with a match,
	// -1 if none; nextMatch[i] the smallest k > i, -1 if none.
	prevMatch, nextMatch []int
	// sentScore is the share of the question's weight found in each
	// sentence (distinct words); sentRank ranks sentences by it (0 best).
	sentScore []float32
	sentCover []float32
	// sentBigram is the share of the question's word pairs (consecutive
	// stems, one at least a content word) found in each sentence.
	sentBigram []float32
	// sentKind[k][s] is the share of the question's words of kind k
	// (names, numbers) found in sentence s; qKinds counts them.
	sentKind [numWordKinds][]float32
	qKinds   [numWordKinds]int
	sentRank []int
	// positions maps a stem hash to its token positions in the passage.
	positions map[uint64][]int
}

// matchQuestion aligns the question's content words with the passage.
func matchQuestion(q *questionAnalysis, p *textAnalysis) *matchInfo {
	n := len(p.toks)
	m := &matchInfo{
		idf: make([]float32, n), exact: make([]bool, n),
		cum: make([]float32, n+1), cumBefore: make([]float32, n+1), cumAfter: make([]float32, n+1),
		prevMatch: make([]int, n), nextMatch: make([]int, n),
		sentScore: make([]float32, len(p.sents)), sentCover: make([]float32, len(p.sents)), sentRank: make([]int, len(p.sents)),
		sentBigram: make([]float32, len(p.sents)),
		positions:  p.positions,
	}
	byStem := make(map[uint64]int, len(q.content))
	byPrefix := make(map[uint64]int, len(q.content))
	for k, w := range q.content {
		byStem[w.stemID] = k
		for _, part := range w.parts {
			if _, ok := byStem[part]; !ok {
				byStem[part] = k
			}
		}
		if w.prefix != 0 {
			byPrefix[w.prefix] = k
		}
	}
	for k := range m.sentKind {
		m.sentKind[k] = make([]float32, len(p.sents))
	}
	for _, w := range q.content {
		m.qKinds[w.kind]++
	}
	seenInSent := make([]int, len(q.content))
	for k := range seenInSent {
		seenInSent[k] = -1
	}
	for i := range p.toks {
		t := &p.toks[i]
		var before, after float32
		k, weight := -1, float32(0)
		if t.content() {
			if x, ok := byStem[t.stemID]; ok {
				k, weight = x, 1
			} else if x, ok := byPrefix[t.prefix]; ok && t.prefix != 0 {
				k, weight = x, prefixMatchWeight
			} else {
				for _, part := range t.parts {
					if x, ok := byStem[part]; ok {
						k, weight = x, 1
						break
					}
				}
			}
		}
		if k >= 0 {
			w := q.content[k]
			m.idf[i] = w.idf * weight
			m.exact[i] = w.foldID == t.foldID
			if w.beforeWh {
				before = m.idf[i]
			} else {
				after = m.idf[i]
			}
			if seenInSent[k] != t.sent {
				seenInSent[k] = t.sent
				m.sentScore[t.sent] += m.idf[i]
				m.sentCover[t.sent]++
				m.sentKind[w.kind][t.sent]++
			}
		}
		m.cum[i+1] = m.cum[i] + m.idf[i]
		m.cumBefore[i+1] = m.cumBefore[i] + before
		m.cumAfter[i+1] = m.cumAfter[i] + after
	}
	for k := range m.sentKind {
		if m.qKinds[k] > 0 {
			for s := range m.sentKind[k] {
				m.sentKind[k][s] /= float32(m.qKinds[k])
			}
		}
	}
	if q.totalIDF > 0 {
		for s := range m.sentScore {
			m.sentScore[s] /= q.totalIDF
			m.sentCover[s] /= float32(len(q.content))
		}
	}
	bigrams := questionBigrams(q)
	if len(bigrams) > 0 {
		for i := 1; i < n; i++ {
			a, b := &p.toks[i-1], &p.toks[i]
			if a.sent == b.sent && bigrams[[2]uint64{a.stemID, b.stemID}] {
				m.sentBigram[b.sent] += 1 / float32(len(bigrams))
			}
		}
	}
	order := make([]int, len(p.sents))
	for s := range order {
		order[s] = s
	}
	sort.SliceStable(order, func(a, b int) bool { return m.sentScore[order[a]] > m.sentScore[order[b]] })
	for r, s := range order {
		m.sentRank[s] = r
	}
	last := -1
	for i := range p.toks {
		if last >= 0 && p.toks[last].sent != p.toks[i].sent {
			last = -1
		}
		m.prevMatch[i] = last
		if m.idf[i] > 0 {
			last = i
		}
	}
	last = -1
	for i := n - 1; i >= 0; i-- {
		if last >= 0 && p.toks[last].sent != p.toks[i].sent {
			last = -1
		}
		m.nextMatch[i] = last
		if m.idf[i] > 0 {
			last = i
		}
	}
	return m
}

// window sums a prefix-summed weight over tokens [from, to), clipped to
// [lo, hi).
func window(cum []float32, from, to, lo, hi int) float32 {
	if from < lo {
		from = lo
	}
	if to > hi {
		to = hi
	}
	if to <= from {
		return 0
	}
	return cum[to] - cum[from]
}

// anyAt reports whether the stem occurs in [from, to).
func (m *matchInfo) anyAt(stem uint64, from, to int) bool {
	if stem == 0 {
		return false
	}
	for _, i := range m.positions[stem] {
		if i >= from && i < to {
			return true
		}
	}
	return false
}

// questionBigrams lists the pairs of consecutive question stems that hold at
// least one content word: a phrase copied from the passage.
func questionBigrams(q *questionAnalysis) map[[2]uint64]bool {
	out := map[[2]uint64]bool{}
	toks := q.text.toks
	for i := 1; i < len(toks); i++ {
		a, b := &toks[i-1], &toks[i]
		if a.kind == frtext.Punct || b.kind == frtext.Punct || (!a.content() && !b.content()) {
			continue
		}
		out[[2]uint64{a.stemID, b.stemID}] = true
	}
	return out
}
