package httpapi_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/labstack/echo/v4"

	"github.com/lab-ia/piaf/backend/internal/api"
	"github.com/lab-ia/piaf/backend/internal/apperr"
	"github.com/lab-ia/piaf/backend/internal/config"
	"github.com/lab-ia/piaf/backend/internal/httpapi"
)

// echoBody is a test request type documented in the OpenAPI document.
type echoBody struct {
	Name string `json:"name" required:"true"`
}

// testRoutes exercises the error paths of the web layer.
type testRoutes struct{}

func (testRoutes) Routes() []api.Route {
	return []api.Route{
		{Method: http.MethodPost, Path: "/api/v1/test/echo", OperationID: "testEcho", Access: api.Public, Request: echoBody{},
			Responses: []api.Response{{Status: 200, Body: echoBody{}}},
			Handler: func(c echo.Context) error {
				var b echoBody
				if err := api.BindJSON(c, &b); err != nil {
					return err
				}
				var v apperr.Validation
				if strings.TrimSpace(b.Name) == "" {
					v.Add("name", "must not be empty")
				}
				if err := v.Err(); err != nil {
					return err
				}
				return c.JSON(200, b)
			}},
		{Method: http.MethodGet, Path: "/api/v1/test/items/{id}", OperationID: "testItem", Access: api.Public, Request: api.IDPath{},
			Handler: func(c echo.Context) error {
				id, err := api.PathID(c, "id")
				if err != nil {
					return err
				}
				if id == 409 {
					return apperr.New(apperr.Conflict, "item_locked", "the item is locked").WithDetails("state", "locked")
				}
				return errors.New("database exploded with secret details")
			}},
		{Method: http.MethodGet, Path: "/api/v1/test/private", OperationID: "testPrivate", Access: api.Moderators,
			Handler: func(c echo.Context) error { return c.NoContent(204) }},
		{Method: http.MethodGet, Path: "/api/v1/test/panic", OperationID: "testPanic", Access: api.Public,
			Handler: func(c echo.Context) error { panic("boom") }},
	}
}

func newServer(t *testing.T, spa fstest.MapFS) *httptest.Server {
	t.Helper()
	cfg, err := config.LoadFrom(nil)
	if err != nil {
		t.Fatal(err)
	}
	deps := httpapi.Deps{Config: cfg, Routes: []api.Provider{testRoutes{}}}
	if spa != nil {
		deps.SPA = spa
	}
	s, err := httpapi.New(deps)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return ts
}

func decodeError(t *testing.T, res *http.Response) api.ErrorDetail {
	t.Helper()
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("error response content type %q", ct)
	}
	var body api.ErrorBody
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if body.Error.Code == "" || body.Error.Message == "" || body.Error.RequestID == "" {
		t.Fatalf("incomplete error body: %+v", body)
	}
	return body.Error
}

func TestErrorsAreJSONWithTheRightStatus(t *testing.T) {
	ts := newServer(t, nil)
	post := func(body, ct string) *http.Response {
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/api/v1/test/echo", strings.NewReader(body))
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	cases := []struct {
		name, body, ct string
		status         int
		code           string
	}{
		{"malformed", `{"name":`, "application/json", 400, "invalid_json"},
		{"unknown field", `{"name":"a","admin":true}`, "application/json", 400, "unknown_field"},
		{"wrong type", `{"name":12}`, "application/json", 400, "invalid_json"},
		{"two values", `{"name":"a"}{"name":"b"}`, "application/json", 400, "invalid_json"},
		{"not json", `name=a`, "application/x-www-form-urlencoded", 400, "unsupported_media_type"},
		{"validation", `{"name":"  "}`, "application/json", 422, "validation_failed"},
		{"too large", `{"name":"` + strings.Repeat("é", 700_000) + `"}`, "application/json", 413, "body_too_large"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := post(tc.body, tc.ct)
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", res.StatusCode, tc.status)
			}
			if e := decodeError(t, res); e.Code != tc.code {
				t.Fatalf("code %q, want %q", e.Code, tc.code)
			}
		})
	}
	res := post(`{"name":"Élodie d’Arc"}`, "application/json")
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || !strings.Contains(string(b), "Élodie d’Arc") {
		t.Fatalf("valid request: %d %s", res.StatusCode, b)
	}
}

func TestValidationDetailsListTheFields(t *testing.T) {
	ts := newServer(t, nil)
	res, _ := http.Post(ts.URL+"/api/v1/test/echo", "application/json", strings.NewReader(`{"name":""}`))
	e := decodeError(t, res)
	fields, _ := e.Details["fields"].([]any)
	if len(fields) != 1 || fields[0].(map[string]any)["field"] != "name" {
		t.Fatalf("details %+v", e.Details)
	}
}

