package qaservice

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
	"gorm.io/gorm"

	"github.com/lab-ia/piaf/backend/internal/apperr"
	"github.com/lab-ia/piaf/backend/internal/blob"
	"github.com/lab-ia/piaf/backend/internal/corpus"
	"github.com/lab-ia/piaf/backend/internal/database"
	"github.com/lab-ia/piaf/backend/internal/dataio"
	"github.com/lab-ia/piaf/backend/internal/identity"
	"github.com/lab-ia/piaf/backend/internal/jobs"
	"github.com/lab-ia/piaf/backend/internal/release"
	"github.com/lab-ia/piaf/backend/qa"
)

// Jobs starts background jobs (the jobs service).
type Jobs interface {
	Enqueue(ctx context.Context, p *identity.Principal, kind string, campaignID *int64, params any) (*jobs.Job, error)
}

// Releases gives training jobs the files of a built release (the release
// service).
type Releases interface {
	Lookup(ctx context.Context, campaignID int64, version string) (*release.ReleaseRef, error)
	OpenStoredFile(ctx context.Context, releaseID int64, name string) (blob.Object, error)
}

// CampaignFinder looks campaigns up (the corpus store), to name models and
// check collection sources.
type CampaignFinder interface {
	CampaignByID(ctx context.Context, id int64) (*corpus.Campaign, error)
}

// Importer adds texts to a campaign (the dataio importer), to turn a
// poorly answered passage into a paragraph to annotate.
type Importer interface {
	Import(ctx context.Context, campaignID int64, r io.Reader, size int64, opts dataio.Options, progress dataio.Progress) (*dataio.Report, error)
}

// Deps are what the service is built from (the composition root fills
// them in).
type Deps struct {
	DB        *database.DB
	Releases  Releases
	Campaigns CampaignFinder
	Importer  Importer
	Blobs     blob.Store
	Log       *slog.Logger
	// DataDir holds the indexes (qa/collections) and staging files.
	DataDir string
	// MaxUploadBytes limits uploaded collections.
	MaxUploadBytes int64
}

// Service is the qa domain: collections, the model registry, asking and
// feedback.
type Service struct {
	store      *Store
	db         *database.DB
	releases   Releases
	campaigns  CampaignFinder
	importer   Importer
	blobs      blob.Store
	jobs       Jobs
	log        *slog.Logger
	indexDir   string
	stagingDir string
	maxUpload  int64
	cache      *engineCache
	now        func() time.Time
}

// NewService builds the service; SetJobs connects the job queue.
func NewService(d Deps) *Service {
	s := &Service{store: NewStore(d.DB), db: d.DB, releases: d.Releases, campaigns: d.Campaigns, importer: d.Importer, blobs: d.Blobs,
		log: d.Log, indexDir: filepath.Join(d.DataDir, "qa", "collections"), stagingDir: filepath.Join(d.DataDir, "staging"),
		maxUpload: d.MaxUploadBytes, now: now}
	s.cache = newEngineCache(s)
	return s
}

// SetJobs connects the job queue, created after the service because the
// queue needs the service's job kinds.
func (s *Service) SetJobs(j Jobs) { s.jobs = j }

// References reports whether a blob holds a registered model, for the
// blob garbage collection (release files and models share the store).
func (s *Service) References(ctx context.Context, key string) (bool, error) {
	return s.store.referenced(ctx, key)
}

// ---- collections ----

// CollectionInput asks for a collection made from a campaign's
// paragraphs.
type CollectionInput struct {
	Name        string `json:"name" required:"true" minLength:"1" maxLength:"100"`
	Description string `json:"description,omitempty" maxLength:"2000"`
	Public      bool   `json:"public,omitempty" description:"anonymous visitors may ask questions"`
	CampaignID  int64  `json:"campaign_id" required:"true" minimum:"1" description:"a question-answering campaign whose paragraphs are indexed"`
}

