// Package auth is identity and access: accounts (volunteers' local ones and
// agents' ProConnect ones), password hashing, sessions, CSRF protection, API
// tokens and the audit log of security events.
package auth

import (
	"time"

	"github.com/lab-ia/piaf/backend/internal/identity"
)

// User is a PIAF account as stored.
type User struct {
	ID              int64         `gorm:"primaryKey"`
	Email           *string       `gorm:"column:email"`
	EmailVerifiedAt *time.Time    `gorm:"column:email_verified_at"`
	DisplayName     string        `gorm:"column:display_name"`
	Pseudonym       string        `gorm:"column:pseudonym"`
	Role            identity.Role `gorm:"column:role"`
	PasswordHash    *string       `gorm:"column:password_hash"`
	Locale          string        `gorm:"column:locale"`
	CreatedAt       time.Time     `gorm:"column:created_at"`
	UpdatedAt       time.Time     `gorm:"column:updated_at"`
}

// TableName binds User to the users table.
func (User) TableName() string { return "users" }
