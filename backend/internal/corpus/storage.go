package corpus

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/lab-ia/piaf/backend/internal/apperr"
	"github.com/lab-ia/piaf/backend/internal/database"
)

// Store persists campaigns, documents and paragraphs.
type Store struct {
	db *database.DB
}

// NewStore binds the store to a database.
func NewStore(db *database.DB) *Store { return &Store{db: db} }

// ErrCampaignNotFound is returned for unknown (or hidden) campaigns.
var ErrCampaignNotFound = apperr.New(apperr.NotFound, "campaign_not_found", "no such campaign")

// CampaignBySlug finds a campaign by its stable slug.
func (s *Store) CampaignBySlug(ctx context.Context, slug string) (*Campaign, error) {
	var c Campaign
	err := s.db.WithContext(ctx).Where("slug = ?", slug).First(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrCampaignNotFound
	}
	return &c, err
}

// CampaignByID finds a campaign.
func (s *Store) CampaignByID(ctx context.Context, id int64) (*Campaign, error) {
	var c Campaign
	err := s.db.WithContext(ctx).First(&c, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrCampaignNotFound
	}
	return &c, err
}

// CreateCampaign inserts c.
func (s *Store) CreateCampaign(ctx context.Context, c *Campaign) error {
	err := s.db.WithContext(ctx).Create(c).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return apperr.New(apperr.Conflict, "slug_taken", "a campaign already uses this slug")
	}
	return err
}

// AddDocument stores a document and its paragraphs in one transaction;
// paragraphs whose text the campaign already holds are skipped, which makes
// re-imports idempotent. It returns how many paragraphs were new.
func (s *Store) AddDocument(ctx context.Context, doc *Document, texts []string) (added int, err error) {
	err = s.db.Transaction(ctx, func(tx *gorm.DB) error {
		added = 0
		if err := tx.Create(doc).Error; err != nil {
			return err
		}
		for i, text := range texts {
			text = NormalizeText(text)
			p := Paragraph{CampaignID: doc.CampaignID, DocumentID: doc.ID, Position: i, Text: text, ContentHash: ContentHash(text), Status: ParagraphOpen}
			res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&p)
			if res.Error != nil {
				return res.Error
			}
			added += int(res.RowsAffected)
		}
		return nil
	})
	return added, err
}

// CountParagraphs counts a campaign's paragraphs.
func (s *Store) CountParagraphs(ctx context.Context, campaignID int64) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&Paragraph{}).Where("campaign_id = ?", campaignID).Count(&n).Error
	return n, err
}

func (s *Store) listCampaigns(ctx context.Context, withDrafts bool) ([]Campaign, error) {
	q := s.db.WithContext(ctx).Order("id DESC")
	if !withDrafts {
		q = q.Where("status <> ?", StatusDraft)
	}
	var out []Campaign
	err := q.Find(&out).Error
	return out, err
}

// guidelineVersion is one version of a campaign's guidelines.
type guidelineVersion struct {
	ID         int64 `gorm:"primaryKey"`
	CampaignID int64
	Version    int
	Markdown   string
	CreatedBy  *int64
	CreatedAt  time.Time
}

func (guidelineVersion) TableName() string { return "guideline_versions" }

// addGuidelines stores a new version and makes it current.
func (s *Store) addGuidelines(tx *gorm.DB, c *Campaign, markdown string, by int64) error {
	c.GuidelinesVersion++
	if err := tx.Create(&guidelineVersion{CampaignID: c.ID, Version: c.GuidelinesVersion, Markdown: markdown, CreatedBy: &by, CreatedAt: time.Now().UTC()}).Error; err != nil {
		return err
	}
	return tx.Model(&Campaign{}).Where("id = ?", c.ID).Update("guidelines_version", c.GuidelinesVersion).Error
}

func (s *Store) guidelinesTx(tx *gorm.DB, campaignID int64, version int) (string, error) {
	if version == 0 {
		return "", nil
	}
	var g guidelineVersion
	err := tx.Where("campaign_id = ? AND version = ?", campaignID, version).Take(&g).Error
	return g.Markdown, err
}

// SetSlug renames a campaign's stable slug (demo seeding).
func (s *Store) SetSlug(ctx context.Context, id int64, slug string) error {
	return s.db.WithContext(ctx).Model(&Campaign{}).Where("id = ?", id).Update("slug", slug).Error
}
