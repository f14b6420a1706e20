package auth

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
)

// errFlowNotFound means an unknown, replayed or expired OIDC state.
var errFlowNotFound = errors.New("unknown, used or expired state")

// InsertFlow stores a pending OIDC login or logout.
func (s *Store) InsertFlow(ctx context.Context, f *oidcFlow) error {
	return s.db.WithContext(ctx).Create(f).Error
}

// TakeFlow returns and deletes a pending flow in one step, so a state can
// be used once only, even by two requests racing on two nodes.
func (s *Store) TakeFlow(ctx context.Context, stateHash, kind string, now time.Time) (*oidcFlow, error) {
	var f oidcFlow
	err := s.db.Transaction(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("state_hash = ? AND kind = ?", stateHash, kind).Take(&f).Error; err != nil {
			return err
		}
		res := tx.Where("state_hash = ?", stateHash).Delete(&oidcFlow{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return gorm.ErrRecordNotFound
		}
		return nil
	})
	if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && now.After(f.ExpiresAt)) {
		return nil, errFlowNotFound
	}
	return &f, err
}

// InsertEmailToken stores a link's hash.
func (s *Store) InsertEmailToken(ctx context.Context, t *emailToken) error {
	return s.db.WithContext(ctx).Create(t).Error
}

// UseEmailToken marks a link used and returns its user, failing when the
// link is unknown, expired, already used or meant for another purpose.
func (s *Store) UseEmailToken(ctx context.Context, hash, purpose string, now time.Time) (int64, error) {
	var userID int64
	err := s.db.Transaction(ctx, func(tx *gorm.DB) error {
		var t emailToken
		if err := tx.Where("token_hash = ? AND purpose = ?", hash, purpose).Take(&t).Error; err != nil {
			return err
		}
		if t.UsedAt != nil || now.After(t.ExpiresAt) {
			return gorm.ErrRecordNotFound
		}
		res := tx.Model(&emailToken{}).Where("id = ? AND used_at IS NULL", t.ID).Update("used_at", now)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return gorm.ErrRecordNotFound
		}
		userID = t.UserID
		return nil
	})
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return 0, ErrBadLink
	}
	return userID, err
}

// RecordFailure counts a failed sign-in under each key.
func (s *Store) RecordFailure(ctx context.Context, now time.Time, keys ...string) error {
	rows := make([]authFailure, len(keys))
	for i, k := range keys {
		rows[i] = authFailure{Key: k, CreatedAt: now}
	}
	return s.db.WithContext(ctx).Create(&rows).Error
}

// Failures counts failed sign-ins under key since a time, and returns the
// oldest of them (to compute when the throttle lifts). The oldest is read
// as a row, not with min(): SQLite returns aggregates of dates as text.
func (s *Store) Failures(ctx context.Context, key string, since time.Time) (int64, time.Time, error) {
	q := s.db.WithContext(ctx).Model(&authFailure{}).Where("key = ? AND created_at > ?", key, since)
	var n int64
	if err := q.Count(&n).Error; err != nil || n == 0 {
		return n, time.Time{}, err
	}
	var oldest authFailure
	err := s.db.WithContext(ctx).Where("key = ? AND created_at > ?", key, since).Order("created_at").Take(&oldest).Error
	return n, oldest.CreatedAt, err
}

// ClearFailures forgets an account's failures after a successful sign-in.
func (s *Store) ClearFailures(ctx context.Context, key string) error {
	return s.db.WithContext(ctx).Where("key = ?", key).Delete(&authFailure{}).Error
}

// InsertAudit records a security event.
func (s *Store) InsertAudit(ctx context.Context, e *AuditEvent) error {
	return s.db.WithContext(ctx).Create(e).Error
}

// ListAudit returns a page of security events, newest first, each with
// the current pseudonyms of the accounts it names (one query: the users
// are joined, not looked up afterwards).
func (s *Store) ListAudit(ctx context.Context, userID int64, limit, offset int) ([]AuditEntry, int64, error) {
	q := s.db.WithContext(ctx).Model(&AuditEvent{})
	if userID != 0 {
		q = q.Where("actor_id = ? OR target_user_id = ?", userID, userID)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	var entries []AuditEntry
	err := q.Select("audit_events.*, COALESCE(actor.pseudonym, '') AS actor_name, COALESCE(target.pseudonym, '') AS target_name").
		Joins("LEFT JOIN users actor ON actor.id = audit_events.actor_id").
		Joins("LEFT JOIN users target ON target.id = audit_events.target_user_id").
		Order("audit_events.id DESC").Limit(limit).Offset(offset).Find(&entries).Error
	return entries, total, err
}
