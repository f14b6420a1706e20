package annotate

import (
	"context"
	"time"
)

// ContributionsExport is the annotation part of a user's GDPR export: the
// questions and answers they wrote, the paragraphs they skipped and the
// reports they made. It implements auth.DataSection.
type ContributionsExport struct{ store *Store }

// NewContributionsExport binds the export to the store.
func NewContributionsExport(store *Store) ContributionsExport {
	return ContributionsExport{store: store}
}

// Name is the section's key in the export.
func (ContributionsExport) Name() string { return "qa_contributions" }

type exportedQuestion struct {
	ID               int64     `json:"id"`
	CampaignID       int64     `json:"campaign_id"`
	ParagraphID      int64     `json:"paragraph_id"`
	Text             string    `json:"text"`
	State            string    `json:"state"`
	GuidelineVersion int       `json:"guidelines_version"`
	CreatedAt        time.Time `json:"created_at"`
}

type exportedAnswer struct {
	ID          int64     `json:"id"`
	QuestionID  int64     `json:"question_id"`
	StartOffset int       `json:"start"`
	Text        string    `json:"text"`
	Kind        string    `json:"kind"`
	State       string    `json:"state"`
	CreatedAt   time.Time `json:"created_at"`
}

type exportedSkip struct {
	ParagraphID int64     `json:"paragraph_id"`
	Reason      string    `json:"reason"`
	CreatedAt   time.Time `json:"created_at"`
}

type exportedReport struct {
	ParagraphID int64     `json:"paragraph_id"`
	Reason      string    `json:"reason"`
	Comment     string    `json:"comment"`
	CreatedAt   time.Time `json:"created_at"`
}

// Export gathers the user's contributions.
func (e ContributionsExport) Export(ctx context.Context, userID int64) (any, error) {
	db := e.store.db.WithContext(ctx)
	out := struct {
		Questions []exportedQuestion `json:"questions"`
		Answers   []exportedAnswer   `json:"answers"`
		Skips     []exportedSkip     `json:"skips"`
		Reports   []exportedReport   `json:"reports"`
	}{[]exportedQuestion{}, []exportedAnswer{}, []exportedSkip{}, []exportedReport{}}
	if err := db.Table("questions").Where("author_id = ?", userID).Order("id").Find(&out.Questions).Error; err != nil {
		return nil, err
	}
	if err := db.Table("answers").Where("author_id = ?", userID).Order("id").Find(&out.Answers).Error; err != nil {
		return nil, err
	}
	if err := db.Table("paragraph_skips").Where("user_id = ?", userID).Order("created_at").Find(&out.Skips).Error; err != nil {
		return nil, err
	}
	if err := db.Table("paragraph_reports").Where("user_id = ?", userID).Order("id").Find(&out.Reports).Error; err != nil {
		return nil, err
	}
	return out, nil
}
