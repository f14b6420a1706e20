package annotate

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/lab-ia/piaf/backend/internal/corpus"
	"github.com/lab-ia/piaf/backend/internal/database"
)

// Store persists annotations and task leases.
type Store struct {
	db *database.DB
}

// NewStore binds the store to a database.
func NewStore(db *database.DB) *Store { return &Store{db: db} }

// lockClause locks the candidate row on PostgreSQL, skipping rows other
// transactions are leasing right now; SQLite transactions are serialised
// by BEGIN IMMEDIATE, so the same query is just as safe there.
func (s *Store) lockClause() string {
	if s.db.Dialect == database.Postgres {
		return " FOR UPDATE OF p SKIP LOCKED"
	}
	return ""
}

// heldParagraph returns the paragraph a user currently leases in a
// campaign, if any.
func heldParagraph(tx *gorm.DB, campaignID, userID int64, now time.Time) (*corpus.Paragraph, error) {
	var p corpus.Paragraph
	err := tx.Where("campaign_id = ? AND lease_user_id = ? AND lease_expires_at > ? AND status = ?", campaignID, userID, now, corpus.ParagraphOpen).
		Order("id").Take(&p).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	return &p, err
}

// candidateParagraph picks the next paragraph for a user: one that still
// needs questions, that they have not annotated nor skipped, and that
// nobody holds. It prefers, in order, the next paragraph of the document
// the user was working on (articles are read in a row), a paragraph
// already started, then the campaign's paragraphs in import order. Each
// stage is one short indexed query that stops at the first free row.
func (s *Store) candidateParagraph(tx *gorm.DB, c *corpus.Campaign, userID int64, theme string, now time.Time) (*corpus.Paragraph, error) {
	var lastDoc int64
	if err := tx.Raw(`SELECT p.document_id FROM questions q JOIN paragraphs p ON p.id = q.paragraph_id
		WHERE q.campaign_id = ? AND q.author_id = ? ORDER BY q.id DESC LIMIT 1`, c.ID, userID).Scan(&lastDoc).Error; err != nil {
		return nil, err
	}
	base := `SELECT p.id FROM paragraphs p`
	where := ` WHERE p.campaign_id = ? AND p.status = 'open' AND p.questions_count < ?
		  AND (p.lease_expires_at IS NULL OR p.lease_expires_at < ?)
		  AND NOT EXISTS (SELECT 1 FROM questions q WHERE q.paragraph_id = p.id AND q.author_id = ?)
		  AND NOT EXISTS (SELECT 1 FROM paragraph_skips sk WHERE sk.paragraph_id = p.id AND sk.user_id = ?)`
	args := []any{c.ID, c.QuestionsPerParagraph, now, userID, userID}
	if theme != "" {
		base += ` JOIN documents d ON d.id = p.document_id`
		where += ` AND d.theme = ?`
		args = append(args, theme)
	}
	stages := []struct {
		cond string
		args []any
		on   bool
	}{
		{` AND p.document_id = ?`, []any{lastDoc}, lastDoc != 0},
		{` AND p.questions_count > 0`, nil, true},
		{``, nil, true},
	}
	for _, st := range stages {
		if !st.on {
			continue
		}
		var id int64
		q := base + where + st.cond + ` ORDER BY p.id LIMIT 1` + s.lockClause()
		if err := tx.Raw(q, append(append([]any{}, args...), st.args...)...).Scan(&id).Error; err != nil {
			return nil, err
		}
		if id != 0 {
			var p corpus.Paragraph
			return &p, tx.First(&p, id).Error
		}
	}
	return nil, nil
}

func lease(tx *gorm.DB, paragraphID, userID int64, until time.Time) error {
	return tx.Model(&corpus.Paragraph{}).Where("id = ?", paragraphID).
		Updates(map[string]any{"lease_user_id": userID, "lease_expires_at": until}).Error
}

