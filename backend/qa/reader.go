package qa

import "context"

// Span is an answer found by a reader in one passage.
type Span struct {
	// Text is the answer as written in the passage.
	Text string `json:"text"`
	// Start is the code-point offset of the answer in the passage.
	Start int `json:"start"`
	// End is the code-point offset just after the answer (exclusive).
	End int `json:"end"`
	// Score ranks answers: higher is better. For the trained reader it is
	// the log-linear score, comparable across passages for one question,
	// which lets the Engine merge answers from several passages.
	Score float64 `json:"score"`
}

// Reader finds answers to a question in a passage. The trained feature-based
// model implements it; another reader (a transformer served elsewhere, say)
// can be plugged into the Engine and the evaluation through it.
type Reader interface {
	// Answers returns at most k answers found in the passage, best first.
	// It returns an error wrapping ErrEmptyQuestion or ErrQuestionTooLong
	// for an unusable question, and ctx's error when cancelled.
	Answers(ctx context.Context, question, passage string, k int) ([]Span, error)
}
