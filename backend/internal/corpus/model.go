// Package corpus holds campaigns and their texts: documents (an article, a
// service-public.fr fiche) cut into paragraphs, the unit of annotation work.
package corpus

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"golang.org/x/text/unicode/norm"
)

// Kind is what volunteers do in a campaign.
type Kind string

// Campaign kinds.
const (
	KindQA  Kind = "qa"
	KindNER Kind = "ner"
)

// Status is a campaign's place in its life cycle.
type Status string

// Campaign statuses: drafts are invisible to volunteers; closed campaigns
// accept no more work but remain releasable.
const (
	StatusDraft  Status = "draft"
	StatusOpen   Status = "open"
	StatusClosed Status = "closed"
)

// Campaign is a body of text and the annotation work asked on it.
type Campaign struct {
	ID                    int64     `gorm:"primaryKey" json:"id" required:"true"`
	Slug                  string    `json:"slug" required:"true"`
	Kind                  Kind      `json:"kind" required:"true" enum:"qa,ner"`
	Title                 string    `json:"title" required:"true"`
	Description           string    `json:"description" required:"true"`
	Status                Status    `json:"status" required:"true" enum:"draft,open,closed"`
	QuestionsPerParagraph int       `json:"questions_per_paragraph" required:"true"`
	AnswersPerQuestion    int       `json:"answers_per_question" required:"true"`
	Audience              string    `json:"audience" required:"true" enum:"everyone,certified"`
	License               string    `json:"license" required:"true"`
	GuidelinesVersion     int       `json:"guidelines_version" required:"true"`
	Themes                string    `json:"-"`
	TargetQuestions       int       `json:"target_questions" required:"true"`
	TestShare             int       `json:"test_share" required:"true"`
	ReviewSample          int       `json:"review_sample" required:"true"`
	GoldRate              int       `json:"gold_rate" required:"true"`
	RejectReasons         string    `json:"-"`
	CreatedBy             *int64    `json:"-"`
	CreatedAt             time.Time `json:"created_at" required:"true"`
	UpdatedAt             time.Time `json:"updated_at" required:"true"`
}

// Document is a source text with its attribution.
type Document struct {
	ID         int64     `gorm:"primaryKey" json:"id" required:"true"`
	CampaignID int64     `json:"campaign_id" required:"true"`
	Title      string    `json:"title" required:"true"`
	SourceURL  string    `json:"source_url" required:"true"`
	License    string    `json:"license" required:"true"`
	Theme      string    `json:"theme" required:"true"`
	Position   int       `json:"position" required:"true"`
	ExternalID string    `json:"-"`
	CreatedAt  time.Time `json:"created_at" required:"true"`
}

// DefaultRejectReasons are offered when a campaign sets none.
var DefaultRejectReasons = []string{"answer_not_in_text", "question_ambiguous", "copy_of_text", "wrong_span", "not_a_question", "offensive"}

// RejectReasonList decodes the campaign's rejection reasons.
func (c *Campaign) RejectReasonList() []string {
	var out []string
	_ = json.Unmarshal([]byte(c.RejectReasons), &out)
	if len(out) == 0 {
		return DefaultRejectReasons
	}
	return out
}

// ThemeList decodes the campaign's themes.
func (c *Campaign) ThemeList() []string {
	var out []string
	_ = json.Unmarshal([]byte(c.Themes), &out)
	if out == nil {
		out = []string{}
	}
	return out
}

// Paragraph status: open for work, done (enough questions), reported by a
// contributor (out of the pool until a moderator decides), or excluded.
const (
	ParagraphOpen     = "open"
	ParagraphDone     = "done"
	ParagraphReported = "reported"
	ParagraphExcluded = "excluded"
)

// Paragraph is one passage to annotate. Text is NFC-normalised; offsets
// into it are Unicode code points.
type Paragraph struct {
	ID             int64      `gorm:"primaryKey" json:"id" required:"true"`
	CampaignID     int64      `json:"campaign_id" required:"true"`
	DocumentID     int64      `json:"document_id" required:"true"`
	Position       int        `json:"position" required:"true"`
	Text           string     `json:"text" required:"true"`
	ContentHash    string     `json:"-"`
	Status         string     `json:"status" required:"true" enum:"open,done,reported,excluded"`
	QuestionsCount int        `json:"questions_count" required:"true"`
	LeaseUserID    *int64     `json:"-"`
	LeaseExpiresAt *time.Time `json:"-"`
	CreatedAt      time.Time  `json:"created_at" required:"true"`
}

// NormalizeText puts text in Unicode NFC, the form in which PIAF stores
// and counts characters, so that "é" typed two ways is one code point.
func NormalizeText(s string) string { return norm.NFC.String(s) }

// ContentHash identifies a paragraph's text within a campaign; re-importing
// the same text finds the existing paragraph instead of duplicating it.
func ContentHash(text string) string {
	sum := sha256.Sum256([]byte(NormalizeText(text)))
	return hex.EncodeToString(sum[:])
}
