package annotate

import (
	"context"
	"errors"
	"fmt"
	"strings"
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
// transactions are leasing right now.
func (s *Store) lockClause() string {
	if s.db.Dialect == database.Postgres {
		return " FOR UPDATE OF p SKIP LOCKED"
	}
	return ""
}

// maxTaskStripes bounds how many stripes of documents contributors start
// from (see leaseNext).
const maxTaskStripes = 64

// leaseNext leases a paragraph to a user in one statement and returns it:
// the one they already hold in the campaign (its lease renewed), or else
// the next one that still needs questions, that they have not annotated
// nor skipped, and that nobody holds. It prefers, in order, the next
// paragraph of the document the user was working on (articles are read in
// a row), a paragraph already started, a paragraph whose lease expired
// (back in the pool), then the campaign's free paragraphs in import order.
//
// When others are at work, "in import order" starts from the user's
// stripe of documents: with n paragraphs leased in the campaign, the
// documents whose id is the user's id modulo min(n, 64). A contributor
// alone starts at the first document; hundreds start on different
// articles instead of all racing for the head of the queue, where each
// statement locked, rechecked and passed over the rows the others had
// just leased, holding those locks until it ended and so blocking their
// submissions.
//
// Each preference is a WITH query stopping at the first row of an index;
// the UNION ALL under LIMIT 1 evaluates them in order and only as far as
// needed, so a task is one round trip to the database. On PostgreSQL the
// row is locked with SKIP LOCKED: paragraphs other requests are leasing at
// the same instant are passed over, not waited for. SQLite transactions
// are serialised, so the same statement is just as safe there.
func (s *Store) leaseNext(db *gorm.DB, c *corpus.Campaign, userID int64, theme string, now, until time.Time) (*corpus.Paragraph, error) {
	base := `SELECT p.id FROM paragraphs p`
	where := ` WHERE p.campaign_id = ? AND p.status = 'open' AND p.questions_count < ?
		  AND (p.lease_expires_at IS NULL OR p.lease_expires_at < ?)
		  AND NOT EXISTS (SELECT 1 FROM questions q WHERE q.paragraph_id = p.id AND q.author_id = ?)
		  AND NOT EXISTS (SELECT 1 FROM paragraph_skips sk WHERE sk.paragraph_id = p.id AND sk.user_id = ?)`
	whereArgs := []any{c.ID, c.QuestionsPerParagraph, now, userID, userID}
	if theme != "" {
		base += ` JOIN documents d ON d.id = p.document_id`
		where += ` AND d.theme = ?`
		whereArgs = append(whereArgs, theme)
	}
	stages := []struct {
		join, cond, order string
		args              []any
	}{
		// The document of the user's latest question in this campaign (a
		// join, so that the planner reaches its paragraphs by the document
		// index).
		{` JOIN (SELECT p2.document_id FROM questions q2 JOIN paragraphs p2 ON p2.id = q2.paragraph_id
			WHERE q2.author_id = ? AND q2.campaign_id = ? ORDER BY q2.id DESC LIMIT 1) last ON last.document_id = p.document_id`,
			``, `p.id`, []any{userID, c.ID}},
		{``, ` AND p.questions_count > 0`, `p.id`, nil},
		// Leases left to expire, by expiry: the explicit bound (implied by
		// the filter above) lets the expiry index stop at once instead of
		// visiting every live lease.
		{``, ` AND p.lease_user_id IS NOT NULL AND p.lease_expires_at < ?`, `p.lease_expires_at, p.id`, []any{now}},
		// Free paragraphs by document (import order), in the user's
		// stripe first; the order is the free-paragraph index's.
		{``, ` AND p.lease_user_id IS NULL AND p.document_id % (SELECT n FROM stripes) = ? % (SELECT n FROM stripes)`, `p.document_id, p.id`, []any{userID}},
		{``, ` AND p.lease_user_id IS NULL`, `p.document_id, p.id`, nil},
	}
	bound := `LEAST(?, GREATEST(1, count(*)))`
	if s.db.Dialect != database.Postgres {
		bound = `min(?, max(1, count(*)))`
	}
	args := []any{userID, until, c.ID, userID, now, maxTaskStripes, c.ID, now, maxTaskStripes}
	ctes := []string{`held AS (SELECT id FROM paragraphs WHERE campaign_id = ? AND lease_user_id = ? AND lease_expires_at > ? AND status = 'open' ORDER BY id LIMIT 1)`,
		// How many stripes: the paragraphs leased right now (read through
		// the expiry index, and no more of them than there can be
		// stripes), evaluated only if the striped stage runs.
		`stripes AS (SELECT ` + bound + ` AS n FROM (SELECT 1 FROM paragraphs WHERE campaign_id = ? AND status = 'open' AND lease_user_id IS NOT NULL AND lease_expires_at > ? LIMIT ?) leased)`}
	union := []string{`SELECT id FROM held`}
	for i, st := range stages {
		name := fmt.Sprintf("stage%d", i+1)
		ctes = append(ctes, name+` AS (`+base+st.join+where+st.cond+` ORDER BY `+st.order+` LIMIT 1`+s.lockClause()+`)`)
		union = append(union, `SELECT id FROM `+name)
		// In the text: the join's arguments, the filter's, the stage's.
		if st.join != "" {
			args = append(append(args, st.args...), whereArgs...)
		} else {
			args = append(append(args, whereArgs...), st.args...)
		}
	}
	q := `UPDATE paragraphs SET lease_user_id = ?, lease_expires_at = ? WHERE id = (WITH ` + strings.Join(ctes, ",\n") +
		"\n" + strings.Join(union, " UNION ALL ") + ` LIMIT 1) RETURNING *`
	var p corpus.Paragraph
	if err := db.Raw(q, args...).Scan(&p).Error; err != nil {
		return nil, err
	}
	if p.ID == 0 {
		return nil, nil
	}
	return &p, nil
}

// lockedParagraph reads a paragraph and, on PostgreSQL, locks its row
// until the transaction ends, so that two submissions on it are applied
// one after the other (SQLite transactions are serialised already).
func (s *Store) lockedParagraph(tx *gorm.DB, id int64) (*corpus.Paragraph, error) {
	lock := ""
	if s.db.Dialect == database.Postgres {
		lock = " FOR UPDATE"
	}
	var p corpus.Paragraph
	if err := tx.Raw(`SELECT * FROM paragraphs WHERE id = ?`+lock, id).Scan(&p).Error; err != nil {
		return nil, err
	}
	if p.ID == 0 {
		return nil, gorm.ErrRecordNotFound
	}
	return &p, nil
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