func TestInternalErrorsHideTheirCauseAndPanicsAreRecovered(t *testing.T) {
	ts := newServer(t, nil)
	for _, path := range []string{"/api/v1/test/items/5", "/api/v1/test/panic"} {
		res, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != 500 {
			t.Fatalf("%s: status %d", path, res.StatusCode)
		}
		e := decodeError(t, res)
		if e.Code != "internal" || strings.Contains(e.Message, "secret") {
			t.Fatalf("%s: %+v", path, e)
		}
	}
	// The server still serves after a panic.
	res, _ := http.Get(ts.URL + "/healthz")
	if res.StatusCode != 200 {
		t.Fatal("server unhealthy after a panic")
	}
}

func TestConflictCarriesDetailsAndUnknownRoutesAre404(t *testing.T) {
	ts := newServer(t, nil)
	res, _ := http.Get(ts.URL + "/api/v1/test/items/409")
	if res.StatusCode != 409 {
		t.Fatalf("status %d", res.StatusCode)
	}
	if e := decodeError(t, res); e.Details["state"] != "locked" {
		t.Fatalf("details %+v", e.Details)
	}
	for _, path := range []string{"/api/v1/test/items/abc", "/api/v1/nothing-here", "/api/v2/x"} {
		res, _ := http.Get(ts.URL + path)
		if res.StatusCode != 404 {
			t.Fatalf("%s: status %d", path, res.StatusCode)
		}
		decodeError(t, res)
	}
	res, _ = http.Post(ts.URL+"/api/v1/test/items/1", "application/json", nil)
	if res.StatusCode != 405 {
		t.Fatalf("wrong method: %d", res.StatusCode)
	}
	decodeError(t, res)
}

func TestAnonymousCallersAreRefusedOnProtectedRoutes(t *testing.T) {
	ts := newServer(t, nil)
	res, _ := http.Get(ts.URL + "/api/v1/test/private")
	if res.StatusCode != 401 {
		t.Fatalf("status %d", res.StatusCode)
	}
	decodeError(t, res)
}

func TestEveryResponseCarriesSecurityHeaders(t *testing.T) {
	ts := newServer(t, fstest.MapFS{
		"index.html": {Data: []byte(`<!doctype html><html><body><script>boot()</script></body></html>`)},
	})
	for _, path := range []string{"/", "/campagnes/3", "/api/v1/version", "/api/v1/missing", "/healthz"} {
		res, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		h := res.Header
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "script-src 'self' 'sha256-") || strings.Contains(csp, "'unsafe-inline' ;") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		if strings.Contains(strings.SplitN(strings.SplitN(csp, "script-src", 2)[1], ";", 2)[0], "unsafe-inline") {
			t.Errorf("%s: inline scripts allowed: %q", path, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("X-Frame-Options") != "DENY" || h.Get("X-Request-Id") == "" {
			t.Errorf("%s: headers %v", path, h)
		}
		if h.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s: HSTS on plain http localhost", path)
		}
	}
}

func TestSPAFallbackAndCaching(t *testing.T) {
	ts := newServer(t, fstest.MapFS{
		"index.html":                {Data: []byte(`<!doctype html><title>PIAF</title>`)},
		"_app/immutable/app.abc.js": {Data: []byte(`console.log(1)`)},
		"favicon.svg":               {Data: []byte(`<svg/>`)},
		"_app/version.json":         {Data: []byte(`{}`)},
	})
	get := func(path string) *http.Response {
		res, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	res := get("/_app/immutable/app.abc.js")
	if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Cache-Control"), "immutable") || !strings.Contains(res.Header.Get("Content-Type"), "javascript") {
		t.Fatalf("hashed asset: %d %v", res.StatusCode, res.Header)
	}
	for _, path := range []string{"/", "/campagnes/12/annoter", "/index.html"} {
		res = get(path)
		if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") || !strings.Contains(res.Header.Get("Cache-Control"), "no-store") {
			t.Fatalf("%s: %d %v", path, res.StatusCode, res.Header)
		}
	}
	if res = get("/_app/immutable/missing.js"); res.StatusCode != 404 {
		t.Fatalf("missing asset served as %d", res.StatusCode)
	}
	if res = get("/favicon-missing.png"); res.StatusCode != 404 {
		t.Fatalf("missing image served as %d", res.StatusCode)
	}
	// A route with a dot (a version number) is the app's, not a file.
	if res = get("/campagnes/1/versions/1.0.0"); res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("route with a version: %d", res.StatusCode)
	}
	if res = get("/../../etc/passwd"); res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("traversal: %d", res.StatusCode)
	}
}

func TestPlaceholderWhenTheFrontendIsNotBuilt(t *testing.T) {
	ts := newServer(t, fstest.MapFS{})
	res, err := http.Get(ts.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || !strings.Contains(string(b), "n'est pas construite") {
		t.Fatalf("%d %s", res.StatusCode, b)
	}
}

func TestOpenAPIDescribesEveryRegisteredAPIRoute(t *testing.T) {
	cfg, _ := config.LoadFrom(nil)
	s, err := httpapi.New(httpapi.Deps{Config: cfg, Routes: []api.Provider{testRoutes{}}, SPA: fstest.MapFS{}})
	if err != nil {
		t.Fatal(err)
	}
	httpapi.AssertOpenAPICoversRoutes(t, s)
}
