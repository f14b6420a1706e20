package corpus

import (
	"context"
	"errors"

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
			p := Paragraph{CampaignID: doc.CampaignID, DocumentID: doc.ID, Position: i, Text: text, ContentHash: ContentHash(text)}
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
