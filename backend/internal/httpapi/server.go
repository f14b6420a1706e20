// Package httpapi is PIAF's web layer: one Echo instance serving the JSON API
// under /api/v1, the embedded single-page app, health probes and metrics.
// It mounts the routes that domains describe (package api), enforces their
// access rules, and maps domain errors to HTTP in one error handler.
package httpapi

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/lab-ia/piaf/backend/internal/api"
	"github.com/lab-ia/piaf/backend/internal/config"
	"github.com/lab-ia/piaf/backend/internal/identity"
	"github.com/lab-ia/piaf/backend/internal/metrics"
	"github.com/lab-ia/piaf/backend/internal/web"
)

// Authenticator finds the caller of a request (session cookie or API
// token). It returns nil, nil for an anonymous request and an error for
// presented-but-invalid credentials.
type Authenticator interface {
	Authenticate(c echo.Context) (*identity.Principal, error)
}

// CSRFGuard checks state-changing requests made from browsers: the
// request must come from this site, and when requireToken is set the
// caller's session CSRF token must be echoed.
type CSRFGuard interface {
	Check(c echo.Context, p *identity.Principal, requireToken bool) error
}

// ReadinessCheck reports whether a dependency is ready to serve traffic.
type ReadinessCheck func(ctx context.Context) error

// Deps are what the server needs from the rest of the application.
type Deps struct {
	Config  config.Config
	Logger  *slog.Logger
	Metrics *metrics.Metrics
	// Ready lists the readiness checks behind /readyz.
	Ready map[string]ReadinessCheck
	// Routes are the domains' API routes.
	Routes []api.Provider
	// Auth and CSRF may be nil until identity is configured: every caller
	// is then anonymous.
	Auth Authenticator
	CSRF CSRFGuard
	// SPA overrides the embedded single-page app (tests); nil means web.Dist().
	SPA fs.FS
	// Extra lets components mount non-API handlers (websocket upgrade,
	// dataset downloads) that still go through the common middleware.
	Extra func(e *echo.Echo)
}

// Server is the configured HTTP server.
type Server struct {
	cfg      config.Config
	log      *slog.Logger
	metrics  *metrics.Metrics
	echo     *echo.Echo
	routes   []api.Route
	ready    map[string]ReadinessCheck
	auth     Authenticator
	csrf     CSRFGuard
	openapi  []byte
	csp      string
	draining atomic.Bool
}

// New builds the server and mounts every route.
func New(d Deps) (*Server, error) {
	s := &Server{cfg: d.Config, log: d.Logger, metrics: d.Metrics, ready: d.Ready, auth: d.Auth, csrf: d.CSRF}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.metrics == nil {
		s.metrics = metrics.New()
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.errorHandler
	e.IPExtractor = ipExtractor(d.Config.TrustedProxies)
	s.echo = e

	files := d.SPA
	if files == nil {
		files = web.Dist()
	}
	spa, err := newSPA(files, s.log)
	if err != nil {
		return nil, err
	}
	s.csp = contentSecurityPolicy(spa.scriptHashes)

	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			s.log.Error("panic", "err", err, "route", c.Path(), "stack", string(stack))
			return err
		},
	}))
	e.Use(middleware.RequestIDWithConfig(middleware.RequestIDConfig{
		Generator: newRequestID,
		// Accept a proxy's id only when it looks like one of ours or a UUID.
		RequestIDHandler: func(echo.Context, string) {},
	}))
	e.Use(s.securityHeaders)
	e.Use(s.observe)
	// Only reads are compressed: the middleware takes a compressor (about
	// 1 MB of state) when the request starts, not when the body is
	// written, so a thousand contributors' task and submission requests
	// waiting for the database held a gigabyte (the soak benchmark: 1.7 GB
	// resident for 1,050 clients) for answers of a few hundred bytes.
	e.Use(middleware.GzipWithConfig(middleware.GzipConfig{
		Level: 5, MinLength: 1024,
		Skipper: func(c echo.Context) bool {
			r := c.Request()
			return (r.Method != http.MethodGet && r.Method != http.MethodHead) || r.Header.Get("Upgrade") != "" ||
				strings.HasPrefix(r.URL.Path, "/datasets/")
		},
	}))
	e.Use(s.authenticate)

	for _, p := range d.Routes {
		s.routes = append(s.routes, p.Routes()...)
	}
	s.routes = append(s.routes, s.systemRoutes()...)
	for _, r := range s.routes {
		if err := s.mount(r); err != nil {
			return nil, err
		}
	}
	if s.openapi, err = buildOpenAPI(s.routes); err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	e.GET("/api/v1/openapi.json", func(c echo.Context) error {
		return c.Blob(http.StatusOK, "application/json", s.openapi)
	})
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", echo.WrapHandler(s.metrics.Handler()))
	if d.Extra != nil {
		d.Extra(e)
	}
	// Unknown API paths are JSON 404s; everything else is the SPA.
	e.Any("/api/*", s.apiNotFound)
	e.GET("/*", spa.serve)
	e.HEAD("/*", spa.serve)
	return s, nil
}

