// Package jobstest provides a job kind for tests of the job system and the
// live feed: it counts slowly, can fail its first attempts, and honours
// cancellation.
package jobstest

import (
	"context"
	"errors"
	"time"

	"github.com/lab-ia/piaf/backend/internal/jobs"
)

// Kind is the test job's kind.
const Kind = "test.counter"

// Params configures a run.
type Params struct {
	Count     int  `json:"count"`
	DelayMS   int  `json:"delay_ms"`
	FailTimes int  `json:"fail_times"`
	Permanent bool `json:"permanent"`
}

// Counter is the job kind.
type Counter struct{}

// Kind names it.
func (Counter) Kind() string { return Kind }

// Timeout is short: tests wait on it.
func (Counter) Timeout() time.Duration { return 20 * time.Second }

// MaxAttempts allows a few failing attempts.
func (Counter) MaxAttempts() int { return 4 }

// Run counts to Count, one step per DelayMS.
func (Counter) Run(ctx context.Context, j *jobs.Job, p *jobs.Progress) (any, error) {
	var params Params
	if err := j.DecodeParams(&params); err != nil {
		return nil, jobs.Permanent(err)
	}
	if params.Permanent {
		return nil, jobs.Permanent(errors.New("the input can never work"))
	}
	if j.Attempt <= params.FailTimes {
		return nil, errors.New("failing on purpose")
	}
	p.Stage(ctx, "counting", int64(params.Count))
	for i := 0; i < params.Count; i++ {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Duration(params.DelayMS) * time.Millisecond):
		}
		p.Add(ctx, 1)
	}
	return map[string]any{"counted": params.Count, "node": j.Node}, nil
}
