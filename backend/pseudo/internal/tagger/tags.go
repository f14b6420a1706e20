// Package tagger is the statistical sequence tagger of the pseudonymisation
// engine: an averaged structured perceptron over BIO tags with a
// first-order Viterbi decoder, feature hashing, per-source feature copies
// (shared weights plus one copy per training corpus, only the shared ones
// kept), and forward-backward marginals for confidence scores.
package tagger

// TagSet lists the BIO tags of a label set: tag 0 is O, tag 2k+1 is B-label
// k, tag 2k+2 is I-label k.
type TagSet struct {
	Labels []string
}

// N returns the number of tags.
func (ts TagSet) N() int { return 1 + 2*len(ts.Labels) }

// Begin returns the B tag of label k.
func Begin(k int) int { return 2*k + 1 }

// Inside returns the I tag of label k.
func Inside(k int) int { return 2*k + 2 }

// LabelOf returns the label index of a tag, -1 for O.
func LabelOf(tag int) int {
	if tag == 0 {
		return -1
	}
	return (tag - 1) / 2
}

// IsInside reports whether a tag is an I tag.
func IsInside(tag int) bool { return tag > 0 && tag%2 == 0 }

// Allowed reports whether cur may follow prev (prev = -1 at the start of a
// sequence): an I tag only continues a B or I of the same label.
func Allowed(prev, cur int) bool {
	if !IsInside(cur) {
		return true
	}
	return prev >= 0 && LabelOf(prev) == LabelOf(cur)
}

// SpanOf is a labelled range of token indices [From, To).
type SpanOf struct {
	From, To int
	Label    int
}

// Spans decodes a tag sequence into spans.
func Spans(tags []int) []SpanOf {
	var out []SpanOf
	for i := 0; i < len(tags); i++ {
		t := tags[i]
		if t == 0 {
			continue
		}
		l := LabelOf(t)
		j := i + 1
		for j < len(tags) && IsInside(tags[j]) && LabelOf(tags[j]) == l {
			j++
		}
		out = append(out, SpanOf{From: i, To: j, Label: l})
		i = j - 1
	}
	return out
}
