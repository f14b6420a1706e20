package review

import (
	"context"
	"encoding/json"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/lab-ia/piaf/backend/internal/annotate"
	"github.com/lab-ia/piaf/backend/internal/apperr"
	"github.com/lab-ia/piaf/backend/internal/corpus"
	"github.com/lab-ia/piaf/backend/internal/database"
	"github.com/lab-ia/piaf/backend/internal/identity"
)

// Filter narrows a review queue. Sort is oldest (default), newest or
// agreement (worst-agreeing first).
type Filter struct {
	State         string
	ContributorID int64
	Theme         string
	Trust         string
	Flagged       bool
	Reported      bool
	Sort          string
	Limit, Offset int
}

func (f Filter) validate() error {
	var v apperr.Validation
	switch f.State {
	case "", annotate.StateSubmitted, annotate.StateAccepted, annotate.StateRejected, annotate.StateNeedsChanges:
	default:
		v.Add("state", "unknown state")
	}
	switch f.Trust {
	case "", "low", "medium", "high":
	default:
		v.Add("trust", "must be low, medium or high")
	}
	switch f.Sort {
	case "", "oldest", "newest", "agreement":
	default:
		v.Add("sort", "must be oldest, newest or agreement")
	}
	return v.Err()
}

// Item is a question under review with what the moderator needs.
type Item struct {
	Question       ItemQuestion  `json:"question" required:"true"`
	Answer         ItemAnswer    `json:"answer" required:"true"`
	OtherAnswers   []ItemAnswer  `json:"other_answers" required:"true"`
	Paragraph      ItemParagraph `json:"paragraph" required:"true"`
	Author         ItemAuthor    `json:"author" required:"true"`
	ClaimExpiresAt *time.Time    `json:"claim_expires_at,omitempty"`
}

// ItemQuestion is the question under review.
type ItemQuestion struct {
	ID               int64      `json:"id" required:"true"`
	Text             string     `json:"text" required:"true"`
	State            string     `json:"state" required:"true"`
	Flags            []string   `json:"flags" required:"true"`
	IsTest           bool       `json:"is_test" required:"true"`
	IsGold           bool       `json:"is_gold" required:"true"`
	Agreement        *float64   `json:"agreement,omitempty"`
	GuidelineVersion int        `json:"guidelines_version" required:"true"`
	ReasonCode       string     `json:"reason_code,omitempty"`
	ReasonComment    string     `json:"reason_comment,omitempty"`
	CreatedAt        time.Time  `json:"created_at" required:"true"`
	DecidedAt        *time.Time `json:"decided_at,omitempty"`
}

// ItemAnswer is an answer span.
type ItemAnswer struct {
	ID        int64  `json:"id" required:"true"`
	Start     int    `json:"start" required:"true"`
	Text      string `json:"text" required:"true"`
	Kind      string `json:"kind" required:"true"`
	Pseudonym string `json:"pseudonym" required:"true"`
}

// ItemParagraph is the paragraph of the question.
type ItemParagraph struct {
	ID       int64  `json:"id" required:"true"`
	Text     string `json:"text" required:"true"`
	Status   string `json:"status" required:"true"`
	Title    string `json:"document_title" required:"true"`
	Theme    string `json:"theme" required:"true"`
	Reported bool   `json:"reported" required:"true"`
}

// ItemAuthor is who wrote the question.
type ItemAuthor struct {
	ID        int64   `json:"id" required:"true"`
	Pseudonym string  `json:"pseudonym" required:"true"`
	Trust     float64 `json:"trust" required:"true"`
	TrustBand string  `json:"trust_band" required:"true" enum:"low,medium,high"`
	Suspended bool    `json:"suspended" required:"true"`
}