// UploadInput describes an uploaded collection (the form fields besides
// the file).
type UploadInput struct {
	Name        string
	Description string
	Public      bool
	// SourceURL is a link template for the texts of a zip (SourceURLFor).
	SourceURL string
}

func validateMeta(v *apperr.Validation, name, description string) {
	if strings.TrimSpace(name) == "" || utf8.RuneCountInString(name) > 100 || strings.ContainsAny(name, "\r\n\t") {
		v.Add("name", "is required, on one line of at most 100 characters")
	}
	if utf8.RuneCountInString(description) > 2000 {
		v.Add("description", "must hold at most 2000 characters")
	}
}

// Creation is the answer to a collection request: the collection
// (building) and the job indexing it, to follow on job:{id}.
type Creation struct {
	Collection CollectionView `json:"collection" required:"true"`
	JobID      int64          `json:"job_id" required:"true"`
}

// CreateFromCampaign registers a collection of a campaign's paragraphs
// and starts its indexing job, which copies them.
func (s *Service) CreateFromCampaign(ctx context.Context, p *identity.Principal, in CollectionInput) (*Creation, error) {
	in.Name, in.Description = strings.TrimSpace(in.Name), strings.TrimSpace(in.Description)
	var v apperr.Validation
	validateMeta(&v, in.Name, in.Description)
	if in.CampaignID <= 0 {
		v.Add("campaign_id", "is required")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	c, err := s.campaigns.CampaignByID(ctx, in.CampaignID)
	if err != nil {
		return nil, err
	}
	if c.Kind != corpus.KindQA {
		return nil, ErrNotQACampaign
	}
	id := c.ID
	col := &Collection{Name: in.Name, Description: in.Description, Public: in.Public, Source: SourceCampaign, CampaignID: &id}
	return s.create(ctx, p, col, nil)
}

// CreateFromUpload registers a collection of the passages of an uploaded
// file (a zip of .txt files or a SQuAD file), stored with it in one
// transaction, and starts the indexing job.
func (s *Service) CreateFromUpload(ctx context.Context, p *identity.Principal, in UploadInput, filename string, data []byte) (*Creation, error) {
	in.Name, in.Description = strings.TrimSpace(in.Name), strings.TrimSpace(in.Description)
	var v apperr.Validation
	validateMeta(&v, in.Name, in.Description)
	in.SourceURL = strings.TrimSpace(in.SourceURL)
	if !CheckSourceURL(in.SourceURL) {
		v.Add("source_url", "must be an http(s) address, where {file} and {id} stand for the file name and its part before the first underscore")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	ps, err := ParseUpload(filename, data, in.SourceURL)
	if err != nil {
		return nil, err
	}
	col := &Collection{Name: in.Name, Description: in.Description, Public: in.Public, Source: SourceUpload,
		Passages: len(ps), Documents: countDocuments(ps)}
	return s.create(ctx, p, col, ps)
}

// create inserts the collection (and its uploaded passages) and enqueues
// its indexing; nothing stays behind when the job cannot be queued.
func (s *Service) create(ctx context.Context, p *identity.Principal, col *Collection, ps []qa.Passage) (*Creation, error) {
	t := s.now()
	col.Status, col.IndexVersion, col.CreatedAt, col.UpdatedAt = StatusBuilding, 1, t, t
	if p != nil && p.UserID != 0 {
		uid := p.UserID
		col.CreatedBy = &uid
	}
	var err error
	for attempt := 0; attempt < 20; attempt++ {
		col.Slug = slugify(col.Name, attempt)
		var taken bool
		if taken, err = s.store.slugTaken(ctx, col.Slug); err != nil {
			return nil, err
		}
		if taken {
			continue
		}
		col.ID = 0
		err = s.db.Transaction(ctx, func(tx *gorm.DB) error {
			if err := tx.Create(col).Error; err != nil {
				return err
			}
			if ps != nil {
				return replacePassages(tx, col.ID, ps)
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
	j, err := s.jobs.Enqueue(ctx, p, IndexJobKind, col.CampaignID, IndexParams{CollectionID: col.ID, Version: col.IndexVersion})
	if err != nil {
		_ = s.db.WithContext(context.WithoutCancel(ctx)).Delete(&Collection{}, col.ID).Error
		return nil, err
	}
	col.JobID = &j.ID
	if err := s.store.updateCollection(ctx, col.ID, map[string]any{"job_id": j.ID}); err != nil {
		return nil, err
	}
	return &Creation{Collection: col.view(""), JobID: j.ID}, nil
}

// Reindex indexes a collection again: a campaign's paragraphs are copied
// anew (new paragraphs join), an upload's passages are indexed again.
// Questions are refused until the job ends.
func (s *Service) Reindex(ctx context.Context, p *identity.Principal, id int64) (*Creation, error) {
	col, err := s.store.collection(ctx, id)
	if err != nil {
		return nil, err
	}
	version := col.IndexVersion + 1
	res := s.db.WithContext(ctx).Model(&Collection{}).Where("id = ? AND index_version = ?", id, col.IndexVersion).
		Updates(map[string]any{"index_version": version, "status": StatusBuilding, "error": "", "updated_at": s.now()})
	if res.Error != nil {
		return nil, res.Error
	}
	if res.RowsAffected != 1 {
		return nil, apperr.New(apperr.Conflict, "reindex_conflict", "another indexing started at the same time")
	}
	j, err := s.jobs.Enqueue(ctx, p, IndexJobKind, col.CampaignID, IndexParams{CollectionID: id, Version: version})
	if err != nil {
		_, _ = s.store.finishIndexing(context.WithoutCancel(ctx), id, version, map[string]any{"status": StatusFailed, "error": "the indexing job could not be queued"})
		return nil, err
	}
	if err := s.store.updateCollection(ctx, id, map[string]any{"job_id": j.ID}); err != nil {
		return nil, err
	}
	v, err := s.GetCollection(ctx, p, strings.TrimSpace(col.Slug))
	if err != nil {
		return nil, err
	}
	return &Creation{Collection: *v, JobID: j.ID}, nil
}

// ListCollections returns the collections the caller may ask questions
// on: the public ones for anonymous visitors, all for signed-in users.
func (s *Service) ListCollections(ctx context.Context, p *identity.Principal) ([]CollectionView, error) {
	cs, err := s.store.collections(ctx, p == nil)
	if err != nil {
		return nil, err
	}
	names, err := s.store.modelNames(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]CollectionView, len(cs))
	for i := range cs {
		name := ""
		if cs[i].ModelID != nil {
			name = names[*cs[i].ModelID]
		}
		out[i] = cs[i].view(name)
	}
	return out, nil
}

// GetCollection returns one collection by slug or id; private ones are
// hidden from anonymous visitors (404).
func (s *Service) GetCollection(ctx context.Context, p *identity.Principal, ref string) (*CollectionView, error) {
	c, err := s.store.collectionByRef(ctx, ref)
	if err != nil {
		return nil, err
	}
	if p == nil && !c.Public {
		return nil, ErrCollectionNotFound
	}
	name := ""
	if c.ModelID != nil {
		if m, err := s.store.model(ctx, *c.ModelID); err == nil {
			name = m.Name
		}
	}
	v := c.view(name)
	return &v, nil
}

// UpdateInput changes a collection's description or audience; absent
// fields are kept.
type UpdateInput struct {
	Name        *string `json:"name,omitempty" minLength:"1" maxLength:"100"`
	Description *string `json:"description,omitempty" maxLength:"2000"`
	Public      *bool   `json:"public,omitempty" description:"anonymous visitors may ask"`
}

// UpdateCollection renames a collection, changes its description or makes
// it public or private (at once for the next questions).
func (s *Service) UpdateCollection(ctx context.Context, p *identity.Principal, id int64, in UpdateInput) (*CollectionView, error) {
	col, err := s.store.collection(ctx, id)
	if err != nil {
		return nil, err
	}
	name, description := col.Name, col.Description
	if in.Name != nil {
		name = strings.TrimSpace(*in.Name)
	}
	if in.Description != nil {
		description = strings.TrimSpace(*in.Description)
	}
	var v apperr.Validation
	validateMeta(&v, name, description)
	if err := v.Err(); err != nil {
		return nil, err
	}
	fields := map[string]any{"name": name, "description": description}
	if in.Public != nil {
		fields["public"] = *in.Public
	}
	if err := s.store.updateCollection(ctx, id, fields); err != nil {
		return nil, err
	}
	return s.GetCollection(ctx, p, strconv.FormatInt(id, 10))
}

// DeleteCollection removes a collection with its passages and feedback,
// and this node's index files (other nodes' copies are never opened again:
// their directory names hold the collection id, which is not reused).
func (s *Service) DeleteCollection(ctx context.Context, p *identity.Principal, id int64) error {
	col, err := s.store.collection(ctx, id)
	if err != nil {
		return err
	}
	if err := s.db.WithContext(ctx).Delete(&Collection{}, col.ID).Error; err != nil {
		return err
	}
	s.cache.forget(col.ID)
	s.removeOldIndexes(col.ID, col.IndexVersion+1)
	s.log.Info("qa collection deleted", "collection", col.ID, "slug", col.Slug, "by", p.UserID)
	return nil
}

// SetModelInput chooses the model a collection answers with.
type SetModelInput struct {
	ModelID *int64 `json:"model_id" description:"a ready model; null stops answering on the collection"`
}

// SetModel makes a ready model the one a collection answers with, at once
// for the next questions on every node (each question reads the choice).
func (s *Service) SetModel(ctx context.Context, p *identity.Principal, collectionID int64, in SetModelInput) (*CollectionView, error) {
	col, err := s.store.collection(ctx, collectionID)
	if err != nil {
		return nil, err
	}
	if in.ModelID != nil {
		m, err := s.store.model(ctx, *in.ModelID)
		if err != nil {
			return nil, err
		}
		if m.Status != StatusReady {
			return nil, ErrModelNotReady.WithDetails("status", m.Status)
		}
		// Only a still-ready model is chosen (the condition is in the
		// statement, so a concurrent change cannot slip in between).
		res := s.db.WithContext(ctx).Exec(`UPDATE qa_collections SET model_id = ?, updated_at = ? WHERE id = ? AND EXISTS (SELECT 1 FROM qa_models WHERE id = ? AND status = ?)`,
			m.ID, s.now(), col.ID, m.ID, StatusReady)
		if res.Error != nil {
			return nil, res.Error
		}
		if res.RowsAffected != 1 {
			return nil, ErrModelNotReady
		}
	} else if err := s.store.updateCollection(ctx, col.ID, map[string]any{"model_id": nil}); err != nil {
		return nil, err
	}
	s.log.Info("qa collection model chosen", "collection", col.ID, "model", in.ModelID, "by", p.UserID)
	return s.GetCollection(ctx, p, col.Slug)
}

// ---- models ----

// ListModels returns every model, newest first.
func (s *Service) ListModels(ctx context.Context) ([]ModelView, error) {
	ms, err := s.store.models(ctx)
	if err != nil {
		return nil, err
	}
	uses, err := s.store.modelCollections(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]ModelView, len(ms))
	for i := range ms {
		out[i] = ms[i].view(uses[ms[i].ID])
	}
	return out, nil
}

// GetModel returns one model.
func (s *Service) GetModel(ctx context.Context, id int64) (*ModelView, error) {
	m, err := s.store.model(ctx, id)
	if err != nil {
		return nil, err
	}
	uses, err := s.store.modelCollections(ctx)
	if err != nil {
		return nil, err
	}
	v := m.view(uses[m.ID])
	return &v, nil
}

// TrainInput asks for a reader trained from a release of a qa campaign.
type TrainInput struct {
	CampaignID int64  `json:"campaign_id" required:"true" minimum:"1"`
	Version    string `json:"version" required:"true" description:"the release's version (draft or published)" example:"1.0.0"`
	Name       string `json:"name,omitempty" maxLength:"100" description:"default: campaign slug, version and model number"`
	Epochs     int    `json:"epochs,omitempty" minimum:"1" maximum:"30" description:"passes over the train split (default 6; the best epoch on dev is kept)"`
	MaxTrain   int    `json:"max_train,omitempty" minimum:"1" description:"train on at most this many questions of the train split (a quick trial); default: all"`
}

// DefaultEpochs is the number of passes a training makes by default: on
// PIAF the dev F1 stops rising after about six.
const DefaultEpochs = 6

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
	if in.Epochs < 0 || in.Epochs > 30 {
		v.Add("epochs", "must be between 1 and 30")
	}
	if in.MaxTrain < 0 {
		v.Add("max_train", "must be positive")
	}
	return v.Err()
}

// Training is the answer to a training request: the model (training) and
// the job to follow on job:{id}.
type Training struct {
	Model ModelView `json:"model" required:"true"`
	JobID int64     `json:"job_id" required:"true"`
}

// Names of the release files a training reads (SQuAD v1.1).
const (
	TrainFile = "train.json"
	DevFile   = "dev.json"
	TestFile  = "test.json"
)

// StartTraining registers a model and starts its training job. The
// release must be a built release of a qa campaign holding train.json.
func (s *Service) StartTraining(ctx context.Context, p *identity.Principal, in TrainInput) (*Training, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	ref, err := s.releases.Lookup(ctx, in.CampaignID, in.Version)
	if err != nil {
		return nil, err
	}
	if ref.Kind != string(corpus.KindQA) {
		return nil, ErrNotQARelease
	}
	if ref.Status == release.StatusBuilding {
		return nil, ErrReleaseNotReady
	}
	obj, err := s.releases.OpenStoredFile(ctx, ref.ID, TrainFile)
	if errors.Is(err, release.ErrFileNotFound) {
		return nil, ErrNoTrainFile
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
		Metrics: "{}", Curve: "[]", CreatedAt: s.now()}
	if m.Name == "" {
		m.Name = c.Slug + "-" + ref.Version
	}
	if p != nil && p.UserID != 0 {
		uid := p.UserID
		m.CreatedBy = &uid
	}
	if err := s.db.WithContext(ctx).Create(m).Error; err != nil {
		return nil, err
	}
	if in.Name == "" {
		m.Name = fmt.Sprintf("%s-%d", m.Name, m.ID)
	}
	j, err := s.jobs.Enqueue(ctx, p, TrainJobKind, &ref.CampaignID, TrainParams{ModelID: m.ID, Epochs: in.Epochs, MaxTrain: in.MaxTrain})
	if err != nil {
		_ = s.db.WithContext(context.WithoutCancel(ctx)).Delete(&Model{}, m.ID).Error
		return nil, err
	}
	m.JobID = &j.ID
	if err := s.store.updateModel(ctx, m.ID, map[string]any{"job_id": j.ID, "name": m.Name}); err != nil {
		return nil, err
	}
	return &Training{Model: m.view(nil), JobID: j.ID}, nil
}

// ---- helpers ----

var nonSlug = regexp.MustCompile(`[^a-z0-9]+`)

// slugify makes a URL-safe name ("Fiches — Service public" →
// "fiches-service-public"), with a suffix after the first attempt.
func slugify(name string, attempt int) string {
	t := norm.NFD.String(strings.ToLower(name))
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
	if slug == "" || isDigits(slug) {
		slug = "collection-" + slug
		slug = strings.TrimSuffix(slug, "-")
	}
	if attempt > 0 {
		slug = fmt.Sprintf("%s-%d", slug, attempt+1)
	}
	return slug
}

// isDigits reports whether s is a number: such slugs would be read as ids.
func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

func now() time.Time { return time.Now().UTC() }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
