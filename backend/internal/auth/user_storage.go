package auth

import (
	"context"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/lab-ia/piaf/backend/internal/apperr"
	"github.com/lab-ia/piaf/backend/internal/database"
	"github.com/lab-ia/piaf/backend/internal/identity"
)

// Store persists accounts, sessions, tokens and security events.
type Store struct {
	db *database.DB
}

// NewStore binds the store to a database.
func NewStore(db *database.DB) *Store { return &Store{db: db} }

// Typed errors of the account storage.
var (
	ErrEmailTaken     = apperr.New(apperr.Conflict, "email_taken", "an account already uses this e-mail address")
	ErrPseudonymTaken = apperr.New(apperr.Conflict, "pseudonym_taken", "this pseudonym is already taken")
	ErrUserNotFound   = apperr.New(apperr.NotFound, "user_not_found", "no such user")
)

// CreateUser inserts u, translating unique violations into typed conflicts.
func (s *Store) CreateUser(ctx context.Context, u *User) error {
	return createUser(s.db.WithContext(ctx), u)
}

func createUser(tx *gorm.DB, u *User) error {
	err := tx.Create(u).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		if u.Email != nil {
			var n int64
			tx.Model(&User{}).Where("email_key = ?", emailKey(*u.Email)).Count(&n)
			if n > 0 {
				return ErrEmailTaken
			}
		}
		return ErrPseudonymTaken
	}
	return err
}

// UserByEmail finds a live account by e-mail, case-insensitively.
func (s *Store) UserByEmail(ctx context.Context, email string) (*User, error) {
	var u User
	err := s.db.WithContext(ctx).Where("email_key = ? AND deleted_at IS NULL", emailKey(email)).First(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrUserNotFound
	}
	return &u, err
}

// UserByID finds an account (deleted ones included: their work remains).
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
	now := time.Now().UTC()
	return s.db.WithContext(ctx).Model(&User{}).Where("id = ? AND email_verified_at IS NULL", userID).
		Update("email_verified_at", now).Error
}

// UpdateUser saves the given columns of a user.
func (s *Store) UpdateUser(ctx context.Context, id int64, fields map[string]any) error {
	fields["updated_at"] = time.Now().UTC()
	err := s.db.WithContext(ctx).Model(&User{}).Where("id = ?", id).Updates(fields).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		if _, ok := fields["email"]; ok {
			return ErrEmailTaken
		}
		return ErrPseudonymTaken
	}
	return err
}

// SetRole changes a user's role.
func (s *Store) SetRole(ctx context.Context, id int64, role identity.Role) error {
	res := s.db.WithContext(ctx).Model(&User{}).Where("id = ? AND deleted_at IS NULL", id).
		Updates(map[string]any{"role": role, "updated_at": time.Now().UTC()})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return ErrUserNotFound
	}
	return nil
}

// UserFilter narrows the admin's user list.
type UserFilter struct {
	Query  string
	Role   identity.Role
	Limit  int
	Offset int
}

// ListUsers returns a page of live accounts, newest first, and the total.
func (s *Store) ListUsers(ctx context.Context, f UserFilter) ([]User, int64, error) {
	q := s.db.WithContext(ctx).Model(&User{}).Where("deleted_at IS NULL AND NOT is_system")
	if f.Query != "" {
		like := "%" + strings.ToLower(escapeLike(f.Query)) + "%"
		q = q.Where("(lower(email) LIKE ? ESCAPE '\\' OR lower(pseudonym) LIKE ? ESCAPE '\\' OR lower(display_name) LIKE ? ESCAPE '\\')", like, like, like)
	}
	if f.Role != "" {
		q = q.Where("role = ?", f.Role)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	var users []User
	err := q.Order("id DESC").Limit(f.Limit).Offset(f.Offset).Find(&users).Error
	return users, total, err
}

// escapeLike makes user input literal inside a LIKE pattern.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// IdentityFor finds the account linked to an external subject.
func (s *Store) IdentityFor(ctx context.Context, issuer, subject string) (*Identity, error) {
	var id Identity
	err := s.db.WithContext(ctx).Where("issuer = ? AND subject = ?", issuer, subject).First(&id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrUserNotFound
	}
	return &id, err
}

// identitiesOf lists a user's external identities.
func (s *Store) identitiesOf(ctx context.Context, userID int64) ([]Identity, error) {
	var ids []Identity
	err := s.db.WithContext(ctx).Where("user_id = ?", userID).Find(&ids).Error
	return ids, err
}

// anonymize erases personal data of an account in one transaction.
func (s *Store) anonymize(ctx context.Context, userID int64, pseudonym string, now time.Time) error {
	return s.db.Transaction(ctx, func(tx *gorm.DB) error {
		if err := tx.Model(&User{}).Where("id = ?", userID).Updates(map[string]any{
			"email": nil, "email_key": nil, "email_verified_at": nil, "display_name": pseudonym, "pseudonym": pseudonym,
			"password_hash": nil, "given_name": "", "usual_name": "", "siret": nil, "organization": "",
			"role": "contributor", "deleted_at": now, "updated_at": now,
		}).Error; err != nil {
			return err
		}
		if err := tx.Where("user_id = ?", userID).Delete(&Identity{}).Error; err != nil {
			return err
		}
		if err := tx.Where("user_id = ?", userID).Delete(&Session{}).Error; err != nil {
			return err
		}
		if err := tx.Where("user_id = ?", userID).Delete(&APIToken{}).Error; err != nil {
			return err
		}
		if err := tx.Where("user_id = ?", userID).Delete(&emailToken{}).Error; err != nil {
			return err
		}
		// Security events keep their ids but lose addresses and browsers.
		return tx.Model(&AuditEvent{}).Where("actor_id = ? OR target_user_id = ?", userID, userID).
			Updates(map[string]any{"ip": "", "user_agent": "", "details": "{}"}).Error
	})
}
