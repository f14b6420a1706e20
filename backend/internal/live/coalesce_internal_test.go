package live

import (
	"testing"
	"time"
)

// A costly round is followed by a longer pause, so that a coalescer never
// spends more than a tenth of its time computing.
func TestCoalescerPausesLongerAfterACostlyRound(t *testing.T) {
	c := &Coalescer{interval: 500 * time.Millisecond}
	for _, tc := range []struct{ busy, want time.Duration }{
		{0, 500 * time.Millisecond},
		{20 * time.Millisecond, 500 * time.Millisecond},
		{100 * time.Millisecond, 900 * time.Millisecond},
		{466 * time.Millisecond, 4194 * time.Millisecond},
	} {
		if got := c.pause(tc.busy); got != tc.want {
			t.Errorf("after a round of %v: pause %v, want %v", tc.busy, got, tc.want)
		}
	}
}
