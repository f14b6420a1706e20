package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/lab-ia/piaf/backend/internal/apperr"
	"github.com/lab-ia/piaf/backend/internal/database"
	"github.com/lab-ia/piaf/backend/internal/identity"
	"github.com/lab-ia/piaf/backend/internal/live"
)

// queue is what PIAF uses of a River client, whatever its driver.
type queue interface {
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
	JobCancel(ctx context.Context, jobID int64) (*rivertype.JobRow, error)
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	StopAndCancel(ctx context.Context) error
}

// Options tunes the job system of a node.
type Options struct {
	// Workers is how many jobs this node runs at once; 0 makes an API-only
	// node that enqueues but never runs jobs.
	Workers int
	// RescueAfter is how long a job may stay "running" without its node
	// finishing it before another node runs it again (a node killed
	// mid-job). It is raised to the shortest job timeout plus 10 s; longer
	// jobs are never rescued before their own timeout has passed (River
	// checks each kind's timeout), so a live job is never run twice.
	RescueAfter time.Duration
	// PollInterval is how often idle workers look for jobs (River also
	// wakes them by notification on PostgreSQL).
	PollInterval time.Duration
	// Node names this process in jobs and logs.
	Node string
	// StepDelay pauses a job at each step it reports (Progress.Add and
	// Set). Only test builds set it, so that fault tests can kill a job
	// that would otherwise end before they see it running; production
	// leaves it zero.
	StepDelay time.Duration
}

// Service enqueues, runs, lists and cancels jobs.
type Service struct {
	db       *database.DB
	store    *store
	hub      *live.Hub
	log      *slog.Logger
	handlers map[string]Handler
	queue    queue
	// working is false on API-only nodes, which enqueue but never start
	// River (it refuses to start without workers).
	working bool
	node    string
	// stepDelay is Options.StepDelay.
	stepDelay time.Duration
	closers   []func()
	metrics   *jobMetrics
}

// riverArgs is the single River job kind: it names PIAF's job row, whose
// own kind selects the handler.
type riverArgs struct {
	JobID   int64  `json:"job_id"`
	JobKind string `json:"job_kind"`
}

func (riverArgs) Kind() string { return "piaf_job" }

// New prepares the job system: River's tables are migrated and its client
// configured (not started).
func New(ctx context.Context, db *database.DB, hub *live.Hub, log *slog.Logger, reg prometheus.Registerer, handlers []Handler, opts Options) (*Service, error) {
	s := &Service{db: db, store: &store{db: db}, hub: hub, log: log, handlers: map[string]Handler{}, node: opts.Node, stepDelay: opts.StepDelay, metrics: newJobMetrics(reg)}
	if s.node == "" {
		host, _ := os.Hostname()
		s.node = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	minTimeout := time.Duration(0)
	for _, h := range handlers {
		if _, dup := s.handlers[h.Kind()]; dup {
			return nil, fmt.Errorf("job kind %q registered twice", h.Kind())
		}
		s.handlers[h.Kind()] = h
		if t, _ := limits(h); minTimeout == 0 || t < minTimeout {
			minTimeout = t
		}
	}
	if opts.RescueAfter <= minTimeout {
		opts.RescueAfter = minTimeout + 10*time.Second
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = time.Second
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &worker{svc: s})
	cfg := &river.Config{
		ID:                   s.node,
		Logger:               slog.New(slog.NewTextHandler(discard{}, nil)),
		Workers:              workers,
		RescueStuckJobsAfter: opts.RescueAfter,
		FetchPollInterval:    opts.PollInterval,
		FetchCooldown:        50 * time.Millisecond,
		JobTimeout:           -1, // each job's own timeout applies (worker.Timeout)
		MaxAttempts:          defaultMaxAttempts,
		ErrorHandler:         errorHandler{log: log},
	}
	if opts.Workers > 0 {
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: opts.Workers}}
		s.working = true
	}
	var err error
	if db.Dialect == database.Postgres {
		err = s.newPostgresQueue(ctx, cfg)
	} else {
		err = s.newSQLiteQueue(ctx, cfg)
	}
	if err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Service) newPostgresQueue(ctx context.Context, cfg *river.Config) error {
	pcfg, err := pgxpool.ParseConfig(s.db.URL)
	if err != nil {
		return err
	}
	pcfg.MaxConns = 10
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return err
	}
	s.closers = append(s.closers, pool.Close)
	driver := riverpgxv5.New(pool)
	m, err := rivermigrate.New(driver, nil)
	if err != nil {
		return err
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	client, err := river.NewClient(driver, cfg)
	if err != nil {
		return err
	}
	s.queue = client
	return nil
}

