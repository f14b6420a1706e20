package ner

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/lab-ia/piaf/backend/internal/blob"
	"github.com/lab-ia/piaf/backend/internal/jobs"
	"github.com/lab-ia/piaf/backend/internal/release"
	"github.com/lab-ia/piaf/backend/pseudo"
)

// TrainJobKind is the kind of model training jobs.
const TrainJobKind = "ner.train"

// TrainParams are a training job's parameters.
type TrainParams struct {
	ModelID   int64 `json:"model_id"`
	Epochs    int   `json:"epochs,omitempty"`
	Synthetic bool  `json:"synthetic"`
}

// TrainResult is what a finished training job reports.
type TrainResult struct {
	ModelID int64         `json:"model_id"`
	Name    string        `json:"name"`
	Overall pseudo.Scores `json:"overall"`
}

// TrainJob trains registered models in the background. A retried attempt
// starts over (the model file is content-addressed, so nothing is stored
// twice); a failure or a cancellation marks the model failed, with the
// reason, and it is never used.
type TrainJob struct {
	Service *Service
}

// Kind names the job.
func (TrainJob) Kind() string { return TrainJobKind }

// Timeout bounds one attempt: a release of a few thousand documents and
// the synthetic corpus train in minutes; the margin covers large ones.
func (TrainJob) Timeout() time.Duration { return 2 * time.Hour }

// MaxAttempts retries transient failures (storage or database down).
func (TrainJob) MaxAttempts() int { return 2 }

// Run trains the model named by the job from its release's files.
func (j TrainJob) Run(ctx context.Context, job *jobs.Job, p *jobs.Progress) (any, error) {
	var params TrainParams
	if err := job.DecodeParams(&params); err != nil {
		return nil, jobs.Permanent(err)
	}
	s := j.Service
	m, err := s.store.byID(ctx, params.ModelID)
	if errors.Is(err, ErrModelNotFound) {
		return nil, jobs.Permanent(errors.New("the model was deleted"))
	}
	if err != nil {
		return nil, err
	}
	switch m.Status {
	case StatusReady:
		return trainResult(m), nil
	case StatusFailed:
		return nil, jobs.Permanent(errors.New("this training already failed: " + m.Error))
	}
	res, err := s.train(ctx, m, params, p)
	if err != nil {
		if ctx.Err() == nil {
			// Kept on the row so that the failed model says why.
			_ = s.store.update(context.WithoutCancel(ctx), m.ID, map[string]any{"error": truncate(err.Error(), 2000)})
		}
		return nil, err
	}
	return res, nil
}

// Finished marks the model of a training that failed or was cancelled as
// failed, so that it is visible, with its reason, and never activated.
func (j TrainJob) Finished(ctx context.Context, job *jobs.Job, state jobs.State) {
	if state == jobs.StateSucceeded {
		return
	}
	var params TrainParams
	if err := job.DecodeParams(&params); err != nil {
		return
	}
	s := j.Service
	m, err := s.store.byID(ctx, params.ModelID)
	if err != nil {
		return
	}
	msg := m.Error
	switch {
	case state == jobs.StateCancelled:
		msg = "training cancelled"
	case msg == "":
		msg = "training failed"
	}
	if ok, err := s.store.finishTraining(ctx, m.ID, map[string]any{"status": StatusFailed, "error": msg, "active": false}); err != nil {
		s.log.Error("a failed training could not be recorded", "model", m.ID, "err", err)
	} else if ok {
		s.log.Info("entity model training ended without a model", "model", m.ID, "state", state)
	}
}

func trainResult(m *Model) TrainResult {
	r := TrainResult{ModelID: m.ID, Name: m.Name}
	if v := m.view(); v.Metrics != nil {
		r.Overall = v.Metrics.Overall
	}
	return r
}

