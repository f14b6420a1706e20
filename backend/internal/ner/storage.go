package ner

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/lab-ia/piaf/backend/internal/database"
)

// Store reads and writes the model registry.
type Store struct{ db *database.DB }

// NewStore binds the store to a database.
func NewStore(db *database.DB) *Store { return &Store{db: db} }

func (s *Store) insert(ctx context.Context, m *Model) error {
	return s.db.WithContext(ctx).Create(m).Error
}

func (s *Store) byID(ctx context.Context, id int64) (*Model, error) {
	var m Model
	err := s.db.WithContext(ctx).Take(&m, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrModelNotFound
	}
	return &m, err
}

// list returns every model, newest first.
func (s *Store) list(ctx context.Context) ([]Model, error) {
	var out []Model
	err := s.db.WithContext(ctx).Order("created_at DESC, id DESC").Find(&out).Error
	return out, err
}

// active returns the active model, nil when the engine runs on rules only.
func (s *Store) active(ctx context.Context) (*Model, error) {
	var m Model
	err := s.db.WithContext(ctx).Where("active = ?", true).Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &m, nil
}

// update changes fields of a model.
func (s *Store) update(ctx context.Context, id int64, fields map[string]any) error {
	return s.db.WithContext(ctx).Model(&Model{}).Where("id = ?", id).Updates(fields).Error
}

// finishTraining moves a model from training to another status with its
// fields, in one statement: it reports false when the model is no longer
// training (a cancelled job whose row was already marked failed), so a
// late success never overwrites a failure and vice versa.
func (s *Store) finishTraining(ctx context.Context, id int64, fields map[string]any) (bool, error) {
	res := s.db.WithContext(ctx).Model(&Model{}).Where("id = ? AND status = ?", id, StatusTraining).Updates(fields)
	return res.RowsAffected == 1, res.Error
}

// activate makes a ready model the only active one, in one transaction.
// It reports false when the model is not ready.
func (s *Store) activate(ctx context.Context, id int64) (bool, error) {
	ok := false
	err := s.db.Transaction(ctx, func(tx *gorm.DB) error {
		if err := tx.Model(&Model{}).Where("active = ? AND id <> ?", true, id).Update("active", false).Error; err != nil {
			return err
		}
		res := tx.Model(&Model{}).Where("id = ? AND status = ?", id, StatusReady).Update("active", true)
		if res.Error != nil {
			return res.Error
		}
		ok = res.RowsAffected == 1
		if !ok {
			return errNotReady
		}
		return nil
	})
	if errors.Is(err, errNotReady) {
		return false, nil
	}
	return ok, err
}

// errNotReady rolls the activation back when the model is not ready.
var errNotReady = errors.New("model not ready")

// deactivate sends the engine back to rules only if id is the active
// model.
func (s *Store) deactivate(ctx context.Context, id int64) error {
	return s.db.WithContext(ctx).Model(&Model{}).Where("id = ? AND active = ?", id, true).Update("active", false).Error
}

// referenced reports whether a blob key holds a registered model, so
// that the blob garbage collection keeps it.
func (s *Store) referenced(ctx context.Context, key string) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&Model{}).Where("blob_key = ?", key).Count(&n).Error
	return n > 0, err
}

// activeID reads the active model's id and name (0 and "" for none), the
// cheap query the engines of every node repeat to notice activations.
func (s *Store) activeID(ctx context.Context) (int64, string, error) {
	var rows []struct {
		ID   int64
		Name string
	}
	if err := s.db.WithContext(ctx).Model(&Model{}).Select("id, name").Where("active = ?", true).Limit(1).Find(&rows).Error; err != nil {
		return 0, "", err
	}
	if len(rows) == 0 {
		return 0, "", nil
	}
	return rows[0].ID, rows[0].Name, nil
}

func now() time.Time { return time.Now().UTC() }
