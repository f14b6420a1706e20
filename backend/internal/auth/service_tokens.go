package auth

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lab-ia/piaf/backend/internal/apperr"
	"github.com/lab-ia/piaf/backend/internal/identity"
)

// tokenPrefix makes PIAF tokens recognisable (and findable by secret
// scanners) in logs and repositories.
const tokenPrefix = "piaf_"

// scopesForRole lists what each role may put in a token.
var scopesForRole = map[identity.Role][]identity.Scope{
	identity.RoleConsumer: {identity.ScopeDatasetsRead, identity.ScopeQAAsk, identity.ScopePseudoRun},
	identity.RoleAdmin:    identity.AllScopes,
}

// MayHoldTokens reports whether a role may create API tokens.
func MayHoldTokens(r identity.Role) bool { _, ok := scopesForRole[r]; return ok }

// TokenRequest is a new token's settings.
type TokenRequest struct {
	Name          string
	Scopes        []identity.Scope
	ExpiresInDays int // 0: never
}

// CreatedToken carries the secret, shown once.
type CreatedToken struct {
	Token  APIToken
	Secret string
}

// CreateToken issues a personal API token within the owner's role.
func (s *Service) CreateToken(ctx context.Context, p *identity.Principal, in TokenRequest, meta RequestMeta) (*CreatedToken, error) {
	allowed := scopesForRole[p.Role]
	var v apperr.Validation
	name := strings.TrimSpace(in.Name)
	if name == "" || utf8.RuneCountInString(name) > 80 {
		v.Add("name", "must hold 1 to 80 characters")
	}
	if len(in.Scopes) == 0 {
		v.Add("scopes", "choose at least one scope")
	}
	seen := map[identity.Scope]bool{}
	for _, sc := range in.Scopes {
		switch {
		case !sc.Valid():
			v.Addf("scopes", "unknown scope %q", sc)
		case !slices.Contains(allowed, sc):
			v.Addf("scopes", "your role may not grant %q", sc)
		}
		seen[sc] = true
	}
	if in.ExpiresInDays < 0 || in.ExpiresInDays > 366 {
		v.Add("expires_in_days", "must be between 0 (never) and 366")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	scopes := make([]string, 0, len(seen))
	for _, sc := range identity.AllScopes {
		if seen[sc] {
			scopes = append(scopes, string(sc))
		}
	}
	secret := tokenPrefix + randomToken(32)
	now := s.now()
	t := APIToken{UserID: p.UserID, Name: name, Prefix: secret[:len(tokenPrefix)+6], TokenHash: hashSecret(secret), Scopes: strings.Join(scopes, " "), CreatedAt: now}
	if in.ExpiresInDays > 0 {
		t.ExpiresAt = ptr(now.Add(time.Duration(in.ExpiresInDays) * 24 * time.Hour))
	}
	if err := s.store.InsertToken(ctx, &t); err != nil {
		return nil, err
	}
	s.audit(ctx, "token_created", &p.UserID, &p.UserID, meta, map[string]any{"token_id": t.ID, "name": name, "scopes": scopes})
	return &CreatedToken{Token: t, Secret: secret}, nil
}

// TokenPrincipal resolves a bearer token to its caller. A token whose owner
// no longer holds a role allowing tokens is refused.
func (s *Service) TokenPrincipal(ctx context.Context, secret string) (*identity.Principal, error) {
	if !strings.HasPrefix(secret, tokenPrefix) || len(secret) > 100 {
		return nil, ErrBadToken
	}
	now := s.now()
	row, err := s.store.liveToken(ctx, hashSecret(secret), now)
	if errors.Is(err, errNoToken) {
		return nil, ErrBadToken
	}
	if err != nil {
		return nil, err
	}
	role := identity.Role(row.Role)
	if !MayHoldTokens(role) {
		return nil, ErrBadToken
	}
	if row.LastUsedAt == nil || now.Sub(*row.LastUsedAt) > touchEvery {
		_ = s.store.TouchToken(ctx, row.ID, now)
	}
	p := &identity.Principal{UserID: row.UserID, Role: role, Pseudonym: row.Pseudonym, TokenID: row.ID, Suspended: row.SuspendedAt != nil}
	for _, sc := range strings.Fields(row.Scopes) {
		// A scope the role lost since the token was made no longer counts.
		if slices.Contains(scopesForRole[role], identity.Scope(sc)) {
			p.Scopes = append(p.Scopes, identity.Scope(sc))
		}
	}
	return p, nil
}

// ListTokens returns a user's tokens (never their secrets).
func (s *Service) ListTokens(ctx context.Context, userID int64) ([]APIToken, error) {
	return s.store.ListTokens(ctx, userID)
}

// RevokeToken revokes one of the caller's tokens.
func (s *Service) RevokeToken(ctx context.Context, userID, tokenID int64, meta RequestMeta) error {
	if err := s.store.RevokeToken(ctx, userID, tokenID, s.now()); err != nil {
		return err
	}
	s.audit(ctx, "token_revoked", &userID, &userID, meta, map[string]any{"token_id": tokenID})
	return nil
}
