// Package ner serves PIAF's pseudonymisation engine to administrations and
// keeps the registry of the entity-recognition models trained from the
// releases of `ner` campaigns.
//
// The pieces:
//   - the model registry (ner_models): moderators train a model from a
//     release (a job, "ner.train"), read its scores on the release's test
//     split, activate it or go back to rules only;
//   - the Engine, shared by the whole node: the detector of the active
//     model, loaded once from the blob store, or rules and gazetteers when
//     no model is active (the annotation campaigns pre-annotate with it);
//   - the pseudonymisation API for consumers and pseudo:run tokens: detect,
//     review, pseudonymise a text or a .docx/.odt document keeping its
//     formatting, and batches of documents in a zip (a job, "pseudo.batch").
//
// The mapping from pseudonyms back to real names is returned only when the
// caller asks for it and is never logged; uploaded documents are not
// stored beyond the request, or the batch job that needs them.
package ner

import (
	"encoding/json"
	"time"

	"github.com/lab-ia/piaf/backend/internal/apperr"
	"github.com/lab-ia/piaf/backend/pseudo"
)

// Status is a model's place in its life cycle: training while its job
// runs, then ready or failed for good.
type Status string

// Model statuses. A model is only ever used once ready; a failed or
// cancelled training leaves a failed row that says why.
const (
	StatusTraining Status = "training"
	StatusReady    Status = "ready"
	StatusFailed   Status = "failed"
)

// Model is one row of the model registry.
type Model struct {
	ID     int64 `gorm:"primaryKey"`
	Name   string
	Status Status
	// Active marks the model the engine uses (at most one, ready).
	Active bool
	// CampaignID, ReleaseID and ReleaseVersion name the release the model
	// was trained from (the ids become null if it is deleted).
	CampaignID     *int64
	ReleaseID      *int64
	ReleaseVersion string
	// BlobKey is the SHA-256 of the model file in the blob store.
	BlobKey string
	Size    int64
	// Metrics is a pseudo.Evaluation (JSON) on the release's test split.
	Metrics string
	// Report is the pseudo.Report (JSON) of the training.
	Report    string
	Error     string
	JobID     *int64
	CreatedBy *int64
	CreatedAt time.Time
	TrainedAt *time.Time
}

// TableName maps Model to its table.
func (Model) TableName() string { return "ner_models" }

// View is a model as the API shows it.
type View struct {
	ID             int64              `json:"id" required:"true"`
	Name           string             `json:"name" required:"true"`
	Status         Status             `json:"status" required:"true" enum:"training,ready,failed"`
	Active         bool               `json:"active" required:"true"`
	CampaignID     *int64             `json:"campaign_id"`
	ReleaseID      *int64             `json:"release_id"`
	ReleaseVersion string             `json:"release_version" required:"true"`
	Size           int64              `json:"size" required:"true" description:"model file size in bytes"`
	Metrics        *pseudo.Evaluation `json:"metrics,omitempty" description:"exact-span scores of the engine with this model on the release's test split (or dev when there is no test split)"`
	Report         *pseudo.Report     `json:"report,omitempty" description:"what the training saw: sources, labels, epochs"`
	Error          string             `json:"error,omitempty" description:"why the training failed"`
	JobID          *int64             `json:"job_id"`
	CreatedAt      time.Time          `json:"created_at" required:"true"`
	TrainedAt      *time.Time         `json:"trained_at"`
}

// view renders a row for the API.
func (m *Model) view() View {
	v := View{ID: m.ID, Name: m.Name, Status: m.Status, Active: m.Active, CampaignID: m.CampaignID, ReleaseID: m.ReleaseID,
		ReleaseVersion: m.ReleaseVersion, Size: m.Size, Error: m.Error, JobID: m.JobID, CreatedAt: m.CreatedAt, TrainedAt: m.TrainedAt}
	if m.Status == StatusReady {
		var ev pseudo.Evaluation
		if json.Unmarshal([]byte(m.Metrics), &ev) == nil && ev.Labels != nil {
			v.Metrics = &ev
		}
		var rep pseudo.Report
		if json.Unmarshal([]byte(m.Report), &rep) == nil && rep.Labels != nil {
			v.Report = &rep
		}
	}
	return v
}

// ModelRef names the model a detection used, so that callers can tell
// which engine produced what they review.
type ModelRef struct {
	// ID is the model's id, 0 for rules only.
	ID int64 `json:"id" required:"true"`
	// Name is the model's name, or "rules" when no model is active.
	Name string `json:"name" required:"true"`
}

// RulesOnly is the name reported when no model is active.
const RulesOnly = "rules"

// Errors of the ner domain.
var (
	ErrModelNotFound   = apperr.New(apperr.NotFound, "model_not_found", "no such model")
	ErrModelNotReady   = apperr.New(apperr.Conflict, "model_not_ready", "only a model whose training succeeded can be activated")
	ErrNotNERRelease   = apperr.New(apperr.Unprocessable, "release_not_ner", "models are trained from releases of named-entity campaigns")
	ErrReleaseNotReady = apperr.New(apperr.Unprocessable, "release_not_ready", "the release is still being built; wait for its job to finish")
	ErrNoEntityFiles   = apperr.New(apperr.Unprocessable, "release_without_entities", "the release has no train.spans.jsonl file to train from")
	ErrActivationRace  = apperr.New(apperr.Conflict, "activation_conflict", "another activation happened at the same time; try again")
	ErrModelUnusable   = apperr.New(apperr.Unavailable, "model_unavailable", "the active model cannot be loaded; an administrator must activate another one or go back to rules only")
	ErrHashUnavailable = apperr.New(apperr.Unprocessable, "hash_unavailable", "the hash operator needs PIAF_SECRET_KEY on this server")
	ErrTextTooLarge    = apperr.New(apperr.TooLarge, "text_too_large", "the text exceeds the size limit")
	ErrUnsupportedFile = apperr.New(apperr.Unsupported, "unsupported_format", "send a .txt (UTF-8), .docx or .odt file")
	ErrUnreadableFile  = apperr.New(apperr.Unprocessable, "unreadable_document", "the document cannot be read (damaged, or not of the announced type)")
	ErrZipBomb         = apperr.New(apperr.Unprocessable, "archive_refused", "the archive was refused: too many entries, too large once decompressed, or compressed beyond what real documents allow")
	ErrResultExpired   = apperr.New(apperr.NotFound, "batch_result_expired", "the batch result is no longer kept; run the batch again")
	ErrBatchNotDone    = apperr.New(apperr.Conflict, "batch_not_finished", "the batch has not finished successfully")
)
