// Package config reads PIAF's settings from environment variables (and
// NAME_FILE variants for secrets), validates them once at start-up, and hands
// a typed Config to the rest of the program. A bad value stops the server with
// a message naming the variable, instead of failing later in a handler.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
)

// Environment values recognised by PIAF_ENV.
const (
	EnvDevelopment = "development"
	EnvProduction  = "production"
)

// Config is every setting of a PIAF process. Fields are filled from the
// variables named in their env tags.
type Config struct {
	// Env selects defaults meant for a developer laptop or for production
	// (JSON logs, Secure cookies required).
	Env string `env:"PIAF_ENV" envDefault:"development"`
	// Addr is where `piaf serve` listens.
	Addr string `env:"PIAF_ADDR" envDefault:":8080"`
	// DebugAddr, when set (e.g. 127.0.0.1:6060), serves Go's profiler
	// (/debug/pprof/) there, apart from the public address, so that an
	// operator can see where a loaded node spends its time. Never expose
	// it beyond the host.
	DebugAddr string `env:"PIAF_DEBUG_ADDR"`
	// PublicURL is the address users type in their browser; it fixes the
	// allowed Origin for CSRF checks and the OIDC redirect URLs.
	PublicURL string `env:"PIAF_PUBLIC_URL" envDefault:"http://localhost:8080"`
	// DatabaseURL empty means the embedded SQLite database in DataDir; a
	// postgres:// URL means PostgreSQL.
	DatabaseURL string `env:"PIAF_DATABASE_URL"`
	// DataDir holds the SQLite file, search indexes, models and blobs.
	DataDir string `env:"PIAF_DATA_DIR" envDefault:"./data"`
	// DBMaxOpenConns bounds the PostgreSQL pool per node.
	DBMaxOpenConns int `env:"PIAF_DB_MAX_OPEN_CONNS" envDefault:"25"`

	// LogFormat is json or text; empty picks json in production, text otherwise.
	LogFormat string `env:"PIAF_LOG_FORMAT"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `env:"PIAF_LOG_LEVEL" envDefault:"info"`

	// MaxBodyBytes limits JSON request bodies.
	MaxBodyBytes int64 `env:"PIAF_MAX_BODY_BYTES" envDefault:"1048576"`
	// MaxUploadBytes limits file uploads (imports, documents to pseudonymise).
	MaxUploadBytes int64 `env:"PIAF_MAX_UPLOAD_BYTES" envDefault:"209715200"`
	// ShutdownTimeout is how long in-flight requests get to finish on SIGTERM.
	ShutdownTimeout time.Duration `env:"PIAF_SHUTDOWN_TIMEOUT" envDefault:"8s"`
	// TrustedProxies lists CIDRs whose X-Forwarded-For is believed when
	// finding the client address (for rate limits and the audit log).
	TrustedProxies []string `env:"PIAF_TRUSTED_PROXIES" envSeparator:","`

	// SecretKey keys HMAC pseudonyms and other keyed hashes; it must be set
	// in production (PIAF_SECRET_KEY or PIAF_SECRET_KEY_FILE).
	SecretKey string `env:"PIAF_SECRET_KEY"`

	// SessionIdleTimeout ends a session not used for this long.
	SessionIdleTimeout time.Duration `env:"PIAF_SESSION_IDLE_TIMEOUT" envDefault:"72h"`
	// SessionMaxAge ends every session this long after sign-in.
	SessionMaxAge time.Duration `env:"PIAF_SESSION_MAX_AGE" envDefault:"720h"`
	// LoginMaxFailures is how many failed sign-ins an account (or, times
	// six, an address) may make in LoginFailureWindow before being throttled.
	LoginMaxFailures   int           `env:"PIAF_LOGIN_MAX_FAILURES" envDefault:"5"`
	LoginFailureWindow time.Duration `env:"PIAF_LOGIN_FAILURE_WINDOW" envDefault:"15m"`

	// SMTP sends verification and password-reset e-mails. Empty SMTPAddr in
	// development writes the e-mails to the log instead.
	SMTPAddr     string `env:"PIAF_SMTP_ADDR"`
	SMTPUsername string `env:"PIAF_SMTP_USERNAME"`
	SMTPPassword string `env:"PIAF_SMTP_PASSWORD"`
	SMTPFrom     string `env:"PIAF_SMTP_FROM" envDefault:"PIAF <ne-pas-repondre@piaf.localhost>"`
	// SMTPTLS is starttls (default), tls (implicit, port 465) or none (a
	// local relay or the test sink).
	SMTPTLS string `env:"PIAF_SMTP_TLS" envDefault:"starttls"`

	// OIDCProviderNames lists the OpenID Connect providers to offer, e.g.
	// "proconnect"; each NAME is configured by PIAF_OIDC_<NAME>_* variables.
	OIDCProviderNames []string `env:"PIAF_OIDC_PROVIDERS" envSeparator:","`
	// OIDCProviders is filled from the per-provider variables.
	OIDCProviders []OIDCProvider `env:"-"`
	// JobWorkers is how many background jobs this node runs at once; 0
	// makes an API-only node.
	JobWorkers int `env:"PIAF_JOB_WORKERS" envDefault:"2"`
	// JobRescueAfter is how long a job may stay running on a node that
	// died before another node runs it again (never before the job's own
	// timeout has passed).
	JobRescueAfter time.Duration `env:"PIAF_JOB_RESCUE_AFTER" envDefault:"1m"`
	// LiveMaxConnsPerUser bounds one user's websocket connections per node.
	LiveMaxConnsPerUser int `env:"PIAF_LIVE_MAX_CONNS_PER_USER" envDefault:"20"`
	// BlobDir holds release files (content-addressed) when no S3 bucket is
	// configured; default DataDir/blobs.
	BlobDir string `env:"PIAF_BLOB_DIR"`
	// S3Endpoint (host:port) and S3Bucket store release files in
	// S3-compatible object storage instead (OVHcloud, Scaleway, MinIO…).
	S3Endpoint  string `env:"PIAF_S3_ENDPOINT"`
	S3Bucket    string `env:"PIAF_S3_BUCKET"`
	S3Region    string `env:"PIAF_S3_REGION"`
	S3AccessKey string `env:"PIAF_S3_ACCESS_KEY"`
	S3SecretKey string `env:"PIAF_S3_SECRET_KEY"`
	S3Prefix    string `env:"PIAF_S3_PREFIX"`
	// S3Insecure talks plain HTTP to the endpoint (a local MinIO only).
	S3Insecure bool `env:"PIAF_S3_INSECURE"`

	// EventRetention is how long live events stay replayable.
	EventRetention time.Duration `env:"PIAF_EVENT_RETENTION" envDefault:"24h"`

	// TaskLease is how long a paragraph stays reserved for a contributor
	// without activity (the screen renews it while they work).
	TaskLease time.Duration `env:"PIAF_TASK_LEASE" envDefault:"20m"`

	// RoleRules grant roles at ProConnect sign-in, e.g.
	// "moderator:siret=13002526500013,consumer:email=*@interieur.gouv.fr".
	RoleRules string `env:"PIAF_ROLE_RULES"`
}

// secretVars lists the variables that may also be given as NAME_FILE, the
// path of a file holding the value (Docker and Kubernetes secrets).
var secretVars = []string{"PIAF_SECRET_KEY", "PIAF_DATABASE_URL", "PIAF_SMTP_PASSWORD", "PIAF_S3_SECRET_KEY"}

// Load reads the process environment.
func Load() (Config, error) {
	return LoadFrom(os.Environ())
}

// LoadFrom reads settings from a list of KEY=VALUE pairs, which keeps tests
// free of process-wide environment changes.
func LoadFrom(environ []string) (Config, error) {
	vars := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			vars[k] = v
		}
	}
	for _, name := range secretVars {
		path := vars[name+"_FILE"]
		if path == "" {
			continue
		}
		if vars[name] != "" {
			return Config{}, fmt.Errorf("%s and %s_FILE are both set: keep one", name, name)
		}
		v, err := readSecretFile(path)
		if err != nil {
			return Config{}, fmt.Errorf("%s_FILE: %w", name, err)
		}
		vars[name] = v
	}
	var cfg Config
	if err := env.ParseWithOptions(&cfg, env.Options{Environment: vars}); err != nil {
		return Config{}, describe(err)
	}
	providers, err := loadOIDCProviders(cfg.OIDCProviderNames, vars)
	if err != nil {
		return Config{}, err
	}
	cfg.OIDCProviders = providers
	return cfg, cfg.Validate()
}

// describe turns the env library's aggregate error into one line per
// variable, so the operator sees which setting to fix.
func describe(err error) error {
	var agg env.AggregateError
	if !errors.As(err, &agg) {
		return err
	}
	msgs := make([]string, 0, len(agg.Errors))
	for _, e := range agg.Errors {
		var pe env.ParseError
		if errors.As(e, &pe) {
			msgs = append(msgs, fmt.Sprintf("%s: %v", envName(pe.Name), pe.Err))
			continue
		}
		msgs = append(msgs, e.Error())
	}
	return errors.New(strings.Join(msgs, "; "))
}

// envName maps a Config field name to its variable, for error messages.
func envName(field string) string {
	params, err := env.GetFieldParams(&Config{})
	if err == nil {
		for _, p := range params {
			if p.Key != "" && strings.EqualFold(strings.ReplaceAll(p.Key, "_", ""), "PIAF"+field) {
				return p.Key
			}
		}
	}
	return field
}

// Validate checks values that parse but make no sense; each message names
// the variable to fix.
func (c Config) Validate() error {
	var errs []string
	bad := func(name, format string, args ...any) {
		errs = append(errs, name+": "+fmt.Sprintf(format, args...))
	}
	if c.Env != EnvDevelopment && c.Env != EnvProduction {
		bad("PIAF_ENV", "must be %q or %q, got %q", EnvDevelopment, EnvProduction, c.Env)
	}
	if _, port, err := net.SplitHostPort(c.Addr); err != nil || port == "" {
		bad("PIAF_ADDR", "must be HOST:PORT or :PORT, got %q", c.Addr)
	}
	if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
		bad("PIAF_PUBLIC_URL", "must be an absolute http(s) URL without a path, got %q", c.PublicURL)
	} else if c.Env == EnvProduction && u.Scheme != "https" {
		bad("PIAF_PUBLIC_URL", "must use https in production")
	}
	if c.DatabaseURL != "" {
		if _, err := c.PostgresURL(); err != nil {
			bad("PIAF_DATABASE_URL", "%v", err)
		}
	}
	if strings.TrimSpace(c.DataDir) == "" {
		bad("PIAF_DATA_DIR", "must not be empty")
	}
	if c.DBMaxOpenConns < 1 || c.DBMaxOpenConns > 1000 {
		bad("PIAF_DB_MAX_OPEN_CONNS", "must be between 1 and 1000, got %d", c.DBMaxOpenConns)
	}
	switch c.LogFormat {
	case "", "json", "text":
	default:
		bad("PIAF_LOG_FORMAT", "must be json or text, got %q", c.LogFormat)
	}
	if _, err := c.SlogLevel(); err != nil {
		bad("PIAF_LOG_LEVEL", "%v", err)
	}
	if c.MaxBodyBytes < 1024 {
		bad("PIAF_MAX_BODY_BYTES", "must be at least 1024, got %d", c.MaxBodyBytes)
	}
	if c.MaxUploadBytes < c.MaxBodyBytes {
		bad("PIAF_MAX_UPLOAD_BYTES", "must be at least PIAF_MAX_BODY_BYTES (%d), got %d", c.MaxBodyBytes, c.MaxUploadBytes)
	}
	if c.ShutdownTimeout <= 0 || c.ShutdownTimeout > 10*time.Minute {
		bad("PIAF_SHUTDOWN_TIMEOUT", "must be between 1ns and 10m, got %s", c.ShutdownTimeout)
	}
	for _, cidr := range c.TrustedProxies {
		if _, _, err := net.ParseCIDR(strings.TrimSpace(cidr)); err != nil {
			bad("PIAF_TRUSTED_PROXIES", "%q is not a CIDR", cidr)
		}
	}
	if c.Env == EnvProduction && len(c.SecretKey) < 32 {
		bad("PIAF_SECRET_KEY", "must hold at least 32 characters in production (or use PIAF_SECRET_KEY_FILE)")
	}
	if c.SessionIdleTimeout < time.Minute || c.SessionMaxAge < c.SessionIdleTimeout {
		bad("PIAF_SESSION_IDLE_TIMEOUT", "must be at least 1m and at most PIAF_SESSION_MAX_AGE")
	}
	if c.LoginMaxFailures < 1 {
		bad("PIAF_LOGIN_MAX_FAILURES", "must be at least 1")
	}
	if c.LoginFailureWindow < time.Second {
		bad("PIAF_LOGIN_FAILURE_WINDOW", "must be at least 1s")
	}
	if (c.S3Endpoint == "") != (c.S3Bucket == "") {
		bad("PIAF_S3_BUCKET", "PIAF_S3_ENDPOINT and PIAF_S3_BUCKET go together")
	}
	if c.S3Endpoint != "" && (c.S3AccessKey == "" || c.S3SecretKey == "") {
		bad("PIAF_S3_ACCESS_KEY", "S3 storage needs PIAF_S3_ACCESS_KEY and PIAF_S3_SECRET_KEY (or PIAF_S3_SECRET_KEY_FILE)")
	}
	switch c.SMTPTLS {
	case "starttls", "tls", "none":
	default:
		bad("PIAF_SMTP_TLS", "must be starttls, tls or none, got %q", c.SMTPTLS)
	}
	if c.SMTPAddr != "" {
		if _, _, err := net.SplitHostPort(c.SMTPAddr); err != nil {
			bad("PIAF_SMTP_ADDR", "must be HOST:PORT, got %q", c.SMTPAddr)
		}
	} else if c.Production() {
		bad("PIAF_SMTP_ADDR", "must be set in production (volunteers verify their e-mail)")
	}
	if _, err := mail.ParseAddress(c.SMTPFrom); err != nil {
		bad("PIAF_SMTP_FROM", "is not an e-mail address: %v", err)
	}
	if c.JobWorkers < 0 || c.JobWorkers > 64 {
		bad("PIAF_JOB_WORKERS", "must be between 0 and 64, got %d", c.JobWorkers)
	}
	if c.JobRescueAfter < time.Second {
		bad("PIAF_JOB_RESCUE_AFTER", "must be at least 1s")
	}
	if c.LiveMaxConnsPerUser < 1 {
		bad("PIAF_LIVE_MAX_CONNS_PER_USER", "must be at least 1")
	}
	if c.TaskLease < time.Minute || c.TaskLease > 24*time.Hour {
		bad("PIAF_TASK_LEASE", "must be between 1m and 24h")
	}
	if c.EventRetention < time.Minute {
		bad("PIAF_EVENT_RETENTION", "must be at least 1m")
	}
	if _, err := ParseRoleRules(c.RoleRules); err != nil {
		bad("PIAF_ROLE_RULES", "%v", err)
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "; "))
	}
	return nil
}

// PostgresURL returns the parsed database URL, checking it is a PostgreSQL one.
func (c Config) PostgresURL() (*url.URL, error) {
	u, err := url.Parse(c.DatabaseURL)
	if err != nil {
		return nil, errors.New("is not a URL (expected postgres://user@host:5432/db)")
	}
	if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return nil, fmt.Errorf("scheme %q is not supported: use postgres:// or leave empty for the embedded database", u.Scheme)
	}
	if u.Host == "" {
		return nil, errors.New("has no host (expected postgres://user@host:5432/db)")
	}
	return u, nil
}

// UsesPostgres reports whether the PostgreSQL backend is configured.
func (c Config) UsesPostgres() bool { return c.DatabaseURL != "" }

// Production reports whether production defaults apply.
func (c Config) Production() bool { return c.Env == EnvProduction }

// SlogLevel converts LogLevel.
func (c Config) SlogLevel() (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return 0, fmt.Errorf("must be debug, info, warn or error, got %q", c.LogLevel)
	}
	return l, nil
}

// JSONLogs reports whether logs are written as JSON.
func (c Config) JSONLogs() bool {
	if c.LogFormat == "" {
		return c.Production()
	}
	return c.LogFormat == "json"
}

// Secure reports whether cookies must carry the Secure flag: always, except
// on plain-http localhost during development.
func (c Config) Secure() bool {
	u, err := url.Parse(c.PublicURL)
	return err != nil || u.Scheme == "https"
}

// RedactedDatabaseURL is the database location safe for logs.
func (c Config) RedactedDatabaseURL() string {
	if c.DatabaseURL == "" {
		return "sqlite:" + c.DataDir
	}
	u, err := url.Parse(c.DatabaseURL)
	if err != nil {
		return "(invalid)"
	}
	return u.Redacted()
}

// readSecretFile reads a secret, dropping the trailing newline editors add.
func readSecretFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}
