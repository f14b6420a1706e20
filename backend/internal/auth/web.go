package auth

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lab-ia/piaf/backend/internal/config"
	"github.com/lab-ia/piaf/backend/internal/identity"
)

// csrfKey is where the authenticator leaves the session's CSRF token for
// the CSRF check of the same request.
const csrfKey = "auth.csrf"

// CSRFHeader carries the session's CSRF token on state-changing requests.
const CSRFHeader = "X-CSRF-Token"

// Web adapts the service to HTTP: it reads session cookies and bearer
// tokens, checks CSRF and Origin, and writes cookies.
type Web struct {
	svc    *Service
	secure bool
	origin string
	// CookieName is __Host-piaf_session over https; on plain-http localhost
	// (development, tests) browsers refuse Secure cookies, so it is
	// piaf_session without the prefix.
	CookieName string
	maxAge     time.Duration
}

// NewWeb binds the service to the public URL.
func NewWeb(svc *Service, cfg config.Config) *Web {
	w := &Web{svc: svc, secure: cfg.Secure(), maxAge: cfg.SessionMaxAge, CookieName: "piaf_session"}
	if w.secure {
		w.CookieName = "__Host-piaf_session"
	}
	if u, err := url.Parse(cfg.PublicURL); err == nil {
		w.origin = u.Scheme + "://" + u.Host
	}
	return w
}

// Authenticate implements httpapi.Authenticator. A stale or unknown cookie
// makes the caller anonymous (public pages keep working); a bad bearer
// token is an error, since a script must learn its token is dead.
func (w *Web) Authenticate(c echo.Context) (*identity.Principal, error) {
	ctx := c.Request().Context()
	if h := c.Request().Header.Get("Authorization"); h != "" {
		scheme, secret, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return nil, ErrBadToken
		}
		return w.svc.TokenPrincipal(ctx, strings.TrimSpace(secret))
	}
	ck, err := c.Cookie(w.CookieName)
	if err != nil || ck.Value == "" {
		return nil, nil
	}
	p, csrf, err := w.svc.SessionPrincipal(ctx, ck.Value)
	if err != nil || p == nil {
		return nil, err
	}
	c.Set(csrfKey, csrf)
	return p, nil
}

// Check implements httpapi.CSRFGuard for state-changing requests made from
// a browser: the Origin (or, without it, Sec-Fetch-Site) must be this
// site, and a signed-in caller must echo the session's CSRF token.
func (w *Web) Check(c echo.Context, p *identity.Principal, requireToken bool) error {
	h := c.Request().Header
	if o := h.Get("Origin"); o != "" {
		if o != w.origin {
			return ErrBadOrigin
		}
	} else if site := h.Get("Sec-Fetch-Site"); site == "cross-site" {
		return ErrBadOrigin
	}
	if !requireToken || p == nil {
		return nil
	}
	expected, _ := c.Get(csrfKey).(string)
	return CheckCSRF(expected, h.Get(CSRFHeader))
}

// CheckOrigin applies the same-site check alone (WebSocket upgrades).
func (w *Web) CheckOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	return o == "" || o == w.origin
}

// setSessionCookie writes the session cookie: HttpOnly, SameSite=Lax,
// Secure over https, host-only, path /.
func (w *Web) setSessionCookie(c echo.Context, value string, expires time.Time) {
	c.SetCookie(&http.Cookie{Name: w.CookieName, Value: value, Path: "/", HttpOnly: true, Secure: w.secure,
		SameSite: http.SameSiteLaxMode, Expires: expires, MaxAge: int(time.Until(expires).Seconds())})
}

func (w *Web) clearSessionCookie(c echo.Context) {
	c.SetCookie(&http.Cookie{Name: w.CookieName, Value: "", Path: "/", HttpOnly: true, Secure: w.secure,
		SameSite: http.SameSiteLaxMode, MaxAge: -1, Expires: time.Unix(0, 0)})
}

// meta describes the request for the audit log.
func meta(c echo.Context) RequestMeta {
	return RequestMeta{IP: c.RealIP(), UserAgent: c.Request().UserAgent()}
}
