package dataio

import (
	"context"
	"errors"
	"os"
	"time"

	"github.com/lab-ia/piaf/backend/internal/apperr"
	"github.com/lab-ia/piaf/backend/internal/jobs"
)

// ImportJobKind is the kind of import jobs.
const ImportJobKind = "corpus.import"

// ImportParams are an import job's parameters.
type ImportParams struct {
	CampaignID int64  `json:"campaign_id"`
	Path       string `json:"path"`
	Filename   string `json:"filename"`
	Format     Format `json:"format"`
	PreAccept  bool   `json:"pre_accept"`
	MinLength  int    `json:"min_length"`
	MaxLength  int    `json:"max_length"`
}

// ImportJob runs uploaded imports in the background. It is idempotent: a
// retry (or a rescued job) re-reads the file and deduplicates.
type ImportJob struct {
	Importer *Importer
	// Done is called after a successful import (e.g. to publish the
	// campaign's new counters).
	Done func(ctx context.Context, campaignID int64)
}

// Kind names the job.
func (ImportJob) Kind() string { return ImportJobKind }

// Timeout bounds one attempt.
func (ImportJob) Timeout() time.Duration { return time.Hour }

// MaxAttempts retries transient failures.
func (ImportJob) MaxAttempts() int { return 3 }

// Run imports the uploaded file and removes it once it will not be needed
// again (success, or a failure that retrying cannot fix).
func (j ImportJob) Run(ctx context.Context, job *jobs.Job, p *jobs.Progress) (any, error) {
	var params ImportParams
	if err := job.DecodeParams(&params); err != nil {
		return nil, jobs.Permanent(err)
	}
	f, err := os.Open(params.Path)
	if err != nil {
		return nil, jobs.Permanent(errors.New("the uploaded file is gone; upload it again"))
	}
	defer f.Close()
	st, _ := f.Stat()
	var size int64
	if st != nil {
		size = st.Size()
	}
	p.Stage(ctx, "import", size)
	rep, err := j.Importer.Import(ctx, params.CampaignID, f, size, Options{Format: params.Format, Filename: params.Filename, PreAccept: params.PreAccept,
		Split: SplitOptions{MinLength: params.MinLength, MaxLength: params.MaxLength}}, func(done, total int64) { p.Set(ctx, done) })
	if err != nil {
		if ae := (*apperr.Error)(nil); errors.As(err, &ae) && ae.Kind != apperr.Internal && ae.Kind != apperr.Unavailable {
			_ = os.Remove(params.Path)
			return nil, jobs.Permanent(err)
		}
		return nil, err
	}
	_ = os.Remove(params.Path)
	p.Set(ctx, size)
	if j.Done != nil {
		j.Done(ctx, params.CampaignID)
	}
	return rep, nil
}
