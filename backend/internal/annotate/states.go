package annotate

import (
	"github.com/lab-ia/piaf/backend/internal/apperr"
)

// Actor is who makes an annotation change state.
type Actor string

// The actors of the state machine.
const (
	ActorAuthor    Actor = "author"
	ActorModerator Actor = "moderator"
	ActorSystem    Actor = "system"
)

// StateDraft is an annotation not yet submitted (kept in the browser today;
// the state exists for annotations saved server-side).
const StateDraft = "draft"

// Transition is one allowed change of an annotation's state.
type Transition struct {
	From   string
	Action string
	Actor  Actor
	To     string
}

// Transitions is the annotation state machine, in one place: every change
// of state goes through Next, and anything not listed here is refused.
var Transitions = []Transition{
	{StateDraft, "submit", ActorAuthor, StateSubmitted},
	{StateSubmitted, "accept", ActorModerator, StateAccepted},
	{StateSubmitted, "edit", ActorModerator, StateAccepted},
	{StateSubmitted, "reject", ActorModerator, StateRejected},
	{StateSubmitted, "request_changes", ActorModerator, StateNeedsChanges},
	{StateSubmitted, "auto_accept", ActorSystem, StateAccepted},
	{StateNeedsChanges, "resubmit", ActorAuthor, StateSubmitted},
	{StateNeedsChanges, "reject", ActorModerator, StateRejected},
	{StateAccepted, "reopen", ActorModerator, StateSubmitted},
	{StateAccepted, "edit", ActorModerator, StateAccepted},
	{StateRejected, "reopen", ActorModerator, StateSubmitted},
}

// States lists every annotation state.
var States = []string{StateDraft, StateSubmitted, StateAccepted, StateRejected, StateNeedsChanges}

// ErrInvalidTransition refuses a change the machine does not allow; its
// details carry the current state.
var ErrInvalidTransition = apperr.New(apperr.Conflict, "invalid_transition", "this change is not allowed in the annotation's current state")

// Next returns the state reached by action from state, or an error naming
// the current state.
func Next(from, action string, actor Actor) (string, error) {
	for _, t := range Transitions {
		if t.From == from && t.Action == action && t.Actor == actor {
			return t.To, nil
		}
	}
	return "", ErrInvalidTransition.WithDetails("state", from).WithDetails("action", action)
}
