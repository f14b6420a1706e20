package database_test

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/lab-ia/piaf/backend/internal/database"
	"github.com/lab-ia/piaf/backend/internal/database/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func TestMigrationsApplyOnBothDialects(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		st, err := db.MigrationStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(st) == 0 {
			t.Fatal("no migrations known")
		}
		for _, m := range st {
			if !m.Applied {
				t.Errorf("migration %s not applied", m.Name)
			}
		}
		pending, err := db.PendingMigrations(ctx)
		if err != nil || pending {
			t.Fatalf("pending=%v err=%v", pending, err)
		}
		// A second run applies nothing and does not fail.
		applied, err := db.Migrate(ctx, nil)
		if err != nil || len(applied) != 0 {
			t.Fatalf("re-run applied %v, err %v", applied, err)
		}
	})
}

func TestForeignKeysAndUniqueConstraintsAreEnforced(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		err := db.WithContext(ctx).Exec(`INSERT INTO documents (campaign_id, title) VALUES (999999, 'orphan')`).Error
		if err == nil {
			t.Fatal("a document without its campaign was accepted: foreign keys are off")
		}
		if err := db.WithContext(ctx).Exec(`INSERT INTO users (display_name, pseudonym, email) VALUES ('A', 'alice', 'a@example.fr')`).Error; err != nil {
			t.Fatal(err)
		}
		err = db.WithContext(ctx).Exec(`INSERT INTO users (display_name, pseudonym, email) VALUES ('B', 'ALICE', 'b@example.fr')`).Error
		if err == nil {
			t.Fatal("pseudonyms differing only by case were both accepted")
		}
	})
}

func TestFailedMigrationRollsBackAndStops(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		bad := fstest.MapFS{
			"00900_good.sql": {Data: []byte("-- +goose Up\nCREATE TABLE mig_ok (id INTEGER);\n")},
			"00901_bad.sql":  {Data: []byte("-- +goose Up\nCREATE TABLE mig_half (id INTEGER);\nTHIS IS NOT SQL;\n")},
		}
		_, err := db.MigrateFS(ctx, bad)
		if err == nil || !strings.Contains(err.Error(), "00901_bad.sql") {
			t.Fatalf("expected the failing migration to be named, got %v", err)
		}
		var n int64
		db.WithContext(ctx).Raw(`SELECT count(*) FROM mig_ok`).Scan(&n)
		if err := db.WithContext(ctx).Exec(`SELECT * FROM mig_half`).Error; err == nil {
			t.Fatal("the failed migration left its first statement behind")
		}
	})
}
