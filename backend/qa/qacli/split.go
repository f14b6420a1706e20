package qacli

import (
	"context"
	"fmt"
	"os"

	"github.com/lab-ia/piaf/backend/qa"
	"github.com/lab-ia/piaf/backend/qa/squad"
)

func runSplit(ctx context.Context, e env, args []string) int {
	fs := newFlagSet(e, "split")
	data := fs.String("data", "", "dataset to split, SQuAD v1.1 JSON (required)")
	fraction := fs.Float64("dev-fraction", 0.2, "fraction of the articles that go to dev")
	seed := fs.Uint64("seed", 1, "split seed")
	trainOut := fs.String("train-out", "", "where to write the train part (required)")
	devOut := fs.String("dev-out", "", "where to write the dev part (required)")
	if ok, code := parseFlags(e, fs, args); !ok {
		return code
	}
	if *data == "" || *trainOut == "" || *devOut == "" {
		return usageError(e, fs, "--data, --train-out and --dev-out are required")
	}
	if *fraction <= 0 || *fraction >= 1 {
		return usageError(e, fs, "--dev-fraction must be in (0, 1)")
	}
	d, err := squad.ReadFile(*data)
	if err != nil {
		return fail(e, fs, err)
	}
	train, dev := qa.SplitByArticle(d, *fraction, *seed)
	for _, part := range []struct {
		path string
		d    *squad.Dataset
	}{{*trainOut, train}, {*devOut, dev}} {
		f, err := os.Create(part.path)
		if err != nil {
			return fail(e, fs, err)
		}
		err = squad.Write(f, part.d)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fail(e, fs, err)
		}
	}
	fmt.Fprintf(e.stderr, "train: %d articles, %d questions; dev: %d articles, %d questions\n",
		len(train.Data), len(qa.ExamplesFromDataset(train)), len(dev.Data), len(qa.ExamplesFromDataset(dev)))
	return exitOK
}
