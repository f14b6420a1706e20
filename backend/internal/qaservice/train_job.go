package qaservice

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
	"github.com/lab-ia/piaf/backend/qa"
	"github.com/lab-ia/piaf/backend/qa/squad"
)

// TrainJobKind is the kind of reader training jobs.
const TrainJobKind = "qa.train"

// TrainParams are a training job's parameters.
type TrainParams struct {
	ModelID  int64 `json:"model_id"`
	Epochs   int   `json:"epochs,omitempty"`
	MaxTrain int   `json:"max_train,omitempty"`
}

// TrainResult is what a finished training job reports.
type TrainResult struct {
	ModelID int64   `json:"model_id"`
	Name    string  `json:"name"`
	TestF1  float64 `json:"test_f1"`
}

// TrainJob trains registered readers in the background. A retried attempt
// starts over (the model file is content-addressed); a failure or a
// cancellation marks the model failed, with the reason.
type TrainJob struct {
	Service *Service
}

// Kind names the job.
func (TrainJob) Kind() string { return TrainJobKind }

// Timeout bounds one attempt: PIAF's 3,800 training questions train in
// minutes; the margin covers larger releases.
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
	m, err := s.store.model(ctx, params.ModelID)
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
			_ = s.store.updateModel(context.WithoutCancel(ctx), m.ID, map[string]any{"error": truncate(err.Error(), 2000)})
		}
		return nil, err
	}
	return res, nil
}

// Finished marks the model of a training that failed or was cancelled as
// failed, so that it is visible, with its reason, and never chosen.
func (j TrainJob) Finished(ctx context.Context, job *jobs.Job, state jobs.State) {
	if state == jobs.StateSucceeded {
		return
	}
	var params TrainParams
	if err := job.DecodeParams(&params); err != nil {
		return
	}
	s := j.Service
	m, err := s.store.model(ctx, params.ModelID)
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
	if _, err := s.store.finishTraining(ctx, m.ID, map[string]any{"status": StatusFailed, "error": msg}); err != nil {
		s.log.Error("a failed training could not be recorded", "model", m.ID, "err", err)
	}
}

func trainResult(m *Model) TrainResult {
	r := TrainResult{ModelID: m.ID, Name: m.Name}
	if v := m.view(nil); v.Metrics != nil && v.Metrics.Test != nil {
		r.TestF1 = v.Metrics.Test.F1
	}
	return r
}

