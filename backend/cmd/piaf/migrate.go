package main

import (
	"context"
	"fmt"

	"github.com/lab-ia/piaf/backend/internal/database"
)

func runMigrate(ctx context.Context, env *cliEnv, args []string) int {
	fs := newFlagSet(env, "migrate", "[up|status]")
	if code, ok := parseFlags(env, fs, args); !ok {
		return code
	}
	action := "up"
	if fs.NArg() > 0 {
		action = fs.Arg(0)
	}
	if fs.NArg() > 1 || (action != "up" && action != "status") {
		fmt.Fprintf(env.stderr, "piaf migrate: expected 'up' or 'status', got %q\n", fs.Args())
		return 2
	}
	cfg, ok := loadConfig(env, "migrate")
	if !ok {
		return 1
	}
	log := newLogger(cfg, env.stderr)
	db, err := database.Open(ctx, database.Options{URL: cfg.DatabaseURL, DataDir: cfg.DataDir, MaxOpenConns: 2, Logger: log})
	if err != nil {
		fmt.Fprintf(env.stderr, "piaf migrate: %s\n", oneLine(err))
		return 1
	}
	defer db.Close()
	if action == "status" {
		st, err := db.MigrationStatus(ctx)
		if err != nil {
			fmt.Fprintf(env.stderr, "piaf migrate status: %s\n", oneLine(err))
			return 1
		}
		for _, m := range st {
			state := "pending"
			if m.Applied {
				state = "applied"
			}
			fmt.Fprintf(env.stdout, "%05d  %-8s %s\n", m.Version, state, m.Name)
		}
		return 0
	}
	applied, err := db.Migrate(ctx, log)
	if err != nil {
		fmt.Fprintf(env.stderr, "piaf migrate: %s\n", oneLine(err))
		return 1
	}
	fmt.Fprintf(env.stdout, "%d migration(s) applied on %s\n", len(applied), cfg.RedactedDatabaseURL())
	return 0
}
