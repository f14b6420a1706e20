// Package review is moderation and data quality: review queues with
// claims, decisions through the annotation state machine, revisions (every
// change is an event, never an overwrite), inter-annotator agreement, gold
// questions, a Bayesian trust score per contributor that routes their work,
// automatic flags, and suspension.
package review

import (
	"hash/fnv"
	"strings"
	"unicode"

	"github.com/lab-ia/piaf/backend/internal/annotate"
)

// Trust is a contributor's estimated probability of doing good work: the
// mean of a Beta posterior whose prior (2, 2) is neutral, updated by
// accepted and rejected questions and, twice as heavily, by gold answers.
// A newcomer starts at 0.5; twenty accepted questions and no rejection
// give 0.92.
func Trust(accepted, rejected, goldRight, goldWrong int64) float64 {
	const alpha, beta, goldWeight = 2.0, 2.0, 2.0
	s := float64(accepted) + goldWeight*float64(goldRight)
	f := float64(rejected) + goldWeight*float64(goldWrong)
	return (s + alpha) / (s + f + alpha + beta)
}

// Routing thresholds: below LowTrust every submission is reviewed (and
// flagged in the queue); at HighTrust and above only a sample is.
const (
	LowTrust  = 0.6
	HighTrust = 0.85
)

// TrustBand names the trust level for filters.
func TrustBand(t float64) string {
	switch {
	case t < LowTrust:
		return "low"
	case t >= HighTrust:
		return "high"
	}
	return "medium"
}

// sampled picks, deterministically, share percent of a trusted
// contributor's questions for review: by a hash of the paragraph, the
// author and the question's place in the submission, known before the
// question is written.
func sampled(paragraphID, authorID int64, n, share int) bool {
	h := fnv.New32a()
	var b [20]byte
	for i := 0; i < 8; i++ {
		b[i] = byte(paragraphID >> (8 * i))
		b[8+i] = byte(authorID >> (8 * i))
	}
	for i := 0; i < 4; i++ {
		b[16+i] = byte(n >> (8 * i))
	}
	_, _ = h.Write([]byte("review-sample"))
	_, _ = h.Write(b[:])
	return int(h.Sum32()%100) < share
}

// Flag names.
const (
	FlagShort         = "short_question"
	FlagCopy          = "copies_text"
	FlagBurst         = "burst"
	FlagNearDuplicate = "near_duplicate"
)

// BurstLimit is how many questions a contributor may submit within a
// minute before their work is flagged as a burst.
const BurstLimit = 50

func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// QuestionKey folds a question for near-duplicate detection: lower case,
// letters and digits only, so that punctuation and spacing variants meet.
func QuestionKey(q string) string { return annotate.FoldQuestion(q) }

// CopiesText reports whether most of a question's words (70 %, at least
// four) appear in a row in the paragraph.
func CopiesText(question, paragraph string) bool {
	q, p := words(question), words(paragraph)
	if len(q) < 4 {
		return false
	}
	best := 0
	for i := range p {
		for j := range q {
			k := 0
			for i+k < len(p) && j+k < len(q) && p[i+k] == q[j+k] {
				k++
			}
			best = max(best, k)
		}
	}
	return best >= 4 && float64(best)/float64(len(q)) >= 0.7
}

// IsShort reports a question of fewer than four words.
func IsShort(question string) bool { return len(words(question)) < 4 }
