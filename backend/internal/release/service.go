package release

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lab-ia/piaf/backend/internal/annotate"
	"github.com/lab-ia/piaf/backend/internal/apperr"
	"github.com/lab-ia/piaf/backend/internal/blob"
	"github.com/lab-ia/piaf/backend/internal/corpus"
	"github.com/lab-ia/piaf/backend/internal/database"
	"github.com/lab-ia/piaf/backend/internal/identity"
	"github.com/lab-ia/piaf/backend/internal/jobs"
)

// Enqueuer starts background jobs (the jobs service).
type Enqueuer interface {
	Enqueue(ctx context.Context, p *identity.Principal, kind string, campaignID *int64, params any) (*jobs.Job, error)
}

// CampaignFinder looks campaigns up (the corpus store).
type CampaignFinder interface {
	CampaignByID(ctx context.Context, id int64) (*corpus.Campaign, error)
	CampaignBySlug(ctx context.Context, slug string) (*corpus.Campaign, error)
}

// Service is the release domain: creation, life cycle, catalogue, access
// and diffs.
type Service struct {
	store     *Store
	db        *database.DB
	campaigns CampaignFinder
	jobs      Enqueuer
	builder   *Builder
	blobs     blob.Store
	log       *slog.Logger
	now       func() time.Time
	// keepers are other owners of blobs in the store (trained models).
	keepers []func(ctx context.Context, key string) (bool, error)
}

// NewService builds the release service.
func NewService(db *database.DB, campaigns CampaignFinder, enqueuer Enqueuer, builder *Builder, blobs blob.Store, log *slog.Logger) *Service {
	return &Service{store: NewStore(db), db: db, campaigns: campaigns, jobs: enqueuer, builder: builder, blobs: blobs, log: log,
		now: func() time.Time { return time.Now().UTC() }}
}

// SetJobs connects the job queue, created after the service because the
// queue needs the build job, which needs the service.
func (s *Service) SetJobs(e Enqueuer) { s.jobs = e }

// CreateInput describes a release to build.
type CreateInput struct {
	Version     string       `json:"version" required:"true" description:"semantic version, e.g. 1.0.0" example:"1.0.0"`
	Title       string       `json:"title" required:"true" maxLength:"200"`
	Changelog   string       `json:"changelog" maxLength:"20000"`
	Visibility  Visibility   `json:"visibility" enum:"public,restricted" description:"default public"`
	Proportions *Proportions `json:"proportions,omitempty" description:"shares of questions per split for new documents, summing to 100 (default 80/10/10)"`
	Seed        *int64       `json:"seed,omitempty" description:"seed of the split of new documents (default: the campaign id)"`
	Limitations string       `json:"limitations" maxLength:"5000" description:"known limitations, one per line"`
}

// Validate checks and normalises the input (defaults filled in).
func (in *CreateInput) Validate() error {
	var v apperr.Validation
	in.Version = strings.TrimSpace(in.Version)
	in.Title = strings.TrimSpace(in.Title)
	if !validVersion(in.Version) {
		v.Add("version", "must be a semantic version MAJOR.MINOR.PATCH such as 1.0.0 (optionally -rc.1), without a leading v")
	}
	if in.Title == "" || utf8.RuneCountInString(in.Title) > 200 {
		v.Add("title", "must hold 1 to 200 characters")
	}
	if utf8.RuneCountInString(in.Changelog) > 20000 {
		v.Add("changelog", "must hold at most 20000 characters")
	}
	if utf8.RuneCountInString(in.Limitations) > 5000 {
		v.Add("limitations", "must hold at most 5000 characters")
	}
	if in.Visibility == "" {
		in.Visibility = VisibilityPublic
	}
	if in.Visibility != VisibilityPublic && in.Visibility != VisibilityRestricted {
		v.Add("visibility", "must be public or restricted")
	}
	if in.Proportions == nil {
		p := DefaultProportions()
		in.Proportions = &p
	}
	p := in.Proportions
	if p.Train < 0 || p.Dev < 0 || p.Test < 0 || p.Train+p.Dev+p.Test != 100 {
		v.Add("proportions", "train, dev and test must be between 0 and 100 and sum to 100")
	} else if p.Train == 0 {
		v.Add("proportions", "train must not be empty")
	}
	return v.Err()
}

