// Package app is the composition root: it opens the database, applies the
// migrations, builds every domain's services and handlers and hands them to
// the HTTP server. `piaf serve` and the end-to-end tests both start PIAF
// through it, so what is tested is what runs.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"time"

	"github.com/lab-ia/piaf/backend/internal/annotate"
	"github.com/lab-ia/piaf/backend/internal/api"
	"github.com/lab-ia/piaf/backend/internal/apperr"
	"github.com/lab-ia/piaf/backend/internal/auth"
	"github.com/lab-ia/piaf/backend/internal/blob"
	"github.com/lab-ia/piaf/backend/internal/config"
	"github.com/lab-ia/piaf/backend/internal/corpus"
	"github.com/lab-ia/piaf/backend/internal/database"
	"github.com/lab-ia/piaf/backend/internal/dataio"
	"github.com/lab-ia/piaf/backend/internal/demo"
	"github.com/lab-ia/piaf/backend/internal/entities"
	"github.com/lab-ia/piaf/backend/internal/httpapi"
	"github.com/lab-ia/piaf/backend/internal/identity"
	"github.com/lab-ia/piaf/backend/internal/jobs"
	"github.com/lab-ia/piaf/backend/internal/live"
	"github.com/lab-ia/piaf/backend/internal/mail"
	"github.com/lab-ia/piaf/backend/internal/metrics"
	"github.com/lab-ia/piaf/backend/internal/ner"
	"github.com/lab-ia/piaf/backend/internal/qaservice"
	"github.com/lab-ia/piaf/backend/internal/release"
	"github.com/lab-ia/piaf/backend/internal/review"
)

// Options are start-up choices that are not configuration proper.
type Options struct {
	// Demo seeds the demo campaign and accounts.
	Demo bool
	// DB reuses an open database instead of opening the configured one
	// (tests hand in a fresh database per test). The caller closes it.
	DB *database.DB
	// ExtraJobs registers more job kinds (tests of the job system).
	ExtraJobs []jobs.Handler
}

// App is a running PIAF node.
type App struct {
	Config  config.Config
	Log     *slog.Logger
	DB      *database.DB
	Metrics *metrics.Metrics
	Server  *httpapi.Server
	// Auth is the identity service (the CLI's user commands use it).
	Auth *auth.Service
	// Hub is the live feed; Jobs the background jobs.
	Hub  *live.Hub
	Jobs *jobs.Service
	// Importer and Exporter move corpora in and out (CLI and jobs).
	Importer *dataio.Importer
	Exporter *dataio.Exporter
	// Blobs stores release files; Releases makes and serves them.
	Blobs    blob.Store
	Releases *release.Service
	// NER is the node's pseudonymisation engine: the active entity model,
	// or rules and gazetteers alone (entity campaigns pre-annotate with it).
	NER *ner.Engine

	ownsDB   bool
	counters *corpus.StatsPublisher
	// reviewQueue publishes review queue sizes, coalesced.
	reviewQueue *live.Coalescer
}

// New opens the database, migrates it and builds the server.
func New(ctx context.Context, cfg config.Config, log *slog.Logger, opts Options) (*App, error) {
	if opts.Demo && cfg.Production() {
		return nil, errors.New("demo mode is refused in production (PIAF_ENV=production): its passwords are public")
	}
	db, owned := opts.DB, false
	if db == nil {
		var err error
		db, err = database.Open(ctx, database.Options{URL: cfg.DatabaseURL, DataDir: cfg.DataDir, MaxOpenConns: cfg.DBMaxOpenConns, Logger: log})
		if err != nil {
			return nil, err
		}
		owned = true
	}
	a := &App{Config: cfg, Log: log, DB: db, Metrics: metrics.New(), ownsDB: owned}
	if err := a.init(ctx, opts); err != nil {
		if owned {
			_ = db.Close()
		}
		return nil, err
	}
	return a, nil
}

