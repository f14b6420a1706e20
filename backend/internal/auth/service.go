package auth

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/lab-ia/piaf/backend/internal/config"
	"github.com/lab-ia/piaf/backend/internal/mail"
)

// Service holds the rules of identity and access; handlers and the CLI
// call it, it calls the store.
type Service struct {
	store     *Store
	cfg       config.Config
	mailer    mail.Sender
	log       *slog.Logger
	now       func() time.Time
	providers map[string]*oidcProvider
	rules     []config.RoleRule
	// hashing bounds concurrent password hashes: each takes 19 MiB, so a
	// burst of sign-ins queues instead of exhausting memory.
	hashing chan struct{}
	// dummyHash is compared against when an e-mail is unknown, so that a
	// failed sign-in takes as long whether or not the account exists.
	dummyHash string
}

// NewService builds the service. mailer may be nil only in tests that send
// no e-mail.
func NewService(store *Store, cfg config.Config, mailer mail.Sender, log *slog.Logger) (*Service, error) {
	rules, err := config.ParseRoleRules(cfg.RoleRules)
	if err != nil {
		return nil, err
	}
	dummy, err := HashPassword(randomToken(16))
	if err != nil {
		return nil, err
	}
	s := &Service{store: store, cfg: cfg, mailer: mailer, log: log, now: func() time.Time { return time.Now().UTC() },
		rules: rules, hashing: make(chan struct{}, 4), dummyHash: dummy, providers: map[string]*oidcProvider{}}
	for _, p := range cfg.OIDCProviders {
		s.providers[p.Name] = newOIDCProvider(p, cfg.PublicURL)
	}
	return s, nil
}

// SetClock replaces the clock (tests of expiry).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Store exposes the storage to the composition root (demo seeding).
func (s *Service) Store() *Store { return s.store }

// hash computes a password hash within the concurrency bound.
func (s *Service) hash(ctx context.Context, password string) (string, error) {
	select {
	case s.hashing <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	defer func() { <-s.hashing }()
	return HashPassword(password)
}

// verify compares a password within the concurrency bound.
func (s *Service) verify(ctx context.Context, password, encoded string) (bool, error) {
	select {
	case s.hashing <- struct{}{}:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	defer func() { <-s.hashing }()
	return CheckPassword(password, encoded), nil
}

// audit records a security event; a failure to record is logged, never
// hidden, but does not undo the action.
func (s *Service) audit(ctx context.Context, action string, actor, target *int64, meta RequestMeta, details map[string]any) {
	d := "{}"
	if len(details) > 0 {
		if b, err := json.Marshal(details); err == nil {
			d = string(b)
		}
	}
	e := &AuditEvent{CreatedAt: s.now(), Action: action, ActorID: actor, TargetUserID: target, IP: meta.IP, UserAgent: truncate(meta.UserAgent, 300), Details: d}
	if err := s.store.InsertAudit(ctx, e); err != nil {
		s.log.Error("audit event not recorded", "action", action, "err", err)
	}
}

// Cleanup deletes expired sessions, flows, links and throttle records.
func (s *Service) Cleanup(ctx context.Context) error {
	return s.store.DeleteExpired(ctx, s.now(), s.cfg.SessionIdleTimeout, s.cfg.LoginFailureWindow*6)
}

func ptr[T any](v T) *T { return &v }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
