package annotate

import (
	"errors"
	"testing"

	"github.com/lab-ia/piaf/backend/internal/apperr"
)

// TestEveryTransitionAndEveryForbiddenOne walks the whole product of
// states, actions and actors: exactly the listed transitions succeed, and
// every refusal is a conflict naming the current state.
func TestEveryTransitionAndEveryForbiddenOne(t *testing.T) {
	actions := map[string]bool{}
	allowed := map[[3]string]string{}
	for _, tr := range Transitions {
		actions[tr.Action] = true
		allowed[[3]string{tr.From, tr.Action, string(tr.Actor)}] = tr.To
	}
	checked := 0
	for _, from := range States {
		for action := range actions {
			for _, actor := range []Actor{ActorAuthor, ActorModerator, ActorSystem} {
				to, err := Next(from, action, actor)
				want, ok := allowed[[3]string{from, action, string(actor)}]
				if ok {
					if err != nil || to != want {
						t.Errorf("%s --%s by %s--> want %s, got %q %v", from, action, actor, want, to, err)
					}
				} else {
					var ae *apperr.Error
					if !errors.As(err, &ae) || ae.Kind != apperr.Conflict || ae.Details["state"] != from {
						t.Errorf("%s --%s by %s--> allowed or badly refused: %q %v", from, action, actor, to, err)
					}
				}
				checked++
			}
		}
	}
	if want := len(States) * len(actions) * 3; checked != want || len(allowed) != len(Transitions) {
		t.Fatalf("checked %d of %d combinations; %d distinct transitions for %d listed", checked, want, len(allowed), len(Transitions))
	}
}
