package database

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations
var migrationFiles embed.FS

// migrationTable records the applied versions in both dialects.
const migrationTable = "piaf_schema_migrations"

// MigrationState is one migration as `piaf migrate status` shows it.
type MigrationState struct {
	Version int64
	Name    string
	Applied bool
}

// migrations returns the embedded migration set of the database's dialect.
func (db *DB) migrations() (fs.FS, error) {
	return fs.Sub(migrationFiles, "migrations/"+string(db.Dialect))
}

func (db *DB) provider(log *slog.Logger, migrations fs.FS) (*goose.Provider, error) {
	opts := []goose.ProviderOption{goose.WithTableName(migrationTable), goose.WithDisableGlobalRegistry(true)}
	if log != nil {
		opts = append(opts, goose.WithSlog(log))
	}
	dialect := goose.DialectSQLite3
	if db.Dialect == Postgres {
		dialect = goose.DialectPostgres
		// Several nodes may start at once: an advisory lock lets one migrate
		// while the others wait.
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	return goose.NewProvider(dialect, db.SQL, migrations, opts...)
}

// Migrate applies every pending migration, each in its own transaction: a
// failing one is rolled back and stops here with an error naming it.
func (db *DB) Migrate(ctx context.Context, log *slog.Logger) (applied []string, err error) {
	fsys, err := db.migrations()
	if err != nil {
		return nil, err
	}
	return db.migrate(ctx, log, fsys)
}

func (db *DB) migrate(ctx context.Context, log *slog.Logger, fsys fs.FS) (applied []string, err error) {
	p, err := db.provider(log, fsys)
	if err != nil {
		return nil, err
	}
	results, err := p.Up(ctx)
	for _, r := range results {
		if r.Error == nil {
			applied = append(applied, r.Source.Path)
		}
	}
	if err != nil {
		var perr *goose.PartialError
		if errors.As(err, &perr) && perr.Failed != nil {
			return applied, fmt.Errorf("migration %s failed and was rolled back: %w", perr.Failed.Source.Path, perr.Err)
		}
		return applied, fmt.Errorf("migrate: %w", err)
	}
	return applied, nil
}

// MigrationStatus lists every known migration and whether it is applied.
func (db *DB) MigrationStatus(ctx context.Context) ([]MigrationState, error) {
	fsys, err := db.migrations()
	if err != nil {
		return nil, err
	}
	p, err := db.provider(nil, fsys)
	if err != nil {
		return nil, err
	}
	st, err := p.Status(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]MigrationState, 0, len(st))
	for _, s := range st {
		out = append(out, MigrationState{Version: s.Source.Version, Name: s.Source.Path, Applied: s.State == goose.StateApplied})
	}
	return out, nil
}

// PendingMigrations reports whether the schema is behind the binary; the
// readiness probe fails until it is not.
func (db *DB) PendingMigrations(ctx context.Context) (bool, error) {
	fsys, err := db.migrations()
	if err != nil {
		return false, err
	}
	p, err := db.provider(nil, fsys)
	if err != nil {
		return false, err
	}
	return p.HasPending(ctx)
}
