// Package dbtest gives tests real databases: a fresh, migrated SQLite file
// and a fresh, migrated PostgreSQL database per test, dropped afterwards.
// Storage tests call Each so that every test runs against both dialects.
//
// PostgreSQL is found through PIAF_TEST_DATABASE_URL (default: the local
// server, postgres://postgres@127.0.0.1:5432/postgres). A package that uses
// PostgreSQL must declare `func TestMain(m *testing.M) { dbtest.Main(m) }` so
// that the per-package template database is dropped when the tests end.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx" for admin statements

	"github.com/lab-ia/piaf/backend/internal/database"
)

// EnvURL names the variable pointing tests at a PostgreSQL server; the role
// must be allowed to create databases.
const EnvURL = "PIAF_TEST_DATABASE_URL"

const defaultURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// AdminURL is the server URL tests use to create and drop their databases.
func AdminURL() string {
	if u := os.Getenv(EnvURL); u != "" {
		return u
	}
	return defaultURL
}

type templateDB struct {
	once sync.Once
	name string
	err  error
}

// tmpl is the per-package template: migrating once and cloning per test
// keeps each test isolated without paying for migrations every time.
var tmpl templateDB

// Main runs the package's tests and drops the template database afterwards.
func Main(m *testing.M) {
	code := m.Run()
	if tmpl.name != "" {
		if err := dropDatabase(tmpl.name); err != nil {
			fmt.Fprintf(os.Stderr, "dbtest: dropping template %s: %v\n", tmpl.name, err)
		}
	}
	os.Exit(code)
}

// Each runs fn once per dialect as subtests "sqlite" and "postgres".
func Each(t *testing.T, fn func(t *testing.T, db *database.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

// SQLite returns a migrated database in a temporary file.
func SQLite(t testing.TB) *database.DB {
	t.Helper()
	ctx := context.Background()
	db, err := database.OpenSQLiteFile(ctx, filepath.Join(t.TempDir(), "piaf.db"), nil)
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if _, err := db.Migrate(ctx, nil); err != nil {
		t.Fatalf("migrate sqlite: %v", err)
	}
	return db
}

// Postgres returns a fresh migrated PostgreSQL database, dropped at cleanup.
func Postgres(t testing.TB) *database.DB {
	t.Helper()
	name, err := NewPostgresDatabase()
	if err != nil {
		t.Fatalf("postgres for tests (%s, set %s): %v", redacted(AdminURL()), EnvURL, err)
	}
	db, err := database.Open(context.Background(), database.Options{URL: URLFor(name), MaxOpenConns: 20})
	if err != nil {
		t.Fatalf("open %s: %v", name, err)
	}
	t.Cleanup(func() {
		_ = db.Close()
		if err := dropDatabase(name); err != nil {
			t.Logf("dbtest: drop %s: %v", name, err)
		}
	})
	return db
}

// NewPostgresDatabase clones the package template into a new database and
// returns its name; the caller drops it with DropPostgresDatabase. Tests that
// start whole `piaf serve` processes use it to share one database between them.
func NewPostgresDatabase() (string, error) {
	tmpl.once.Do(func() { tmpl.name, tmpl.err = createTemplate() })
	if tmpl.err != nil {
		return "", tmpl.err
	}
	name := "piaf_test_" + randomSuffix()
	err := admin(func(db *sql.DB) error {
		// A template may not be cloned while another session uses it, and
		// parallel clones race on that: retry briefly.
		var err error
		for range 50 {
			if _, err = db.Exec(fmt.Sprintf(`CREATE DATABASE %s TEMPLATE %s`, name, tmpl.name)); err == nil || !strings.Contains(err.Error(), "being accessed by other users") {
				return err
			}
			time.Sleep(100 * time.Millisecond)
		}
		return err
	})
	return name, err
}

// DropPostgresDatabase drops a database made by NewPostgresDatabase.
func DropPostgresDatabase(name string) error { return dropDatabase(name) }

// URLFor is the URL of database name on the test server.
func URLFor(name string) string {
	u, err := url.Parse(AdminURL())
	if err != nil {
		return ""
	}
	u.Path = "/" + name
	q := u.Query()
	if q.Get("sslmode") == "" {
		q.Set("sslmode", "disable")
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func createTemplate() (string, error) {
	name := "piaf_tmpl_" + randomSuffix()
	if err := admin(func(db *sql.DB) error {
		_, err := db.Exec(`CREATE DATABASE ` + name)
		return err
	}); err != nil {
		return "", err
	}
	ctx := context.Background()
	db, err := database.Open(ctx, database.Options{URL: URLFor(name), MaxOpenConns: 2})
	if err != nil {
		_ = dropDatabase(name)
		return "", err
	}
	_, err = db.Migrate(ctx, nil)
	_ = db.Close()
	if err != nil {
		_ = dropDatabase(name)
		return "", fmt.Errorf("migrate template: %w", err)
	}
	return name, nil
}

func dropDatabase(name string) error {
	return admin(func(db *sql.DB) error {
		_, err := db.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
		return err
	})
}

func admin(fn func(*sql.DB) error) error {
	db, err := sql.Open("pgx", AdminURL())
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		return fmt.Errorf("cannot reach PostgreSQL: %w", err)
	}
	return fn(db)
}

func randomSuffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func redacted(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(invalid URL)"
	}
	return u.Redacted()
}
