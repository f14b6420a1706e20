// Package auth is identity and access: accounts (volunteers' local ones and
// agents' ProConnect ones), password hashing, sessions, CSRF protection, API
// tokens and the audit log of security events.
package auth

import (
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"
	"gorm.io/gorm"

	"github.com/lab-ia/piaf/backend/internal/identity"
)

// User is a PIAF account as stored.
type User struct {
	ID              int64         `gorm:"primaryKey"`
	Email           *string       `gorm:"column:email"`
	EmailKey        *string       `gorm:"column:email_key"`
	EmailVerifiedAt *time.Time    `gorm:"column:email_verified_at"`
	DisplayName     string        `gorm:"column:display_name"`
	Pseudonym       string        `gorm:"column:pseudonym"`
	Role            identity.Role `gorm:"column:role"`
	PasswordHash    *string       `gorm:"column:password_hash"`
	Locale          string        `gorm:"column:locale"`
	GivenName       string        `gorm:"column:given_name"`
	UsualName       string        `gorm:"column:usual_name"`
	Siret           *string       `gorm:"column:siret"`
	Organization    string        `gorm:"column:organization"`
	LastLoginAt     *time.Time    `gorm:"column:last_login_at"`
	// LeaderboardOptOut hides the user from campaign leaderboards.
	LeaderboardOptOut bool `gorm:"column:leaderboard_opt_out"`
	// IsSystem marks accounts that are not people (the "Import" author).
	IsSystem  bool       `gorm:"column:is_system"`
	DeletedAt *time.Time `gorm:"column:deleted_at"`
	CreatedAt time.Time  `gorm:"column:created_at"`
	UpdatedAt time.Time  `gorm:"column:updated_at"`
}

// TableName binds User to the users table.
func (User) TableName() string { return "users" }

// BeforeSave keeps email_key in step with email on inserts and saves.
func (u *User) BeforeSave(*gorm.DB) error {
	if u.Email == nil {
		u.EmailKey = nil
	} else {
		k := emailKey(*u.Email)
		u.EmailKey = &k
	}
	return nil
}

// emailKey is the form in which e-mails are compared: trimmed, NFC,
// lower-cased with Unicode rules.
func emailKey(email string) string {
	return strings.ToLower(norm.NFC.String(strings.TrimSpace(email)))
}

// EmailValue returns the e-mail or "" for accounts without one.
func (u *User) EmailValue() string {
	if u.Email == nil {
		return ""
	}
	return *u.Email
}

// Identity links an account to an external OpenID Connect subject.
type Identity struct {
	ID          int64 `gorm:"primaryKey"`
	UserID      int64
	Provider    string
	Issuer      string
	Subject     string
	CreatedAt   time.Time
	LastLoginAt time.Time
}

// TableName binds Identity to user_identities.
func (Identity) TableName() string { return "user_identities" }

// Session is a server-side session. ID is the SHA-256 of the cookie value,
// so a leaked database does not hand out live cookies.
type Session struct {
	ID         string `gorm:"primaryKey"`
	UserID     int64
	CSRFToken  string `gorm:"column:csrf_token"`
	Provider   string
	IDToken    string `gorm:"column:id_token"`
	IP         string `gorm:"column:ip"`
	UserAgent  string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

// APIToken is a personal token for scripts; only its hash is stored.
type APIToken struct {
	ID         int64 `gorm:"primaryKey"`
	UserID     int64
	Name       string
	Prefix     string
	TokenHash  string
	Scopes     string // space-separated identity.Scope values
	CreatedAt  time.Time
	ExpiresAt  *time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// TableName binds APIToken to api_tokens.
func (APIToken) TableName() string { return "api_tokens" }

// AuditEvent is one security event.
type AuditEvent struct {
	ID           int64 `gorm:"primaryKey"`
	CreatedAt    time.Time
	Action       string
	ActorID      *int64
	TargetUserID *int64
	IP           string `gorm:"column:ip"`
	UserAgent    string
	Details      string
}

// AuditEntry is a security event with the pseudonyms of the accounts it
// names, so that an administrator reads who did what to whom rather than
// account numbers. A name is empty when its account no longer exists.
type AuditEntry struct {
	AuditEvent
	ActorName  string
	TargetName string
}

// emailToken is a single-use link sent by e-mail.
type emailToken struct {
	ID        int64 `gorm:"primaryKey"`
	UserID    int64
	Purpose   string
	TokenHash string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
}

func (emailToken) TableName() string { return "email_tokens" }

// oidcFlow is a pending OpenID Connect login or logout.
type oidcFlow struct {
	StateHash    string `gorm:"primaryKey"`
	Kind         string
	Provider     string
	Nonce        string
	CodeVerifier string
	NextPath     string
	CreatedAt    time.Time
	ExpiresAt    time.Time
}

func (oidcFlow) TableName() string { return "oidc_flows" }

// authFailure is one failed sign-in, counted for throttling.
type authFailure struct {
	ID        int64 `gorm:"primaryKey"`
	Key       string
	CreatedAt time.Time
}

func (authFailure) TableName() string { return "auth_failures" }

// RequestMeta describes where a request came from, for the audit log and
// throttling.
type RequestMeta struct {
	IP        string
	UserAgent string
}
