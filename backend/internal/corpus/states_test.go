package corpus

import (
	"errors"
	"testing"

	"github.com/lab-ia/piaf/backend/internal/apperr"
)

func TestEveryParagraphTransitionAndEveryForbiddenOne(t *testing.T) {
	actions := map[string]bool{}
	allowed := map[[2]string]string{}
	for _, tr := range ParagraphTransitions {
		actions[tr.Action] = true
		allowed[[2]string{tr.From, tr.Action}] = tr.To
	}
	for _, from := range ParagraphStatuses {
		for action := range actions {
			to, err := NextParagraphStatus(from, action)
			if want, ok := allowed[[2]string{from, action}]; ok {
				if err != nil || to != want {
					t.Errorf("%s --%s--> want %s, got %q %v", from, action, want, to, err)
				}
				continue
			}
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Kind != apperr.Conflict || ae.Details["status"] != from {
				t.Errorf("%s --%s--> allowed or badly refused: %q %v", from, action, to, err)
			}
		}
	}
}
