// Package annotate is the volunteers' work on question-answer campaigns:
// paragraphs leased as tasks, questions with answer spans submitted
// atomically and idempotently, answer mode for test questions, and the
// progress (levels, badges) that motivates contributors.
package annotate

import "time"

// Annotation states. The full state machine (accept, reject, request
// changes) belongs to moderation; writing creates submitted annotations.
const (
	StateSubmitted    = "submitted"
	StateAccepted     = "accepted"
	StateRejected     = "rejected"
	StateNeedsChanges = "needs_changes"
)

// Question is one question about a paragraph.
type Question struct {
	ID               int64 `gorm:"primaryKey"`
	CampaignID       int64
	ParagraphID      int64
	AuthorID         int64
	ExternalID       string
	Text             string
	State            string
	Source           string
	GuidelineVersion int
	IsTest           bool
	IsGold           bool
	NeedsReview      bool
	QuestionKey      string
	// Flags is a JSON array of the quality flags moderation raised; left
	// empty, the database's default (an empty array) is written.
	Flags          string `gorm:"default:'[]'"`
	DecidedAt      *time.Time
	AnswersCount   int
	LeaseUserID    *int64
	LeaseExpiresAt *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Answer is a span of the paragraph answering a question. StartOffset and
// the length of Text count Unicode code points, as SQuAD does.
type Answer struct {
	ID               int64 `gorm:"primaryKey"`
	QuestionID       int64
	AuthorID         int64
	StartOffset      int
	Text             string
	Kind             string
	State            string
	GuidelineVersion int
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// Answer kinds: the question author's own answer, or one given in answer
// mode by another contributor.
const (
	KindOriginal   = "original"
	KindAdditional = "additional"
)

// submission records the response to an idempotency key.
type submission struct {
	ID             int64 `gorm:"primaryKey"`
	UserID         int64
	IdempotencyKey string
	Kind           string
	TargetID       int64
	Response       string
	CreatedAt      time.Time
}

type paragraphSkip struct {
	ParagraphID int64 `gorm:"primaryKey"`
	UserID      int64 `gorm:"primaryKey"`
	Reason      string
	CreatedAt   time.Time
}

func (paragraphSkip) TableName() string { return "paragraph_skips" }

type paragraphReport struct {
	ID          int64 `gorm:"primaryKey"`
	ParagraphID int64
	UserID      *int64
	Reason      string
	Comment     string
	CreatedAt   time.Time
	ResolvedAt  *time.Time
}

func (paragraphReport) TableName() string { return "paragraph_reports" }
