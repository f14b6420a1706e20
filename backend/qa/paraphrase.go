package qa

import (
	"math/rand/v2"
	"sort"
)

// paraphraseTable holds what training questions teach about paraphrases:
// for a question word absent from the answer's sentence ("s'achève"), how
// much more likely a passage word ("termine") is to stand in the answer's
// sentence than elsewhere in the passage. It complements the word vectors,
// which the small corpus makes weak, with supervised evidence.
type paraphraseTable struct {
	// lift maps mix(question stem, passage stem) to the gain in probability
	// of being in the answer's sentence.
	lift map[uint64]float32
}

// Paraphrase learning settings: a pair needs this many questions to count,
// and this much lift; the prior strength shrinks rare pairs.
const (
	paraMinCount = 2
	paraMinLift  = 0.15
	paraPrior    = 3.0
)

func (t *paraphraseTable) get(q, p uint64) float32 {
	if t == nil {
		return 0
	}
	return t.lift[mix(q, p)]
}

// learnParaphrases counts, over training questions, the passage words found
// in the gold sentence versus anywhere in the passage, for each question
// word the gold sentence lacks.
func learnParaphrases(items []trainItem) *paraphraseTable {
	type counts struct{ inGold, total int32 }
	pairs := map[uint64]counts{}
	var goldWords, allWords float64
	for x := range items {
		it := &items[x]
		gold := map[int]bool{}
		for _, g := range it.gold {
			gold[it.p.toks[g.i].sent] = true
		}
		inGold := map[uint64]bool{}
		inPassage := map[uint64]bool{}
		qStems := map[uint64]bool{}
		for _, w := range it.q.content {
			qStems[w.stemID] = true
		}
		for _, t := range it.p.toks {
			if !t.content() || qStems[t.stemID] {
				continue
			}
			inPassage[t.stemID] = true
			if gold[t.sent] {
				inGold[t.stemID] = true
			}
		}
		goldWords += float64(len(inGold))
		allWords += float64(len(inPassage))
		for _, w := range it.q.content {
			matched := false
			for _, i := range it.p.positions[w.stemID] {
				if gold[it.p.toks[i].sent] {
					matched = true
					break
				}
			}
			if matched {
				continue
			}
			for b := range inPassage {
				k := mix(w.stemID, b)
				c := pairs[k]
				c.total++
				if inGold[b] {
					c.inGold++
				}
				pairs[k] = c
			}
		}
	}
	t := &paraphraseTable{lift: map[uint64]float32{}}
	if allWords == 0 {
		return t
	}
	base := goldWords / allWords
	for k, c := range pairs {
		if c.inGold < paraMinCount {
			continue
		}
		p := (float64(c.inGold) + paraPrior*base) / (float64(c.total) + paraPrior)
		if lift := p - base; lift >= paraMinLift {
			t.lift[k] = float32(lift)
		}
	}
	return t
}

// crossFitParaphrases gives each training item a table learnt on the other
// half of the items, so that the learner sees the feature as noisy as it
// will be on new questions, and returns the table learnt on all of them for
// the model.
func crossFitParaphrases(items []trainItem, seed uint64) (full *paraphraseTable, perItem []*paraphraseTable) {
	order := rand.New(rand.NewPCG(seed, 0xfa11)).Perm(len(items))
	half := make([]bool, len(items))
	for r, x := range order {
		half[x] = r%2 == 0
	}
	var a, b []trainItem
	for x, it := range items {
		if half[x] {
			a = append(a, it)
		} else {
			b = append(b, it)
		}
	}
	ta, tb := learnParaphrases(a), learnParaphrases(b)
	perItem = make([]*paraphraseTable, len(items))
	for x := range items {
		if half[x] {
			perItem[x] = tb
		} else {
			perItem[x] = ta
		}
	}
	return learnParaphrases(items), perItem
}

// sortedKeys lists the table's keys in order, for a deterministic file.
func (t *paraphraseTable) sortedKeys() []uint64 {
	keys := make([]uint64, 0, len(t.lift))
	for k := range t.lift {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(a, b int) bool { return keys[a] < keys[b] })
	return keys
}
