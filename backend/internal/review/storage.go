package review

import (
	"context"
	"encoding/json"
	"time"

	"gorm.io/gorm"

	"github.com/lab-ia/piaf/backend/internal/database"
)

// Store persists moderation data.
type Store struct {
	db *database.DB
}

// NewStore binds the store to a database.
func NewStore(db *database.DB) *Store { return &Store{db: db} }

// Revision is one change of a question or answer, with what it was before
// and after.
type Revision struct {
	ID         int64 `gorm:"primaryKey"`
	QuestionID int64
	AnswerID   *int64
	ActorID    *int64
	Source     string
	Action     string
	Before     string
	After      string
	CreatedAt  time.Time
}

// addRevision records a change; before and after are marshalled to JSON.
func addRevision(tx *gorm.DB, questionID int64, answerID, actor *int64, source, action string, before, after any, now time.Time) error {
	if before == nil {
		before = map[string]any{}
	}
	if after == nil {
		after = map[string]any{}
	}
	b, _ := json.Marshal(before)
	a, _ := json.Marshal(after)
	return tx.Create(&Revision{QuestionID: questionID, AnswerID: answerID, ActorID: actor, Source: source, Action: action,
		Before: string(b), After: string(a), CreatedAt: now}).Error
}

// workCounts is what trust is computed from.
type workCounts struct {
	Accepted, Rejected, GoldRight, GoldWrong int64
}

func (s *Store) countsFor(tx *gorm.DB, userID int64) (workCounts, error) {
	var c workCounts
	err := tx.Raw(`SELECT
		(SELECT count(*) FROM questions WHERE author_id = ? AND source = 'web' AND state = 'accepted' AND needs_review) AS accepted,
		(SELECT count(*) FROM questions WHERE author_id = ? AND source = 'web' AND state IN ('rejected', 'needs_changes')) AS rejected,
		(SELECT count(*) FROM gold_results WHERE user_id = ? AND correct) AS gold_right,
		(SELECT count(*) FROM gold_results WHERE user_id = ? AND NOT correct) AS gold_wrong`,
		userID, userID, userID, userID).Row().Scan(&c.Accepted, &c.Rejected, &c.GoldRight, &c.GoldWrong)
	return c, err
}

// TrustOf computes a user's trust.
func (s *Store) TrustOf(ctx context.Context, userID int64) (float64, error) {
	c, err := s.countsFor(s.db.WithContext(ctx), userID)
	if err != nil {
		return 0, err
	}
	return Trust(c.Accepted, c.Rejected, c.GoldRight, c.GoldWrong), nil
}
