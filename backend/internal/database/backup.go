package database

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ErrBackupPostgres says that PostgreSQL is backed up with its own tools:
// pg_dump gives a consistent copy of a live server, and operators already
// know how to schedule and restore it.
var ErrBackupPostgres = errors.New("PostgreSQL is backed up with pg_dump: pg_dump --format=custom --file=piaf.dump \"$PIAF_DATABASE_URL\" (restore with pg_restore --clean --if-exists --dbname=…)")

// Backup writes a consistent copy of the embedded database to dest while
// the server keeps running: SQLite's VACUUM INTO reads one snapshot of the
// database in a single transaction, so annotations committed after it
// starts are not in the copy and none is ever half in it. dest must not
// exist; the copy is written beside it and renamed, so a failed backup
// leaves no file that looks complete.
func (db *DB) Backup(ctx context.Context, dest string) error {
	if db.Dialect != SQLite {
		return ErrBackupPostgres
	}
	dest, err := filepath.Abs(dest)
	if err != nil {
		return err
	}
	if _, err := os.Stat(dest); err == nil {
		return fmt.Errorf("%s already exists: choose a new file name", dest)
	}
	if same, _ := filepath.Abs(db.Path); same == dest {
		return errors.New("the backup cannot overwrite the database itself")
	}
	tmp := dest + ".partial"
	_ = os.Remove(tmp)
	if err := db.Gorm.WithContext(ctx).Exec("VACUUM INTO ?", tmp).Error; err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("backup: %w", err)
	}
	// Check the copy before calling it a backup.
	cp, err := OpenSQLiteFile(ctx, tmp, nil)
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("backup: the copy cannot be opened: %w", err)
	}
	var result string
	err = cp.Gorm.WithContext(ctx).Raw("PRAGMA integrity_check").Scan(&result).Error
	_ = cp.Close()
	for _, suffix := range []string{"-wal", "-shm"} {
		_ = os.Remove(tmp + suffix)
	}
	if err != nil || result != "ok" {
		_ = os.Remove(tmp)
		return fmt.Errorf("backup: the copy fails its integrity check (%s): %v", result, err)
	}
	if err := os.Rename(tmp, dest); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}
