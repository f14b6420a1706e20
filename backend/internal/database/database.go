// Package database opens PIAF's storage: PostgreSQL in production, or an
// embedded pure-Go SQLite file when no server is configured, behind one GORM
// handle. It applies the versioned SQL migrations of the chosen dialect.
package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Dialect names the SQL flavour in use; storage code switches on it only
// where the two databases genuinely differ (locking, upserts).
type Dialect string

// The two supported dialects.
const (
	Postgres Dialect = "postgres"
	SQLite   Dialect = "sqlite"
)

// DB is an open database: the GORM handle used by the domains, the
// underlying *sql.DB (for migrations, metrics and River), and its dialect.
type DB struct {
	Gorm    *gorm.DB
	SQL     *sql.DB
	Dialect Dialect
	// URL is the PostgreSQL URL (empty on SQLite), needed by components that
	// open their own connections, such as LISTEN/NOTIFY listeners.
	URL string
	// Path is the SQLite file (empty on PostgreSQL), needed by backups.
	Path string
}

// Options configures Open.
type Options struct {
	// URL is a postgres:// URL; empty selects SQLite in DataDir.
	URL string
	// DataDir holds piaf.db when URL is empty.
	DataDir string
	// MaxOpenConns bounds the PostgreSQL pool.
	MaxOpenConns int
	// Logger receives slow-query warnings.
	Logger *slog.Logger
}

// ErrUnreachable wraps failures to reach the database at start-up so the
// command can print a clear reason instead of a stack.
var ErrUnreachable = errors.New("database unreachable")

// Open connects and checks the connection with a ping.
func Open(ctx context.Context, opts Options) (*DB, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	gcfg := &gorm.Config{
		Logger:                 newGormLogger(opts.Logger),
		SkipDefaultTransaction: true,
		TranslateError:         true,
		NowFunc:                func() time.Time { return time.Now().UTC() },
	}
	if opts.URL != "" {
		return openPostgres(ctx, opts, gcfg)
	}
	return openSQLite(ctx, opts, gcfg)
}

func openPostgres(ctx context.Context, opts Options, gcfg *gorm.Config) (*DB, error) {
	u, err := url.Parse(opts.URL)
	if err != nil {
		return nil, fmt.Errorf("%w: invalid URL", ErrUnreachable)
	}
	q := u.Query()
	if q.Get("connect_timeout") == "" {
		q.Set("connect_timeout", "5")
	}
	u.RawQuery = q.Encode()
	g, err := gorm.Open(postgres.Open(u.String()), gcfg)
	if err != nil {
		return nil, fmt.Errorf("%w (%s): %v", ErrUnreachable, u.Redacted(), err)
	}
	sqlDB, err := g.DB()
	if err != nil {
		return nil, err
	}
	if opts.MaxOpenConns > 0 {
		sqlDB.SetMaxOpenConns(opts.MaxOpenConns)
		sqlDB.SetMaxIdleConns(min(opts.MaxOpenConns, 10))
	}
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pingCtx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("%w (%s): %v", ErrUnreachable, u.Redacted(), err)
	}
	return &DB{Gorm: g, SQL: sqlDB, Dialect: Postgres, URL: u.String()}, nil
}

// SQLitePragmas are applied to every connection: WAL lets readers run while
// one writer writes, busy_timeout waits for the lock instead of failing, and
// immediate transactions take the write lock at BEGIN so that two
// read-then-write transactions cannot deadlock on lock upgrade. The job
// queue opens its own pool with them.
const SQLitePragmas = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"

func openSQLite(ctx context.Context, opts Options, gcfg *gorm.Config) (*DB, error) {
	if opts.DataDir == "" {
		return nil, errors.New("database: no data directory for the embedded database")
	}
	if err := os.MkdirAll(opts.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("%w: cannot create data directory %s: %v", ErrUnreachable, opts.DataDir, err)
	}
	path := filepath.Join(opts.DataDir, "piaf.db")
	return OpenSQLiteFile(ctx, path, gcfg)
}

// OpenSQLiteFile opens (creating if needed) an SQLite database at path; tests
// and the backup command use it directly.
func OpenSQLiteFile(ctx context.Context, path string, gcfg *gorm.Config) (*DB, error) {
	if gcfg == nil {
		gcfg = &gorm.Config{Logger: logger.Discard, SkipDefaultTransaction: true, TranslateError: true,
			NowFunc: func() time.Time { return time.Now().UTC() }}
	}
	dsn := "file:" + path + "?" + SQLitePragmas
	g, err := gorm.Open(sqlite.Open(dsn), gcfg)
	if err != nil {
		return nil, fmt.Errorf("%w (%s): %v", ErrUnreachable, path, err)
	}
	sqlDB, err := g.DB()
	if err != nil {
		return nil, err
	}
	// SQLite allows one writer at a time; a small pool keeps readers
	// concurrent without piling up writers on the busy timeout.
	sqlDB.SetMaxOpenConns(4)
	sqlDB.SetMaxIdleConns(4)
	sqlDB.SetConnMaxIdleTime(0)
	if err := sqlDB.PingContext(ctx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("%w (%s): %v", ErrUnreachable, path, err)
	}
	return &DB{Gorm: g, SQL: sqlDB, Dialect: SQLite, Path: path}, nil
}

// Close releases the pool.
func (db *DB) Close() error { return db.SQL.Close() }

// Ping checks that the database answers within ctx.
func (db *DB) Ping(ctx context.Context) error { return db.SQL.PingContext(ctx) }

// WithContext returns a GORM session bound to ctx; domains start every query
// with it so that cancellation and deadlines reach the database.
func (db *DB) WithContext(ctx context.Context) *gorm.DB { return db.Gorm.WithContext(ctx) }

// Analyze refreshes the query planner's statistics of the given tables
// (after a bulk load, so that plans fit the new sizes at once).
func (db *DB) Analyze(ctx context.Context, tables ...string) error {
	for _, t := range tables {
		if err := db.Gorm.WithContext(ctx).Exec("ANALYZE " + t).Error; err != nil {
			return err
		}
	}
	return nil
}

// Transaction runs fn in a transaction, committing when it returns nil; a
// failure half-way leaves nothing behind.
func (db *DB) Transaction(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return db.Gorm.WithContext(ctx).Transaction(fn)
}