func (s *Service) newSQLiteQueue(ctx context.Context, cfg *river.Config) error {
	// River's SQLite driver wants one connection of its own: SQLite has a
	// single writer, and River's many small transactions queue on it.
	pool, err := sql.Open("sqlite", "file:"+s.db.Path+"?"+database.SQLitePragmas)
	if err != nil {
		return err
	}
	pool.SetMaxOpenConns(1)
	s.closers = append(s.closers, func() { _ = pool.Close() })
	driver := riversqlite.New(pool)
	m, err := rivermigrate.New(driver, nil)
	if err != nil {
		return err
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	client, err := river.NewClient(driver, cfg)
	if err != nil {
		return err
	}
	s.queue = client
	return nil
}

// Start begins working (and, on every node, rescuing stuck jobs); a
// working node first runs again the jobs a dead process of its host left.
func (s *Service) Start(ctx context.Context) error {
	go s.watchQueue(ctx)
	if !s.working {
		return nil
	}
	s.reclaimOrphans(ctx)
	return s.queue.Start(ctx)
}

// Stop lets running jobs finish within ctx, then cancels them (one more
// second to record it): River retries a job cut short, so nothing is lost.
func (s *Service) Stop(ctx context.Context) error {
	if !s.working {
		return nil
	}
	err := s.queue.Stop(ctx)
	if err == nil {
		return nil
	}
	cctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if cerr := s.queue.StopAndCancel(cctx); cerr != nil {
		return cerr
	}
	return err
}

// Close releases the connections of the queue.
func (s *Service) Close() {
	for _, c := range s.closers {
		c()
	}
}

// Enqueue records a job and hands it to River. params is stored as JSON
// and given back to the handler.
func (s *Service) Enqueue(ctx context.Context, p *identity.Principal, kind string, campaignID *int64, params any) (*Job, error) {
	h, ok := s.handlers[kind]
	if !ok {
		return nil, apperr.New(apperr.Invalid, "unknown_job_kind", "no such kind of job: "+kind)
	}
	b, err := json.Marshal(params)
	if err != nil {
		return nil, err
	}
	j := &Job{Kind: kind, State: StateQueued, CampaignID: campaignID, Params: string(b), CreatedAt: time.Now().UTC(), UpdatedAt: time.Now().UTC()}
	if p != nil {
		j.OwnerID = &p.UserID
	}
	if err := s.store.insert(ctx, j); err != nil {
		return nil, err
	}
	_, attempts := limits(h)
	res, err := s.queue.Insert(ctx, riverArgs{JobID: j.ID, JobKind: kind}, &river.InsertOpts{MaxAttempts: attempts})
	if err != nil {
		// Leave no job that nothing will ever run.
		if ok, _ := s.store.transition(ctx, j.ID, []State{StateQueued}, map[string]any{"state": StateFailed, "error": "could not be queued", "finished_at": time.Now().UTC()}); ok {
			s.finished(ctx, j, StateFailed)
		}
		return nil, apperr.Wrap(apperr.Unavailable, "queue_unavailable", "the job could not be queued; try again", err)
	}
	rid := res.Job.ID
	j.RiverJobID = &rid
	if err := s.store.update(ctx, j.ID, map[string]any{"river_job_id": rid}); err != nil {
		return nil, err
	}
	s.publish(ctx, j)
	return j, nil
}

// visible checks that p may see j: their own jobs; moderators also see
// every campaign's jobs; admins see all.
func visible(p *identity.Principal, j *Job) bool {
	switch {
	case p == nil:
		return false
	case p.IsAdmin():
		return true
	case j.OwnerID != nil && *j.OwnerID == p.UserID:
		return true
	case p.IsAtLeastModerator() && j.CampaignID != nil:
		return true
	}
	return false
}

// Get returns a job the caller may see.
func (s *Service) Get(ctx context.Context, p *identity.Principal, id int64) (*Job, error) {
	j, err := s.store.get(ctx, id)
	if err != nil {
		return nil, err
	}
	if !visible(p, j) {
		return nil, ErrJobNotFound
	}
	return j, nil
}

// List pages through the jobs the caller may see.
func (s *Service) List(ctx context.Context, p *identity.Principal, f Filter) ([]Job, int64, error) {
	if !p.IsAdmin() {
		f.OwnerID = &p.UserID
		f.OrAnyCampaign = p.IsAtLeastModerator()
	}
	return s.store.list(ctx, f)
}

// ErrAlreadyFinished refuses to cancel a finished job.
var ErrAlreadyFinished = apperr.New(apperr.Conflict, "job_finished", "the job has already finished")

// Cancel stops a job: a queued job never runs; a running one has its
// context cancelled on whichever node runs it.
func (s *Service) Cancel(ctx context.Context, p *identity.Principal, id int64) (*Job, error) {
	j, err := s.Get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if j.State.Terminal() {
		return nil, ErrAlreadyFinished.WithDetails("state", j.State)
	}
	now := time.Now().UTC()
	if err := s.store.update(ctx, id, map[string]any{"cancel_requested_at": now}); err != nil {
		return nil, err
	}
	if j.RiverJobID != nil {
		if _, err := s.queue.JobCancel(ctx, *j.RiverJobID); err != nil && !errors.Is(err, river.ErrNotFound) {
			return nil, err
		}
	}
	// A job that had not started is cancelled here; a running one is
	// marked cancelled by its worker when it stops.
	if ok, err := s.store.transition(ctx, id, []State{StateQueued}, map[string]any{"state": StateCancelled, "finished_at": now}); err != nil {
		return nil, err
	} else if ok {
		s.metrics.finished.WithLabelValues(j.Kind, string(StateCancelled)).Inc()
		s.finished(ctx, j, StateCancelled)
	}
	j, err = s.store.get(ctx, id)
	if err != nil {
		return nil, err
	}
	s.publish(ctx, j)
	return j, nil
}

// CanSee is the live feed's rule for job:{id} topics.
func (s *Service) CanSee(ctx context.Context, p *identity.Principal, t live.Topic) error {
	_, err := s.Get(ctx, p, t.ID)
	return err
}

func (s *Service) reportProgress(ctx context.Context, id int64, stage string, done, total int64, msg string) {
	if err := s.store.update(ctx, id, map[string]any{"stage": stage, "done": done, "total": total, "message": msg}); err != nil {
		s.log.Warn("job progress not recorded", "job", id, "err", err)
		return
	}
	if j, err := s.store.get(ctx, id); err == nil {
		s.publishType(ctx, j, "progress")
	}
}

func (s *Service) publish(ctx context.Context, j *Job) { s.publishType(ctx, j, "state") }

func (s *Service) publishType(ctx context.Context, j *Job, typ string) {
	if _, err := s.hub.Publish(context.WithoutCancel(ctx), live.JobTopic(j.ID), typ, ViewOf(j)); err != nil {
		s.log.Warn("job event not published", "job", j.ID, "err", err)
	}
}

// watchQueue exports the queue depth.
func (s *Service) watchQueue(ctx context.Context) {
	t := time.NewTicker(10 * time.Second)
	defer t.Stop()
	for {
		if counts, err := s.store.countByState(ctx); err == nil {
			s.metrics.depth.WithLabelValues(string(StateQueued)).Set(float64(counts[StateQueued]))
			s.metrics.depth.WithLabelValues(string(StateRunning)).Set(float64(counts[StateRunning]))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// errorHandler logs what River reports outside a job's own error.
type errorHandler struct{ log *slog.Logger }

func (e errorHandler) HandleError(ctx context.Context, job *rivertype.JobRow, err error) *river.ErrorHandlerResult {
	return nil
}

func (e errorHandler) HandlePanic(ctx context.Context, job *rivertype.JobRow, panicVal any, trace string) *river.ErrorHandlerResult {
	e.log.Error("job panicked", "river_job", job.ID, "panic", fmt.Sprint(panicVal), "trace", trace)
	return nil
}
