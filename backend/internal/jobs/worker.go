package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// worker runs PIAF jobs for River.
type worker struct {
	river.WorkerDefaults[riverArgs]
	svc *Service
}

// Timeout is the handler's own limit.
func (w *worker) Timeout(job *river.Job[riverArgs]) time.Duration {
	if h, ok := w.svc.handlers[job.Args.JobKind]; ok {
		t, _ := limits(h)
		return t
	}
	return defaultTimeout
}

// Work runs one attempt of a job and records its outcome. It is safe to
// run twice (a rescued job): a finished job is left as it is.
func (w *worker) Work(ctx context.Context, rj *river.Job[riverArgs]) error {
	s := w.svc
	j, err := s.store.get(ctx, rj.Args.JobID)
	if errors.Is(err, ErrJobNotFound) {
		return river.JobCancel(fmt.Errorf("job %d no longer exists", rj.Args.JobID))
	}
	if err != nil {
		return err
	}
	if j.State.Terminal() {
		return nil
	}
	if j.CancelRequestedAt != nil {
		s.finish(ctx, j, StateCancelled, nil, "")
		return river.JobCancel(errors.New("cancelled"))
	}
	h, ok := s.handlers[j.Kind]
	if !ok {
		s.finish(ctx, j, StateFailed, nil, "this server does not know the job kind "+j.Kind)
		return river.JobCancel(fmt.Errorf("unknown job kind %q", j.Kind))
	}
	now := time.Now().UTC()
	if err := s.store.update(ctx, j.ID, map[string]any{"state": StateRunning, "attempt": rj.Attempt, "node": s.node,
		"started_at": now, "error": ""}); err != nil {
		return err
	}
	j.State, j.Attempt, j.Node, j.StartedAt, j.Error = StateRunning, rj.Attempt, s.node, &now, ""
	s.publish(ctx, j)

	p := &Progress{svc: s, jobID: j.ID}
	result, runErr := h.Run(ctx, j, p)
	p.Flush(context.WithoutCancel(ctx))
	s.metrics.duration.WithLabelValues(j.Kind).Observe(time.Since(now).Seconds())

	if runErr == nil {
		s.finish(ctx, j, StateSucceeded, result, "")
		return nil
	}
	latest, gerr := s.store.get(context.WithoutCancel(ctx), j.ID)
	if gerr == nil && latest.CancelRequestedAt != nil {
		s.finish(ctx, j, StateCancelled, nil, "")
		return river.JobCancel(errors.New("cancelled"))
	}
	if isPermanent(runErr) || rj.Attempt >= rj.MaxAttempts {
		s.finish(ctx, j, StateFailed, nil, runErr.Error())
		return river.JobCancel(runErr)
	}
	// Back to the queue: River retries with backoff.
	_ = s.store.update(context.WithoutCancel(ctx), j.ID, map[string]any{"state": StateQueued, "error": runErr.Error()})
	if latest, err := s.store.get(context.WithoutCancel(ctx), j.ID); err == nil {
		s.publish(ctx, latest)
	}
	return runErr
}

// finish records a terminal state once (a racing cancel or a rescued
// duplicate cannot overwrite it) and publishes it.
func (s *Service) finish(ctx context.Context, j *Job, state State, result any, msg string) {
	ctx = context.WithoutCancel(ctx)
	fields := map[string]any{"state": state, "finished_at": time.Now().UTC(), "error": msg}
	if result != nil {
		if b, err := json.Marshal(result); err == nil {
			fields["result"] = string(b)
		}
	}
	ok, err := s.store.transition(ctx, j.ID, []State{StateQueued, StateRunning}, fields)
	if err != nil {
		s.log.Error("job outcome not recorded", "job", j.ID, "err", err)
		return
	}
	if !ok {
		return
	}
	s.metrics.finished.WithLabelValues(j.Kind, string(state)).Inc()
	s.finished(ctx, j, state)
	if latest, err := s.store.get(ctx, j.ID); err == nil {
		s.publish(ctx, latest)
	}
}

// finished tells the job's handler, if it wants to know, that the job ended.
func (s *Service) finished(ctx context.Context, j *Job, state State) {
	if f, ok := s.handlers[j.Kind].(Finisher); ok {
		f.Finished(context.WithoutCancel(ctx), j, state)
	}
}