// train reads the release's span files, trains, evaluates and stores the
// model, then marks it ready in one statement.
func (s *Service) train(ctx context.Context, m *Model, params TrainParams, p *jobs.Progress) (TrainResult, error) {
	if m.ReleaseID == nil {
		return TrainResult{}, jobs.Permanent(errors.New("the release this model was to be trained from was deleted"))
	}
	p.Stage(ctx, "read", 3)
	var files [3][]pseudo.Document
	for i, name := range []string{TrainFile, DevFile, TestFile} {
		docs, err := s.readSpans(ctx, *m.ReleaseID, name, i == 0)
		if err != nil {
			return TrainResult{}, err
		}
		files[i] = docs
		p.Set(ctx, int64(i+1))
	}
	model, rep, ev, err := trainModel(ctx, files[0], files[1], files[2], params, p)
	if err != nil {
		return TrainResult{}, err
	}
	p.Stage(ctx, "store", 1)
	key, size, err := s.storeModel(ctx, model)
	if err != nil {
		return TrainResult{}, err
	}
	metrics, _ := json.Marshal(ev)
	if len(files[2]) == 0 && len(files[1]) == 0 {
		metrics = []byte("{}")
	}
	report, _ := json.Marshal(rep)
	trained := s.now()
	ok, err := s.store.finishTraining(context.WithoutCancel(ctx), m.ID, map[string]any{"status": StatusReady, "blob_key": key, "size": size,
		"metrics": string(metrics), "report": string(report), "trained_at": trained, "error": ""})
	if err != nil {
		return TrainResult{}, err
	}
	latest, err := s.store.byID(context.WithoutCancel(ctx), m.ID)
	if err != nil {
		return TrainResult{}, err
	}
	if !ok && latest.Status != StatusReady {
		return TrainResult{}, jobs.Permanent(errors.New("the model is no longer training (" + string(latest.Status) + ")"))
	}
	p.Set(ctx, 1)
	s.log.Info("entity model trained", "model", m.ID, "name", m.Name, "bytes", size, "f1", ev.Overall.F1)
	return trainResult(latest), nil
}

// readSpans reads one span file of the release; a missing dev or test
// file is an empty split.
func (s *Service) readSpans(ctx context.Context, releaseID int64, name string, required bool) ([]pseudo.Document, error) {
	obj, err := s.releases.OpenStoredFile(ctx, releaseID, name)
	if errors.Is(err, release.ErrFileNotFound) {
		if required {
			return nil, jobs.Permanent(fmt.Errorf("the release has no %s", name))
		}
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", name, err)
	}
	defer obj.Close()
	docs, err := pseudo.ReadJSONL(bufio.NewReaderSize(obj, 1<<16))
	if errors.Is(err, pseudo.ErrCorpusFormat) {
		return nil, jobs.Permanent(fmt.Errorf("%s: %w", name, err))
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	return docs, nil
}

// trainModel trains on train (with dev for early stopping) and scores the
// whole engine with the new model on test, or on dev without a test split.
func trainModel(ctx context.Context, train, dev, test []pseudo.Document, params TrainParams, p *jobs.Progress) (*pseudo.Model, pseudo.Report, pseudo.Evaluation, error) {
	if len(train) == 0 {
		return nil, pseudo.Report{}, pseudo.Evaluation{}, jobs.Permanent(fmt.Errorf("%s holds no document", TrainFile))
	}
	if p != nil {
		p.Stage(ctx, "train", 100)
	}
	opts := pseudo.TrainOptions{Epochs: params.Epochs, Dev: dev, NoSynthetic: !params.Synthetic}
	model, rep, err := pseudo.Train(ctx, []pseudo.TrainingSource{{Name: TrainFile, Documents: train}}, opts, func(tp pseudo.TrainProgress) {
		if p != nil {
			p.Set(ctx, int64(tp.Fraction*100))
		}
	})
	if errors.Is(err, pseudo.ErrNoTrainingData) {
		return nil, pseudo.Report{}, pseudo.Evaluation{}, jobs.Permanent(err)
	}
	if err != nil {
		return nil, pseudo.Report{}, pseudo.Evaluation{}, err
	}
	eval := test
	if len(eval) == 0 {
		eval = dev
	}
	if p != nil {
		p.Stage(ctx, "evaluate", int64(len(eval)))
	}
	det, err := pseudo.NewDetector(model, pseudo.DetectorOptions{})
	if err != nil {
		return nil, pseudo.Report{}, pseudo.Evaluation{}, err
	}
	ev, err := pseudo.Evaluate(ctx, det, eval)
	if err != nil {
		return nil, pseudo.Report{}, pseudo.Evaluation{}, err
	}
	if p != nil {
		p.Set(ctx, int64(len(eval)))
	}
	return model, rep, ev, nil
}

// storeModel saves the model into the blob store under its SHA-256.
func (s *Service) storeModel(ctx context.Context, model *pseudo.Model) (string, int64, error) {
	return blob.PutWritten(ctx, s.blobs, s.stagingDir, func(w io.Writer) error { return model.Save(w) })
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
