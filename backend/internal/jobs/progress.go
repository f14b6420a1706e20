package jobs

import (
	"context"
	"sync"
	"time"
)

// flushEvery bounds how often progress is written and published, so that a
// loop calling Add per row costs a few updates per second, not one per row.
const flushEvery = 250 * time.Millisecond

// Progress reports a running job's advance: a stage name, a count out of a
// total, and a message for people.
type Progress struct {
	svc   *Service
	jobID int64

	mu        sync.Mutex
	stage     string
	done      int64
	total     int64
	message   string
	lastFlush time.Time
	dirty     bool
}

// Stage starts a named stage of total units (0 when unknown) and reports
// it at once.
func (p *Progress) Stage(ctx context.Context, name string, total int64) {
	p.mu.Lock()
	p.stage, p.total, p.done, p.dirty = name, total, 0, true
	p.mu.Unlock()
	p.Flush(ctx)
}

// Add advances by n units.
func (p *Progress) Add(ctx context.Context, n int64) {
	p.mu.Lock()
	p.done += n
	p.dirty = true
	due := time.Since(p.lastFlush) >= flushEvery
	p.mu.Unlock()
	if due {
		p.Flush(ctx)
	}
	p.pause(ctx)
}

// Set reports the absolute count.
func (p *Progress) Set(ctx context.Context, done int64) {
	p.mu.Lock()
	p.done = done
	p.dirty = true
	due := time.Since(p.lastFlush) >= flushEvery
	p.mu.Unlock()
	if due {
		p.Flush(ctx)
	}
	p.pause(ctx)
}

// pause waits Options.StepDelay (zero outside test builds), or until the
// job is cancelled.
func (p *Progress) pause(ctx context.Context) {
	if p.svc.stepDelay <= 0 {
		return
	}
	select {
	case <-ctx.Done():
	case <-time.After(p.svc.stepDelay):
	}
}

// Message sets the text shown under the progress bar.
func (p *Progress) Message(ctx context.Context, msg string) {
	p.mu.Lock()
	p.message, p.dirty = msg, true
	p.mu.Unlock()
	p.Flush(ctx)
}

// Flush writes and publishes pending progress now.
func (p *Progress) Flush(ctx context.Context) {
	p.mu.Lock()
	if !p.dirty {
		p.mu.Unlock()
		return
	}
	stage, done, total, msg := p.stage, p.done, p.total, p.message
	p.dirty, p.lastFlush = false, time.Now()
	p.mu.Unlock()
	p.svc.reportProgress(ctx, p.jobID, stage, done, total, msg)
}
