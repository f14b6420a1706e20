package httpapi

import (
	"crypto/rand"
	"encoding/base32"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lab-ia/piaf/backend/internal/api"
	"github.com/lab-ia/piaf/backend/internal/apperr"
	"github.com/lab-ia/piaf/backend/internal/identity"
)

func newRequestID() string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// securityHeaders sets the headers every response carries: a strict CSP
// (no inline script except the SPA's own hashed bootstrap), no framing, no
// MIME sniffing, and HSTS when served over TLS.
func (s *Server) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	hsts := s.cfg.Secure()
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", s.csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		if hsts || c.Request().TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		return next(c)
	}
}

// observe logs each request and records its latency by route template.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		s.metrics.HTTPInFlight.Inc()
		defer s.metrics.HTTPInFlight.Dec()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		status := c.Response().Status
		route := c.Path()
		if route == "" || route == "/*" {
			route = "spa"
		}
		elapsed := time.Since(start)
		s.metrics.HTTPDuration.WithLabelValues(c.Request().Method, route, strconv.Itoa(status)).Observe(elapsed.Seconds())
		level := slog.LevelInfo
		switch {
		case status >= 500:
			level = slog.LevelError
		case route == "spa" || route == "/healthz" || route == "/readyz" || route == "/metrics":
			level = slog.LevelDebug
		}
		attrs := []slog.Attr{
			slog.String("method", c.Request().Method),
			slog.String("route", route),
			slog.Int("status", status),
			slog.Duration("elapsed", elapsed),
			slog.String("request_id", c.Response().Header().Get(echo.HeaderXRequestID)),
			slog.String("ip", c.RealIP()),
			slog.Int64("bytes", c.Response().Size),
		}
		if p := identity.FromContext(c.Request().Context()); p != nil {
			attrs = append(attrs, slog.Int64("user_id", p.UserID))
		}
		s.log.LogAttrs(c.Request().Context(), level, "request", attrs...)
		return nil
	}
}

// authenticate attaches the caller (if any) to the request context. Bad
// credentials are refused here; missing credentials are anonymous.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.auth == nil {
			return next(c)
		}
		if path := c.Request().URL.Path; path == "/healthz" || path == "/readyz" {
			// Probes need no caller, and must answer even when looking a
			// session up fails (database down): /readyz then says why.
			return next(c)
		}
		p, err := s.auth.Authenticate(c)
		if err != nil {
			return err
		}
		if p != nil {
			req := c.Request()
			c.SetRequest(req.WithContext(identity.WithPrincipal(req.Context(), p)))
		}
		return next(c)
	}
}

// authorize enforces a route's Access and the CSRF check, before the
// handler runs. It is the one place where "may this caller call this
// route?" is decided.
func (s *Server) authorize(c echo.Context, r api.Route) error {
	p := identity.FromContext(c.Request().Context())
	if err := Allow(r.Access, p); err != nil {
		return err
	}
	if r.Unsafe() && s.csrf != nil && !p.ViaToken() {
		return s.csrf.Check(c, p, !r.NoCSRF)
	}
	return nil
}

// Allow decides whether p may call a route with access a.
func Allow(a api.Access, p *identity.Principal) error {
	if p == nil {
		if a.Anonymous {
			return nil
		}
		return apperr.New(apperr.Unauthenticated, "unauthenticated", "sign in to continue")
	}
	roleOK := a.Anonymous || a.Authenticated
	for _, r := range a.Roles {
		if r == p.Role {
			roleOK = true
		}
	}
	if p.ViaToken() {
		if a.Anonymous {
			return nil
		}
		for _, sc := range a.Scopes {
			if p.HasScope(sc) && roleOK {
				return nil
			}
		}
		return apperr.New(apperr.Forbidden, "insufficient_scope", "this token's scopes do not allow this operation")
	}
	if !roleOK {
		return apperr.New(apperr.Forbidden, "forbidden", "your role does not allow this operation")
	}
	return nil
}
