package auth

import (
	"context"
	"fmt"
	"time"

	"github.com/lab-ia/piaf/backend/internal/apperr"
	"github.com/lab-ia/piaf/backend/internal/identity"
)

// SetRole changes a user's role (admins, and operators through the CLI).
// The last administrator cannot be demoted, so the platform never loses its
// last admin.
func (s *Service) SetRole(ctx context.Context, actor *int64, userID int64, role identity.Role, meta RequestMeta) (*User, error) {
	if !role.Valid() {
		var v apperr.Validation
		v.Addf("role", "must be one of contributor, consumer, moderator, admin")
		return nil, v.Err()
	}
	u, err := s.store.UserByID(ctx, userID)
	if err != nil || u.DeletedAt != nil {
		return nil, ErrUserNotFound
	}
	if u.Role == role {
		return u, nil
	}
	if u.Role == identity.RoleAdmin {
		_, admins, err := s.store.ListUsers(ctx, UserFilter{Role: identity.RoleAdmin, Limit: 1})
		if err != nil {
			return nil, err
		}
		if admins <= 1 {
			return nil, ErrLastAdmin
		}
	}
	if err := s.store.SetRole(ctx, userID, role); err != nil {
		return nil, err
	}
	if !MayHoldTokens(role) {
		_ = s.store.RevokeUserTokens(ctx, userID, s.now())
	}
	s.audit(ctx, "role_changed", actor, &userID, meta, map[string]any{"from": u.Role, "to": role})
	u.Role = role
	return u, nil
}

// CreateUserWithPassword makes a verified local account (the operator's
// `piaf user create`, used to bootstrap the first admin).
func (s *Service) CreateUserWithPassword(ctx context.Context, email, pseudonym, password string, role identity.Role) (*User, error) {
	var v apperr.Validation
	email = normalizeEmail(&v, "email", email)
	pseudonym = validPseudonym(&v, pseudonym)
	if !role.Valid() {
		v.Add("role", "must be one of contributor, consumer, moderator, admin")
	}
	if p := PasswordProblem(password, email, pseudonym); p != "" {
		v.Add("password", p)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	hash, err := s.hash(ctx, password)
	if err != nil {
		return nil, err
	}
	now := s.now()
	u := &User{Email: &email, EmailVerifiedAt: &now, DisplayName: pseudonym, Pseudonym: pseudonym, Role: role, PasswordHash: &hash, Locale: "fr"}
	if err := s.store.CreateUser(ctx, u); err != nil {
		return nil, err
	}
	s.audit(ctx, "user_created", nil, &u.ID, RequestMeta{IP: "cli"}, map[string]any{"role": role})
	return u, nil
}

// UserByEmail finds a live account (CLI).
func (s *Service) UserByEmail(ctx context.Context, email string) (*User, error) {
	return s.store.UserByEmail(ctx, email)
}

// ListUsers pages through accounts for admins.
func (s *Service) ListUsers(ctx context.Context, f UserFilter) ([]User, int64, error) {
	if f.Role != "" && !f.Role.Valid() {
		return nil, 0, apperr.New(apperr.Invalid, "invalid_parameter", fmt.Sprintf("unknown role %q", f.Role))
	}
	return s.store.ListUsers(ctx, f)
}

// ListAudit pages through security events for admins.
func (s *Service) ListAudit(ctx context.Context, userID int64, limit, offset int) ([]AuditEntry, int64, error) {
	return s.store.ListAudit(ctx, userID, limit, offset)
}

// DeleteAccount erases a user's personal data while keeping their
// contributions under an anonymous contributor id: e-mail, names,
// password, identities, sessions and tokens go; the row stays so that
// annotations keep a stable (pseudonymous) author.
func (s *Service) DeleteAccount(ctx context.Context, userID int64, meta RequestMeta) error {
	u, err := s.store.UserByID(ctx, userID)
	if err != nil || u.DeletedAt != nil {
		return ErrUserNotFound
	}
	if u.Role == identity.RoleAdmin {
		_, admins, err := s.store.ListUsers(ctx, UserFilter{Role: identity.RoleAdmin, Limit: 1})
		if err != nil {
			return err
		}
		if admins <= 1 {
			return ErrLastAdmin
		}
	}
	now := s.now()
	anon := fmt.Sprintf("contributeur-anonyme-%d", userID)
	if err := s.store.anonymize(ctx, userID, anon, now); err != nil {
		return err
	}
	s.audit(ctx, "account_deleted", &userID, &userID, meta, nil)
	return nil
}

// DataSection is a part of a user's data export contributed by a domain
// (annotations, reviews…), so that the export grows with the platform.
type DataSection interface {
	Name() string
	Export(ctx context.Context, userID int64) (any, error)
}

// ExportData gathers everything PIAF holds about a user (GDPR access).
func (s *Service) ExportData(ctx context.Context, userID int64, sections []DataSection) (map[string]any, error) {
	u, err := s.store.UserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	ids, err := s.store.identitiesOf(ctx, userID)
	if err != nil {
		return nil, err
	}
	tokens, err := s.store.ListTokens(ctx, userID)
	if err != nil {
		return nil, err
	}
	events, _, err := s.store.ListAudit(ctx, userID, 1000, 0)
	if err != nil {
		return nil, err
	}
	type tokenOut struct {
		Name      string     `json:"name"`
		Scopes    string     `json:"scopes"`
		CreatedAt time.Time  `json:"created_at"`
		RevokedAt *time.Time `json:"revoked_at,omitempty"`
	}
	var toks []tokenOut
	for _, t := range tokens {
		toks = append(toks, tokenOut{t.Name, t.Scopes, t.CreatedAt, t.RevokedAt})
	}
	type identityOut struct {
		Provider  string    `json:"provider"`
		Issuer    string    `json:"issuer"`
		CreatedAt time.Time `json:"created_at"`
	}
	var idOut []identityOut
	for _, i := range ids {
		idOut = append(idOut, identityOut{i.Provider, i.Issuer, i.CreatedAt})
	}
	type eventOut struct {
		At     time.Time `json:"at"`
		Action string    `json:"action"`
		IP     string    `json:"ip"`
	}
	var evOut []eventOut
	for _, e := range events {
		evOut = append(evOut, eventOut{e.CreatedAt, e.Action, e.IP})
	}
	out := map[string]any{
		"exported_at":     s.now(),
		"account":         ProfileOf(u),
		"identities":      idOut,
		"api_tokens":      toks,
		"security_events": evOut,
	}
	for _, sec := range sections {
		data, err := sec.Export(ctx, userID)
		if err != nil {
			return nil, err
		}
		out[sec.Name()] = data
	}
	return out, nil
}
