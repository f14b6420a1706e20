package entities

import (
	"context"
	"encoding/json"
	"time"
)

// AnnotationsExport is the entity-annotation part of a user's GDPR
// export. It implements auth.DataSection.
type AnnotationsExport struct{ svc *Service }

// NewAnnotationsExport binds the export to the service's database.
func NewAnnotationsExport(svc *Service) AnnotationsExport { return AnnotationsExport{svc: svc} }

// Name is the section's key in the export.
func (AnnotationsExport) Name() string { return "entity_annotations" }

type exportedAnnotation struct {
	ID          int64           `json:"id"`
	CampaignID  int64           `json:"campaign_id"`
	ParagraphID int64           `json:"paragraph_id"`
	Spans       json.RawMessage `json:"spans"`
	State       string          `json:"state"`
	CreatedAt   time.Time       `json:"created_at"`
}

// Export lists the entity annotations the user made.
func (e AnnotationsExport) Export(ctx context.Context, userID int64) (any, error) {
	var rows []Annotation
	if err := e.svc.db.WithContext(ctx).Where("author_id = ?", userID).Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]exportedAnnotation, len(rows))
	for i, a := range rows {
		spans := json.RawMessage(a.Spans)
		if !json.Valid(spans) {
			spans = json.RawMessage("[]")
		}
		out[i] = exportedAnnotation{ID: a.ID, CampaignID: a.CampaignID, ParagraphID: a.ParagraphID, Spans: spans, State: a.State, CreatedAt: a.CreatedAt}
	}
	return out, nil
}
