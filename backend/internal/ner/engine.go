package ner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/lab-ia/piaf/backend/internal/apperr"
	"github.com/lab-ia/piaf/backend/internal/blob"
	"github.com/lab-ia/piaf/backend/internal/database"
	"github.com/lab-ia/piaf/backend/pseudo"
)

// DefaultRecheck is how long a node trusts the active model id it read:
// an activation made on another node is noticed within this delay (on the
// node that made it, at once).
const DefaultRecheck = 10 * time.Second

// Engine gives the whole node the detector to use: the active model's,
// loaded from the blob store once and kept while it stays active, or the
// rules and gazetteers alone when no model is active. It is safe for
// concurrent use; create one per node and share it (pseudonymisation API,
// batch jobs, annotation pre-annotation).
type Engine struct {
	store   *Store
	blobs   blob.Store
	log     *slog.Logger
	recheck time.Duration
	now     func() time.Time

	mu        sync.Mutex
	checkedAt time.Time
	activeID  int64
	loaded    *loadedModel
	rules     *pseudo.Detector

	// loadMu serialises model loads so that a burst of requests after an
	// activation loads the model once.
	loadMu sync.Mutex
}

// loadedModel is a model's detector in memory.
type loadedModel struct {
	ref ModelRef
	det *pseudo.Detector
}

// NewEngine builds the node's engine. Nothing is loaded until the first
// detection.
func NewEngine(db *database.DB, blobs blob.Store, log *slog.Logger) *Engine {
	return &Engine{store: NewStore(db), blobs: blobs, log: log, recheck: DefaultRecheck, now: time.Now}
}

// Invalidate makes the next detection re-read the active model at once
// (called after an activation on this node).
func (e *Engine) Invalidate() {
	e.mu.Lock()
	e.checkedAt = time.Time{}
	e.mu.Unlock()
}

// Detector returns the detector to use now and the model it runs, or the
// rules-and-gazetteers detector with ModelRef{Name: "rules"} when no model
// is active. A model that cannot be loaded is an error (ErrModelUnusable):
// silently falling back to rules would hide names the model finds.
func (e *Engine) Detector(ctx context.Context) (*pseudo.Detector, ModelRef, error) {
	id, err := e.currentID(ctx)
	if err != nil {
		return nil, ModelRef{}, err
	}
	if id == 0 {
		det, err := e.rulesDetector()
		return det, ModelRef{Name: RulesOnly}, err
	}
	e.mu.Lock()
	lm := e.loaded
	e.mu.Unlock()
	if lm != nil && lm.ref.ID == id {
		return lm.det, lm.ref, nil
	}
	lm, err = e.load(ctx, id)
	if err != nil {
		return nil, ModelRef{}, err
	}
	return lm.det, lm.ref, nil
}

// Detect finds the personal data of text with the active model (or the
// rules) and returns the entities with the name of the model used
// ("rules" when none is active). Annotation campaigns call it to
// pre-annotate passages.
func (e *Engine) Detect(ctx context.Context, text string) ([]pseudo.Entity, string, error) {
	det, ref, err := e.Detector(ctx)
	if err != nil {
		return nil, "", err
	}
	ents, err := det.Detect(ctx, text)
	if err != nil {
		return nil, "", err
	}
	return ents, ref.Name, nil
}

// currentID returns the active model's id, re-reading it from the
// database at most every recheck interval.
func (e *Engine) currentID(ctx context.Context) (int64, error) {
	e.mu.Lock()
	if !e.checkedAt.IsZero() && e.now().Sub(e.checkedAt) < e.recheck {
		id := e.activeID
		e.mu.Unlock()
		return id, nil
	}
	e.mu.Unlock()
	id, _, err := e.store.activeID(ctx)
	if err != nil {
		return 0, apperr.Wrap(apperr.Unavailable, "database_unavailable", "the model registry cannot be read; try again", err)
	}
	e.mu.Lock()
	e.activeID, e.checkedAt = id, e.now()
	if id == 0 || (e.loaded != nil && e.loaded.ref.ID != id) {
		// Only the active model is kept in memory.
		e.loaded = nil
	}
	e.mu.Unlock()
	return id, nil
}

// rulesDetector builds the model-less detector once.
func (e *Engine) rulesDetector() (*pseudo.Detector, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.rules == nil {
		det, err := pseudo.NewDetector(nil, pseudo.DetectorOptions{})
		if err != nil {
			return nil, fmt.Errorf("rules detector: %w", err)
		}
		e.rules = det
	}
	return e.rules, nil
}

// load reads model id from the blob store and makes its detector current.
func (e *Engine) load(ctx context.Context, id int64) (*loadedModel, error) {
	e.loadMu.Lock()
	defer e.loadMu.Unlock()
	e.mu.Lock()
	if lm := e.loaded; lm != nil && lm.ref.ID == id {
		e.mu.Unlock()
		return lm, nil
	}
	e.mu.Unlock()
	m, err := e.store.byID(ctx, id)
	if err != nil {
		return nil, e.unusable(id, err)
	}
	if m.Status != StatusReady || m.BlobKey == "" {
		return nil, e.unusable(id, errors.New("the active model is not ready"))
	}
	started := time.Now()
	obj, err := e.blobs.Open(ctx, m.BlobKey)
	if err != nil {
		return nil, e.unusable(id, err)
	}
	defer obj.Close()
	model, err := pseudo.LoadModel(obj)
	if err != nil {
		return nil, e.unusable(id, err)
	}
	det, err := pseudo.NewDetector(model, pseudo.DetectorOptions{})
	if err != nil {
		return nil, e.unusable(id, err)
	}
	lm := &loadedModel{ref: ModelRef{ID: m.ID, Name: m.Name}, det: det}
	e.mu.Lock()
	// Keep it only if it is still the active one (an activation may have
	// been noticed meanwhile).
	if e.activeID == id {
		e.loaded = lm
	}
	e.mu.Unlock()
	e.log.Info("entity model loaded", "model", m.ID, "name", m.Name, "bytes", m.Size, "duration", time.Since(started).Round(time.Millisecond))
	return lm, nil
}

func (e *Engine) unusable(id int64, err error) error {
	e.log.Error("the active entity model cannot be loaded", "model", id, "err", err)
	return apperr.Wrap(ErrModelUnusable.Kind, ErrModelUnusable.Code, ErrModelUnusable.Message, err)
}
