// Package qaservice serves PIAF's question-answering engine (package
// backend/qa) in the platform: the collections of passages one asks
// questions about, the registry of readers trained from the releases of
// `qa` campaigns, the ask endpoint and the feedback on its answers.
//
// The pieces:
//   - collections (qa_collections, qa_passages): moderators make one from a
//     campaign's paragraphs or from an upload (a zip of .txt files, a SQuAD
//     file); a job ("qa.index") copies the passages and builds the BM25
//     index under the data directory. The passages stay in the database,
//     so a node without the index (another node, a wiped disk) rebuilds it
//     from them on the first question;
//   - the model registry (qa_models): a job ("qa.train") trains a reader
//     on a release's train split, keeps the best epoch on dev, scores it on
//     test and stores it in the blob store; moderators choose the model
//     each collection answers with;
//   - asking: open to signed-in users, to API tokens with qa:ask, and to
//     anonymous visitors on public collections, rate-limited per user or
//     address (api.RateLimit on the routes); answers carry their passage and code-point offsets;
//   - feedback: useful or not, and the questions without answer, which
//     moderators review and can send to a campaign as a paragraph to
//     annotate.
package qaservice

import (
	"encoding/json"
	"time"

	"github.com/lab-ia/piaf/backend/internal/apperr"
	"github.com/lab-ia/piaf/backend/qa/metric"
)

// Status is a model's or a collection's place in its life cycle.
type Status string

// Statuses. A model is training then ready or failed; a collection is
// building (its index job runs) then ready or failed.
const (
	StatusTraining Status = "training"
	StatusBuilding Status = "building"
	StatusReady    Status = "ready"
	StatusFailed   Status = "failed"
)

// Source says where a collection's passages come from.
type Source string

// Collection sources: a campaign's paragraphs (copied again at each
// reindexing) or an uploaded file (copied once, at creation).
const (
	SourceCampaign Source = "campaign"
	SourceUpload   Source = "upload"
)

