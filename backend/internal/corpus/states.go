package corpus

import "github.com/lab-ia/piaf/backend/internal/apperr"

// ParagraphTransition is one allowed change of a paragraph's status.
type ParagraphTransition struct {
	From, Action, To string
}

// ParagraphTransitions is the paragraph state machine: contributors fill
// paragraphs (open → done) or report them (open → reported); moderators
// dismiss a report (back to open) or exclude the paragraph, and may bring
// an excluded one back.
var ParagraphTransitions = []ParagraphTransition{
	{ParagraphOpen, "complete", ParagraphDone},
	{ParagraphOpen, "report", ParagraphReported},
	{ParagraphDone, "report", ParagraphReported},
	{ParagraphReported, "dismiss", ParagraphOpen},
	{ParagraphReported, "exclude", ParagraphExcluded},
	{ParagraphOpen, "exclude", ParagraphExcluded},
	{ParagraphExcluded, "restore", ParagraphOpen},
}

// ParagraphStatuses lists every paragraph status.
var ParagraphStatuses = []string{ParagraphOpen, ParagraphDone, ParagraphReported, ParagraphExcluded}

// ErrParagraphTransition refuses a status change; details carry the status.
var ErrParagraphTransition = apperr.New(apperr.Conflict, "invalid_transition", "this change is not allowed in the paragraph's current status")

// NextParagraphStatus returns the status reached by action.
func NextParagraphStatus(from, action string) (string, error) {
	for _, t := range ParagraphTransitions {
		if t.From == from && t.Action == action {
			return t.To, nil
		}
	}
	return "", ErrParagraphTransition.WithDetails("status", from).WithDetails("action", action)
}
