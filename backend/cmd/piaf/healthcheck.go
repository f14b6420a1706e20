package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"
)

// runHealthcheck probes /readyz of the local server; container images
// without a shell or curl use it as their health check.
func runHealthcheck(ctx context.Context, env *cliEnv, args []string) int {
	fs := newFlagSet(env, "healthcheck", "[--url URL]")
	url := fs.String("url", "", "readiness URL (default http://127.0.0.1:<port of PIAF_ADDR>/readyz)")
	if code, ok := parseFlags(env, fs, args); !ok {
		return code
	}
	if *url == "" {
		cfg, ok := loadConfig(env, "healthcheck")
		if !ok {
			return 1
		}
		_, port, _ := net.SplitHostPort(cfg.Addr)
		*url = "http://127.0.0.1:" + port + "/readyz"
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
	if err != nil {
		fmt.Fprintf(env.stderr, "piaf healthcheck: %v\n", err)
		return 2
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintf(env.stderr, "piaf healthcheck: %v\n", err)
		return 1
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		fmt.Fprintf(env.stderr, "piaf healthcheck: %s answered %d\n", *url, res.StatusCode)
		return 1
	}
	fmt.Fprintln(env.stdout, "ready")
	return 0
}