// heldQuestion returns the test question a user is answering, if any.
func heldQuestion(tx *gorm.DB, campaignID, userID int64, now time.Time) (*Question, error) {
	var q Question
	err := tx.Where("campaign_id = ? AND lease_user_id = ? AND lease_expires_at > ?", campaignID, userID, now).Order("id").Take(&q).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	return &q, err
}

// goldQuestion picks a gold question the user did not write nor answer.
func (s *Store) goldQuestion(tx *gorm.DB, campaignID, userID int64) (*Question, error) {
	var q Question
	err := tx.Where(`campaign_id = ? AND is_gold AND state = 'accepted' AND author_id <> ?
		AND NOT EXISTS (SELECT 1 FROM gold_results g WHERE g.question_id = questions.id AND g.user_id = ?)`, campaignID, userID, userID).
		Order("id").Take(&q).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	return &q, err
}

// candidateQuestion picks the test question with the fewest answers that
// the user did not write nor answer and that nobody else is answering.
func (s *Store) candidateQuestion(tx *gorm.DB, c *corpus.Campaign, userID int64, now time.Time) (*Question, error) {
	lock := ""
	if s.db.Dialect == database.Postgres {
		lock = " FOR UPDATE OF q SKIP LOCKED"
	}
	var id int64
	err := tx.Raw(`SELECT q.id FROM questions q JOIN paragraphs p ON p.id = q.paragraph_id
		WHERE q.campaign_id = ? AND q.is_test AND q.answers_count < ? AND q.author_id <> ?
		  AND q.state IN ('submitted', 'accepted') AND p.status <> 'excluded'
		  AND (q.lease_expires_at IS NULL OR q.lease_expires_at < ? OR q.lease_user_id = ?)
		  AND NOT EXISTS (SELECT 1 FROM answers a WHERE a.question_id = q.id AND a.author_id = ?)
		ORDER BY q.answers_count, q.id LIMIT 1`+lock,
		c.ID, c.AnswersPerQuestion, userID, now, userID, userID).Scan(&id).Error
	if err != nil || id == 0 {
		return nil, err
	}
	var qu Question
	return &qu, tx.First(&qu, id).Error
}

// priorSubmission returns the stored response to an idempotency key.
func priorSubmission(tx *gorm.DB, userID int64, key string) (*submission, error) {
	var sub submission
	err := tx.Where("user_id = ? AND idempotency_key = ?", userID, key).Take(&sub).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	return &sub, err
}

// questionsOf lists a paragraph's question texts and tells whether the
// user wrote any of them.
func questionsOf(tx *gorm.DB, paragraphID, userID int64) ([]string, bool, error) {
	var rows []struct {
		Text     string
		AuthorID int64
	}
	if err := tx.Model(&Question{}).Select("text, author_id").Where("paragraph_id = ?", paragraphID).Find(&rows).Error; err != nil {
		return nil, false, err
	}
	texts := make([]string, len(rows))
	mine := false
	for i, r := range rows {
		texts[i] = r.Text
		mine = mine || r.AuthorID == userID
	}
	return texts, mine, nil
}

// Progress counts a user's work.
type counts struct {
	Written    int64
	Accepted   int64
	Rejected   int64
	Answers    int64
	Paragraphs int64
}

func (s *Store) countsOf(ctx context.Context, userID int64) (counts, error) {
	var c counts
	err := s.db.WithContext(ctx).Raw(`SELECT
		(SELECT count(*) FROM questions WHERE author_id = ? AND source = 'web') AS written,
		(SELECT count(*) FROM questions WHERE author_id = ? AND source = 'web' AND state = 'accepted') AS accepted,
		(SELECT count(*) FROM questions WHERE author_id = ? AND source = 'web' AND state = 'rejected') AS rejected,
		(SELECT count(*) FROM answers WHERE author_id = ? AND kind = 'additional') AS answers,
		(SELECT count(DISTINCT paragraph_id) FROM questions WHERE author_id = ? AND source = 'web') AS paragraphs`,
		userID, userID, userID, userID, userID).Row().Scan(&c.Written, &c.Accepted, &c.Rejected, &c.Answers, &c.Paragraphs)
	return c, err
}
