package auth

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
)

// errNoToken means the bearer token is unknown, revoked or expired.
var errNoToken = errors.New("no live token")

// tokenWithUser is a live token with its owner's role.
type tokenWithUser struct {
	APIToken
	Role        string
	Pseudonym   string
	SuspendedAt *time.Time
}

// InsertToken stores a new API token.
func (s *Store) InsertToken(ctx context.Context, t *APIToken) error {
	return s.db.WithContext(ctx).Create(t).Error
}

// liveToken finds a token by the hash of its secret.
func (s *Store) liveToken(ctx context.Context, hash string, now time.Time) (*tokenWithUser, error) {
	var row tokenWithUser
	err := s.db.WithContext(ctx).Table("api_tokens").
		Select("api_tokens.*, users.role AS role, users.pseudonym AS pseudonym, users.suspended_at AS suspended_at").
		Joins("JOIN users ON users.id = api_tokens.user_id").
		Where("api_tokens.token_hash = ? AND api_tokens.revoked_at IS NULL AND (api_tokens.expires_at IS NULL OR api_tokens.expires_at > ?) AND users.deleted_at IS NULL", hash, now).
		Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, errNoToken
	}
	return &row, err
}

// TouchToken records a token's use (at most once a minute).
func (s *Store) TouchToken(ctx context.Context, id int64, now time.Time) error {
	return s.db.WithContext(ctx).Model(&APIToken{}).Where("id = ?", id).Update("last_used_at", now).Error
}

// ListTokens lists a user's tokens, newest first.
func (s *Store) ListTokens(ctx context.Context, userID int64) ([]APIToken, error) {
	var ts []APIToken
	err := s.db.WithContext(ctx).Where("user_id = ?", userID).Order("id DESC").Find(&ts).Error
	return ts, err
}

// RevokeToken revokes one of the user's tokens; a token of someone else is
// reported as not found.
func (s *Store) RevokeToken(ctx context.Context, userID, tokenID int64, now time.Time) error {
	res := s.db.WithContext(ctx).Model(&APIToken{}).Where("id = ? AND user_id = ? AND revoked_at IS NULL", tokenID, userID).Update("revoked_at", now)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return ErrTokenNotFound
	}
	return nil
}

// RevokeUserTokens revokes every token of a user.
func (s *Store) RevokeUserTokens(ctx context.Context, userID int64, now time.Time) error {
	return s.db.WithContext(ctx).Model(&APIToken{}).Where("user_id = ? AND revoked_at IS NULL", userID).Update("revoked_at", now).Error
}
