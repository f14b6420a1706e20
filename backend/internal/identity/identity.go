// Package identity describes who is calling: roles, token scopes and the
// principal attached to a request's context. It has no dependencies so that
// every domain can ask "who is acting?" without importing the web layer.
package identity

import (
	"context"
	"slices"
)

// Role is a user's place in PIAF; each route lists the roles it admits.
type Role string

// The roles, from least to most trusted. Consumer is the administrations'
// role: they download restricted releases and call the engines.
const (
	RoleContributor Role = "contributor"
	RoleConsumer    Role = "consumer"
	RoleModerator   Role = "moderator"
	RoleAdmin       Role = "admin"
)

// AllRoles lists every role, for validation and for the role-matrix test.
var AllRoles = []Role{RoleContributor, RoleConsumer, RoleModerator, RoleAdmin}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(AllRoles, r) }

// Scope limits what a personal API token may do.
type Scope string

// The token scopes. A token never grants more than its owner's role allows.
const (
	ScopeDatasetsRead Scope = "datasets:read"
	ScopeQAAsk        Scope = "qa:ask"
	ScopePseudoRun    Scope = "pseudo:run"
	ScopeAdmin        Scope = "admin"
)

// AllScopes lists every scope.
var AllScopes = []Scope{ScopeDatasetsRead, ScopeQAAsk, ScopePseudoRun, ScopeAdmin}

// Valid reports whether s is a known scope.
func (s Scope) Valid() bool { return slices.Contains(AllScopes, s) }

// Principal is the authenticated caller of a request.
type Principal struct {
	UserID    int64
	Role      Role
	Pseudonym string
	// SessionID is set when the caller came with a session cookie.
	SessionID string
	// TokenID and Scopes are set when the caller came with an API token;
	// such a caller may only use routes open to one of its scopes.
	TokenID int64
	Scopes  []Scope
	// Suspended is read with the session or token, from the same row as
	// the role, so that contribution routes refuse a suspended user at no
	// extra query and from the very next request.
	Suspended bool
}

// ViaToken reports whether the caller authenticated with an API token.
func (p *Principal) ViaToken() bool { return p != nil && p.TokenID != 0 }

// HasScope reports whether the token carries s.
func (p *Principal) HasScope(s Scope) bool { return p != nil && slices.Contains(p.Scopes, s) }

// IsAtLeastModerator reports whether the caller may moderate.
func (p *Principal) IsAtLeastModerator() bool {
	return p != nil && (p.Role == RoleModerator || p.Role == RoleAdmin)
}

// IsAdmin reports whether the caller is an administrator.
func (p *Principal) IsAdmin() bool { return p != nil && p.Role == RoleAdmin }

type ctxKey struct{}

// WithPrincipal attaches p to ctx.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// FromContext returns the caller, or nil for an anonymous request.
func FromContext(ctx context.Context) *Principal {
	p, _ := ctx.Value(ctxKey{}).(*Principal)
	return p
}