// queueQuery builds the filtered query of question ids.
func (s *Store) queueQuery(tx *gorm.DB, campaignID int64, f Filter) *gorm.DB {
	q := tx.Table("questions q").
		Joins("JOIN paragraphs p ON p.id = q.paragraph_id").
		Joins("JOIN documents d ON d.id = p.document_id").
		Joins("JOIN users u ON u.id = q.author_id").
		Where("q.campaign_id = ? AND u.suspended_at IS NULL", campaignID)
	state := f.State
	if state == "" {
		state = annotate.StateSubmitted
	}
	q = q.Where("q.state = ?", state)
	if state == annotate.StateSubmitted {
		q = q.Where("q.needs_review")
	}
	if f.ContributorID != 0 {
		q = q.Where("q.author_id = ?", f.ContributorID)
	}
	if f.Theme != "" {
		q = q.Where("d.theme = ?", f.Theme)
	}
	switch f.Trust {
	case "low":
		q = q.Where("u.trust < ?", LowTrust)
	case "medium":
		q = q.Where("u.trust >= ? AND u.trust < ?", LowTrust, HighTrust)
	case "high":
		q = q.Where("u.trust >= ?", HighTrust)
	}
	if f.Flagged {
		q = q.Where("q.flags <> '[]'")
	}
	if f.Reported {
		q = q.Where("p.status = 'reported'")
	}
	switch f.Sort {
	case "newest":
		q = q.Order("q.id DESC")
	case "agreement":
		q = q.Order("CASE WHEN q.agreement IS NULL THEN 1 ELSE 0 END, q.agreement, q.id")
	default:
		q = q.Order("q.id")
	}
	return q
}

// Queue lists a page of the campaign's review queue.
func (s *Service) Queue(ctx context.Context, p *identity.Principal, campaignID int64, f Filter) ([]Item, int64, error) {
	if err := f.validate(); err != nil {
		return nil, 0, err
	}
	if _, err := s.campaigns.Get(ctx, p, campaignID); err != nil {
		return nil, 0, err
	}
	db := s.store.db.WithContext(ctx)
	var total int64
	if err := s.store.queueQuery(db, campaignID, Filter{State: f.State, ContributorID: f.ContributorID, Theme: f.Theme, Trust: f.Trust,
		Flagged: f.Flagged, Reported: f.Reported}).Count(&total).Error; err != nil {
		return nil, 0, err
	}
	var ids []int64
	if err := s.store.queueQuery(db, campaignID, f).Limit(f.Limit).Offset(f.Offset).Pluck("q.id", &ids).Error; err != nil {
		return nil, 0, err
	}
	items := make([]Item, 0, len(ids))
	for _, id := range ids {
		it, err := s.item(ctx, id)
		if err != nil {
			return nil, 0, err
		}
		items = append(items, *it)
	}
	return items, total, nil
}

// QueueSize counts the items waiting for review in a campaign.
func (s *Service) QueueSize(ctx context.Context, campaignID int64) (int64, error) {
	var n int64
	err := s.store.queueQuery(s.store.db.WithContext(ctx), campaignID, Filter{}).Count(&n).Error
	return n, err
}

