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
	cfg, err := LoadFrom([]string{"PIAF_ENV=production", "PIAF_PUBLIC_URL=https://piaf.example.gouv.fr", "PIAF_SECRET_KEY=" + strings.Repeat("k", 32), "PIAF_SMTP_ADDR=smtp.example.gouv.fr:587"})
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

func TestOIDCProvidersAreReadPerName(t *testing.T) {
	cfg, err := LoadFrom([]string{
		"PIAF_OIDC_PROVIDERS=proconnect,keycloak",
		"PIAF_OIDC_PROCONNECT_ISSUER=https://fca.integ01.dev-agentconnect.fr/api/v2",
		"PIAF_OIDC_PROCONNECT_CLIENT_ID=piaf", "PIAF_OIDC_PROCONNECT_CLIENT_SECRET=s",
		"PIAF_OIDC_PROCONNECT_MIN_ACR=eidas1",
		"PIAF_OIDC_KEYCLOAK_ISSUER=https://sso.example.fr/realms/x", "PIAF_OIDC_KEYCLOAK_CLIENT_ID=piaf",
		"PIAF_OIDC_KEYCLOAK_CLIENT_SECRET=t", "PIAF_OIDC_KEYCLOAK_KIND=oidc", "PIAF_OIDC_KEYCLOAK_SCOPES=openid email profile",
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.OIDCProviders) != 2 {
		t.Fatalf("%+v", cfg.OIDCProviders)
	}
	pc, kc := cfg.OIDCProviders[0], cfg.OIDCProviders[1]
	if !pc.ProConnect || pc.Label != "ProConnect" || len(pc.Scopes) != len(DefaultOIDCScopes) || pc.MinACR != "eidas1" {
		t.Fatalf("proconnect: %+v", pc)
	}
	if kc.ProConnect || strings.Join(kc.Scopes, " ") != "openid email profile" {
		t.Fatalf("keycloak: %+v", kc)
	}
	for _, bad := range [][]string{
		{"PIAF_OIDC_PROVIDERS=x", "PIAF_OIDC_X_ISSUER=https://x", "PIAF_OIDC_X_CLIENT_ID=a"},
		{"PIAF_OIDC_PROVIDERS=x", "PIAF_OIDC_X_ISSUER=not a url", "PIAF_OIDC_X_CLIENT_ID=a", "PIAF_OIDC_X_CLIENT_SECRET=b"},
		{"PIAF_OIDC_PROVIDERS=Bad Name"},
		{"PIAF_OIDC_PROVIDERS=x", "PIAF_OIDC_X_ISSUER=https://x", "PIAF_OIDC_X_CLIENT_ID=a", "PIAF_OIDC_X_CLIENT_SECRET=b", "PIAF_OIDC_X_MIN_ACR=eidas9"},
	} {
		if _, err := LoadFrom(bad); err == nil || !strings.Contains(err.Error(), "PIAF_OIDC_") {
			t.Errorf("%v: %v", bad, err)
		}
	}
}

func TestACROrdering(t *testing.T) {
	if !ACRAtLeast("eidas2", "eidas1") || ACRAtLeast("eidas1", "eidas2") || ACRAtLeast("", "eidas1") || !ACRAtLeast("anything", "") {
		t.Fatal("acr ordering")
	}
}

func TestRoleRules(t *testing.T) {
	rules, err := ParseRoleRules("moderator:siret=13002526500013, consumer:email=*@interieur.gouv.fr")
	if err != nil || len(rules) != 2 {
		t.Fatal(rules, err)
	}
	if !rules[0].Matches("13002526500013", "") || rules[0].Matches("13002526500014", "") {
		t.Fatal("siret rule")
	}
	if !rules[1].Matches("", "Jean.Dupont@Interieur.gouv.fr") || rules[1].Matches("", "x@interieur.gouv.fr.evil.com") {
		t.Fatal("email rule")
	}
	for _, bad := range []string{"admin:siret=1", "moderator:phone=1", "moderator", "moderator:siret="} {
		if _, err := ParseRoleRules(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
