package qaservice

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lab-ia/piaf/backend/internal/apperr"
	"github.com/lab-ia/piaf/backend/qa"
)

// maxCachedModels bounds the readers a node keeps in memory (a reader
// holds about 10 MB); the least recently used one is dropped.
const maxCachedModels = 4

// closeDelay is how long a replaced index stays open for the searches
// that may still use it.
const closeDelay = time.Minute

// engineCache keeps, per node, the open index of each collection (by
// index version) and the loaded readers (by model id). Every question
// reads its collection's row first, so a new model choice or a new index
// version takes effect at once on every node: the cache is keyed by them
// and never serves a stale pair.
type engineCache struct {
	svc *Service

	mu      sync.Mutex
	indexes map[int64]*openIndex
	models  map[int64]*loadedModel
	// building serialises the lazy rebuilds of one collection's index.
	building map[int64]*sync.Mutex
	loadMu   sync.Mutex
}

type openIndex struct {
	version int
	ix      *qa.Index
}

type loadedModel struct {
	model    *qa.Model
	lastUsed time.Time
}

func newEngineCache(s *Service) *engineCache {
	return &engineCache{svc: s, indexes: map[int64]*openIndex{}, models: map[int64]*loadedModel{}, building: map[int64]*sync.Mutex{}}
}

// indexPath is where a collection's index of a given version lives.
func (s *Service) indexPath(collectionID int64, version int) string {
	return filepath.Join(s.indexDir, fmt.Sprintf("%d-%d", collectionID, version))
}

// engine returns the engine answering on a ready collection with its
// chosen model.
func (c *engineCache) engine(ctx context.Context, col *Collection) (*qa.Engine, error) {
	ix, err := c.index(ctx, col)
	if err != nil {
		return nil, err
	}
	m, err := c.model(ctx, *col.ModelID)
	if err != nil {
		return nil, err
	}
	return qa.NewEngine(ix, m, qa.EngineOptions{}), nil
}

// index returns the collection's open index, opening it from disk or,
// when this node does not have it (or has a stale one), rebuilding it
// from the passages in the database.
func (c *engineCache) index(ctx context.Context, col *Collection) (*qa.Index, error) {
	c.mu.Lock()
	if oi := c.indexes[col.ID]; oi != nil && oi.version == col.IndexVersion {
		c.mu.Unlock()
		return oi.ix, nil
	}
	lock := c.building[col.ID]
	if lock == nil {
		lock = &sync.Mutex{}
		c.building[col.ID] = lock
	}
	c.mu.Unlock()

	lock.Lock()
	defer lock.Unlock()
	c.mu.Lock()
	if oi := c.indexes[col.ID]; oi != nil && oi.version == col.IndexVersion {
		c.mu.Unlock()
		return oi.ix, nil
	}
	c.mu.Unlock()
	dir := c.svc.indexPath(col.ID, col.IndexVersion)
	ix, err := qa.OpenIndex(dir)
	if err == nil && ix.Info().Fingerprint != col.Fingerprint {
		ix.Close()
		ix, err = nil, errors.New("stale index")
	}
	if err != nil {
		started := time.Now()
		ps, perr := c.svc.store.passages(ctx, col.ID)
		if perr != nil {
			return nil, apperr.Wrap(ErrIndexUnavailable.Kind, ErrIndexUnavailable.Code, ErrIndexUnavailable.Message, perr)
		}
		// The rebuild serves every later question: a caller giving up
		// must not waste it.
		ix, err = qa.BuildIndex(context.WithoutCancel(ctx), dir, ps, nil)
		if err != nil {
			return nil, apperr.Wrap(ErrIndexUnavailable.Kind, ErrIndexUnavailable.Code, ErrIndexUnavailable.Message, err)
		}
		c.svc.log.Info("qa index rebuilt from the database on this node", "collection", col.ID, "version", col.IndexVersion,
			"passages", len(ps), "duration", time.Since(started).Round(time.Millisecond))
	}
	c.mu.Lock()
	old := c.indexes[col.ID]
	c.indexes[col.ID] = &openIndex{version: col.IndexVersion, ix: ix}
	c.mu.Unlock()
	if old != nil {
		time.AfterFunc(closeDelay, func() { old.ix.Close() })
	}
	c.svc.removeOldIndexes(col.ID, col.IndexVersion)
	return ix, nil
}

// forget closes a deleted collection's index.
func (c *engineCache) forget(collectionID int64) {
	c.mu.Lock()
	old := c.indexes[collectionID]
	delete(c.indexes, collectionID)
	delete(c.building, collectionID)
	c.mu.Unlock()
	if old != nil {
		old.ix.Close()
	}
}

// model returns a ready model's reader, loading it from the blob store
// once.
func (c *engineCache) model(ctx context.Context, id int64) (*qa.Model, error) {
	c.mu.Lock()
	if lm := c.models[id]; lm != nil {
		lm.lastUsed = time.Now()
		c.mu.Unlock()
		return lm.model, nil
	}
	c.mu.Unlock()
	c.loadMu.Lock()
	defer c.loadMu.Unlock()
	c.mu.Lock()
	if lm := c.models[id]; lm != nil {
		c.mu.Unlock()
		return lm.model, nil
	}
	c.mu.Unlock()
	row, err := c.svc.store.model(ctx, id)
	if err != nil {
		return nil, c.unusable(id, err)
	}
	if row.Status != StatusReady || row.BlobKey == "" {
		return nil, c.unusable(id, errors.New("the model is not ready"))
	}
	started := time.Now()
	obj, err := c.svc.blobs.Open(ctx, row.BlobKey)
	if err != nil {
		return nil, c.unusable(id, err)
	}
	defer obj.Close()
	m, err := qa.LoadModel(obj)
	if err != nil {
		return nil, c.unusable(id, err)
	}
	c.mu.Lock()
	c.models[id] = &loadedModel{model: m, lastUsed: time.Now()}
	for len(c.models) > maxCachedModels {
		var oldest int64
		var at time.Time
		for k, lm := range c.models {
			if oldest == 0 || lm.lastUsed.Before(at) {
				oldest, at = k, lm.lastUsed
			}
		}
		delete(c.models, oldest)
	}
	c.mu.Unlock()
	c.svc.log.Info("qa model loaded", "model", id, "name", row.Name, "bytes", row.Size, "duration", time.Since(started).Round(time.Millisecond))
	return m, nil
}

func (c *engineCache) unusable(id int64, err error) error {
	c.svc.log.Error("a qa model cannot be loaded", "model", id, "err", err)
	return apperr.Wrap(ErrModelUnusable.Kind, ErrModelUnusable.Code, ErrModelUnusable.Message, err)
}

// removeOldIndexes deletes this node's index directories of earlier
// versions of a collection.
func (s *Service) removeOldIndexes(collectionID int64, current int) {
	entries, err := os.ReadDir(s.indexDir)
	if err != nil {
		return
	}
	prefix := strconv.FormatInt(collectionID, 10) + "-"
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() || !strings.HasPrefix(name, prefix) {
			continue
		}
		v, err := strconv.Atoi(strings.TrimPrefix(name, prefix))
		if err == nil && v < current {
			_ = os.RemoveAll(filepath.Join(s.indexDir, name))
		}
	}
}
