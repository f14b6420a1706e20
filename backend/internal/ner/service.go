package ner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/lab-ia/piaf/backend/internal/apperr"
	"github.com/lab-ia/piaf/backend/internal/blob"
	"github.com/lab-ia/piaf/backend/internal/corpus"
	"github.com/lab-ia/piaf/backend/internal/database"
	"github.com/lab-ia/piaf/backend/internal/identity"
	"github.com/lab-ia/piaf/backend/internal/jobs"
	"github.com/lab-ia/piaf/backend/internal/release"
)

// Jobs starts background jobs and finds them for their owners (the jobs
// service).
type Jobs interface {
	Enqueue(ctx context.Context, p *identity.Principal, kind string, campaignID *int64, params any) (*jobs.Job, error)
	Get(ctx context.Context, p *identity.Principal, id int64) (*jobs.Job, error)
}

// Releases gives training jobs the files of a built release (the release
// service).
type Releases interface {
	Lookup(ctx context.Context, campaignID int64, version string) (*release.ReleaseRef, error)
	OpenStoredFile(ctx context.Context, releaseID int64, name string) (blob.Object, error)
}

// CampaignFinder looks campaigns up (the corpus store), to name models.
type CampaignFinder interface {
	CampaignByID(ctx context.Context, id int64) (*corpus.Campaign, error)
}

// Deps are what the service is built from (the composition root fills
// them in).
type Deps struct {
	DB        *database.DB
	Engine    *Engine
	Releases  Releases
	Campaigns CampaignFinder
	Blobs     blob.Store
	Log       *slog.Logger
	// DataDir holds uploads (batches waiting for their job) and the
	// staging files of models and batch results.
	DataDir string
	// SecretKey keys the hash operator; Production refuses the operator
	// when it is empty.
	SecretKey  string
	Production bool
	// MaxUploadBytes limits uploaded documents and archives.
	MaxUploadBytes int64
}

// Service is the ner domain: the model registry, trainings, and the
// pseudonymisation of texts, documents and batches.
type Service struct {
	store      *Store
	db         *database.DB
	engine     *Engine
	releases   Releases
	campaigns  CampaignFinder
	blobs      blob.Store
	jobs       Jobs
	log        *slog.Logger
	uploadDir  string
	stagingDir string
	secret     string
	production bool
	maxUpload  int64
	now        func() time.Time

	hashMu  sync.Mutex
	hashKey []byte
}

// NewService builds the service; SetJobs connects the job queue.
func NewService(d Deps) *Service {
	return &Service{store: NewStore(d.DB), db: d.DB, engine: d.Engine, releases: d.Releases, campaigns: d.Campaigns, blobs: d.Blobs,
		log: d.Log, uploadDir: filepath.Join(d.DataDir, "uploads"), stagingDir: filepath.Join(d.DataDir, "staging"),
		secret: d.SecretKey, production: d.Production, maxUpload: d.MaxUploadBytes, now: func() time.Time { return time.Now().UTC() }}
}

// SetJobs connects the job queue, created after the service because the
// queue needs the service's job kinds.
func (s *Service) SetJobs(j Jobs) { s.jobs = j }

// Engine returns the node's engine.
func (s *Service) Engine() *Engine { return s.engine }

// References reports whether a blob holds a registered model, for the
// blob garbage collection (release files and models share the store).
func (s *Service) References(ctx context.Context, key string) (bool, error) {
	return s.store.referenced(ctx, key)
}

// List returns every model, newest first.
func (s *Service) List(ctx context.Context) ([]View, error) {
	ms, err := s.store.list(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]View, len(ms))
	for i := range ms {
		out[i] = ms[i].view()
	}
	return out, nil
}

// Get returns one model.
func (s *Service) Get(ctx context.Context, id int64) (*View, error) {
	m, err := s.store.byID(ctx, id)
	if err != nil {
		return nil, err
	}
	v := m.view()
	return &v, nil
}

// TrainInput asks for a model trained from a release of a ner campaign.
type TrainInput struct {
	CampaignID int64  `json:"campaign_id" required:"true" minimum:"1"`
	Version    string `json:"version" required:"true" description:"the release's version (draft or published)" example:"1.0.0"`
	Name       string `json:"name,omitempty" maxLength:"100" description:"default: campaign slug, version and model number"`
	Epochs     int    `json:"epochs,omitempty" minimum:"1" maximum:"50" description:"passes over the data (default 12; the best epoch on the dev split is kept)"`
	Synthetic  *bool  `json:"synthetic,omitempty" description:"also learn from the built-in generated modern documents (default true)"`
}

