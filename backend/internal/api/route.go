// Package api describes PIAF's HTTP routes as data: method, path, who may
// call them, and the shapes of their requests and responses. The server
// mounts them, enforces their access rules in one place and generates the
// OpenAPI document from them, so documentation and authorisation cannot
// drift from the code.
package api

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/lab-ia/piaf/backend/internal/identity"
)

// Access says who may call a route. The zero value admits nobody, so a route
// added without thinking about access fails closed (and the role-matrix test
// catches it).
type Access struct {
	// Anonymous admits callers without a session or token.
	Anonymous bool
	// Authenticated admits any signed-in user, whatever the role.
	Authenticated bool
	// Roles admits session users with one of these roles.
	Roles []identity.Role
	// Scopes admits API-token callers whose token has one of these scopes
	// (and whose owner's role is admitted by Roles or Authenticated).
	Scopes []identity.Scope
	// Note explains rules checked inside the handler (ownership, campaign
	// audience), shown in the OpenAPI description.
	Note string
}

// Public is for routes anyone may call.
var Public = Access{Anonymous: true}

// SignedIn is for routes any signed-in user may call.
var SignedIn = Access{Authenticated: true}

// RolesOnly admits session users holding one of roles.
func RolesOnly(roles ...identity.Role) Access { return Access{Roles: roles} }

// Moderators admits moderators and admins.
var Moderators = RolesOnly(identity.RoleModerator, identity.RoleAdmin)

// Admins admits administrators only: in a session, or with an API token of
// the admin scope (the scope an administrator may grant to a script that
// manages accounts or reads the security log; its owner must still hold
// the admin role when it is used).
var Admins = Access{Roles: []identity.Role{identity.RoleAdmin}, Scopes: []identity.Scope{identity.ScopeAdmin}}

// Response documents one possible response of a route.
type Response struct {
	Status int
	// Body is a value of the response type (nil for no body).
	Body any
	// ContentType overrides application/json (downloads, streams).
	ContentType string
	Description string
}

// Route is one API operation.
type Route struct {
	Method string
	// Path uses OpenAPI syntax: /api/v1/campaigns/{id}.
	Path        string
	OperationID string
	Summary     string
	Description string
	Tags        []string
	Access      Access
	// Request documents path, query and JSON body fields with the tags
	// path:"…", query:"…" and json:"…" (nil when there is none).
	Request any
	// RequestContentType overrides application/json (e.g. multipart/form-data).
	RequestContentType string
	Responses          []Response
	// BodyLimit overrides the default JSON body limit (uploads).
	BodyLimit int64
	// NoCSRF exempts an unsafe-method route from the CSRF token check; only
	// for routes that cannot ride on a victim's cookie (token-only APIs,
	// the login form which has no session yet). Left false, every POST, PUT,
	// PATCH and DELETE needs the token.
	NoCSRF bool
	// RateLimit, when set, bounds how often one caller (a user, or an
	// address for anonymous callers) may call the route on a node:
	// expensive engines and anything an attacker could repeat cheaply.
	RateLimit *RateLimit
	// Handler serves the route. Handlers decode input, call a domain
	// service and encode the output; nothing else.
	Handler echo.HandlerFunc
}

// RateLimit is a token bucket: PerMinute calls a minute on average, Burst
// at once.
type RateLimit struct {
	PerMinute int
	Burst     int
}

// EchoPath converts the OpenAPI path to Echo's :param syntax.
func (r Route) EchoPath() string {
	var b strings.Builder
	for i := 0; i < len(r.Path); i++ {
		switch r.Path[i] {
		case '{':
			b.WriteByte(':')
		case '}':
		default:
			b.WriteByte(r.Path[i])
		}
	}
	return b.String()
}

// Unsafe reports whether the method changes state (and so needs CSRF checks).
func (r Route) Unsafe() bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// Provider is implemented by each domain's handlers.
type Provider interface {
	Routes() []Route
}
