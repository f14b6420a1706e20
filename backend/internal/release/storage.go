package release

import (
	"context"
	"errors"
	"sort"

	"gorm.io/gorm"

	"github.com/lab-ia/piaf/backend/internal/database"
)

// Store reads and writes releases and their files.
type Store struct{ db *database.DB }

// NewStore binds the store to a database.
func NewStore(db *database.DB) *Store { return &Store{db: db} }

func (s *Store) insert(ctx context.Context, r *Release) error {
	err := s.db.WithContext(ctx).Create(r).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return ErrVersionTaken.WithDetails("version", r.Version)
	}
	return err
}

func (s *Store) byVersion(ctx context.Context, campaignID int64, version string) (*Release, error) {
	var r Release
	err := s.db.WithContext(ctx).Where("campaign_id = ? AND version = ?", campaignID, version).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrReleaseNotFound
	}
	return &r, err
}

func (s *Store) byID(ctx context.Context, id int64) (*Release, error) {
	var r Release
	err := s.db.WithContext(ctx).Take(&r, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrReleaseNotFound
	}
	return &r, err
}

// listCampaign returns a campaign's releases, newest version first.
func (s *Store) listCampaign(ctx context.Context, campaignID int64, publishedOnly bool) ([]Release, error) {
	q := s.db.WithContext(ctx).Where("campaign_id = ?", campaignID)
	if publishedOnly {
		q = q.Where("status = ?", StatusPublished)
	}
	var out []Release
	if err := q.Find(&out).Error; err != nil {
		return nil, err
	}
	sortNewestFirst(out)
	return out, nil
}

// listPublished returns every published release (the catalogue).
func (s *Store) listPublished(ctx context.Context) ([]Release, error) {
	var out []Release
	err := s.db.WithContext(ctx).Where("status = ?", StatusPublished).Order("published_at DESC, id DESC").Find(&out).Error
	return out, err
}

func sortNewestFirst(rs []Release) {
	sort.SliceStable(rs, func(i, j int) bool { return compareVersions(rs[i].Version, rs[j].Version) > 0 })
}

func (s *Store) files(ctx context.Context, releaseIDs ...int64) (map[int64][]File, error) {
	out := map[int64][]File{}
	if len(releaseIDs) == 0 {
		return out, nil
	}
	var fs []File
	if err := s.db.WithContext(ctx).Where("release_id IN ?", releaseIDs).Order("release_id, position").Find(&fs).Error; err != nil {
		return nil, err
	}
	for _, f := range fs {
		out[f.ReleaseID] = append(out[f.ReleaseID], f)
	}
	return out, nil
}

func (s *Store) file(ctx context.Context, releaseID int64, name string) (*File, error) {
	var f File
	err := s.db.WithContext(ctx).Where("release_id = ? AND name = ?", releaseID, name).Take(&f).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrFileNotFound
	}
	return &f, err
}

func (s *Store) countDownload(ctx context.Context, releaseID int64, name string) error {
	return s.db.WithContext(ctx).Model(&File{}).Where("release_id = ? AND name = ?", releaseID, name).
		UpdateColumn("downloads", gorm.Expr("downloads + 1")).Error
}

// transition moves a release from one status to another if it is still in
// from; it reports whether it did.
func (s *Store) transition(ctx context.Context, id int64, from Status, fields map[string]any) (bool, error) {
	res := s.db.WithContext(ctx).Model(&Release{}).Where("id = ? AND status = ?", id, from).Updates(fields)
	return res.RowsAffected == 1, res.Error
}

// remove deletes a release still in status from (its files' rows go with
// it; blobs are collected later).
func (s *Store) remove(ctx context.Context, id int64, from Status) (bool, error) {
	res := s.db.WithContext(ctx).Where("id = ? AND status = ?", id, from).Delete(&Release{})
	return res.RowsAffected == 1, res.Error
}

// referenced reports whether a blob key is still used by a release.
func (s *Store) referenced(ctx context.Context, key string) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Raw(`SELECT (SELECT COUNT(*) FROM release_files WHERE sha256 = ? OR gzip_sha256 = ?) +
		(SELECT COUNT(*) FROM releases WHERE index_key = ?)`, key, key, key).Scan(&n).Error
	return n > 0, err
}