func (a *App) init(ctx context.Context, opts Options) error {
	applied, err := a.DB.Migrate(ctx, nil)
	if err != nil {
		return err
	}
	if len(applied) > 0 {
		a.Log.Info("database migrated", "applied", applied)
	}
	a.Metrics.WatchDB(a.DB.SQL)

	mailer, err := newMailer(a.Config, a.Log)
	if err != nil {
		return err
	}
	users := auth.NewStore(a.DB)
	authSvc, err := auth.NewService(users, a.Config, mailer, a.Log)
	if err != nil {
		return err
	}
	a.Auth = authSvc
	authWeb := auth.NewWeb(authSvc, a.Config)
	campaignSvc := corpus.NewService(corpus.NewStore(a.DB))
	campaigns := campaignSvc.Store()
	stats := corpus.NewStats(a.DB)
	if opts.Demo {
		if err := demo.Seed(ctx, users, campaignSvc, a.Log); err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
	}

	a.Importer, a.Exporter = dataio.NewImporter(a.DB), dataio.NewExporter(a.DB)
	a.Hub = live.NewHub(a.DB, a.Log, a.Metrics.Registry, live.Options{MaxConnsPerUser: a.Config.LiveMaxConnsPerUser, Retention: a.Config.EventRetention})
	a.counters = corpus.NewStatsPublisher(stats, a.Hub, a.Log, time.Second)
	if a.Blobs, err = openBlobStore(ctx, a.Config); err != nil {
		return fmt.Errorf("release storage: %w", err)
	}
	builder := release.NewBuilder(a.DB, a.Blobs, filepath.Join(a.Config.DataDir, "staging"), a.Config.SecretKey, a.Log)
	a.Releases = release.NewService(a.DB, campaigns, nil, builder, a.Blobs, a.Log)
	a.NER = ner.NewEngine(a.DB, a.Blobs, a.Log)
	nerSvc := ner.NewService(ner.Deps{DB: a.DB, Engine: a.NER, Releases: a.Releases, Campaigns: campaigns, Blobs: a.Blobs, Log: a.Log,
		DataDir: a.Config.DataDir, SecretKey: a.Config.SecretKey, Production: a.Config.Production(), MaxUploadBytes: a.Config.MaxUploadBytes})
	a.Releases.KeepBlobs(nerSvc.References)
	qaSvc := qaservice.NewService(qaservice.Deps{DB: a.DB, Releases: a.Releases, Campaigns: campaigns, Importer: a.Importer, Blobs: a.Blobs,
		Log: a.Log, DataDir: a.Config.DataDir, MaxUploadBytes: a.Config.MaxUploadBytes})
	a.Releases.KeepBlobs(qaSvc.References)
	kinds := []jobs.Handler{dataio.ImportJob{Importer: a.Importer, Done: func(_ context.Context, id int64) { a.counters.Touch(id) }},
		release.BuildJob{Service: a.Releases}, ner.TrainJob{Service: nerSvc}, ner.BatchJob{Service: nerSvc},
		qaservice.IndexJob{Service: qaSvc}, qaservice.TrainJob{Service: qaSvc}}
	a.Jobs, err = jobs.New(ctx, a.DB, a.Hub, a.Log, a.Metrics.Registry, append(append(kinds, jobHandlers(a)...), opts.ExtraJobs...), jobs.Options{
		Workers: a.Config.JobWorkers, RescueAfter: a.Config.JobRescueAfter, PollInterval: jobPollInterval(a.DB), StepDelay: testJobStepDelay()})
	if err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	a.Releases.SetJobs(a.Jobs)
	nerSvc.SetJobs(a.Jobs)
	qaSvc.SetJobs(a.Jobs)
	a.Hub.Authorize("job", a.Jobs.CanSee)
	a.Hub.Authorize("campaign", func(ctx context.Context, p *identity.Principal, t live.Topic) error {
		// A campaign's counters are visible to whoever may see the campaign.
		_, err := campaignSvc.Get(ctx, p, t.ID)
		return err
	})
	a.Hub.Authorize("review", func(ctx context.Context, p *identity.Principal, t live.Topic) error {
		if !p.IsAtLeastModerator() {
			return apperr.New(apperr.Forbidden, "forbidden", "review queues are the moderators'")
		}
		_, err := campaigns.CampaignByID(ctx, t.ID)
		return err
	})
	annotateStore := annotate.NewStore(a.DB)
	annotateSvc := annotate.NewService(annotateStore, campaignSvc, a.counters, a.Hub, a.Log, a.Config.TaskLease)
	reviewSvc := review.NewService(review.NewStore(a.DB), campaignSvc, a.Hub, a.counters, a.Log)
	// Moderators watching a campaign's review topic get its queue size,
	// coalesced: publishing once per submission made them all wait in turn.
	a.reviewQueue = live.NewCoalescer(a.Hub, a.Log, 500*time.Millisecond, live.ReviewTopic, "queue", func(ctx context.Context, id int64) (any, error) {
		n, err := reviewSvc.QueueSize(ctx, id)
		return map[string]any{"size": n}, err
	})
	reviewSvc.SetQueueNotifier(a.reviewQueue)
	annotateSvc.SetReviewQueue(a.reviewQueue)
	annotateSvc.SetModeration(reviewSvc, reviewSvc)
	entitySvc := entities.NewService(a.DB, campaignSvc, a.NER, a.counters.Touch, a.Config.TaskLease, a.Log)
	a.Hub.Authorize("user", func(_ context.Context, p *identity.Principal, t live.Topic) error {
		if p.UserID != t.ID {
			return apperr.New(apperr.Forbidden, "forbidden", "another user's notifications")
		}
		return nil
	})

	// A user's GDPR export holds their contributions too.
	dataSections := []auth.DataSection{annotate.NewContributionsExport(annotateStore), entities.NewAnnotationsExport(entitySvc)}
	routes := []api.Provider{auth.NewHandlers(authSvc, authWeb, dataSections...), jobs.NewHandlers(a.Jobs), live.NewHandlers(a.Hub, authWeb.CheckOrigin),
		corpus.NewHandlers(campaignSvc, stats), annotate.NewHandlers(annotateSvc), review.NewHandlers(reviewSvc),
		dataio.NewHandlers(a.Jobs, campaignSvc, a.Exporter, filepath.Join(a.Config.DataDir, "uploads"), a.Config.MaxUploadBytes),
		release.NewHandlers(a.Releases), entities.NewHandlers(entitySvc), ner.NewHandlers(nerSvc),
		qaservice.NewHandlers(qaSvc)}
	routes = append(routes, testRoutes(a)...)
	srv, err := httpapi.New(httpapi.Deps{
		Config:  a.Config,
		Logger:  a.Log,
		Metrics: a.Metrics,
		Auth:    authWeb,
		CSRF:    authWeb,
		Routes:  routes,
		Ready: map[string]httpapi.ReadinessCheck{
			"database": a.DB.Ping,
			"migrations": func(ctx context.Context) error {
				pending, err := a.DB.PendingMigrations(ctx)
				if err == nil && pending {
					err = errors.New("migrations pending")
				}
				return err
			},
		},
	})
	if err != nil {
		return err
	}
	a.Server = srv
	return nil
}

