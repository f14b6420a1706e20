// Package apptest runs a whole PIAF node in a test: the real application
// (every domain, the real router and middleware) on a test database, served
// over real HTTP on 127.0.0.1, with a fake ProConnect and an SMTP sink
// beside it. Clients keep cookies and send the CSRF token like the SPA.
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/lab-ia/piaf/backend/internal/app"
	"github.com/lab-ia/piaf/backend/internal/auth"
	"github.com/lab-ia/piaf/backend/internal/auth/proconnecttest"
	"github.com/lab-ia/piaf/backend/internal/config"
	"github.com/lab-ia/piaf/backend/internal/database"
	"github.com/lab-ia/piaf/backend/internal/identity"
	"github.com/lab-ia/piaf/backend/internal/jobs"
	"github.com/lab-ia/piaf/backend/internal/mail/mailtest"
)

// ClientSecret is the fake ProConnect's secret for PIAF.
const ClientSecret = "client-secret-for-tests"

// Env is a running PIAF with its fakes.
type Env struct {
	T          testing.TB
	App        *app.App
	URL        string
	Sink       *mailtest.Sink
	ProConnect *proconnecttest.Server
	DB         *database.DB
}

// settings are what options change.
type settings struct {
	env  map[string]string
	jobs []jobs.Handler
}

// Option adjusts the node under test.
type Option func(s *settings)

// WithEnv sets one environment variable.
func WithEnv(k, v string) Option { return func(s *settings) { s.env[k] = v } }

// WithJobs registers extra job kinds.
func WithJobs(hs ...jobs.Handler) Option { return func(s *settings) { s.jobs = append(s.jobs, hs...) } }

// Start runs PIAF on db.
func Start(t testing.TB, db *database.DB, opts ...Option) *Env {
	t.Helper()
	sink, err := mailtest.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sink.Close() })

	piafLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	piafURL := "http://" + piafLn.Addr().String()
	pcLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	pcURL := "http://" + pcLn.Addr().String()
	pc, err := proconnecttest.New(pcURL, []proconnecttest.Client{{
		ID: "piaf-test", Secret: ClientSecret,
		RedirectURIs:           []string{piafURL + "/api/v1/auth/oidc/proconnect/callback"},
		PostLogoutRedirectURIs: []string{piafURL + "/api/v1/auth/oidc/proconnect/logout-callback"},
	}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	pcSrv := httptest.NewUnstartedServer(pc.Handler())
	pcSrv.Listener.Close()
	pcSrv.Listener = pcLn
	pcSrv.Start()
	t.Cleanup(pcSrv.Close)

	vars := map[string]string{
		"PIAF_PUBLIC_URL":                    piafURL,
		"PIAF_DATA_DIR":                      t.TempDir(),
		"PIAF_SMTP_ADDR":                     sink.Addr(),
		"PIAF_SMTP_TLS":                      "none",
		"PIAF_OIDC_PROVIDERS":                "proconnect",
		"PIAF_OIDC_PROCONNECT_ISSUER":        pc.Issuer(),
		"PIAF_OIDC_PROCONNECT_CLIENT_ID":     "piaf-test",
		"PIAF_OIDC_PROCONNECT_CLIENT_SECRET": ClientSecret,
		"PIAF_ROLE_RULES":                    "moderator:siret=13002526500013",
	}
	set := &settings{env: vars}
	for _, o := range opts {
		o(set)
	}
	environ := make([]string, 0, len(vars))
	for k, v := range vars {
		environ = append(environ, k+"="+v)
	}
	cfg, err := config.LoadFrom(environ)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	if os.Getenv("PIAF_TEST_LOG") == "1" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	a, err := app.New(context.Background(), cfg, log, app.Options{DB: db, ExtraJobs: set.jobs})
	if err != nil {
		t.Fatal(err)
	}
	// The real Run: HTTP, jobs and the live feed, stopped at cleanup.
	ctx, cancel := context.WithCancel(context.Background())
	piafLn.Close()
	a.Config.Addr = piafLn.Addr().String()
	ready := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, ready) }()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("piaf did not start: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		<-done
		_ = a.Close()
	})
	return &Env{T: t, App: a, URL: piafURL, Sink: sink, ProConnect: pc, DB: db}
}

// Client is a browser-like API client: it keeps cookies, sends the Origin
// of the site and the session's CSRF token.
type Client struct {
	env  *Env
	HTTP *http.Client
	CSRF string
	// Bearer, when set, is sent as an API token instead of cookies.
	Bearer string
}

// NewClient returns an anonymous client.
func (e *Env) NewClient() *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{env: e, HTTP: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// Response is a decoded answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// ErrorCode returns error.code of an error body ("" otherwise).
func (r *Response) ErrorCode() string {
	var b struct {
		Error struct{ Code string } `json:"error"`
	}
	_ = json.Unmarshal(r.Body, &b)
	return b.Error.Code
}

// Do sends a request; body is marshalled to JSON unless it is an io.Reader.
func (c *Client) Do(method, path string, body any) *Response {
	c.env.T.Helper()
	var rd io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case io.Reader:
		rd = b
	case string:
		rd, ct = strings.NewReader(b), "application/json"
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			c.env.T.Fatal(err)
		}
		rd, ct = bytes.NewReader(buf), "application/json"
	}
	return c.DoType(method, path, ct, rd)
}

