package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/lab-ia/piaf/backend/internal/app"
	"github.com/lab-ia/piaf/backend/internal/config"
	"github.com/lab-ia/piaf/backend/internal/httpapi"
)

func newApp(t *testing.T) *app.App {
	t.Helper()
	cfg, err := config.LoadFrom([]string{"PIAF_DATA_DIR=" + t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(context.Background(), cfg, slog.New(slog.DiscardHandler), app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	return a
}

func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	httpapi.AssertOpenAPICoversRoutes(t, newApp(t).Server)
}

// TestFrontendClientIsGeneratedFromTheCurrentAPI fails when the API changed
// but `make api` was not run, so the SPA's typed client cannot drift.
func TestFrontendClientIsGeneratedFromTheCurrentAPI(t *testing.T) {
	committed, err := os.ReadFile(filepath.Join("..", "..", "..", "frontend", "src", "lib", "api", "openapi.json"))
	if err != nil {
		t.Fatalf("frontend/src/lib/api/openapi.json: %v (run make api)", err)
	}
	var want, got any
	if err := json.Unmarshal(committed, &want); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(newApp(t).Server.OpenAPI(), &got); err != nil {
		t.Fatal(err)
	}
	wb, _ := json.Marshal(want)
	gb, _ := json.Marshal(got)
	if !bytes.Equal(wb, gb) {
		t.Fatal("frontend/src/lib/api/openapi.json is stale: run `make api` and commit the result")
	}
}

func TestDemoModeIsRefusedInProduction(t *testing.T) {
	cfg, err := config.LoadFrom([]string{"PIAF_ENV=production", "PIAF_PUBLIC_URL=https://piaf.example.gouv.fr",
		"PIAF_SECRET_KEY=0123456789abcdef0123456789abcdef", "PIAF_SMTP_ADDR=smtp.example.gouv.fr:587", "PIAF_DATA_DIR=" + t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.New(context.Background(), cfg, slog.New(slog.DiscardHandler), app.Options{Demo: true}); err == nil {
		t.Fatal("demo mode accepted in production")
	}
}
