package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/lab-ia/piaf/backend/internal/app"
	"github.com/lab-ia/piaf/backend/internal/buildinfo"
	"github.com/lab-ia/piaf/backend/internal/config"
)

func runVersion(_ context.Context, env *cliEnv, args []string) int {
	fs := newFlagSet(env, "version", "")
	if code, ok := parseFlags(env, fs, args); !ok {
		return code
	}
	info := buildinfo.Get()
	fmt.Fprintf(env.stdout, "piaf %s (commit %s, %s)\n", info.Version, info.Commit, info.GoVersion)
	return 0
}

// runOpenAPI prints the API description, for the frontend's client
// generator. It builds the real server on a throw-away embedded database so
// the document is exactly what `serve` mounts.
func runOpenAPI(ctx context.Context, env *cliEnv, args []string) int {
	fs := newFlagSet(env, "openapi", "")
	if code, ok := parseFlags(env, fs, args); !ok {
		return code
	}
	dir, err := os.MkdirTemp("", "piaf-openapi-")
	if err != nil {
		fmt.Fprintf(env.stderr, "piaf openapi: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)
	cfg, err := config.LoadFrom([]string{"PIAF_DATA_DIR=" + dir})
	if err != nil {
		fmt.Fprintf(env.stderr, "piaf openapi: %v\n", err)
		return 1
	}
	a, err := app.New(ctx, cfg, slog.New(slog.DiscardHandler), app.Options{})
	if err != nil {
		fmt.Fprintf(env.stderr, "piaf openapi: %s\n", oneLine(err))
		return 1
	}
	defer a.Close()
	_, _ = env.stdout.Write(a.Server.OpenAPI())
	return 0
}