// newRelease prepares the row of a release to build.
func (s *Service) newRelease(c *corpus.Campaign, p *identity.Principal, in CreateInput, origin string) *Release {
	seed := c.ID
	if in.Seed != nil {
		seed = *in.Seed
	}
	r := &Release{CampaignID: c.ID, Version: in.Version, Title: in.Title, Changelog: strings.TrimSpace(in.Changelog), License: c.License,
		Visibility: in.Visibility, Status: StatusBuilding, Origin: origin, Seed: seed, TrainShare: in.Proportions.Train,
		DevShare: in.Proportions.Dev, TestShare: in.Proportions.Test, Limitations: strings.TrimSpace(in.Limitations),
		Counts: "{}", Datasheet: "{}", CreatedAt: s.now()}
	if p != nil && p.UserID != 0 {
		id := p.UserID
		r.CreatedBy = &id
	}
	return r
}

// Create starts building a release of the campaign's accepted
// annotations: the release exists at once (building, seen by moderators
// only) and its job writes the files. Two requests for the same version
// race on a unique index: one gets the release, the other ErrVersionTaken.
func (s *Service) Create(ctx context.Context, p *identity.Principal, campaignID int64, in CreateInput) (*Release, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	c, err := s.campaigns.CampaignByID(ctx, campaignID)
	if err != nil {
		return nil, err
	}
	if n, err := s.acceptedWork(ctx, c); err != nil {
		return nil, err
	} else if n == 0 {
		return nil, ErrNothingAccepted
	}
	r := s.newRelease(c, p, in, OriginCampaign)
	if err := s.store.insert(ctx, r); err != nil {
		return nil, err
	}
	j, err := s.jobs.Enqueue(ctx, p, BuildJobKind, &c.ID, BuildParams{ReleaseID: r.ID})
	if err != nil {
		_, _ = s.store.remove(context.WithoutCancel(ctx), r.ID, StatusBuilding)
		return nil, err
	}
	r.JobID = &j.ID
	if err := s.db.WithContext(ctx).Model(&Release{}).Where("id = ?", r.ID).Update("job_id", j.ID).Error; err != nil {
		return nil, err
	}
	return r, nil
}

// acceptedWork counts what a release of the campaign would hold: accepted
// questions with an accepted answer, or accepted entity annotations.
func (s *Service) acceptedWork(ctx context.Context, c *corpus.Campaign) (int64, error) {
	var n int64
	if c.Kind == corpus.KindNER {
		err := s.db.WithContext(ctx).Raw(`SELECT COUNT(*) FROM entity_annotations WHERE campaign_id = ? AND state = 'accepted'`, c.ID).Scan(&n).Error
		return n, err
	}
	campaignID := c.ID
	err := s.db.WithContext(ctx).Raw(`SELECT COUNT(*) FROM questions q WHERE q.campaign_id = ? AND q.state = ?
		AND EXISTS (SELECT 1 FROM answers a WHERE a.question_id = q.id AND a.state = ?)`,
		campaignID, annotate.StateAccepted, annotate.StateAccepted).Scan(&n).Error
	return n, err
}

// CheckNew validates a release to make and checks that its version is
// free, so the CLI can refuse before importing anything.
func (s *Service) CheckNew(ctx context.Context, campaignID int64, in *CreateInput) error {
	if err := in.Validate(); err != nil {
		return err
	}
	if _, err := s.store.byVersion(ctx, campaignID, in.Version); err == nil {
		return ErrVersionTaken.WithDetails("version", in.Version)
	} else if !errors.Is(err, ErrReleaseNotFound) {
		return err
	}
	return nil
}

// ImportFile makes a release holding exactly the questions of a SQuAD
// file already imported into the campaign (`piaf import --release`), built
// synchronously. A failure leaves no release.
func (s *Service) ImportFile(ctx context.Context, campaignID int64, path string, in CreateInput, publish bool, prog Progress) (*Release, error) {
	return s.buildNow(ctx, campaignID, in, OriginImport, publish, prog, func(c *corpus.Campaign) source {
		return &fileSource{db: s.db, campaignID: c.ID, path: path}
	})
}

// BuildNow builds a release of the campaign's accepted annotations in the
// calling process (`piaf release build`), without the job queue.
func (s *Service) BuildNow(ctx context.Context, campaignID int64, in CreateInput, publish bool, prog Progress) (*Release, error) {
	return s.buildNow(ctx, campaignID, in, OriginCampaign, publish, prog, func(c *corpus.Campaign) source {
		return campaignSource{db: s.db, reader: s.builder.reader, campaignID: c.ID}
	})
}

