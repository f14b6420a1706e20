package auth

import (
	"context"
	"errors"
	"strings"

	"gorm.io/gorm"

	"github.com/lab-ia/piaf/backend/internal/apperr"
	"github.com/lab-ia/piaf/backend/internal/database"
)

// Store persists accounts, sessions and tokens.
type Store struct {
	db *database.DB
}

// NewStore binds the store to a database.
func NewStore(db *database.DB) *Store { return &Store{db: db} }

// ErrEmailTaken and ErrPseudonymTaken let sign-up say which field clashes.
var (
	ErrEmailTaken     = apperr.New(apperr.Conflict, "email_taken", "an account already uses this e-mail address")
	ErrPseudonymTaken = apperr.New(apperr.Conflict, "pseudonym_taken", "this pseudonym is already taken")
	ErrUserNotFound   = apperr.New(apperr.NotFound, "user_not_found", "no such user")
)

// CreateUser inserts u, translating unique violations into typed conflicts.
func (s *Store) CreateUser(ctx context.Context, u *User) error {
	err := s.db.WithContext(ctx).Create(u).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		if s.emailExists(ctx, u.Email) {
			return ErrEmailTaken
		}
		return ErrPseudonymTaken
	}
	return err
}

func (s *Store) emailExists(ctx context.Context, email *string) bool {
	if email == nil {
		return false
	}
	var n int64
	s.db.WithContext(ctx).Model(&User{}).Where("lower(email) = ?", strings.ToLower(*email)).Count(&n)
	return n > 0
}

// UserByEmail finds an account by e-mail, case-insensitively.
func (s *Store) UserByEmail(ctx context.Context, email string) (*User, error) {
	var u User
	err := s.db.WithContext(ctx).Where("lower(email) = ?", strings.ToLower(email)).First(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrUserNotFound
	}
	return &u, err
}

// UserByID finds an account.
func (s *Store) UserByID(ctx context.Context, id int64) (*User, error) {
	var u User
	err := s.db.WithContext(ctx).First(&u, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrUserNotFound
	}
	return &u, err
}

// MarkEmailVerified records that the user proved control of their e-mail.
func (s *Store) MarkEmailVerified(ctx context.Context, userID int64) error {
	return s.db.WithContext(ctx).Model(&User{}).Where("id = ?", userID).
		Update("email_verified_at", gorm.Expr("CURRENT_TIMESTAMP")).Error
}
