// Package entities is the annotation work of `ner` campaigns: annotators
// mark the persons, places, organisations and identifiers of passages,
// starting from the active model's pre-annotations (accepted, corrected or
// deleted); moderators review the annotations; agreement between
// annotators is measured on passages that two of them annotated. Accepted
// annotations feed the NER releases, from which models are trained.
package entities

import (
	"encoding/json"
	"time"

	"github.com/lab-ia/piaf/backend/internal/apperr"
)

// Span is one labelled entity of a passage; Start and End are code-point
// offsets, End exclusive. Origin tells whether the annotator kept a
// model's proposal ("model") or made it ("human").
type Span struct {
	Start  int    `json:"start" required:"true" minimum:"0"`
	End    int    `json:"end" required:"true" minimum:"1"`
	Label  string `json:"label" required:"true"`
	Origin string `json:"origin,omitempty" enum:"model,human"`
}

// PreSpan is a model's proposal, with its confidence.
type PreSpan struct {
	Start  int     `json:"start" required:"true"`
	End    int     `json:"end" required:"true"`
	Label  string  `json:"label" required:"true"`
	Text   string  `json:"text" required:"true"`
	Score  float64 `json:"score" required:"true"`
	Source string  `json:"source" required:"true"`
}

// Annotation is one annotator's entities on one passage.
type Annotation struct {
	ID               int64 `gorm:"primaryKey"`
	CampaignID       int64
	ParagraphID      int64
	AuthorID         int64
	Spans            string
	PreSpans         string
	PreModel         string
	State            string
	Source           string
	GuidelineVersion int
	IdempotencyKey   string
	DecidedBy        *int64
	DecidedAt        *time.Time
	ReasonCode       string
	ReasonComment    string
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// TableName maps Annotation to its table.
func (Annotation) TableName() string { return "entity_annotations" }

// SpanList decodes the annotation's spans.
func (a *Annotation) SpanList() []Span {
	var out []Span
	_ = json.Unmarshal([]byte(a.Spans), &out)
	if out == nil {
		out = []Span{}
	}
	return out
}

// PreSpanList decodes the model's proposals the annotator started from.
func (a *Annotation) PreSpanList() []PreSpan {
	var out []PreSpan
	_ = json.Unmarshal([]byte(a.PreSpans), &out)
	if out == nil {
		out = []PreSpan{}
	}
	return out
}

// revision records one change of an annotation.
type revision struct {
	ID           int64 `gorm:"primaryKey"`
	AnnotationID int64
	ActorID      *int64
	Source       string
	Action       string
	Before       string
	After        string
	CreatedAt    time.Time
}

func (revision) TableName() string { return "entity_revisions" }

// Errors of the entity annotation domain.
var (
	ErrNotNER            = apperr.New(apperr.Unprocessable, "not_ner_campaign", "this campaign is not an entity annotation campaign")
	ErrCampaignClosed    = apperr.New(apperr.Conflict, "campaign_closed", "the campaign is not open for annotation")
	ErrNoTask            = apperr.New(apperr.NotFound, "no_task", "no passage is waiting for you in this campaign")
	ErrAlreadyAnnotated  = apperr.New(apperr.Conflict, "already_annotated", "you have already annotated this passage")
	ErrAnnotationMissing = apperr.New(apperr.NotFound, "annotation_not_found", "no such annotation")
	ErrParagraphMissing  = apperr.New(apperr.NotFound, "paragraph_not_found", "no such passage")
	ErrSuspended         = apperr.New(apperr.Forbidden, "suspended", "your contributions are suspended; see your feedback page")
	ErrStale             = apperr.New(apperr.Conflict, "stale_decision", "the annotation changed since you loaded it")
)
