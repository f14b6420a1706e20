package auth

import (
	"time"

	"github.com/lab-ia/piaf/backend/internal/identity"
)

// Profile is what a user sees of their own account (and admins of others).
type Profile struct {
	ID            int64         `json:"id" required:"true"`
	Email         string        `json:"email"`
	EmailVerified bool          `json:"email_verified" required:"true"`
	DisplayName   string        `json:"display_name" required:"true"`
	Pseudonym     string        `json:"pseudonym" required:"true"`
	Role          identity.Role `json:"role" required:"true" enum:"contributor,consumer,moderator,admin"`
	Locale        string        `json:"locale" required:"true" enum:"fr,en"`
	GivenName     string        `json:"given_name,omitempty"`
	UsualName     string        `json:"usual_name,omitempty"`
	Siret         string        `json:"siret,omitempty"`
	Organization  string        `json:"organization,omitempty"`
	HasPassword   bool          `json:"has_password" required:"true"`
	// LeaderboardOptOut hides the user's pseudonym from leaderboards.
	LeaderboardOptOut bool       `json:"leaderboard_opt_out" required:"true"`
	CreatedAt         time.Time  `json:"created_at" required:"true"`
	LastLoginAt       *time.Time `json:"last_login_at,omitempty"`
}

// ProfileOf builds the profile view of an account.
func ProfileOf(u *User) Profile {
	p := Profile{ID: u.ID, Email: u.EmailValue(), EmailVerified: u.EmailVerifiedAt != nil, DisplayName: u.DisplayName,
		Pseudonym: u.Pseudonym, Role: u.Role, Locale: u.Locale, GivenName: u.GivenName, UsualName: u.UsualName,
		Organization: u.Organization, HasPassword: u.PasswordHash != nil, LeaderboardOptOut: u.LeaderboardOptOut, CreatedAt: u.CreatedAt, LastLoginAt: u.LastLoginAt}
	if u.Siret != nil {
		p.Siret = *u.Siret
	}
	return p
}
