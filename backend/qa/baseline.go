package qa

import (
	"context"
	"math"

	"github.com/lab-ia/piaf/backend/frtext"
)

// SlidingWindow is the sliding-window baseline of the SQuAD paper
// (Rajpurkar et al. 2016, section 5): candidates whose sentence, without the
// candidate, has the largest unigram plus bigram overlap with the question
// are kept; among them the best is chosen with the sliding window of
// Richardson et al. (2013) — inverse-count-weighted overlap of the question
// and the candidate with the best window of the passage — minus its
// distance-based term. It needs no training and is the floor the trained
// reader must beat. Candidates are spans of at most MaxTokens tokens inside
// a sentence, not starting or ending with punctuation (the paper used
// parse-tree constituents, which we do not have).
type SlidingWindow struct {
	// MaxTokens is the longest candidate; 0 means DefaultBaselineTokens.
	MaxTokens int
}

// DefaultBaselineTokens is the baseline's longest candidate, chosen on the
// PIAF dev split among 1 to 8 tokens.
const DefaultBaselineTokens = 2

// Answers implements Reader.
func (b SlidingWindow) Answers(ctx context.Context, question, passage string, k int) ([]Span, error) {
	if err := CheckQuestion(question); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	maxTokens := b.MaxTokens
	if maxTokens <= 0 {
		maxTokens = DefaultBaselineTokens
	}
	p := analyzeText(passage)
	q := analyzeText(question)
	n := len(p.toks)
	if n == 0 || k <= 0 {
		return nil, nil
	}
	// IC(w) = log(1 + 1/C(w)), C(w) the count of w in the passage.
	counts := map[string]int{}
	for _, t := range p.toks {
		counts[t.fold]++
	}
	ic := make([]float64, n)
	for i, t := range p.toks {
		ic[i] = math.Log(1 + 1/float64(counts[t.fold]))
	}
	qSet := map[string]bool{}
	for _, t := range q.toks {
		if t.kind != frtext.Punct {
			qSet[t.fold] = true
		}
	}
	cumQ := make([]float64, n+1)
	for i, t := range p.toks {
		cumQ[i+1] = cumQ[i]
		if qSet[t.fold] {
			cumQ[i+1] += ic[i]
		}
	}
	positions := map[string][]int{}
	var qPos []int // positions of question content words in the passage
	for i, t := range p.toks {
		positions[t.fold] = append(positions[t.fold], i)
		if qSet[t.fold] && t.content() {
			qPos = append(qPos, i)
		}
	}
	qGrams := map[[2]string]bool{}
	for x, t := range q.toks {
		if t.kind == frtext.Punct {
			continue
		}
		qGrams[[2]string{t.fold}] = true
		if x+1 < len(q.toks) && q.toks[x+1].kind != frtext.Punct {
			qGrams[[2]string{t.fold, q.toks[x+1].fold}] = true
		}
	}
	// Step 1: keep the candidates with the largest overlap between the
	// question and their sentence without them.
	var kept []span
	bestOverlap := -1
	enumerate(p, maxTokens, nil, func(i, j int) {
		if !isChunk(p, i, j) {
			return
		}
		se := p.sents[p.toks[i].sent]
		seen := map[[2]string]bool{}
		prev := ""
		for x := se.FirstToken; x < se.EndToken; x++ {
			if x >= i && x <= j {
				prev = ""
				continue
			}
			f := p.toks[x].fold
			if p.toks[x].kind == frtext.Punct {
				prev = ""
				continue
			}
			if qGrams[[2]string{f}] {
				seen[[2]string{f}] = true
			}
			if prev != "" && qGrams[[2]string{prev, f}] {
				seen[[2]string{prev, f}] = true
			}
			prev = f
		}
		switch {
		case len(seen) > bestOverlap:
			bestOverlap = len(seen)
			kept = append(kept[:0], span{int32(i), int32(j)})
		case len(seen) == bestOverlap:
			kept = append(kept, span{int32(i), int32(j)})
		}
	})
	// Step 2: sliding window with the distance term.
	var top []scoredSpan
	for _, sp := range kept {
		i, j := int(sp.i), int(sp.j)
		extra := map[string]bool{}
		for x := i; x <= j; x++ {
			if f := p.toks[x].fold; !qSet[f] && p.toks[x].kind != frtext.Punct {
				extra[f] = true
			}
		}
		size := len(qSet) + len(extra)
		var extraPos []int
		for f := range extra {
			extraPos = append(extraPos, positions[f]...)
		}
		best := 0.0
		for start := 0; start < n; start++ {
			end := min(start+size, n)
			s := cumQ[end] - cumQ[start]
			for _, x := range extraPos {
				if x >= start && x < end {
					s += ic[x]
				}
			}
			best = max(best, s)
			if end == n {
				break
			}
		}
		// distance: closest question word to a content word of the span,
		// normalised by the passage length; 1 when either side is empty.
		dist := 1.0
		for x := i; x <= j; x++ {
			if !p.toks[x].content() || qSet[p.toks[x].fold] {
				continue
			}
			for _, y := range qPos {
				d := float64(abs(x-y)) / float64(max(n-1, 1))
				dist = min(dist, d)
			}
		}
		c := scoredSpan{sp, best - dist}
		if len(top) < k || c.score > top[len(top)-1].score {
			top = insertTop(top, c, k)
		}
	}
	out := make([]Span, len(top))
	for x, t := range top {
		text, start, end := spanText(p, t.sp)
		out[x] = Span{Text: text, Start: start, End: end, Score: t.score}
	}
	return out, nil
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// isChunk stands in for the paper's parse-tree constituents: a span of words
// with no punctuation inside that neither starts nor ends with a function
// word.
func isChunk(p *textAnalysis, i, j int) bool {
	for x := i; x <= j; x++ {
		if p.toks[x].kind == frtext.Punct || p.toks[x].kind == frtext.Symbol {
			return false
		}
	}
	return !p.toks[i].stop && !p.toks[j].stop && p.toks[i].kind != frtext.Elision
}
