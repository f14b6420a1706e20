package auth

import "github.com/lab-ia/piaf/backend/internal/apperr"

// The errors users can meet while signing in or managing their account.
var (
	ErrBadCredentials   = apperr.New(apperr.Unauthenticated, "bad_credentials", "e-mail or password is incorrect")
	ErrEmailNotVerified = apperr.New(apperr.Forbidden, "email_not_verified", "confirm your e-mail address first: we sent you a link")
	ErrBadLink          = apperr.New(apperr.Unprocessable, "invalid_link", "this link is invalid, already used or expired")
	ErrTokenNotFound    = apperr.New(apperr.NotFound, "token_not_found", "no such token")
	ErrUnknownProvider  = apperr.New(apperr.NotFound, "unknown_provider", "no such identity provider")
	ErrBadToken         = apperr.New(apperr.Unauthenticated, "invalid_token", "the API token is invalid, revoked or expired")
	ErrCSRF             = apperr.New(apperr.Forbidden, "csrf_failed", "missing or invalid CSRF token; reload the page")
	ErrBadOrigin        = apperr.New(apperr.Forbidden, "bad_origin", "cross-site request refused")
	ErrLastAdmin        = apperr.New(apperr.Conflict, "last_admin", "the last administrator cannot lose the role")
	ErrNoPassword       = apperr.New(apperr.Conflict, "no_password", "this account signs in with ProConnect and has no password")
)
