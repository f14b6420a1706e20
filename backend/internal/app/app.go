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

	"github.com/lab-ia/piaf/backend/internal/auth"
	"github.com/lab-ia/piaf/backend/internal/config"
	"github.com/lab-ia/piaf/backend/internal/corpus"
	"github.com/lab-ia/piaf/backend/internal/database"
	"github.com/lab-ia/piaf/backend/internal/demo"
	"github.com/lab-ia/piaf/backend/internal/httpapi"
	"github.com/lab-ia/piaf/backend/internal/metrics"
)

// Options are start-up choices that are not configuration proper.
type Options struct {
	// Demo seeds the demo campaign and accounts.
	Demo bool
}

// App is a running PIAF node.
type App struct {
	Config  config.Config
	Log     *slog.Logger
	DB      *database.DB
	Metrics *metrics.Metrics
	Server  *httpapi.Server
}

// New opens the database, migrates it and builds the server.
func New(ctx context.Context, cfg config.Config, log *slog.Logger, opts Options) (*App, error) {
	if opts.Demo && cfg.Production() {
		return nil, errors.New("demo mode is refused in production (PIAF_ENV=production): its passwords are public")
	}
	db, err := database.Open(ctx, database.Options{URL: cfg.DatabaseURL, DataDir: cfg.DataDir, MaxOpenConns: cfg.DBMaxOpenConns, Logger: log})
	if err != nil {
		return nil, err
	}
	a := &App{Config: cfg, Log: log, DB: db, Metrics: metrics.New()}
	if err := a.init(ctx, opts); err != nil {
		_ = db.Close()
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

	users := auth.NewStore(a.DB)
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
	return a.Server.Serve(ctx, a.Config.Addr, ready)
}

// Close releases the database.
func (a *App) Close() error { return a.DB.Close() }
