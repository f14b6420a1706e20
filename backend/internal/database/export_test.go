package database

import (
	"context"
	"io/fs"
)

// MigrateFS applies a test's own migration set, to prove failure handling.
func (db *DB) MigrateFS(ctx context.Context, fsys fs.FS) ([]string, error) {
	return db.migrate(ctx, nil, fsys)
}
