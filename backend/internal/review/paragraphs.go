package review

import (
	"context"
	"errors"

	"gorm.io/gorm"

	"github.com/lab-ia/piaf/backend/internal/apperr"
	"github.com/lab-ia/piaf/backend/internal/corpus"
	"github.com/lab-ia/piaf/backend/internal/identity"
)

// DecideParagraph applies a moderator's decision on a paragraph (dismiss a
// report, exclude, restore) through the paragraph state machine, and
// closes its open reports.
func (s *Service) DecideParagraph(ctx context.Context, p *identity.Principal, paragraphID int64, action string) error {
	var para corpus.Paragraph
	if err := s.store.db.WithContext(ctx).First(&para, paragraphID).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return apperr.New(apperr.NotFound, "paragraph_not_found", "no such paragraph")
		}
		return err
	}
	if _, err := s.campaigns.Get(ctx, p, para.CampaignID); err != nil {
		return err
	}
	to, err := corpus.NextParagraphStatus(para.Status, action)
	if err != nil {
		return err
	}
	if to == corpus.ParagraphOpen && para.QuestionsCount > 0 {
		var c corpus.Campaign
		if err := s.store.db.WithContext(ctx).First(&c, para.CampaignID).Error; err == nil && para.QuestionsCount >= c.QuestionsPerParagraph {
			to = corpus.ParagraphDone
		}
	}
	err = s.store.db.Transaction(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&corpus.Paragraph{}).Where("id = ? AND status = ?", para.ID, para.Status).Update("status", to)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return corpus.ErrParagraphTransition.WithDetails("status", para.Status)
		}
		return tx.Table("paragraph_reports").Where("paragraph_id = ? AND resolved_at IS NULL", para.ID).Update("resolved_at", s.now()).Error
	})
	if err != nil {
		return err
	}
	s.counters.Touch(para.CampaignID)
	return nil
}