// item loads everything about a question for the review screen.
func (s *Service) item(ctx context.Context, id int64) (*Item, error) {
	db := s.store.db.WithContext(ctx)
	q, err := s.question(ctx, id)
	if err != nil {
		return nil, err
	}
	var row struct {
		Flags         string
		Agreement     *float64
		ReasonCode    string
		ReasonComment string
		DecidedAt     *time.Time
		IsGold        bool
		ClaimExpires  *time.Time `gorm:"column:claim_expires_at"`
	}
	if err := db.Table("questions").Select("flags, agreement, reason_code, reason_comment, decided_at, is_gold, claim_expires_at").Where("id = ?", id).Take(&row).Error; err != nil {
		return nil, err
	}
	var flags []string
	_ = json.Unmarshal([]byte(row.Flags), &flags)
	it := &Item{Question: ItemQuestion{ID: q.ID, Text: q.Text, State: q.State, Flags: orEmpty(flags), IsTest: q.IsTest, IsGold: row.IsGold,
		Agreement: row.Agreement, GuidelineVersion: q.GuidelineVersion, ReasonCode: row.ReasonCode, ReasonComment: row.ReasonComment,
		CreatedAt: q.CreatedAt, DecidedAt: row.DecidedAt}, ClaimExpiresAt: row.ClaimExpires, OtherAnswers: []ItemAnswer{}}
	var answers []struct {
		annotate.Answer
		Pseudonym string
	}
	if err := db.Table("answers a").Select("a.*, u.pseudonym").Joins("JOIN users u ON u.id = a.author_id").
		Where("a.question_id = ?", id).Order("CASE WHEN a.kind = 'original' THEN 0 ELSE 1 END, a.id").Scan(&answers).Error; err != nil {
		return nil, err
	}
	for i, a := range answers {
		ia := ItemAnswer{ID: a.ID, Start: a.StartOffset, Text: a.Text, Kind: a.Kind, Pseudonym: a.Pseudonym}
		if i == 0 {
			it.Answer = ia
		} else {
			it.OtherAnswers = append(it.OtherAnswers, ia)
		}
	}
	var para struct {
		ID     int64
		Text   string
		Status string
		Title  string
		Theme  string
	}
	if err := db.Table("paragraphs p").Select("p.id, p.text, p.status, d.title, d.theme").Joins("JOIN documents d ON d.id = p.document_id").
		Where("p.id = ?", q.ParagraphID).Take(&para).Error; err != nil {
		return nil, err
	}
	it.Paragraph = ItemParagraph{ID: para.ID, Text: para.Text, Status: para.Status, Title: para.Title, Theme: para.Theme, Reported: para.Status == corpus.ParagraphReported}
	var author struct {
		ID          int64
		Pseudonym   string
		Trust       float64
		SuspendedAt *time.Time
	}
	if err := db.Table("users").Select("id, pseudonym, trust, suspended_at").Where("id = ?", q.AuthorID).Take(&author).Error; err != nil {
		return nil, err
	}
	it.Author = ItemAuthor{ID: author.ID, Pseudonym: author.Pseudonym, Trust: author.Trust, TrustBand: TrustBand(author.Trust), Suspended: author.SuspendedAt != nil}
	return it, nil
}

// Next claims the next item of the queue for p for a few minutes, so that
// two moderators do not review the same pair.
func (s *Service) Next(ctx context.Context, p *identity.Principal, campaignID int64, f Filter) (*Item, error) {
	if err := f.validate(); err != nil {
		return nil, err
	}
	if _, err := s.campaigns.Get(ctx, p, campaignID); err != nil {
		return nil, err
	}
	var id int64
	err := s.store.db.Transaction(ctx, func(tx *gorm.DB) error {
		now := s.now()
		q := s.store.queueQuery(tx, campaignID, f).
			Where("(q.claimed_by IS NULL OR q.claim_expires_at < ? OR q.claimed_by = ?)", now, p.UserID).Limit(1)
		if s.store.db.Dialect == database.Postgres {
			q = q.Clauses(clause.Locking{Strength: "UPDATE", Table: clause.Table{Name: "q"}, Options: "SKIP LOCKED"})
		}
		if err := q.Pluck("q.id", &id).Error; err != nil {
			return err
		}
		if id == 0 {
			return ErrQueueEmpty
		}
		return tx.Table("questions").Where("id = ?", id).Updates(map[string]any{"claimed_by": p.UserID, "claim_expires_at": now.Add(s.claimFor)}).Error
	})
	if err != nil {
		return nil, err
	}
	return s.item(ctx, id)
}

// Claim reserves a given item (opened from the list).
func (s *Service) Claim(ctx context.Context, p *identity.Principal, questionID int64) (*Item, error) {
	q, err := s.question(ctx, questionID)
	if err != nil {
		return nil, err
	}
	if _, err := s.campaigns.Get(ctx, p, q.CampaignID); err != nil {
		return nil, err
	}
	now := s.now()
	res := s.store.db.WithContext(ctx).Table("questions").
		Where("id = ? AND (claimed_by IS NULL OR claim_expires_at < ? OR claimed_by = ?)", questionID, now, p.UserID).
		Updates(map[string]any{"claimed_by": p.UserID, "claim_expires_at": now.Add(s.claimFor)})
	if res.Error != nil {
		return nil, res.Error
	}
	if res.RowsAffected == 0 {
		return nil, ErrClaimedByOther
	}
	return s.item(ctx, questionID)
}