// Run serves HTTP, runs jobs and the live feed until ctx is cancelled,
// then drains: HTTP requests finish, running jobs get a few seconds before
// being cancelled (River retries them), websocket clients are told to
// reconnect elsewhere. Everything stops within PIAF_SHUTDOWN_TIMEOUT + 2 s.
func (a *App) Run(ctx context.Context, ready chan<- net.Addr) error {
	go a.housekeeping(ctx)
	go a.counters.Run(ctx)
	go a.reviewQueue.Run(ctx)
	hubDone := make(chan struct{})
	go func() {
		defer close(hubDone)
		if err := a.Hub.Run(ctx); err != nil {
			a.Log.Error("live feed stopped", "err", err)
		}
	}()
	if err := a.Jobs.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	err := a.Server.Serve(ctx, a.Config.Addr, ready)
	stopCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if serr := a.Jobs.Stop(stopCtx); serr != nil {
		a.Log.Warn("jobs still running at shutdown were interrupted; they will be retried", "err", serr)
	}
	<-hubDone
	return err
}

// housekeeping deletes expired sessions, links and throttle records every
// ten minutes.
func (a *App) housekeeping(ctx context.Context) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		if err := a.Auth.Cleanup(ctx); err != nil && ctx.Err() == nil {
			a.Log.Warn("cleanup of expired sessions failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// jobPollInterval is how often idle workers look for work: PostgreSQL
// also wakes them by notification, SQLite only polls.
func jobPollInterval(db *database.DB) time.Duration {
	if db.Dialect == database.SQLite {
		return 200 * time.Millisecond
	}
	return time.Second
}

// openBlobStore opens the S3 bucket when one is configured, the local
// directory otherwise.
func openBlobStore(ctx context.Context, cfg config.Config) (blob.Store, error) {
	if cfg.S3Endpoint != "" {
		return blob.NewS3(ctx, blob.S3Config{Endpoint: cfg.S3Endpoint, Bucket: cfg.S3Bucket, Region: cfg.S3Region,
			AccessKey: cfg.S3AccessKey, SecretKey: cfg.S3SecretKey, Prefix: cfg.S3Prefix, UseSSL: !cfg.S3Insecure})
	}
	dir := cfg.BlobDir
	if dir == "" {
		dir = filepath.Join(cfg.DataDir, "blobs")
	}
	return blob.NewDir(dir)
}

// newMailer sends through the configured relay, or to the log in
// development when none is configured.
func newMailer(cfg config.Config, log *slog.Logger) (mail.Sender, error) {
	if cfg.SMTPAddr == "" {
		return mail.Log{Logger: log}, nil
	}
	return mail.NewSMTP(mail.SMTPConfig{Addr: cfg.SMTPAddr, Username: cfg.SMTPUsername, Password: cfg.SMTPPassword, From: cfg.SMTPFrom, TLS: cfg.SMTPTLS})
}

// Close releases the job queue's connections and the database (unless the
// caller handed it in).
func (a *App) Close() error {
	if a.Jobs != nil {
		a.Jobs.Close()
	}
	if !a.ownsDB {
		return nil
	}
	return a.DB.Close()
}
