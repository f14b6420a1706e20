package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"runtime/debug"
	"time"

	"github.com/lab-ia/piaf/backend/internal/app"
	"github.com/lab-ia/piaf/backend/internal/buildinfo"
)

func runServe(ctx context.Context, env *cliEnv, args []string) int {
	fs := newFlagSet(env, "serve", "[--addr HOST:PORT] [--demo]")
	addr := fs.String("addr", "", "listen address (default $PIAF_ADDR or :8080)")
	demoMode := fs.Bool("demo", false, "seed a demo campaign and demo accounts (printed in the log)")
	if code, ok := parseFlags(env, fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(env.stderr, "piaf serve: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	cfg, ok := loadConfig(env, "serve")
	if !ok {
		return 1
	}
	if *addr != "" {
		cfg.Addr = *addr
		if err := cfg.Validate(); err != nil {
			fmt.Fprintf(env.stderr, "piaf serve: --addr: %v\n", err)
			return 2
		}
	}
	log := newLogger(cfg, env.stderr)
	start := time.Now()
	a, err := app.New(ctx, cfg, log, app.Options{Demo: *demoMode})
	if err != nil {
		fmt.Fprintf(env.stderr, "piaf serve: %s\n", oneLine(err))
		return 1
	}
	defer func() {
		if err := a.Close(); err != nil {
			log.Warn("closing database", "err", err)
		}
	}()
	// Start-up (migrations, demo hashing) leaves garbage behind; hand it
	// back to the system before idling.
	debug.FreeOSMemory()
	if cfg.DebugAddr != "" {
		go serveDebug(ctx, cfg.DebugAddr, log)
	}
	ready := make(chan net.Addr, 1)
	go func() {
		select {
		case ln := <-ready:
			log.Info("PIAF ready", "addr", ln.String(), "url", cfg.PublicURL, "database", cfg.RedactedDatabaseURL(),
				"version", buildinfo.Get().Version, "startup", time.Since(start).Round(time.Millisecond))
		case <-ctx.Done():
		}
	}()
	if err := a.Run(ctx, ready); err != nil {
		fmt.Fprintf(env.stderr, "piaf serve: %s\n", oneLine(err))
		return 1
	}
	log.Info("PIAF stopped")
	return 0
}

// serveDebug serves the profiler on its own address until ctx ends.
func serveDebug(ctx context.Context, addr string, log *slog.Logger) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	log.Info("profiler listening", "addr", addr)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Warn("profiler stopped", "err", err)
	}
}
