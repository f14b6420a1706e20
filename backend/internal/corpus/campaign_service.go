package corpus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
	"gorm.io/gorm"

	"github.com/lab-ia/piaf/backend/internal/apperr"
	"github.com/lab-ia/piaf/backend/internal/identity"
)

// Service holds the rules of campaigns.
type Service struct {
	store *Store
	md    *Markdown
}

// NewService binds the service to its store.
func NewService(store *Store) *Service { return &Service{store: store, md: NewMarkdown()} }

// Store exposes the storage to other domains of the composition root.
func (s *Service) Store() *Store { return s.store }

// CampaignInput is what moderators set on a campaign; nil fields are left
// unchanged by an update.
type CampaignInput struct {
	Kind                  *Kind
	Title                 *string
	Description           *string
	Guidelines            *string
	QuestionsPerParagraph *int
	AnswersPerQuestion    *int
	Themes                []string
	Audience              *string
	License               *string
	TargetQuestions       *int
	TestShare             *int
	ReviewSample          *int
	GoldRate              *int
	RejectReasons         []string
	Status                *Status
}

// transitions lists every allowed change of campaign status.
var transitions = map[Status][]Status{
	StatusDraft:  {StatusOpen},
	StatusOpen:   {StatusClosed},
	StatusClosed: {StatusOpen},
}

// ErrBadTransition refuses a status change; details carry the current one.
var ErrBadTransition = apperr.New(apperr.Conflict, "invalid_transition", "this status change is not allowed")

func (s *Service) validate(in CampaignInput, creating bool) error {
	var v apperr.Validation
	text := func(field string, p *string, min, max int) {
		if p == nil {
			if creating && min > 0 {
				v.Add(field, "is required")
			}
			return
		}
		*p = norm.NFC.String(strings.TrimSpace(*p))
		n := utf8.RuneCountInString(*p)
		if n < min || n > max {
			v.Addf(field, "must hold %d to %d characters", min, max)
		}
		if strings.IndexFunc(*p, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' }) >= 0 {
			v.Add(field, "must not contain control characters")
		}
	}
	text("title", in.Title, 3, 200)
	text("description", in.Description, 0, 5000)
	text("guidelines", in.Guidelines, 0, 100_000)
	text("license", in.License, 0, 200)
	if in.Kind != nil && *in.Kind != KindQA && *in.Kind != KindNER {
		v.Add("kind", "must be qa or ner")
	} else if creating && in.Kind == nil {
		v.Add("kind", "is required")
	}
	intIn := func(field string, p *int, min, max int) {
		if p != nil && (*p < min || *p > max) {
			v.Addf(field, "must be between %d and %d", min, max)
		}
	}
	intIn("questions_per_paragraph", in.QuestionsPerParagraph, 1, 50)
	intIn("answers_per_question", in.AnswersPerQuestion, 1, 20)
	intIn("target_questions", in.TargetQuestions, 0, 10_000_000)
	intIn("test_share", in.TestShare, 0, 100)
	intIn("review_sample", in.ReviewSample, 0, 100)
	intIn("gold_rate", in.GoldRate, 0, 100)
	if len(in.RejectReasons) > 30 {
		v.Add("reject_reasons", "at most 30 reasons")
	}
	for _, r := range in.RejectReasons {
		if n := utf8.RuneCountInString(strings.TrimSpace(r)); n < 2 || n > 80 {
			v.Add("reject_reasons", "each reason must hold 2 to 80 characters")
			break
		}
	}
	if in.Audience != nil && *in.Audience != "everyone" && *in.Audience != "certified" {
		v.Add("audience", "must be everyone or certified")
	}
	if len(in.Themes) > 50 {
		v.Add("themes", "at most 50 themes")
	}
	for i, t := range in.Themes {
		in.Themes[i] = norm.NFC.String(strings.TrimSpace(t))
		if n := utf8.RuneCountInString(in.Themes[i]); n < 1 || n > 60 {
			v.Add("themes", "each theme must hold 1 to 60 characters")
			break
		}
	}
	return v.Err()
}

