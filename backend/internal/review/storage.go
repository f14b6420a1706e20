package review

import (
	"context"
	"encoding/json"
	"strings"
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
	r, err := newRevision(questionID, answerID, actor, source, action, before, after, now)
	if err != nil {
		return err
	}
	return tx.Create(&r).Error
}

// newRevision builds a revision row; before and after are marshalled to
// JSON (nil stands for an empty object).
func newRevision(questionID int64, answerID, actor *int64, source, action string, before, after any, now time.Time) (Revision, error) {
	if before == nil {
		before = map[string]any{}
	}
	if after == nil {
		after = map[string]any{}
	}
	b, err := json.Marshal(before)
	if err != nil {
		return Revision{}, err
	}
	a, err := json.Marshal(after)
	if err != nil {
		return Revision{}, err
	}
	return Revision{QuestionID: questionID, AnswerID: answerID, ActorID: actor, Source: source, Action: action,
		Before: string(b), After: string(a), CreatedAt: now}, nil
}

// workCountsSQL selects a user's work counts (the user id four times).
const workCountsSQL = `
		(SELECT count(*) FROM questions WHERE author_id = ? AND source = 'web' AND state = 'accepted' AND needs_review) AS accepted,
		(SELECT count(*) FROM questions WHERE author_id = ? AND source = 'web' AND state IN ('rejected', 'needs_changes')) AS rejected,
		(SELECT count(*) FROM gold_results WHERE user_id = ? AND correct) AS gold_right,
		(SELECT count(*) FROM gold_results WHERE user_id = ? AND NOT correct) AS gold_wrong`

// workCounts is what trust is computed from.
type workCounts struct {
	Accepted, Rejected, GoldRight, GoldWrong int64
}

func (s *Store) countsFor(tx *gorm.DB, userID int64) (workCounts, error) {
	var c workCounts
	err := tx.Raw(`SELECT `+workCountsSQL, userID, userID, userID, userID).Row().Scan(&c.Accepted, &c.Rejected, &c.GoldRight, &c.GoldWrong)
	return c, err
}

// submitterState is what moderation needs to know of an author when they
// submit: their work counts (for trust), the trust stored on their row,
// and how many questions they wrote in the last minute (bursts).
type submitterState struct {
	workCounts
	Trust  float64
	Recent int64
}

// submitterState reads an author's standing in one statement.
func (s *Store) submitterState(tx *gorm.DB, userID int64, since time.Time) (submitterState, error) {
	var st submitterState
	err := tx.Raw(`SELECT `+workCountsSQL+`,
		(SELECT count(*) FROM questions WHERE author_id = ? AND created_at > ?) AS recent,
		(SELECT trust FROM users WHERE id = ?) AS trust`,
		userID, userID, userID, userID, userID, since, userID).Row().
		Scan(&st.Accepted, &st.Rejected, &st.GoldRight, &st.GoldWrong, &st.Recent, &st.Trust)
	return st, err
}

// keysTaken tells, for each question key, whether the campaign already
// holds a question with it: one statement of EXISTS probes, each stopping
// at the first match of the (campaign, key) index.
func (s *Store) keysTaken(tx *gorm.DB, campaignID int64, keys []string) ([]bool, error) {
	out := make([]bool, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	probes := make([]string, len(keys))
	args := make([]any, 0, 2*len(keys))
	for i, k := range keys {
		probes[i] = "EXISTS (SELECT 1 FROM questions WHERE campaign_id = ? AND question_key = ?)"
		args = append(args, campaignID, k)
	}
	dest := make([]any, len(keys))
	for i := range out {
		dest[i] = &out[i]
	}
	err := tx.Raw("SELECT "+strings.Join(probes, ", "), args...).Row().Scan(dest...)
	return out, err
}

// TrustOf computes a user's trust.
func (s *Store) TrustOf(ctx context.Context, userID int64) (float64, error) {
	c, err := s.countsFor(s.db.WithContext(ctx), userID)
	if err != nil {
		return 0, err
	}
	return Trust(c.Accepted, c.Rejected, c.GoldRight, c.GoldWrong), nil
}
