// Command piaf-devtools runs the fakes that development and browser tests
// sign in and receive e-mail through: a fake ProConnect and an SMTP
// mailbox with a JSON view. It is never part of the production image.
//
//	piaf-devtools proconnect --addr 127.0.0.1:9100 --piaf http://127.0.0.1:8080
//	piaf-devtools mailbox --smtp 127.0.0.1:2525 --http 127.0.0.1:2526
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/lab-ia/piaf/backend/internal/auth/proconnecttest"
	"github.com/lab-ia/piaf/backend/internal/mail/mailtest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: piaf-devtools proconnect|mailbox [flags]")
		return 2
	}
	switch args[0] {
	case "proconnect":
		return runProConnect(ctx, args[1:], stdout, stderr)
	case "mailbox":
		return runMailbox(ctx, args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "piaf-devtools: unknown command %q\n", args[0])
	return 2
}

func runProConnect(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("piaf-devtools proconnect", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	addr := fs.String("addr", "127.0.0.1:9100", "listen address")
	piaf := fs.String("piaf", "http://localhost:8080", "PIAF's public URL (its callbacks are registered)")
	clientID := fs.String("client-id", "piaf-dev", "client id")
	secret := fs.String("client-secret", "piaf-dev-secret", "client secret")
	name := fs.String("provider", "proconnect", "PIAF's name for this provider (in the callback path)")
	if err := fs.Parse(args); err != nil {
		fmt.Fprintf(stderr, "piaf-devtools proconnect: %v\n", err)
		return 2
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "piaf-devtools proconnect: %v\n", err)
		return 1
	}
	base := "http://" + ln.Addr().String()
	cb := strings.TrimRight(*piaf, "/") + "/api/v1/auth/oidc/" + *name
	op, err := proconnecttest.New(base, []proconnecttest.Client{{ID: *clientID, Secret: *secret,
		RedirectURIs: []string{cb + "/callback"}, PostLogoutRedirectURIs: []string{cb + "/logout-callback"}}}, nil)
	if err != nil {
		fmt.Fprintf(stderr, "piaf-devtools proconnect: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "fake ProConnect ready: PIAF_OIDC_PROVIDERS=%s PIAF_OIDC_%s_ISSUER=%s PIAF_OIDC_%s_CLIENT_ID=%s PIAF_OIDC_%s_CLIENT_SECRET=%s\n",
		*name, strings.ToUpper(*name), op.Issuer(), strings.ToUpper(*name), *clientID, strings.ToUpper(*name), *secret)
	return serve(ctx, ln, op.Handler(), stderr)
}

func runMailbox(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("piaf-devtools mailbox", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	smtpAddr := fs.String("smtp", "127.0.0.1:2525", "SMTP listen address")
	httpAddr := fs.String("http", "127.0.0.1:2526", "HTTP listen address (GET /messages)")
	if err := fs.Parse(args); err != nil {
		fmt.Fprintf(stderr, "piaf-devtools mailbox: %v\n", err)
		return 2
	}
	sink, err := mailtest.Start(*smtpAddr)
	if err != nil {
		fmt.Fprintf(stderr, "piaf-devtools mailbox: %v\n", err)
		return 1
	}
	defer sink.Close()
	ln, err := net.Listen("tcp", *httpAddr)
	if err != nil {
		fmt.Fprintf(stderr, "piaf-devtools mailbox: %v\n", err)
		return 1
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /messages", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(sink.Messages())
	})
	fmt.Fprintf(stdout, "mailbox ready: PIAF_SMTP_ADDR=%s PIAF_SMTP_TLS=none; messages at http://%s/messages\n", sink.Addr(), ln.Addr())
	return serve(ctx, ln, mux, stderr)
}

func serve(ctx context.Context, ln net.Listener, h http.Handler, stderr io.Writer) int {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(stderr, "piaf-devtools: %v\n", err)
		return 1
	}
	return 0
}