// Create makes a draft campaign (or an open one when asked).
func (s *Service) Create(ctx context.Context, p *identity.Principal, in CampaignInput) (*Campaign, error) {
	if err := s.validate(in, true); err != nil {
		return nil, err
	}
	c := &Campaign{Kind: *in.Kind, Title: *in.Title, Status: StatusDraft, QuestionsPerParagraph: 5, AnswersPerQuestion: 3,
		Audience: "everyone", TestShare: 20, ReviewSample: 20, GoldRate: 10, Themes: "[]", RejectReasons: "[]", CreatedBy: &p.UserID}
	apply(c, in)
	if in.Status != nil && *in.Status != StatusDraft {
		if *in.Status != StatusOpen {
			return nil, ErrBadTransition.WithDetails("status", StatusDraft)
		}
		c.Status = StatusOpen
	}
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		c.Slug = slugify(c.Title, attempt)
		err = s.store.db.Transaction(ctx, func(tx *gorm.DB) error {
			if err := tx.Create(c).Error; err != nil {
				return err
			}
			if in.Guidelines != nil && *in.Guidelines != "" {
				return s.store.addGuidelines(tx, c, *in.Guidelines, p.UserID)
			}
			return nil
		})
		if !errors.Is(err, gorm.ErrDuplicatedKey) {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Update changes a campaign; a new guidelines text makes a new version.
func (s *Service) Update(ctx context.Context, p *identity.Principal, id int64, in CampaignInput) (*Campaign, error) {
	if err := s.validate(in, false); err != nil {
		return nil, err
	}
	var c Campaign
	err := s.store.db.Transaction(ctx, func(tx *gorm.DB) error {
		if err := tx.First(&c, id).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return ErrCampaignNotFound
			}
			return err
		}
		if in.Kind != nil && *in.Kind != c.Kind {
			return apperr.New(apperr.Conflict, "kind_fixed", "a campaign's kind cannot change")
		}
		if in.Status != nil && *in.Status != c.Status {
			ok := false
			for _, to := range transitions[c.Status] {
				ok = ok || to == *in.Status
			}
			if !ok {
				return ErrBadTransition.WithDetails("status", c.Status)
			}
			c.Status = *in.Status
		}
		apply(&c, in)
		c.UpdatedAt = time.Now().UTC()
		if err := tx.Save(&c).Error; err != nil {
			return err
		}
		if in.Guidelines != nil {
			current, err := s.store.guidelinesTx(tx, c.ID, c.GuidelinesVersion)
			if err != nil {
				return err
			}
			if current != *in.Guidelines {
				return s.store.addGuidelines(tx, &c, *in.Guidelines, p.UserID)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &c, nil
}

func apply(c *Campaign, in CampaignInput) {
	if in.Title != nil {
		c.Title = *in.Title
	}
	if in.Description != nil {
		c.Description = *in.Description
	}
	if in.QuestionsPerParagraph != nil {
		c.QuestionsPerParagraph = *in.QuestionsPerParagraph
	}
	if in.AnswersPerQuestion != nil {
		c.AnswersPerQuestion = *in.AnswersPerQuestion
	}
	if in.Audience != nil {
		c.Audience = *in.Audience
	}
	if in.License != nil {
		c.License = *in.License
	}
	if in.TargetQuestions != nil {
		c.TargetQuestions = *in.TargetQuestions
	}
	if in.TestShare != nil {
		c.TestShare = *in.TestShare
	}
	if in.Themes != nil {
		b, _ := json.Marshal(in.Themes)
		c.Themes = string(b)
	}
	if in.ReviewSample != nil {
		c.ReviewSample = *in.ReviewSample
	}
	if in.GoldRate != nil {
		c.GoldRate = *in.GoldRate
	}
	if in.RejectReasons != nil {
		b, _ := json.Marshal(in.RejectReasons)
		c.RejectReasons = string(b)
	}
}

var nonSlug = regexp.MustCompile(`[^a-z0-9]+`)

// slugify makes a URL-safe name from a title ("Démo — Services" →
// "demo-services"), with a suffix after the first attempt.
func slugify(title string, attempt int) string {
	t := norm.NFD.String(strings.ToLower(title))
	t = strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Mn, r) {
			return -1
		}
		return r
	}, t)
	slug := strings.Trim(nonSlug.ReplaceAllString(t, "-"), "-")
	if len(slug) > 60 {
		slug = strings.Trim(slug[:60], "-")
	}
	if slug == "" {
		slug = "campagne"
	}
	if attempt > 0 {
		slug = fmt.Sprintf("%s-%d", slug, attempt+1)
	}
	return slug
}

// CanSee reports whether p may see c: drafts are the moderators'.
func CanSee(p *identity.Principal, c *Campaign) bool {
	return c.Status != StatusDraft || p.IsAtLeastModerator()
}

// Get returns a campaign the caller may see.
func (s *Service) Get(ctx context.Context, p *identity.Principal, id int64) (*Campaign, error) {
	c, err := s.store.CampaignByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if !CanSee(p, c) {
		return nil, ErrCampaignNotFound
	}
	return c, nil
}

// List returns the campaigns the caller may see, newest first.
func (s *Service) List(ctx context.Context, p *identity.Principal) ([]Campaign, error) {
	return s.store.listCampaigns(ctx, p.IsAtLeastModerator())
}

// Guidelines returns the current guidelines, as Markdown and sanitised HTML.
func (s *Service) Guidelines(ctx context.Context, c *Campaign) (markdown, html string, err error) {
	markdown, err = s.store.guidelinesTx(s.store.db.WithContext(ctx), c.ID, c.GuidelinesVersion)
	if err != nil {
		return "", "", err
	}
	return markdown, s.md.HTML(markdown), nil
}
