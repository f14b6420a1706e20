package main

import (
	"context"
	"fmt"

	"github.com/lab-ia/piaf/backend/internal/database"
)

// runBackup copies the embedded database while the server runs. Release
// files and models live in the blob store, whose files never change once
// written: copying its directory (or the S3 bucket) after the database
// backup is enough to restore both in step.
func runBackup(ctx context.Context, env *cliEnv, args []string) int {
	fs := newFlagSet(env, "backup", "--out FILE")
	out := fs.String("out", "", "the backup file to create (must not exist)")
	if code, ok := parseFlags(env, fs, args); !ok {
		return code
	}
	if *out == "" || fs.NArg() > 0 {
		fmt.Fprintln(env.stderr, "piaf backup: --out FILE is required (and nothing else)")
		return 2
	}
	cfg, ok := loadConfig(env, "backup")
	if !ok {
		return 1
	}
	db, err := database.Open(ctx, database.Options{URL: cfg.DatabaseURL, DataDir: cfg.DataDir, MaxOpenConns: 1})
	if err != nil {
		fmt.Fprintf(env.stderr, "piaf backup: %s\n", oneLine(err))
		return 1
	}
	defer db.Close()
	if err := db.Backup(ctx, *out); err != nil {
		fmt.Fprintf(env.stderr, "piaf backup: %s\n", oneLine(err))
		return 1
	}
	fmt.Fprintf(env.stdout, "backup written to %s; restore by stopping piaf and copying it to %s/piaf.db\n", *out, cfg.DataDir)
	return 0
}
