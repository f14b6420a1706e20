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
	"time"

	"github.com/lab-ia/piaf/backend/internal/api"
	"github.com/lab-ia/piaf/backend/internal/auth"
	"github.com/lab-ia/piaf/backend/internal/config"
	"github.com/lab-ia/piaf/backend/internal/corpus"
	"github.com/lab-ia/piaf/backend/internal/database"
	"github.com/lab-ia/piaf/backend/internal/demo"
	"github.com/lab-ia/piaf/backend/internal/httpapi"
	"github.com/lab-ia/piaf/backend/internal/mail"
	"github.com/lab-ia/piaf/backend/internal/metrics"
)

// Options are start-up choices that are not configuration proper.
type Options struct {
	// Demo seeds the demo campaign and accounts.
	Demo bool
	// DB reuses an open database instead of opening the configured one
	// (tests hand in a fresh database per test). The caller closes it.
	DB *database.DB
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

	ownsDB bool
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
	campaigns := corpus.NewStore(a.DB)
	if opts.Demo {
		if err := demo.Seed(ctx, users, campaigns, a.Log); err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
	}

	srv, err := httpapi.New(httpapi.Deps{
		Config:  a.Config,
		Logger:  a.Log,
		Metrics: a.Metrics,
		Auth:    authWeb,
		CSRF:    authWeb,
		Routes:  []api.Provider{auth.NewHandlers(authSvc, authWeb)},
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

// Run serves HTTP until ctx is cancelled, then drains and returns.
func (a *App) Run(ctx context.Context, ready chan<- net.Addr) error {
	go a.housekeeping(ctx)
	return a.Server.Serve(ctx, a.Config.Addr, ready)
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

// newMailer sends through the configured relay, or to the log in
// development when none is configured.
func newMailer(cfg config.Config, log *slog.Logger) (mail.Sender, error) {
	if cfg.SMTPAddr == "" {
		return mail.Log{Logger: log}, nil
	}
	return mail.NewSMTP(mail.SMTPConfig{Addr: cfg.SMTPAddr, Username: cfg.SMTPUsername, Password: cfg.SMTPPassword, From: cfg.SMTPFrom, TLS: cfg.SMTPTLS})
}

// Close releases the database (unless the caller handed it in).
func (a *App) Close() error {
	if !a.ownsDB {
		return nil
	}
	return a.DB.Close()
}
