package release

import (
	"context"
	"net/url"
	"time"

	"github.com/lab-ia/piaf/backend/internal/corpus"
	"github.com/lab-ia/piaf/backend/internal/identity"
)

// View is a release as the API shows it.
type View struct {
	ID          int64        `json:"id" required:"true"`
	Campaign    CampaignRef  `json:"campaign" required:"true"`
	Version     string       `json:"version" required:"true"`
	Title       string       `json:"title" required:"true"`
	Changelog   string       `json:"changelog" required:"true"`
	License     string       `json:"license" required:"true"`
	Visibility  Visibility   `json:"visibility" required:"true" enum:"public,restricted"`
	Status      Status       `json:"status" required:"true" enum:"building,draft,published"`
	Origin      string       `json:"origin" required:"true" enum:"campaign,import"`
	Seed        int64        `json:"seed" required:"true"`
	Proportions Proportions  `json:"proportions" required:"true"`
	Limitations string       `json:"limitations" required:"true"`
	Counts      Counts       `json:"counts" required:"true"`
	JobID       *int64       `json:"job_id"`
	CreatedAt   time.Time    `json:"created_at" required:"true"`
	BuiltAt     *time.Time   `json:"built_at"`
	PublishedAt *time.Time   `json:"published_at"`
	Files       []FileView   `json:"files" required:"true"`
	Downloads   int64        `json:"downloads" required:"true"`
	CanDownload bool         `json:"can_download" required:"true" description:"whether the caller may download the files"`
	Latest      bool         `json:"latest" required:"true" description:"the newest published stable version of its campaign"`
	Permalinks  PermalinkSet `json:"permalinks" required:"true"`
}

// CampaignRef names a release's campaign.
type CampaignRef struct {
	ID    int64  `json:"id" required:"true"`
	Slug  string `json:"slug" required:"true"`
	Title string `json:"title" required:"true"`
	Kind  string `json:"kind" required:"true" enum:"qa,ner"`
}

// FileView is a downloadable file.
type FileView struct {
	Name      string `json:"name" required:"true"`
	Format    string `json:"format" required:"true"`
	Split     string `json:"split" required:"true"`
	MediaType string `json:"media_type" required:"true"`
	Size      int64  `json:"size" required:"true"`
	GzipSize  int64  `json:"gzip_size" required:"true"`
	SHA256    string `json:"sha256" required:"true"`
	Rows      int64  `json:"rows" required:"true"`
	Downloads int64  `json:"downloads" required:"true"`
	URL       string `json:"url" required:"true" description:"stable address: /datasets/{campaign}/{version}/{file}"`
}

// PermalinkSet gives a release's stable addresses.
type PermalinkSet struct {
	Datasheet string `json:"datasheet" required:"true"`
	Files     string `json:"files" required:"true"`
}

// FileURL is the stable address of a release file.
func FileURL(slug, version, name string) string {
	return "/datasets/" + url.PathEscape(slug) + "/" + url.PathEscape(version) + "/" + url.PathEscape(name)
}

func (s *Service) views(ctx context.Context, p *identity.Principal, campaigns map[int64]*corpus.Campaign, rs []Release) ([]View, error) {
	ids := make([]int64, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	files, err := s.store.files(ctx, ids...)
	if err != nil {
		return nil, err
	}
	latest := map[int64]string{}
	for id := range campaigns {
		published, err := s.store.listCampaign(ctx, id, true)
		if err != nil {
			return nil, err
		}
		for _, r := range published {
			if semverPrerelease(r.Version) == "" {
				latest[id] = r.Version
				break
			}
		}
	}
	out := make([]View, len(rs))
	for i := range rs {
		r := &rs[i]
		c := campaigns[r.CampaignID]
		v := View{ID: r.ID, Campaign: CampaignRef{ID: c.ID, Slug: c.Slug, Title: c.Title, Kind: string(c.Kind)}, Version: r.Version,
			Title: r.Title, Changelog: r.Changelog, License: r.License, Visibility: r.Visibility, Status: r.Status, Origin: r.Origin,
			Seed: r.Seed, Proportions: Proportions{Train: r.TrainShare, Dev: r.DevShare, Test: r.TestShare}, Limitations: r.Limitations,
			Counts: r.DecodedCounts(), JobID: r.JobID, CreatedAt: r.CreatedAt, BuiltAt: r.BuiltAt, PublishedAt: r.PublishedAt,
			Files: []FileView{}, CanDownload: CanDownload(p, r) == nil, Latest: r.Status == StatusPublished && latest[r.CampaignID] == r.Version,
			Permalinks: PermalinkSet{Datasheet: FileURL(c.Slug, r.Version, "datasheet.md"), Files: FileURL(c.Slug, r.Version, "")}}
		for _, f := range files[r.ID] {
			v.Files = append(v.Files, FileView{Name: f.Name, Format: f.Format, Split: f.Split, MediaType: f.MediaType, Size: f.Size,
				GzipSize: f.GzipSize, SHA256: f.SHA256, Rows: f.RowCount, Downloads: f.Downloads, URL: FileURL(c.Slug, r.Version, f.Name)})
			v.Downloads += f.Downloads
		}
		out[i] = v
	}
	return out, nil
}
