package release

import (
	"context"
	"errors"
	"time"

	"github.com/lab-ia/piaf/backend/internal/apperr"
	"github.com/lab-ia/piaf/backend/internal/jobs"
)

// BuildJobKind is the kind of release build jobs.
const BuildJobKind = "release.build"

// BuildParams are a build job's parameters.
type BuildParams struct {
	ReleaseID int64 `json:"release_id"`
}

// BuildResult is what a finished build job reports.
type BuildResult struct {
	ReleaseID int64  `json:"release_id"`
	Version   string `json:"version"`
	Counts    Counts `json:"counts"`
}

// BuildJob builds releases in the background. A retried attempt starts
// over (files are content-addressed, so nothing is stored twice); a
// failure or a cancellation removes the release.
type BuildJob struct {
	Service *Service
}

// Kind names the job.
func (BuildJob) Kind() string { return BuildJobKind }

// Timeout bounds one attempt.
func (BuildJob) Timeout() time.Duration { return 2 * time.Hour }

// MaxAttempts retries transient failures (a database restart).
func (BuildJob) MaxAttempts() int { return 3 }

// Run builds the release named by the job.
func (j BuildJob) Run(ctx context.Context, job *jobs.Job, p *jobs.Progress) (any, error) {
	var params BuildParams
	if err := job.DecodeParams(&params); err != nil {
		return nil, jobs.Permanent(err)
	}
	s := j.Service
	r, err := s.store.byID(ctx, params.ReleaseID)
	if errors.Is(err, ErrReleaseNotFound) {
		return nil, jobs.Permanent(errors.New("the release was deleted"))
	}
	if err != nil {
		return nil, err
	}
	if r.Status == StatusBuilding {
		src := campaignSource{db: s.db, reader: s.builder.reader, campaignID: r.CampaignID}
		if err := s.builder.build(ctx, r, src, p); err != nil {
			var ae *apperr.Error
			if errors.Is(err, errAbandoned) || (errors.As(err, &ae) && ae.Kind != apperr.Internal && ae.Kind != apperr.Unavailable) {
				return nil, jobs.Permanent(err)
			}
			return nil, err
		}
		if r, err = s.store.byID(ctx, params.ReleaseID); err != nil {
			return nil, err
		}
	}
	return BuildResult{ReleaseID: r.ID, Version: r.Version, Counts: r.DecodedCounts()}, nil
}

// Finished removes the release of a build that failed or was cancelled,
// so that no half release is ever visible.
func (j BuildJob) Finished(ctx context.Context, job *jobs.Job, state jobs.State) {
	if state == jobs.StateSucceeded {
		return
	}
	var params BuildParams
	if err := job.DecodeParams(&params); err != nil {
		return
	}
	j.Service.abandon(ctx, params.ReleaseID)
}