// train reads the release's SQuAD files, trains on train with dev for the
// choice of the epoch (the learning curve is stored epoch by epoch),
// scores the reader on test, stores it and marks it ready.
func (s *Service) train(ctx context.Context, m *Model, params TrainParams, p *jobs.Progress) (TrainResult, error) {
	if m.ReleaseID == nil {
		return TrainResult{}, jobs.Permanent(errors.New("the release this model was to be trained from was deleted"))
	}
	p.Stage(ctx, "read", 3)
	var splits [3][]qa.Example
	for i, name := range []string{TrainFile, DevFile, TestFile} {
		ex, err := s.readSplit(ctx, *m.ReleaseID, name, i == 0)
		if err != nil {
			return TrainResult{}, err
		}
		splits[i] = ex
		p.Set(ctx, int64(i+1))
	}
	train, dev, test := splits[0], splits[1], splits[2]
	if params.MaxTrain > 0 && len(train) > params.MaxTrain {
		train = train[:params.MaxTrain]
	}
	opts := qa.DefaultTrainOptions()
	opts.Epochs = params.Epochs
	if opts.Epochs <= 0 {
		opts.Epochs = DefaultEpochs
	}
	var curve []CurvePoint
	stage := ""
	model, rep, err := qa.Train(ctx, train, dev, opts, func(tp qa.TrainProgress) {
		switch tp.Stage {
		case qa.StageTrain:
			if stage != fmt.Sprintf("train-%d", tp.Epoch) {
				// One progress bar per epoch; the message says which.
				stage = fmt.Sprintf("train-%d", tp.Epoch)
				p.Stage(ctx, "train", int64(tp.Total))
				if tp.Epoch == 1 {
					p.Message(ctx, fmt.Sprintf("epoch 1/%d", tp.Epochs))
				}
			}
			p.Set(ctx, int64(tp.Done))
		case qa.StageEvaluate:
			pt := CurvePoint{Epoch: tp.Epoch, Loss: tp.Loss}
			msg := fmt.Sprintf("epoch %d/%d done: loss %.3f", tp.Epoch, tp.Epochs, tp.Loss)
			if tp.Dev != nil {
				f1, em := tp.Dev.F1Fr, tp.Dev.ExactMatchFr
				pt.DevF1, pt.DevEM = &f1, &em
				msg += fmt.Sprintf(", dev F1 %.1f", f1)
			}
			curve = append(curve, pt)
			b, _ := json.Marshal(curve)
			if err := s.store.updateModel(ctx, m.ID, map[string]any{"curve": string(b)}); err != nil {
				s.log.Warn("the learning curve could not be stored", "model", m.ID, "err", err)
			}
			p.Message(ctx, msg)
		case qa.StagePrepare, qa.StageVectors:
			if stage != tp.Stage {
				stage = tp.Stage
				p.Stage(ctx, tp.Stage, 0)
			}
		}
	})
	if errors.Is(err, qa.ErrNoTrainingData) {
		return TrainResult{}, jobs.Permanent(err)
	}
	if err != nil {
		return TrainResult{}, err
	}
	metrics := Metrics{Dev: rep.Dev, BestEpoch: rep.BestEpoch, TrainQuestions: rep.TrainExamples, Unreachable: rep.Unreachable,
		DevQuestions: len(dev), TestQuestions: len(test), Seconds: rep.Duration.Seconds()}
	if len(test) > 0 {
		p.Stage(ctx, "evaluate", int64(len(test)))
		sum, _, err := qa.Evaluate(ctx, model, test, 0)
		if err != nil {
			return TrainResult{}, err
		}
		metrics.Test = &sum
		p.Set(ctx, int64(len(test)))
	}
	p.Stage(ctx, "store", 1)
	key, size, err := s.storeModel(ctx, model)
	if err != nil {
		return TrainResult{}, err
	}
	mb, _ := json.Marshal(metrics)
	curve = curve[:0]
	for _, e := range rep.Epochs {
		pt := CurvePoint{Epoch: e.Epoch, Loss: e.Loss}
		if e.Dev != nil {
			f1, em := e.Dev.F1Fr, e.Dev.ExactMatchFr
			pt.DevF1, pt.DevEM = &f1, &em
		}
		curve = append(curve, pt)
	}
	cb, _ := json.Marshal(curve)
	ok, err := s.store.finishTraining(context.WithoutCancel(ctx), m.ID, map[string]any{"status": StatusReady, "blob_key": key, "size": size,
		"metrics": string(mb), "curve": string(cb), "trained_at": s.now(), "error": ""})
	if err != nil {
		return TrainResult{}, err
	}
	latest, err := s.store.model(context.WithoutCancel(ctx), m.ID)
	if err != nil {
		return TrainResult{}, err
	}
	if !ok && latest.Status != StatusReady {
		return TrainResult{}, jobs.Permanent(errors.New("the model is no longer training (" + string(latest.Status) + ")"))
	}
	p.Set(ctx, 1)
	s.log.Info("qa model trained", "model", m.ID, "name", m.Name, "bytes", size, "questions", len(train))
	return trainResult(latest), nil
}

// readSplit reads one SQuAD file of the release; a missing dev or test
// file is an empty split.
func (s *Service) readSplit(ctx context.Context, releaseID int64, name string, required bool) ([]qa.Example, error) {
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
	d, err := squad.Read(bufio.NewReaderSize(obj, 1<<16))
	if errors.Is(err, squad.ErrFormat) {
		return nil, jobs.Permanent(fmt.Errorf("%s: %w", name, err))
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	return qa.ExamplesFromDataset(d), nil
}

// storeModel saves the model into the blob store under its SHA-256.
func (s *Service) storeModel(ctx context.Context, model *qa.Model) (string, int64, error) {
	return blob.PutWritten(ctx, s.blobs, s.stagingDir, func(w io.Writer) error { return model.Save(w) })
}