func (s *Service) buildNow(ctx context.Context, campaignID int64, in CreateInput, origin string, publish bool, prog Progress, src func(*corpus.Campaign) source) (*Release, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	c, err := s.campaigns.CampaignByID(ctx, campaignID)
	if err != nil {
		return nil, err
	}
	r := s.newRelease(c, nil, in, origin)
	if err := s.store.insert(ctx, r); err != nil {
		return nil, err
	}
	if err := s.builder.build(ctx, r, src(c), prog); err != nil {
		_, _ = s.store.remove(context.WithoutCancel(ctx), r.ID, StatusBuilding)
		return nil, err
	}
	if publish {
		if ok, err := s.store.transition(ctx, r.ID, StatusDraft, map[string]any{"status": StatusPublished, "published_at": s.now()}); err != nil || !ok {
			return nil, errors.Join(err, errors.New("the release was built but could not be published"))
		}
	}
	return s.store.byID(ctx, r.ID)
}

// ListAll returns every release of the campaign, drafts included (CLI).
func (s *Service) ListAll(ctx context.Context, campaignID int64) ([]Release, error) {
	return s.store.listCampaign(ctx, campaignID, false)
}

// canManage reports whether p sees drafts and builds.
func canManage(p *identity.Principal) bool {
	return p != nil && !p.ViaToken() && p.IsAtLeastModerator()
}

// visible applies the listing rule: published releases are listed for
// everyone (restricted ones too, so administrations know they exist);
// drafts and builds only for moderators.
func visible(p *identity.Principal, r *Release) bool {
	return r.Status == StatusPublished || canManage(p)
}

// CanDownload applies the download rule: public releases to anyone;
// restricted ones to consumers, moderators and administrators, or to
// tokens carrying datasets:read; drafts to moderators.
func CanDownload(p *identity.Principal, r *Release) error {
	if r.Status != StatusPublished {
		if canManage(p) {
			return nil
		}
		return ErrReleaseNotFound
	}
	if r.Visibility == VisibilityPublic {
		return nil
	}
	switch {
	case p == nil:
		return ErrSignInToRead
	case p.ViaToken():
		if !p.HasScope(identity.ScopeDatasetsRead) {
			return apperr.New(apperr.Forbidden, "insufficient_scope", "this token lacks the datasets:read scope")
		}
		return nil
	case p.Role == identity.RoleConsumer || p.IsAtLeastModerator():
		return nil
	}
	return ErrRestricted
}

// List returns the campaign's releases the caller may see, newest first.
func (s *Service) List(ctx context.Context, p *identity.Principal, campaignID int64) ([]View, error) {
	c, err := s.campaigns.CampaignByID(ctx, campaignID)
	if err != nil {
		return nil, err
	}
	rs, err := s.store.listCampaign(ctx, c.ID, !canManage(p))
	if err != nil {
		return nil, err
	}
	return s.views(ctx, p, map[int64]*corpus.Campaign{c.ID: c}, rs)
}

// Catalogue lists every published release, newest first.
func (s *Service) Catalogue(ctx context.Context, p *identity.Principal) ([]View, error) {
	rs, err := s.store.listPublished(ctx)
	if err != nil {
		return nil, err
	}
	campaigns := map[int64]*corpus.Campaign{}
	for _, r := range rs {
		if campaigns[r.CampaignID] == nil {
			c, err := s.campaigns.CampaignByID(ctx, r.CampaignID)
			if err != nil {
				return nil, err
			}
			campaigns[r.CampaignID] = c
		}
	}
	return s.views(ctx, p, campaigns, rs)
}

// Get returns one release the caller may see.
func (s *Service) Get(ctx context.Context, p *identity.Principal, campaignID int64, version string) (*View, *Release, error) {
	c, err := s.campaigns.CampaignByID(ctx, campaignID)
	if err != nil {
		return nil, nil, err
	}
	return s.get(ctx, p, c, version)
}

func (s *Service) get(ctx context.Context, p *identity.Principal, c *corpus.Campaign, version string) (*View, *Release, error) {
	r, err := s.store.byVersion(ctx, c.ID, version)
	if err != nil {
		return nil, nil, err
	}
	if !visible(p, r) {
		return nil, nil, ErrReleaseNotFound
	}
	vs, err := s.views(ctx, p, map[int64]*corpus.Campaign{c.ID: c}, []Release{*r})
	if err != nil {
		return nil, nil, err
	}
	return &vs[0], r, nil
}

