// Package jobs runs PIAF's long operations (imports, exports, releases,
// training, batch pseudonymisation) as durable background jobs on River:
// they survive restarts, are retried where safe, can be cancelled, and
// report their progress live on the topic job:{id}.
package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// State is a job's place in its life cycle.
type State string

// The job states users see. River's own states are richer; these are what
// matters to a person waiting for a result.
const (
	StateQueued    State = "queued"
	StateRunning   State = "running"
	StateSucceeded State = "succeeded"
	StateFailed    State = "failed"
	StateCancelled State = "cancelled"
)

// Terminal reports whether the job will not change any more.
func (s State) Terminal() bool {
	return s == StateSucceeded || s == StateFailed || s == StateCancelled
}

// Job is a long operation as stored.
type Job struct {
	ID                int64 `gorm:"primaryKey"`
	Kind              string
	State             State
	OwnerID           *int64
	CampaignID        *int64
	Params            string
	Result            string
	Error             string
	Stage             string
	Done              int64
	Total             int64
	Message           string
	Attempt           int
	Node              string
	RiverJobID        *int64
	CancelRequestedAt *time.Time
	CreatedAt         time.Time
	StartedAt         *time.Time
	FinishedAt        *time.Time
	UpdatedAt         time.Time
}

// DecodeParams reads the job's parameters into v.
func (j *Job) DecodeParams(v any) error { return json.Unmarshal([]byte(j.Params), v) }

// Handler runs one kind of job. Run must be idempotent: a job killed with
// its node is run again from the start (or resumes from what it stored).
// It reports progress through p and returns a result shown to the user.
type Handler interface {
	Kind() string
	Run(ctx context.Context, j *Job, p *Progress) (result any, err error)
}

// Limited is implemented by handlers that need another timeout or number
// of attempts than the defaults (30 minutes, 3 attempts).
type Limited interface {
	Timeout() time.Duration
	MaxAttempts() int
}

// Finisher is implemented by handlers that must react once a job has
// ended for good: a release build that failed or was cancelled removes its
// half-built release. Finished runs once, after the terminal state is
// recorded, on the node that recorded it (or the one that cancelled a
// queued job).
type Finisher interface {
	Finished(ctx context.Context, j *Job, state State)
}

// PermanentError marks a failure that retrying cannot fix (a malformed
// file, a campaign deleted meanwhile); the job fails at once.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent wraps err so the job is not retried.
func Permanent(err error) error { return &PermanentError{Err: err} }

func isPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}

const (
	defaultTimeout     = 30 * time.Minute
	defaultMaxAttempts = 3
)

func limits(h Handler) (time.Duration, int) {
	if l, ok := h.(Limited); ok {
		return l.Timeout(), l.MaxAttempts()
	}
	return defaultTimeout, defaultMaxAttempts
}