// Collection is one row of qa_collections.
type Collection struct {
	ID          int64 `gorm:"primaryKey"`
	Name        string
	Slug        string
	Description string
	Public      bool
	Source      Source
	CampaignID  *int64
	Status      Status
	Passages    int
	Documents   int
	// IndexVersion grows at each indexing; the index lives in
	// <data>/qa/collections/<id>-<version>.
	IndexVersion int
	// Fingerprint is qa.PassagesFingerprint of the indexed passages.
	Fingerprint string
	// ModelID is the reader the collection answers with.
	ModelID   *int64
	Error     string
	JobID     *int64
	CreatedBy *int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// TableName maps Collection to its table.
func (Collection) TableName() string { return "qa_collections" }

// PassageRow is one passage of a collection, what its index is built from.
type PassageRow struct {
	ID           int64 `gorm:"primaryKey"`
	CollectionID int64
	PassageKey   string
	DocumentKey  string
	Title        string
	SourceURL    string
	Text         string
	Position     int
}

// TableName maps PassageRow to its table.
func (PassageRow) TableName() string { return "qa_passages" }

// Model is one row of the reader registry.
type Model struct {
	ID             int64 `gorm:"primaryKey"`
	Name           string
	Status         Status
	CampaignID     *int64
	ReleaseID      *int64
	ReleaseVersion string
	// BlobKey is the SHA-256 of the model file in the blob store.
	BlobKey string
	Size    int64
	// Metrics is a Metrics value (JSON).
	Metrics string
	// Curve is the learning curve ([]CurvePoint, JSON), filled epoch by
	// epoch while the job runs.
	Curve     string
	Error     string
	JobID     *int64
	CreatedBy *int64
	CreatedAt time.Time
	TrainedAt *time.Time
}

// TableName maps Model to its table.
func (Model) TableName() string { return "qa_models" }

// Feedback is one row of qa_feedback: a reader's verdict on an answer, or
// a question the engine found no answer to (Useful false, Answer empty).
type Feedback struct {
	ID             int64 `gorm:"primaryKey"`
	CollectionID   int64
	ModelID        *int64
	Question       string
	Answer         string
	PassageKey     string
	Useful         bool
	UserID         *int64
	TaskCampaignID *int64
	CreatedAt      time.Time
}

// TableName maps Feedback to its table.
func (Feedback) TableName() string { return "qa_feedback" }

// Metrics are a model's scores: SQuAD v1.1 exact match and F1 with the
// official and the French normalisation, on the release's test split
// (each question read from its own paragraph) and on dev (the kept epoch).
type Metrics struct {
	Test           *metric.Summary `json:"test,omitempty" description:"scores on the release's test split; absent when the release has none"`
	Dev            *metric.Summary `json:"dev,omitempty" description:"scores of the kept epoch on the dev split"`
	BestEpoch      int             `json:"best_epoch" required:"true"`
	TrainQuestions int             `json:"train_questions" required:"true"`
	Unreachable    int             `json:"unreachable" required:"true" description:"training questions skipped because their answer could not be located"`
	DevQuestions   int             `json:"dev_questions" required:"true"`
	TestQuestions  int             `json:"test_questions" required:"true"`
	Seconds        float64         `json:"seconds" required:"true" description:"training time"`
}

// CurvePoint is one epoch of the learning curve.
type CurvePoint struct {
	Epoch int     `json:"epoch" required:"true"`
	Loss  float64 `json:"loss" required:"true"`
	// DevF1 and DevEM are the dev scores (French normalisation, percent)
	// after the epoch; absent without a dev split.
	DevF1 *float64 `json:"dev_f1,omitempty"`
	DevEM *float64 `json:"dev_em,omitempty"`
}

// ModelView is a model as the API shows it.
type ModelView struct {
	ID             int64        `json:"id" required:"true"`
	Name           string       `json:"name" required:"true"`
	Status         Status       `json:"status" required:"true" enum:"training,ready,failed"`
	CampaignID     *int64       `json:"campaign_id"`
	ReleaseID      *int64       `json:"release_id"`
	ReleaseVersion string       `json:"release_version" required:"true"`
	Size           int64        `json:"size" required:"true" description:"model file size in bytes"`
	Metrics        *Metrics     `json:"metrics,omitempty"`
	Curve          []CurvePoint `json:"curve" required:"true" description:"the learning curve, one point per finished epoch"`
	Collections    []int64      `json:"collections" required:"true" description:"the collections answering with this model"`
	Error          string       `json:"error,omitempty" description:"why the training failed"`
	JobID          *int64       `json:"job_id"`
	CreatedAt      time.Time    `json:"created_at" required:"true"`
	TrainedAt      *time.Time   `json:"trained_at"`
}

// view renders a row for the API.
func (m *Model) view(collections []int64) ModelView {
	v := ModelView{ID: m.ID, Name: m.Name, Status: m.Status, CampaignID: m.CampaignID, ReleaseID: m.ReleaseID,
		ReleaseVersion: m.ReleaseVersion, Size: m.Size, Error: m.Error, JobID: m.JobID, CreatedAt: m.CreatedAt,
		TrainedAt: m.TrainedAt, Curve: []CurvePoint{}, Collections: collections}
	if v.Collections == nil {
		v.Collections = []int64{}
	}
	_ = json.Unmarshal([]byte(m.Curve), &v.Curve)
	if v.Curve == nil {
		v.Curve = []CurvePoint{}
	}
	if m.Status == StatusReady {
		var mt Metrics
		if json.Unmarshal([]byte(m.Metrics), &mt) == nil {
			v.Metrics = &mt
		}
	}
	return v
}

// CollectionView is a collection as the API shows it.
type CollectionView struct {
	ID          int64     `json:"id" required:"true"`
	Name        string    `json:"name" required:"true"`
	Slug        string    `json:"slug" required:"true"`
	Description string    `json:"description" required:"true"`
	Public      bool      `json:"public" required:"true" description:"anonymous visitors may ask questions"`
	Source      Source    `json:"source" required:"true" enum:"campaign,upload"`
	CampaignID  *int64    `json:"campaign_id"`
	Status      Status    `json:"status" required:"true" enum:"building,ready,failed"`
	Passages    int       `json:"passages" required:"true"`
	Documents   int       `json:"documents" required:"true"`
	ModelID     *int64    `json:"model_id" description:"the model answering questions; null: none, asking is refused"`
	ModelName   string    `json:"model_name,omitempty"`
	Error       string    `json:"error,omitempty" description:"why the indexing failed"`
	JobID       *int64    `json:"job_id"`
	CreatedAt   time.Time `json:"created_at" required:"true"`
	UpdatedAt   time.Time `json:"updated_at" required:"true"`
}

// view renders a row for the API; modelName may be empty.
func (c *Collection) view(modelName string) CollectionView {
	return CollectionView{ID: c.ID, Name: c.Name, Slug: c.Slug, Description: c.Description, Public: c.Public, Source: c.Source,
		CampaignID: c.CampaignID, Status: c.Status, Passages: c.Passages, Documents: c.Documents, ModelID: c.ModelID,
		ModelName: modelName, Error: c.Error, JobID: c.JobID, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
}

// Errors of the qa domain.
var (
	ErrCollectionNotFound = apperr.New(apperr.NotFound, "collection_not_found", "no such collection")
	ErrCollectionBuilding = apperr.New(apperr.Conflict, "collection_building", "the collection is still being indexed; try again when its job has finished")
	ErrCollectionFailed   = apperr.New(apperr.Conflict, "collection_failed", "the collection's indexing failed; a moderator must index it again")
	ErrNoActiveModel      = apperr.New(apperr.Conflict, "no_active_model", "no model answers questions on this collection yet; a moderator must choose one")
	ErrModelNotFound      = apperr.New(apperr.NotFound, "model_not_found", "no such model")
	ErrModelNotReady      = apperr.New(apperr.Conflict, "model_not_ready", "only a model whose training succeeded can answer questions")
	ErrModelUnusable      = apperr.New(apperr.Unavailable, "model_unavailable", "the collection's model cannot be loaded; a moderator must choose another one")
	ErrIndexUnavailable   = apperr.New(apperr.Unavailable, "index_unavailable", "the collection's index cannot be opened or rebuilt; try again")
	ErrNotQARelease       = apperr.New(apperr.Unprocessable, "release_not_qa", "models are trained from releases of question-answering campaigns")
	ErrNotQACampaign      = apperr.New(apperr.Unprocessable, "campaign_not_qa", "choose a question-answering campaign")
	ErrReleaseNotReady    = apperr.New(apperr.Unprocessable, "release_not_ready", "the release is still being built; wait for its job to finish")
	ErrNoTrainFile        = apperr.New(apperr.Unprocessable, "release_without_questions", "the release has no train.json file to train from")
	ErrPrivateCollection  = apperr.New(apperr.Unauthenticated, "unauthenticated", "sign in to ask questions on this collection")
	ErrScope              = apperr.New(apperr.Forbidden, "insufficient_scope", "asking questions with an API token needs the qa:ask scope")
	ErrBadUpload          = apperr.New(apperr.Unprocessable, "unreadable_upload", "the file is neither a zip of .txt files nor a SQuAD v1.1 JSON file")
	ErrEmptyUpload        = apperr.New(apperr.Unprocessable, "empty_upload", "the file holds no text to index")
	ErrZipBomb            = apperr.New(apperr.Unprocessable, "archive_refused", "the archive was refused: too many entries, too large once decompressed, or compressed beyond what real texts allow")
	ErrFeedbackNotFound   = apperr.New(apperr.NotFound, "feedback_not_found", "no such feedback")
	ErrPassageNotFound    = apperr.New(apperr.Unprocessable, "passage_not_found", "the passage is not in the collection (reindexed since?)")
)
