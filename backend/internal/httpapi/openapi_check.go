package httpapi

import (
	"encoding/json"
	"strings"
	"testing"
)

// notDocumented lists the API paths deliberately left out of the OpenAPI
// document: the document itself and the catch-all 404.
var notDocumented = map[string]bool{
	"/api/v1/openapi.json": true,
	"/api/*":               true,
}

// AssertOpenAPICoversRoutes fails t when a route mounted on the router under
// /api/ is missing from the OpenAPI document (e.g. registered with e.GET
// directly instead of through an api.Route). The application's own test
// calls it with the fully wired server.
func AssertOpenAPICoversRoutes(t testing.TB, s *Server) {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(s.OpenAPI(), &doc); err != nil {
		t.Fatalf("openapi: %v", err)
	}
	n := 0
	for _, r := range s.Echo().Routes() {
		if !strings.HasPrefix(r.Path, "/api/") || notDocumented[r.Path] {
			continue
		}
		n++
		path := openAPIPath(r.Path)
		ops, ok := doc.Paths[path]
		if !ok {
			t.Errorf("route %s %s is not in the OpenAPI document", r.Method, r.Path)
			continue
		}
		if _, ok := ops[strings.ToLower(r.Method)]; !ok {
			t.Errorf("route %s %s: method missing from the OpenAPI document", r.Method, r.Path)
		}
	}
	if n == 0 {
		t.Fatal("no API route registered")
	}
}

// openAPIPath converts Echo's :param syntax back to {param}.
func openAPIPath(p string) string {
	parts := strings.Split(p, "/")
	for i, part := range parts {
		if strings.HasPrefix(part, ":") {
			parts[i] = "{" + part[1:] + "}"
		}
	}
	return strings.Join(parts, "/")
}
