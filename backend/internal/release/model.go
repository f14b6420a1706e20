// Package release turns a campaign's accepted annotations into versioned,
// immutable dataset releases that administrations can cite: document-level
// train/dev/test splits that stay put across versions, files in the formats
// their tools read (SQuAD, Hugging Face JSONL, CSV, CoNLL), a datasheet and
// the provenance of every question, stored content-addressed in a blob
// store, diffed between versions and served from a public catalogue.
package release

import (
	"encoding/json"
	"strings"
	"time"

	"golang.org/x/mod/semver"

	"github.com/lab-ia/piaf/backend/internal/apperr"
)

// Status is a release's place in its life cycle (see states.go).
type Status string

// Release statuses: building while its job writes the files, draft once
// built (moderators check the datasheet), published for good.
const (
	StatusBuilding  Status = "building"
	StatusDraft     Status = "draft"
	StatusPublished Status = "published"
)

// Visibility says who may download a release.
type Visibility string

// Public releases are open to anyone; restricted ones to consumers,
// moderators and datasets:read tokens.
const (
	VisibilityPublic     Visibility = "public"
	VisibilityRestricted Visibility = "restricted"
)

// Origin says where a release's content came from.
const (
	OriginCampaign = "campaign"
	OriginImport   = "import"
)

// Split names.
const (
	SplitTrain = "train"
	SplitDev   = "dev"
	SplitTest  = "test"
)

// Splits lists the splits in the order files and tables show them.
func Splits() []string { return []string{SplitTrain, SplitDev, SplitTest} }

// Release is one version of a campaign's dataset.
type Release struct {
	ID          int64 `gorm:"primaryKey"`
	CampaignID  int64
	Version     string
	Title       string
	Changelog   string
	License     string
	Visibility  Visibility
	Status      Status
	Origin      string
	Seed        int64
	TrainShare  int
	DevShare    int
	TestShare   int
	Limitations string
	Counts      string
	Datasheet   string
	IndexKey    string
	JobID       *int64
	CreatedBy   *int64
	PublishedBy *int64
	CreatedAt   time.Time
	BuiltAt     *time.Time
	PublishedAt *time.Time
}

// File is one downloadable file of a release. Its bytes live in the blob
// store under SHA256 (and, precompressed, under GzipSHA256).
type File struct {
	ReleaseID  int64  `gorm:"primaryKey"`
	Name       string `gorm:"primaryKey"`
	Format     string
	Split      string
	MediaType  string
	Size       int64
	SHA256     string `gorm:"column:sha256"`
	RowCount   int64
	GzipSHA256 string `gorm:"column:gzip_sha256"`
	GzipSize   int64
	Downloads  int64
	Position   int
}

// TableName maps File to its table.
func (File) TableName() string { return "release_files" }

// documentSplit pins a document to a split once it has been released.
type documentSplit struct {
	DocumentID int64 `gorm:"primaryKey"`
	CampaignID int64
	Split      string
	CreatedAt  time.Time
}

func (documentSplit) TableName() string { return "document_splits" }

// SplitCounts are the sizes of one split.
type SplitCounts struct {
	Documents  int `json:"documents" required:"true"`
	Paragraphs int `json:"paragraphs" required:"true"`
	Questions  int `json:"questions" required:"true"`
	Answers    int `json:"answers" required:"true"`
	// MultiAnswer counts questions with several answers (useful for
	// evaluation: they measure human agreement); in entity releases, the
	// passages annotated by several people.
	MultiAnswer int `json:"multi_answer" required:"true"`
	// Entities counts the entities of entity releases (Paragraphs then
	// counts passages; Questions and Answers stay 0).
	Entities int `json:"entities" required:"true"`
}

func (c *SplitCounts) add(o SplitCounts) {
	c.Documents += o.Documents
	c.Paragraphs += o.Paragraphs
	c.Questions += o.Questions
	c.Answers += o.Answers
	c.MultiAnswer += o.MultiAnswer
	c.Entities += o.Entities
}

// Counts are a release's sizes per split and in total.
type Counts struct {
	Splits map[string]SplitCounts `json:"splits" required:"true"`
	Total  SplitCounts            `json:"total" required:"true"`
}

// DecodedCounts reads the stored counts.
func (r *Release) DecodedCounts() Counts {
	var c Counts
	_ = json.Unmarshal([]byte(r.Counts), &c)
	if c.Splits == nil {
		c.Splits = map[string]SplitCounts{}
	}
	return c
}

// Proportions are the shares (percent) of questions aimed at each split.
type Proportions struct {
	Train int `json:"train" required:"true" minimum:"0" maximum:"100"`
	Dev   int `json:"dev" required:"true" minimum:"0" maximum:"100"`
	Test  int `json:"test" required:"true" minimum:"0" maximum:"100"`
}

// DefaultProportions are the usual 80/10/10.
func DefaultProportions() Proportions { return Proportions{Train: 80, Dev: 10, Test: 10} }

// validVersion reports whether v is a full semantic version (1.2.3, with
// an optional pre-release such as 1.0.0-rc.1), without a leading "v".
func validVersion(v string) bool {
	if v == "" || strings.HasPrefix(v, "v") || strings.Contains(v, "+") {
		return false
	}
	sv := "v" + v
	return semver.IsValid(sv) && semver.Canonical(sv) == sv
}

// semverPrerelease returns the pre-release part of v ("-rc.1"), if any.
func semverPrerelease(v string) string { return semver.Prerelease("v" + v) }

// compareVersions orders versions by semantic version precedence.
func compareVersions(a, b string) int { return semver.Compare("v"+a, "v"+b) }

// Errors of the release domain.
var (
	ErrReleaseNotFound = apperr.New(apperr.NotFound, "release_not_found", "no such release")
	ErrFileNotFound    = apperr.New(apperr.NotFound, "file_not_found", "no such file in this release")
	ErrVersionTaken    = apperr.New(apperr.Conflict, "version_taken", "this version already exists for the campaign")
	ErrNothingAccepted = apperr.New(apperr.Unprocessable, "nothing_accepted", "the campaign has no accepted annotation to release")
	ErrImmutable       = apperr.New(apperr.Conflict, "release_immutable", "a published release never changes")
	ErrStillBuilding   = apperr.New(apperr.Conflict, "release_building", "the release is still being built")
	ErrSignInToRead    = apperr.New(apperr.Unauthenticated, "unauthenticated", "this release is restricted: sign in as an administration or use a datasets:read token")
	ErrRestricted      = apperr.New(apperr.Forbidden, "restricted_release", "this release is restricted to administrations (consumer role) or datasets:read tokens")
)