// EditInput changes a draft's description.
type EditInput struct {
	Title       *string     `json:"title,omitempty" maxLength:"200"`
	Changelog   *string     `json:"changelog,omitempty" maxLength:"20000"`
	Visibility  *Visibility `json:"visibility,omitempty" enum:"public,restricted"`
	Limitations *string     `json:"limitations,omitempty" maxLength:"5000"`
}

// Edit changes a draft's title, changelog, visibility or limitations;
// published releases refuse (ErrImmutable). The datasheet files already
// written keep the text they were built with; the catalogue shows the new
// one.
func (s *Service) Edit(ctx context.Context, p *identity.Principal, campaignID int64, version string, in EditInput) (*View, error) {
	_, r, err := s.Get(ctx, p, campaignID, version)
	if err != nil {
		return nil, err
	}
	if _, err := Next(r.Status, ActionEdit); err != nil {
		return nil, err
	}
	fields := map[string]any{}
	var v apperr.Validation
	if in.Title != nil {
		t := strings.TrimSpace(*in.Title)
		if t == "" || utf8.RuneCountInString(t) > 200 {
			v.Add("title", "must hold 1 to 200 characters")
		}
		fields["title"] = t
	}
	if in.Changelog != nil {
		if utf8.RuneCountInString(*in.Changelog) > 20000 {
			v.Add("changelog", "must hold at most 20000 characters")
		}
		fields["changelog"] = strings.TrimSpace(*in.Changelog)
	}
	if in.Visibility != nil {
		if *in.Visibility != VisibilityPublic && *in.Visibility != VisibilityRestricted {
			v.Add("visibility", "must be public or restricted")
		}
		fields["visibility"] = *in.Visibility
	}
	if in.Limitations != nil {
		if utf8.RuneCountInString(*in.Limitations) > 5000 {
			v.Add("limitations", "must hold at most 5000 characters")
		}
		fields["limitations"] = strings.TrimSpace(*in.Limitations)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if len(fields) > 0 {
		if ok, err := s.store.transition(ctx, r.ID, StatusDraft, fields); err != nil {
			return nil, err
		} else if !ok {
			return nil, ErrImmutable
		}
	}
	view, _, err := s.Get(ctx, p, campaignID, version)
	return view, err
}

// Publish freezes a draft for good and lists it in the catalogue.
func (s *Service) Publish(ctx context.Context, p *identity.Principal, campaignID int64, version string) (*View, error) {
	_, r, err := s.Get(ctx, p, campaignID, version)
	if err != nil {
		return nil, err
	}
	to, err := Next(r.Status, ActionPublish)
	if err != nil {
		return nil, err
	}
	ok, err := s.store.transition(ctx, r.ID, StatusDraft, map[string]any{"status": to, "published_at": s.now(), "published_by": p.UserID})
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrImmutable
	}
	view, _, err := s.Get(ctx, p, campaignID, version)
	return view, err
}

// Delete discards a draft (administrators only; published releases are
// never deleted). Its blobs are collected later, once no release uses them.
func (s *Service) Delete(ctx context.Context, p *identity.Principal, campaignID int64, version string) error {
	_, r, err := s.Get(ctx, p, campaignID, version)
	if err != nil {
		return err
	}
	if _, err := Next(r.Status, ActionDelete); err != nil {
		return err
	}
	ok, err := s.store.remove(ctx, r.ID, StatusDraft)
	if err != nil {
		return err
	}
	if !ok {
		return ErrImmutable
	}
	s.CollectGarbage(context.WithoutCancel(ctx), DefaultGCGrace)
	return nil
}

// KeepBlobs registers another owner of blobs in the store (the model
// registry): garbage collection keeps every blob one of them references.
// Call it while the application is assembled, before any collection.
func (s *Service) KeepBlobs(referenced func(ctx context.Context, key string) (bool, error)) {
	s.keepers = append(s.keepers, referenced)
}

// DefaultGCGrace protects blobs written recently from garbage collection:
// a build stores its blobs before recording them.
const DefaultGCGrace = 24 * time.Hour