// Validate checks and normalises the input.
func (in *TrainInput) Validate() error {
	var v apperr.Validation
	in.Version = strings.TrimSpace(in.Version)
	in.Name = strings.TrimSpace(in.Name)
	if in.CampaignID <= 0 {
		v.Add("campaign_id", "is required")
	}
	if in.Version == "" {
		v.Add("version", "is required")
	}
	if utf8.RuneCountInString(in.Name) > 100 || strings.ContainsAny(in.Name, "\r\n\t") {
		v.Add("name", "must hold at most 100 characters on one line")
	}
	if in.Epochs < 0 || in.Epochs > 50 {
		v.Add("epochs", "must be between 1 and 50")
	}
	return v.Err()
}

// Training is the answer to a training request: the model (training) and
// the job to follow on job:{id}.
type Training struct {
	Model View  `json:"model" required:"true"`
	JobID int64 `json:"job_id" required:"true"`
}

// Names of the release files a training reads.
const (
	TrainFile = "train.spans.jsonl"
	DevFile   = "dev.spans.jsonl"
	TestFile  = "test.spans.jsonl"
)

// StartTraining registers a model and starts its training job. The
// release must be a built (draft or published) release of a ner campaign
// holding train.spans.jsonl.
func (s *Service) StartTraining(ctx context.Context, p *identity.Principal, in TrainInput) (*Training, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	ref, err := s.releases.Lookup(ctx, in.CampaignID, in.Version)
	if err != nil {
		return nil, err
	}
	if ref.Kind != string(corpus.KindNER) {
		return nil, ErrNotNERRelease
	}
	if ref.Status == release.StatusBuilding {
		return nil, ErrReleaseNotReady
	}
	obj, err := s.releases.OpenStoredFile(ctx, ref.ID, TrainFile)
	if errors.Is(err, release.ErrFileNotFound) {
		return nil, ErrNoEntityFiles
	}
	if err != nil {
		return nil, apperr.Wrap(apperr.Unavailable, "storage_unavailable", "the release files cannot be read; try again", err)
	}
	obj.Close()
	c, err := s.campaigns.CampaignByID(ctx, ref.CampaignID)
	if err != nil {
		return nil, err
	}
	m := &Model{Name: in.Name, Status: StatusTraining, CampaignID: &ref.CampaignID, ReleaseID: &ref.ID, ReleaseVersion: ref.Version,
		Metrics: "{}", Report: "{}", CreatedAt: s.now()}
	if m.Name == "" {
		m.Name = c.Slug + "-" + ref.Version
	}
	if p != nil && p.UserID != 0 {
		id := p.UserID
		m.CreatedBy = &id
	}
	if err := s.store.insert(ctx, m); err != nil {
		return nil, err
	}
	if in.Name == "" {
		m.Name = fmt.Sprintf("%s-%d", m.Name, m.ID)
	}
	params := TrainParams{ModelID: m.ID, Epochs: in.Epochs, Synthetic: in.Synthetic == nil || *in.Synthetic}
	j, err := s.jobs.Enqueue(ctx, p, TrainJobKind, &ref.CampaignID, params)
	if err != nil {
		// Nothing was trained: leave no row behind.
		_ = s.db.WithContext(context.WithoutCancel(ctx)).Delete(&Model{}, m.ID).Error
		return nil, err
	}
	m.JobID = &j.ID
	if err := s.store.update(ctx, m.ID, map[string]any{"job_id": j.ID, "name": m.Name}); err != nil {
		return nil, err
	}
	return &Training{Model: m.view(), JobID: j.ID}, nil
}

// Activate makes a ready model the one the engine uses, on every node
// within DefaultRecheck (at once on this one).
func (s *Service) Activate(ctx context.Context, p *identity.Principal, id int64) (*View, error) {
	m, err := s.store.byID(ctx, id)
	if err != nil {
		return nil, err
	}
	if m.Status != StatusReady {
		return nil, ErrModelNotReady.WithDetails("status", m.Status)
	}
	// Two activations racing on PostgreSQL may both try to set their
	// model active: the partial unique index refuses the second, which
	// simply tries again.
	var ok bool
	for attempt := 0; attempt < 3; attempt++ {
		ok, err = s.store.activate(ctx, id)
		if !errors.Is(err, gorm.ErrDuplicatedKey) {
			break
		}
	}
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return nil, ErrActivationRace
	}
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrModelNotReady
	}
	s.engine.Invalidate()
	s.log.Info("entity model activated", "model", id, "name", m.Name, "by", p.UserID)
	return s.Get(ctx, id)
}

// Deactivate sends the engine back to rules and gazetteers if the model
// is the active one (deactivating another model changes nothing).
func (s *Service) Deactivate(ctx context.Context, p *identity.Principal, id int64) (*View, error) {
	if _, err := s.store.byID(ctx, id); err != nil {
		return nil, err
	}
	if err := s.store.deactivate(ctx, id); err != nil {
		return nil, err
	}
	s.engine.Invalidate()
	s.log.Info("entity model deactivated", "model", id, "by", p.UserID)
	return s.Get(ctx, id)
}
