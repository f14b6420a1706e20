package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDefaultsNeedNoSetting(t *testing.T) {
	cfg, err := LoadFrom(nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != ":8080" || cfg.DataDir != "./data" || cfg.UsesPostgres() || cfg.Production() || cfg.JSONLogs() {
		t.Fatalf("unexpected defaults: %+v", cfg)
	}
	if cfg.ShutdownTimeout != 8*time.Second {
		t.Fatalf("shutdown timeout %s", cfg.ShutdownTimeout)
	}
}

func TestBadValuesNameTheirVariable(t *testing.T) {
	cases := map[string]string{
		"PIAF_ADDR=localhost":                  "PIAF_ADDR",
		"PIAF_DATABASE_URL=mysql://db/x":       "PIAF_DATABASE_URL",
		"PIAF_DATABASE_URL=postgres:///nohost": "PIAF_DATABASE_URL",
		"PIAF_ENV=staging":                     "PIAF_ENV",
		"PIAF_DB_MAX_OPEN_CONNS=many":          "PIAF_DB_MAX_OPEN_CONNS",
		"PIAF_DB_MAX_OPEN_CONNS=0":             "PIAF_DB_MAX_OPEN_CONNS",
		"PIAF_SHUTDOWN_TIMEOUT=soon":           "PIAF_SHUTDOWN_TIMEOUT",
		"PIAF_LOG_LEVEL=loud":                  "PIAF_LOG_LEVEL",
		"PIAF_PUBLIC_URL=ftp://x":              "PIAF_PUBLIC_URL",
		"PIAF_TRUSTED_PROXIES=10.0.0.0/8,bad":  "PIAF_TRUSTED_PROXIES",
		"PIAF_MAX_BODY_BYTES=12":               "PIAF_MAX_BODY_BYTES",
	}
	for kv, name := range cases {
		_, err := LoadFrom([]string{kv})
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: want an error naming %s, got %v", kv, name, err)
		}
	}
}

func TestProductionRequiresHTTPSAndASecret(t *testing.T) {
	_, err := LoadFrom([]string{"PIAF_ENV=production"})
	if err == nil || !strings.Contains(err.Error(), "PIAF_PUBLIC_URL") || !strings.Contains(err.Error(), "PIAF_SECRET_KEY") {
		t.Fatalf("got %v", err)
	}
	cfg, err := LoadFrom([]string{"PIAF_ENV=production", "PIAF_PUBLIC_URL=https://piaf.example.gouv.fr", "PIAF_SECRET_KEY=" + strings.Repeat("k", 32)})
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.JSONLogs() || !cfg.Secure() {
		t.Fatal("production must log JSON and use Secure cookies")
	}
}

func TestSecretsFromFiles(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	if err := os.WriteFile(secret, []byte("s3cr3t-from-a-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadFrom([]string{"PIAF_SECRET_KEY_FILE=" + secret})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.SecretKey != "s3cr3t-from-a-file" {
		t.Fatalf("secret %q", cfg.SecretKey)
	}
	if _, err := LoadFrom([]string{"PIAF_SECRET_KEY_FILE=" + secret, "PIAF_SECRET_KEY=x"}); err == nil {
		t.Fatal("both NAME and NAME_FILE set must be refused")
	}
	if _, err := LoadFrom([]string{"PIAF_SECRET_KEY_FILE=" + filepath.Join(dir, "missing")}); err == nil || !strings.Contains(err.Error(), "PIAF_SECRET_KEY_FILE") {
		t.Fatalf("missing file: %v", err)
	}
}

func TestRedactedDatabaseURLHidesThePassword(t *testing.T) {
	cfg, err := LoadFrom([]string{"PIAF_DATABASE_URL=postgres://piaf:hunter2@db:5432/piaf"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(cfg.RedactedDatabaseURL(), "hunter2") {
		t.Fatal(cfg.RedactedDatabaseURL())
	}
}