// Must sends a request and fails the test unless the status is want.
func (c *Client) Must(want int, method, path string, body any) *Response {
	c.env.T.Helper()
	r := c.Do(method, path, body)
	if r.Status != want {
		c.env.T.Fatalf("%s %s: status %d, want %d: %s", method, path, r.Status, want, r.Body)
	}
	return r
}

// Login signs in with a password and keeps the CSRF token.
func (c *Client) Login(email, password string) *Response {
	c.env.T.Helper()
	r := c.Do(http.MethodPost, "/api/v1/auth/login", map[string]string{"email": email, "password": password})
	if r.Status == http.StatusOK {
		var info auth.SessionInfo
		r.JSON(c.env.T, &info)
		c.CSRF = info.CSRFToken
	}
	return r
}

// TestPassword is a password every policy accepts.
const TestPassword = "cheval-batterie-agrafe-correcte-42"

// User creates a verified local account with a role and returns a client
// signed in as it.
func (e *Env) User(role identity.Role, pseudonym string) (*Client, *auth.User) {
	e.T.Helper()
	email := strings.ToLower(strings.ReplaceAll(pseudonym, " ", ".")) + "@exemple.fr"
	u, err := e.App.Auth.CreateUserWithPassword(context.Background(), email, pseudonym, TestPassword, role)
	if err != nil {
		e.T.Fatalf("create %s: %v", pseudonym, err)
	}
	c := e.NewClient()
	if r := c.Login(email, TestPassword); r.Status != http.StatusOK {
		e.T.Fatalf("login %s: %d %s", email, r.Status, r.Body)
	}
	return c, u
}

// Count returns the number of rows of table matching where.
func (e *Env) Count(table, where string, args ...any) int64 {
	e.T.Helper()
	var n int64
	q := fmt.Sprintf("SELECT count(*) FROM %s", table)
	if where != "" {
		q += " WHERE " + where
	}
	if err := e.DB.Gorm.Raw(q, args...).Scan(&n).Error; err != nil {
		e.T.Fatal(err)
	}
	return n
}

// SessionClient opens a fresh session for u without a password round trip
// (cheap enough to give each request of a matrix its own session).
func (e *Env) SessionClient(u *auth.User) *Client {
	e.T.Helper()
	ns, err := e.App.Auth.StartSession(context.Background(), u, "", "", "", auth.RequestMeta{IP: "127.0.0.1"})
	if err != nil {
		e.T.Fatal(err)
	}
	c := e.NewClient()
	req, _ := http.NewRequest(http.MethodGet, e.URL, nil)
	c.HTTP.Jar.SetCookies(req.URL, []*http.Cookie{{Name: "piaf_session", Value: ns.Cookie, Path: "/"}})
	c.CSRF = ns.CSRFToken
	return c
}

// TokenClient returns a client calling with a new API token of u.
func (e *Env) TokenClient(u *auth.User, scopes ...identity.Scope) *Client {
	e.T.Helper()
	ct, err := e.App.Auth.CreateToken(context.Background(), &identity.Principal{UserID: u.ID, Role: u.Role},
		auth.TokenRequest{Name: "test", Scopes: scopes}, auth.RequestMeta{IP: "127.0.0.1"})
	if err != nil {
		e.T.Fatal(err)
	}
	c := e.NewClient()
	c.Bearer = ct.Secret
	return c
}

// Upload posts a multipart/form-data form: the plain fields (sent first,
// in name order) and, when fileName is not empty, data as the "file" field.
func (c *Client) Upload(path string, fields map[string]string, fileName string, data []byte) *Response {
	c.env.T.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if err := mw.WriteField(k, fields[k]); err != nil {
			c.env.T.Fatal(err)
		}
	}
	if fileName != "" {
		w, err := mw.CreateFormFile("file", fileName)
		if err != nil {
			c.env.T.Fatal(err)
		}
		w.Write(data)
	}
	if err := mw.Close(); err != nil {
		c.env.T.Fatal(err)
	}
	return c.DoType(http.MethodPost, path, mw.FormDataContentType(), &buf)
}

// DoType sends a body with the given content type (none when empty), as
// a browser of the site would: Origin, CSRF token or API token.
func (c *Client) DoType(method, path, contentType string, body io.Reader) *Response {
	c.env.T.Helper()
	req, err := http.NewRequest(method, c.env.URL+path, body)
	if err != nil {
		c.env.T.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Origin", c.env.URL)
	if c.CSRF != "" {
		req.Header.Set(auth.CSRFHeader, c.CSRF)
	}
	if c.Bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.Bearer)
	}
	res, err := c.HTTP.Do(req)
	if err != nil {
		c.env.T.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return &Response{Status: res.StatusCode, Header: res.Header, Body: b}
}

// WaitJob polls a job until it ends (at most three minutes, so that a
// training on a loaded machine still finishes) and returns its last view.
func (c *Client) WaitJob(id int64) jobs.View {
	c.env.T.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		var v jobs.View
		c.Must(200, http.MethodGet, fmt.Sprintf("/api/v1/jobs/%d", id), nil).JSON(c.env.T, &v)
		if v.State.Terminal() {
			return v
		}
		if time.Now().After(deadline) {
			c.env.T.Fatalf("job %d still %s after 3 minutes", id, v.State)
		}
		time.Sleep(30 * time.Millisecond)
	}
}