// mount registers a route with its body limit and access check.
func (s *Server) mount(r api.Route) error {
	if r.Handler == nil {
		return fmt.Errorf("route %s %s has no handler", r.Method, r.Path)
	}
	if r.OperationID == "" {
		return fmt.Errorf("route %s %s has no operation id", r.Method, r.Path)
	}
	limit := s.cfg.MaxBodyBytes
	if r.BodyLimit > 0 {
		limit = r.BodyLimit
	}
	route := r
	limiter := newRouteLimiter(r.RateLimit)
	h := func(c echo.Context) error {
		if err := s.authorize(c, route); err != nil {
			return err
		}
		if err := limiter.allow(c); err != nil {
			return err
		}
		c.Request().Body = http.MaxBytesReader(c.Response(), c.Request().Body, limit)
		return route.Handler(c)
	}
	s.echo.Add(r.Method, r.EchoPath(), h)
	return nil
}

// Handler returns the http.Handler (tests serve it with httptest).
func (s *Server) Handler() http.Handler { return s.echo }

// Echo exposes the router to tests that list the registered routes.
func (s *Server) Echo() *echo.Echo { return s.echo }

// Routes lists the API routes with their access rules (for the role matrix).
func (s *Server) Routes() []api.Route { return s.routes }

// OpenAPI returns the generated OpenAPI 3.1 document.
func (s *Server) OpenAPI() []byte { return s.openapi }

// Serve listens on addr until ctx is cancelled, then stops accepting
// connections, lets in-flight requests finish within the shutdown timeout
// and returns. ready, if not nil, receives the bound address.
func (s *Server) Serve(ctx context.Context, addr string, ready chan<- net.Addr) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	srv := &http.Server{
		Handler:           s.echo,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if ready != nil {
		ready <- ln.Addr()
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.draining.Store(true)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		s.log.Warn("shutdown did not finish in time; closing remaining connections", "err", err)
		_ = srv.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// ipExtractor decides which address rate limits, audit entries and logs see.
// Without configured proxies it is the TCP peer, whatever the headers say.
// With them, X-Forwarded-For is read from the right and believed only while
// each hop is one of those proxies. Echo would also trust every loopback,
// link-local and private address by default (GO-2026-6872: a client on the
// same private network could then pick its own address and escape the rate
// limits), so those defaults are switched off: only the listed ranges count.
func ipExtractor(trusted []string) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, cidr := range trusted {
		if _, n, err := net.ParseCIDR(strings.TrimSpace(cidr)); err == nil {
			opts = append(opts, echo.TrustIPRange(n))
		}
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// apiNotFound answers unknown API paths: 405 when the path exists with
// another method, 404 otherwise, both as JSON errors.
func (s *Server) apiNotFound(c echo.Context) error {
	path := c.Request().URL.Path
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if m == c.Request().Method {
			continue
		}
		probe := s.echo.NewContext(c.Request(), c.Response())
		s.echo.Router().Find(m, path, probe)
		if p := probe.Path(); p != "" && p != "/api/*" && p != "/*" {
			return echo.ErrMethodNotAllowed
		}
	}
	return echo.ErrNotFound
}
