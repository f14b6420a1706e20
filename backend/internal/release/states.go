package release

import "github.com/lab-ia/piaf/backend/internal/apperr"

// Transition is one allowed change of a release's status. To is empty when
// the action removes the release.
type Transition struct {
	From   Status
	Action string
	To     Status
}

// Release actions.
const (
	ActionBuilt   = "built"   // the job wrote every file
	ActionAbandon = "abandon" // the job failed or was cancelled: no half release remains
	ActionEdit    = "edit"    // title, changelog, visibility, limitations
	ActionPublish = "publish" // frozen for good and listed in the catalogue
	ActionDelete  = "delete"  // an administrator discards a draft
)

// Transitions is the release state machine. Nothing leaves published: a
// published release never changes and is never deleted.
var Transitions = []Transition{
	{StatusBuilding, ActionBuilt, StatusDraft},
	{StatusBuilding, ActionAbandon, ""},
	{StatusDraft, ActionEdit, StatusDraft},
	{StatusDraft, ActionPublish, StatusPublished},
	{StatusDraft, ActionDelete, ""},
}

// Next returns the status reached by action from from.
func Next(from Status, action string) (Status, error) {
	for _, t := range Transitions {
		if t.From == from && t.Action == action {
			return t.To, nil
		}
	}
	switch from {
	case StatusPublished:
		return "", ErrImmutable.WithDetails("status", from).WithDetails("action", action)
	case StatusBuilding:
		return "", ErrStillBuilding.WithDetails("action", action)
	}
	return "", apperr.New(apperr.Conflict, "invalid_transition", "this change is not allowed in the release's current status").
		WithDetails("status", from).WithDetails("action", action)
}
