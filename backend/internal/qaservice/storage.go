package qaservice

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"github.com/lab-ia/piaf/backend/internal/database"
	"github.com/lab-ia/piaf/backend/qa"
)

// Store reads and writes collections, passages, models and feedback.
type Store struct{ db *database.DB }

// NewStore binds the store to a database.
func NewStore(db *database.DB) *Store { return &Store{db: db} }

func (s *Store) collection(ctx context.Context, id int64) (*Collection, error) {
	var c Collection
	err := s.db.WithContext(ctx).Take(&c, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrCollectionNotFound
	}
	return &c, err
}

// collectionByRef finds a collection by slug, or by id when ref is a
// number that no slug matches.
func (s *Store) collectionByRef(ctx context.Context, ref string) (*Collection, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return nil, ErrCollectionNotFound
	}
	var cs []Collection
	if err := s.db.WithContext(ctx).Where("slug = ?", ref).Limit(1).Find(&cs).Error; err != nil {
		return nil, err
	}
	if len(cs) == 1 {
		return &cs[0], nil
	}
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil && id > 0 {
		return s.collection(ctx, id)
	}
	return nil, ErrCollectionNotFound
}

func (s *Store) collections(ctx context.Context, publicOnly bool) ([]Collection, error) {
	q := s.db.WithContext(ctx).Order("name, id")
	if publicOnly {
		q = q.Where("public = ?", true)
	}
	var out []Collection
	return out, q.Find(&out).Error
}

func (s *Store) slugTaken(ctx context.Context, slug string) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&Collection{}).Where("slug = ?", slug).Count(&n).Error
	return n > 0, err
}

func (s *Store) updateCollection(ctx context.Context, id int64, fields map[string]any) error {
	fields["updated_at"] = now()
	return s.db.WithContext(ctx).Model(&Collection{}).Where("id = ?", id).Updates(fields).Error
}

// finishIndexing records the end of indexing version, unless a newer
// indexing started meanwhile (that one will record its own end).
func (s *Store) finishIndexing(ctx context.Context, id int64, version int, fields map[string]any) (bool, error) {
	fields["updated_at"] = now()
	res := s.db.WithContext(ctx).Model(&Collection{}).Where("id = ? AND index_version = ? AND status = ?", id, version, StatusBuilding).Updates(fields)
	return res.RowsAffected == 1, res.Error
}

// passages reads a collection's passages in order.
func (s *Store) passages(ctx context.Context, collectionID int64) ([]qa.Passage, error) {
	var rows []PassageRow
	if err := s.db.WithContext(ctx).Where("collection_id = ?", collectionID).Order("position, id").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]qa.Passage, len(rows))
	for i, r := range rows {
		out[i] = qa.Passage{ID: r.PassageKey, DocumentID: r.DocumentKey, Title: r.Title, Text: r.Text, SourceURL: r.SourceURL}
	}
	return out, nil
}

func (s *Store) passage(ctx context.Context, collectionID int64, key string) (*PassageRow, error) {
	var rows []PassageRow
	if err := s.db.WithContext(ctx).Where("collection_id = ? AND passage_key = ?", collectionID, key).Limit(1).Find(&rows).Error; err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, nil
	}
	return &rows[0], nil
}

// replacePassages swaps a collection's passages in tx.
func replacePassages(tx *gorm.DB, collectionID int64, ps []qa.Passage) error {
	if err := tx.Where("collection_id = ?", collectionID).Delete(&PassageRow{}).Error; err != nil {
		return err
	}
	rows := make([]PassageRow, len(ps))
	for i, p := range ps {
		rows[i] = PassageRow{CollectionID: collectionID, PassageKey: p.ID, DocumentKey: p.DocumentID, Title: p.Title,
			SourceURL: p.SourceURL, Text: p.Text, Position: i}
	}
	if len(rows) == 0 {
		return nil
	}
	return tx.CreateInBatches(rows, 200).Error
}

// countDocuments counts the distinct documents of passages.
func countDocuments(ps []qa.Passage) int {
	seen := map[string]bool{}
	for _, p := range ps {
		seen[p.DocumentID] = true
	}
	return len(seen)
}

func (s *Store) model(ctx context.Context, id int64) (*Model, error) {
	var m Model
	err := s.db.WithContext(ctx).Take(&m, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrModelNotFound
	}
	return &m, err
}

func (s *Store) models(ctx context.Context) ([]Model, error) {
	var out []Model
	return out, s.db.WithContext(ctx).Order("created_at DESC, id DESC").Find(&out).Error
}

func (s *Store) updateModel(ctx context.Context, id int64, fields map[string]any) error {
	return s.db.WithContext(ctx).Model(&Model{}).Where("id = ?", id).Updates(fields).Error
}

// finishTraining moves a training model to another status in one
// statement; false when it was no longer training.
func (s *Store) finishTraining(ctx context.Context, id int64, fields map[string]any) (bool, error) {
	res := s.db.WithContext(ctx).Model(&Model{}).Where("id = ? AND status = ?", id, StatusTraining).Updates(fields)
	return res.RowsAffected == 1, res.Error
}

// modelCollections maps model ids to the collections answering with them.
func (s *Store) modelCollections(ctx context.Context) (map[int64][]int64, error) {
	var rows []struct {
		ID      int64
		ModelID int64
	}
	if err := s.db.WithContext(ctx).Model(&Collection{}).Select("id, model_id").Where("model_id IS NOT NULL").Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := map[int64][]int64{}
	for _, r := range rows {
		out[r.ModelID] = append(out[r.ModelID], r.ID)
	}
	return out, nil
}

func (s *Store) modelNames(ctx context.Context) (map[int64]string, error) {
	var rows []struct {
		ID   int64
		Name string
	}
	if err := s.db.WithContext(ctx).Model(&Model{}).Select("id, name").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make(map[int64]string, len(rows))
	for _, r := range rows {
		out[r.ID] = r.Name
	}
	return out, nil
}

// referenced reports whether a blob key holds a registered model, so that
// the blob garbage collection keeps it.
func (s *Store) referenced(ctx context.Context, key string) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&Model{}).Where("blob_key = ?", key).Count(&n).Error
	return n > 0, err
}
