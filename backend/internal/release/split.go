package release

import (
	"crypto/sha256"
	"encoding/binary"
	"math"
	"sort"
	"strconv"
)

// docStats is what split assignment needs to know about a document.
type docStats struct {
	DocumentID  int64
	Questions   int
	MultiAnswer int
}

// assignSplits gives a split to every document of docs that has none in
// existing, and returns the new assignments. Documents already assigned
// keep their split (stability across versions); new ones are placed so
// that each split's share of the release's questions approaches p:
// test first, taking the documents richest in questions with several
// answers (they measure human agreement, what evaluation needs), then
// dev, then train. Ties are broken by a hash of the seed and the document
// id, so the same data and seed always give the same splits.
func assignSplits(docs []docStats, existing map[int64]string, p Proportions, seed int64) map[int64]string {
	total := 0
	have := map[string]int{}
	var fresh []docStats
	for _, d := range docs {
		total += d.Questions
		if s, ok := existing[d.DocumentID]; ok {
			have[s] += d.Questions
		} else {
			fresh = append(fresh, d)
		}
	}
	out := make(map[int64]string, len(fresh))
	if len(fresh) == 0 {
		return out
	}
	want := func(share int, split string) int {
		return int(math.Round(float64(total)*float64(share)/100)) - have[split]
	}
	order := func(d docStats) uint64 {
		h := sha256.Sum256([]byte(strconv.FormatInt(seed, 10) + "/" + strconv.FormatInt(d.DocumentID, 10)))
		return binary.BigEndian.Uint64(h[:8])
	}
	// Test: documents by share of multi-answer questions, then by hash.
	sort.SliceStable(fresh, func(i, j int) bool {
		ri, rj := ratio(fresh[i]), ratio(fresh[j])
		if ri != rj {
			return ri > rj
		}
		return order(fresh[i]) < order(fresh[j])
	})
	rest := fill(fresh, want(p.Test, SplitTest), p.Test, SplitTest, out)
	sort.SliceStable(rest, func(i, j int) bool { return order(rest[i]) < order(rest[j]) })
	rest = fill(rest, want(p.Dev, SplitDev), p.Dev, SplitDev, out)
	for _, d := range rest {
		out[d.DocumentID] = SplitTrain
	}
	return out
}

func ratio(d docStats) float64 {
	if d.Questions == 0 {
		return 0
	}
	return float64(d.MultiAnswer) / float64(d.Questions)
}

// fill gives split to documents of docs, in order, until target questions
// are reached (a document that would overshoot the target by more than it
// fills is skipped: a tiny release keeps its only document in train), and
// returns the documents left.
func fill(docs []docStats, target, share int, split string, out map[int64]string) []docStats {
	if share == 0 || target <= 0 {
		return docs
	}
	var rest []docStats
	got := 0
	for _, d := range docs {
		if got < target && got+d.Questions-target <= target-got {
			out[d.DocumentID] = split
			got += d.Questions
			continue
		}
		rest = append(rest, d)
	}
	return rest
}
