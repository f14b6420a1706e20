package qaservice

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/lab-ia/piaf/backend/internal/jobs"
	"github.com/lab-ia/piaf/backend/qa"
)

// IndexJobKind is the kind of collection indexing jobs.
const IndexJobKind = "qa.index"

// IndexParams are an indexing job's parameters.
type IndexParams struct {
	CollectionID int64 `json:"collection_id"`
	Version      int   `json:"version"`
}

// IndexResult is what a finished indexing job reports.
type IndexResult struct {
	CollectionID int64 `json:"collection_id"`
	Passages     int   `json:"passages"`
	Documents    int   `json:"documents"`
}

// IndexJob copies a collection's passages (from its campaign) and builds
// its index. A retried attempt starts over; a newer indexing of the same
// collection makes an older one stop without effect.
type IndexJob struct {
	Service *Service
}

// Kind names the job.
func (IndexJob) Kind() string { return IndexJobKind }

// Timeout bounds one attempt: tens of thousands of passages index in a
// minute or two.
func (IndexJob) Timeout() time.Duration { return time.Hour }

// MaxAttempts retries transient failures (database down, disk full).
func (IndexJob) MaxAttempts() int { return 2 }

// Run indexes the collection named by the job.
func (j IndexJob) Run(ctx context.Context, job *jobs.Job, p *jobs.Progress) (any, error) {
	var params IndexParams
	if err := job.DecodeParams(&params); err != nil {
		return nil, jobs.Permanent(err)
	}
	s := j.Service
	col, err := s.store.collection(ctx, params.CollectionID)
	if errors.Is(err, ErrCollectionNotFound) {
		return nil, jobs.Permanent(errors.New("the collection was deleted"))
	}
	if err != nil {
		return nil, err
	}
	if col.IndexVersion != params.Version {
		return nil, jobs.Permanent(errors.New("a newer indexing of this collection replaced this one"))
	}
	if col.Status == StatusReady {
		return IndexResult{CollectionID: col.ID, Passages: col.Passages, Documents: col.Documents}, nil
	}
	res, err := s.index(ctx, col, p)
	if err != nil {
		if ctx.Err() == nil {
			// Kept on the row so that the failed collection says why.
			_ = s.store.updateCollection(context.WithoutCancel(ctx), col.ID, map[string]any{"error": truncate(err.Error(), 2000)})
		}
		return nil, err
	}
	return res, nil
}

// Finished marks the collection of an indexing that failed or was
// cancelled as failed, with the reason.
func (j IndexJob) Finished(ctx context.Context, job *jobs.Job, state jobs.State) {
	if state == jobs.StateSucceeded {
		return
	}
	var params IndexParams
	if err := job.DecodeParams(&params); err != nil {
		return
	}
	s := j.Service
	col, err := s.store.collection(ctx, params.CollectionID)
	if err != nil {
		return
	}
	msg := col.Error
	switch {
	case state == jobs.StateCancelled:
		msg = "indexing cancelled"
	case msg == "":
		msg = "indexing failed"
	}
	if _, err := s.store.finishIndexing(ctx, col.ID, params.Version, map[string]any{"status": StatusFailed, "error": msg}); err != nil {
		s.log.Error("a failed indexing could not be recorded", "collection", col.ID, "err", err)
	}
}

// index copies a campaign's paragraphs into the collection (uploads keep
// the passages stored at creation), builds the index of this version and
// marks the collection ready.
func (s *Service) index(ctx context.Context, col *Collection, p *jobs.Progress) (*IndexResult, error) {
	if col.Source == SourceCampaign {
		if col.CampaignID == nil {
			return nil, jobs.Permanent(errors.New("the campaign of this collection was deleted"))
		}
		p.Stage(ctx, "copy", 0)
		ps, err := s.campaignPassages(ctx, *col.CampaignID)
		if err != nil {
			return nil, err
		}
		if len(ps) == 0 {
			return nil, jobs.Permanent(errors.New("the campaign has no paragraph"))
		}
		if err := s.db.Transaction(ctx, func(tx *gorm.DB) error { return replacePassages(tx, col.ID, ps) }); err != nil {
			return nil, err
		}
	}
	ps, err := s.store.passages(ctx, col.ID)
	if err != nil {
		return nil, err
	}
	p.Stage(ctx, "index", int64(len(ps)))
	ix, err := qa.BuildIndex(ctx, s.indexPath(col.ID, col.IndexVersion), ps, func(ip qa.IndexProgress) { p.Set(ctx, int64(ip.Done)) })
	if err != nil {
		return nil, err
	}
	fingerprint := ix.Info().Fingerprint
	ix.Close()
	p.Flush(ctx)
	res := &IndexResult{CollectionID: col.ID, Passages: len(ps), Documents: countDocuments(ps)}
	ok, err := s.store.finishIndexing(context.WithoutCancel(ctx), col.ID, col.IndexVersion, map[string]any{"status": StatusReady,
		"passages": res.Passages, "documents": res.Documents, "fingerprint": fingerprint, "error": ""})
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, jobs.Permanent(errors.New("the collection is no longer being indexed by this job"))
	}
	s.removeOldIndexes(col.ID, col.IndexVersion)
	s.log.Info("qa collection indexed", "collection", col.ID, "version", col.IndexVersion, "passages", res.Passages)
	return res, nil
}

// campaignPassages reads every paragraph of a campaign with its
// document's title and source, in document then paragraph order.
func (s *Service) campaignPassages(ctx context.Context, campaignID int64) ([]qa.Passage, error) {
	var rows []struct {
		ID         int64
		DocumentID int64
		Text       string
		Title      string
		SourceURL  string
	}
	err := s.db.WithContext(ctx).Table("paragraphs p").
		Select("p.id, p.document_id, p.text, d.title, d.source_url").
		Joins("JOIN documents d ON d.id = p.document_id").
		Where("p.campaign_id = ?", campaignID).
		Order("d.position, d.id, p.position, p.id").Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	out := make([]qa.Passage, len(rows))
	for i, r := range rows {
		out[i] = qa.Passage{ID: fmt.Sprintf("p%d", r.ID), DocumentID: fmt.Sprintf("d%d", r.DocumentID), Title: r.Title, Text: r.Text, SourceURL: r.SourceURL}
	}
	return out, nil
}
