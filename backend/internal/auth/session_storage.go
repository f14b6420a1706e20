package auth

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
)

// errNoSession means the cookie matches no live session.
var errNoSession = errors.New("no live session")

// sessionWithUser is a session joined with what authorisation needs.
type sessionWithUser struct {
	Session
	Role        string
	Pseudonym   string
	DeletedAt   *time.Time
	SuspendedAt *time.Time
}

// InsertSession stores a new session.
func (s *Store) InsertSession(ctx context.Context, sess *Session) error {
	return s.db.WithContext(ctx).Create(sess).Error
}

// liveSession returns a session that is neither expired nor idle too long.
func (s *Store) liveSession(ctx context.Context, id string, now time.Time, idle time.Duration) (*sessionWithUser, error) {
	var row sessionWithUser
	err := s.db.WithContext(ctx).Table("sessions").
		Select("sessions.*, users.role AS role, users.pseudonym AS pseudonym, users.deleted_at AS deleted_at, users.suspended_at AS suspended_at").
		Joins("JOIN users ON users.id = sessions.user_id").
		Where("sessions.id = ? AND sessions.expires_at > ? AND sessions.last_seen_at > ?", id, now, now.Add(-idle)).
		Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, errNoSession
	}
	if err != nil {
		return nil, err
	}
	if row.DeletedAt != nil {
		return nil, errNoSession
	}
	return &row, nil
}

// TouchSession records activity (called at most once a minute per session).
func (s *Store) TouchSession(ctx context.Context, id string, now time.Time) error {
	return s.db.WithContext(ctx).Model(&Session{}).Where("id = ?", id).Update("last_seen_at", now).Error
}

// DeleteSession ends one session.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	return s.db.WithContext(ctx).Where("id = ?", id).Delete(&Session{}).Error
}

// DeleteUserSessions ends every session of a user and returns how many.
func (s *Store) DeleteUserSessions(ctx context.Context, userID int64) (int64, error) {
	res := s.db.WithContext(ctx).Where("user_id = ?", userID).Delete(&Session{})
	return res.RowsAffected, res.Error
}

// sessionByID returns a session row as stored (for logout).
func (s *Store) sessionByID(ctx context.Context, id string) (*Session, error) {
	var sess Session
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&sess).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, errNoSession
	}
	return &sess, err
}

// DeleteExpired removes sessions, flows, e-mail tokens and throttle records
// past their lifetime.
func (s *Store) DeleteExpired(ctx context.Context, now time.Time, idle, throttleWindow time.Duration) error {
	db := s.db.WithContext(ctx)
	if err := db.Where("expires_at < ? OR last_seen_at < ?", now, now.Add(-idle)).Delete(&Session{}).Error; err != nil {
		return err
	}
	if err := db.Where("expires_at < ?", now).Delete(&oidcFlow{}).Error; err != nil {
		return err
	}
	if err := db.Where("expires_at < ?", now.Add(-24*time.Hour)).Delete(&emailToken{}).Error; err != nil {
		return err
	}
	return db.Where("created_at < ?", now.Add(-throttleWindow)).Delete(&authFailure{}).Error
}

// deleteOtherSessions ends every session of a user but keep.
func (s *Store) deleteOtherSessions(ctx context.Context, userID int64, keep string) error {
	return s.db.WithContext(ctx).Where("user_id = ? AND id <> ?", userID, keep).Delete(&Session{}).Error
}
