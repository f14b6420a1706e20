package qacli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/lab-ia/piaf/backend/qa"
	"github.com/lab-ia/piaf/backend/qa/squad"
)

// evalFlags are the flags predict and eval share.
type evalFlags struct {
	model    *string
	data     *string
	open     *bool
	topK     *int
	corpus   stringList
	baseline *bool
}

func addEvalFlags(fs *flag.FlagSet) *evalFlags {
	f := &evalFlags{
		model:    fs.String("model", "", "model file (required unless --baseline)"),
		data:     fs.String("data", "", "questions, SQuAD v1.1 JSON (required)"),
		open:     fs.Bool("open", false, "ignore the gold paragraphs: index every paragraph of --data and --corpus and answer from the retrieved passages"),
		topK:     fs.Int("top-k", 5, "with --open: number of retrieved passages the reader reads"),
		baseline: fs.Bool("baseline", false, "use the sliding-window baseline of the SQuAD paper instead of a model"),
	}
	fs.Var(&f.corpus, "corpus", "with --open: more passages to index (SQuAD JSON, .zip of .txt, .txt); repeatable")
	return f
}

// setup validates the flags and loads the reader and the examples; for
// open mode it also builds a temporary index and returns its cleanup.
func (f *evalFlags) setup(ctx context.Context, e env, fs *flag.FlagSet) (r qa.Reader, examples []qa.Example, engine *qa.Engine, cleanup func(), code int) {
	cleanup = func() {}
	if *f.data == "" || (*f.model == "" && !*f.baseline) {
		return nil, nil, nil, cleanup, usageError(e, fs, "--data and --model (or --baseline) are required")
	}
	if fs.NArg() > 0 {
		return nil, nil, nil, cleanup, usageError(e, fs, "unexpected argument %q", fs.Arg(0))
	}
	if *f.topK <= 0 {
		return nil, nil, nil, cleanup, usageError(e, fs, "--top-k must be positive")
	}
	if len(f.corpus) > 0 && !*f.open {
		return nil, nil, nil, cleanup, usageError(e, fs, "--corpus needs --open")
	}
	if *f.baseline {
		r = qa.SlidingWindow{}
	} else {
		m, err := loadModel(*f.model)
		if err != nil {
			return nil, nil, nil, cleanup, fail(e, fs, err)
		}
		r = m
	}
	d, err := squad.ReadFile(*f.data)
	if err != nil {
		return nil, nil, nil, cleanup, fail(e, fs, err)
	}
	examples = qa.ExamplesFromDataset(d)
	if !*f.open {
		return r, examples, nil, cleanup, exitOK
	}
	passages := qa.PassagesFromDataset(d, "")
	more, err := loadCorpora(f.corpus)
	if err != nil {
		return nil, nil, nil, cleanup, fail(e, fs, err)
	}
	passages = appendNewTexts(passages, more)
	dir, err := os.MkdirTemp("", "piaf-qa-index-")
	if err != nil {
		return nil, nil, nil, cleanup, fail(e, fs, err)
	}
	cleanup = func() { os.RemoveAll(dir) }
	ix, err := qa.BuildIndex(ctx, dir+"/index", passages, nil)
	if err != nil {
		return nil, nil, nil, cleanup, fail(e, fs, err)
	}
	prev := cleanup
	cleanup = func() { ix.Close(); prev() }
	return r, examples, qa.NewEngine(ix, r, qa.EngineOptions{Passages: *f.topK}), cleanup, exitOK
}

func runPredict(ctx context.Context, e env, args []string) int {
	fs := newFlagSet(e, "predict")
	f := addEvalFlags(fs)
	if ok, code := parseFlags(e, fs, args); !ok {
		return code
	}
	r, examples, engine, cleanup, code := f.setup(ctx, e, fs)
	defer cleanup()
	if code != exitOK {
		return code
	}
	var preds squad.Predictions
	var err error
	if engine != nil {
		_, preds, err = qa.EvaluateOpen(ctx, engine, examples, 0)
	} else {
		preds, err = qa.Predict(ctx, r, examples, 0)
	}
	if err != nil {
		return fail(e, fs, err)
	}
	if err := squad.WritePredictions(e.stdout, preds); err != nil {
		return fail(e, fs, err)
	}
	return exitOK
}

func runEval(ctx context.Context, e env, args []string) int {
	fs := newFlagSet(e, "eval")
	f := addEvalFlags(fs)
	if ok, code := parseFlags(e, fs, args); !ok {
		return code
	}
	r, examples, engine, cleanup, code := f.setup(ctx, e, fs)
	defer cleanup()
	if code != exitOK {
		return code
	}
	var out any
	if engine != nil {
		sum, _, err := qa.EvaluateOpen(ctx, engine, examples, 0)
		if err != nil {
			return fail(e, fs, err)
		}
		out = sum
	} else {
		sum, _, err := qa.Evaluate(ctx, r, examples, 0)
		if err != nil {
			return fail(e, fs, err)
		}
		out = sum
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fail(e, fs, err)
	}
	return exitOK
}

func runInfo(ctx context.Context, e env, args []string) int {
	fs := newFlagSet(e, "info")
	model := fs.String("model", "", "model file (required)")
	if ok, code := parseFlags(e, fs, args); !ok {
		return code
	}
	if *model == "" {
		return usageError(e, fs, "--model is required")
	}
	m, err := loadModel(*model)
	if err != nil {
		return fail(e, fs, err)
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m.Info()); err != nil {
		return fail(e, fs, fmt.Errorf("encode: %w", err))
	}
	return exitOK
}

// appendNewTexts appends the passages whose text is not already there: a
// corpus that contains the evaluated file (the whole training file around
// its dev part) must not index the gold paragraphs twice under other IDs.
func appendNewTexts(passages, more []qa.Passage) []qa.Passage {
	seen := make(map[string]bool, len(passages))
	for _, p := range passages {
		seen[p.Text] = true
	}
	for _, p := range more {
		if !seen[p.Text] {
			seen[p.Text] = true
			passages = append(passages, p)
		}
	}
	return passages
}