// CollectGarbage deletes blobs that no release uses any more and that are
// older than grace.
func (s *Service) CollectGarbage(ctx context.Context, grace time.Duration) (int, int64) {
	keep := func(key string) (bool, error) {
		if ok, err := s.store.referenced(ctx, key); err != nil || ok {
			return ok, err
		}
		for _, k := range s.keepers {
			if ok, err := k(ctx, key); err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	}
	n, freed, err := blob.GC(ctx, s.blobs, keep, grace, s.now())
	if err != nil {
		s.log.Warn("blob garbage collection failed", "err", err)
	} else if n > 0 {
		s.log.Info("blob garbage collected", "blobs", n, "bytes", freed)
	}
	return n, freed
}

// abandon removes a release whose build will not finish.
func (s *Service) abandon(ctx context.Context, releaseID int64) {
	if _, err := Next(StatusBuilding, ActionAbandon); err != nil {
		return
	}
	if ok, err := s.store.remove(ctx, releaseID, StatusBuilding); err != nil {
		s.log.Error("a failed release build could not be removed", "release", releaseID, "err", err)
	} else if ok {
		s.log.Info("release build abandoned: nothing of it remains", "release", releaseID)
	}
}

// Resolve finds a release by campaign slug and version for the stable
// download URLs; "latest" names the newest published version.
func (s *Service) Resolve(ctx context.Context, p *identity.Principal, slug, version string) (*corpus.Campaign, *Release, error) {
	c, err := s.campaigns.CampaignBySlug(ctx, slug)
	if err != nil {
		return nil, nil, ErrReleaseNotFound
	}
	if version == "latest" {
		rs, err := s.store.listCampaign(ctx, c.ID, true)
		if err != nil {
			return nil, nil, err
		}
		for i := range rs {
			if semverPrerelease(rs[i].Version) == "" {
				return c, &rs[i], nil
			}
		}
		return nil, nil, ErrReleaseNotFound
	}
	r, err := s.store.byVersion(ctx, c.ID, version)
	if err != nil {
		return nil, nil, err
	}
	if !visible(p, r) {
		return nil, nil, ErrReleaseNotFound
	}
	return c, r, nil
}

// OpenFile opens one file of a release for download after checking the
// caller's rights; gz selects the precompressed copy.
func (s *Service) OpenFile(ctx context.Context, p *identity.Principal, r *Release, name string, gz bool) (*File, blob.Object, error) {
	if err := CanDownload(p, r); err != nil {
		return nil, nil, err
	}
	f, err := s.store.file(ctx, r.ID, name)
	if err != nil {
		return nil, nil, err
	}
	key := f.SHA256
	if gz && f.GzipSHA256 != "" {
		key = f.GzipSHA256
	}
	obj, err := s.blobs.Open(ctx, key)
	if err != nil {
		if errors.Is(err, blob.ErrNotFound) {
			return nil, nil, apperr.Wrap(apperr.Internal, "blob_missing", "the file is missing from storage", err)
		}
		return nil, nil, apperr.Wrap(apperr.Unavailable, "storage_unavailable", "the file storage cannot be reached; try again", err)
	}
	return f, obj, nil
}

// ReleaseRef names a built release for other domains (training jobs).
type ReleaseRef struct {
	ID         int64
	CampaignID int64
	Version    string
	Kind       string
	Status     Status
}

// Lookup finds a release by campaign and version for internal use (no
// access rule: callers check their own).
func (s *Service) Lookup(ctx context.Context, campaignID int64, version string) (*ReleaseRef, error) {
	c, err := s.campaigns.CampaignByID(ctx, campaignID)
	if err != nil {
		return nil, err
	}
	r, err := s.store.byVersion(ctx, campaignID, version)
	if err != nil {
		return nil, err
	}
	return &ReleaseRef{ID: r.ID, CampaignID: r.CampaignID, Version: r.Version, Kind: string(c.Kind), Status: r.Status}, nil
}

// OpenStoredFile opens a file of a built release for internal use (a
// training job reading train.spans.jsonl); ErrFileNotFound when the
// release has no such file.
func (s *Service) OpenStoredFile(ctx context.Context, releaseID int64, name string) (blob.Object, error) {
	f, err := s.store.file(ctx, releaseID, name)
	if err != nil {
		return nil, err
	}
	return s.blobs.Open(ctx, f.SHA256)
}

// CountDownload records one download of a published release's file.
func (s *Service) CountDownload(ctx context.Context, r *Release, name string) {
	if r.Status != StatusPublished {
		return
	}
	if err := s.store.countDownload(context.WithoutCancel(ctx), r.ID, name); err != nil {
		s.log.Warn("download not counted", "release", r.ID, "file", name, "err", err)
	}
}
