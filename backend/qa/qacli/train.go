package qacli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/lab-ia/piaf/backend/qa"
	"github.com/lab-ia/piaf/backend/qa/squad"
)

func runTrain(ctx context.Context, e env, args []string) int {
	fs := newFlagSet(e, "train")
	trainPath := fs.String("train", "", "training data, SQuAD v1.1 JSON (required)")
	devPath := fs.String("dev", "", "dev data for choosing the epoch, SQuAD v1.1 JSON")
	out := fs.String("out", "", "model file to write (required)")
	devFraction := fs.Float64("dev-fraction", 0, "without --dev: hold out this fraction of the --train articles as dev (split by article)")
	splitSeed := fs.Uint64("split-seed", 1, "seed of the by-article split")
	def := qa.DefaultTrainOptions()
	epochs := fs.Int("epochs", def.Epochs, "training epochs")
	seed := fs.Uint64("seed", def.Seed, "training seed")
	without := fs.String("without", "", "comma-separated feature groups to leave out (ablation); default groups: "+qa.DefaultFeatures.String())
	with := fs.String("with", "", "comma-separated feature groups to add to the default ones; all groups: "+qa.AllFeatures.String())
	quiet := fs.Bool("quiet", false, "no progress on stderr")
	if ok, code := parseFlags(e, fs, args); !ok {
		return code
	}
	if *trainPath == "" || *out == "" {
		return usageError(e, fs, "--train and --out are required")
	}
	if fs.NArg() > 0 {
		return usageError(e, fs, "unexpected argument %q", fs.Arg(0))
	}
	if *devFraction < 0 || *devFraction >= 1 {
		return usageError(e, fs, "--dev-fraction must be in [0, 1)")
	}
	opts := def
	opts.Epochs, opts.Seed = *epochs, *seed
	for _, change := range []struct {
		list string
		add  bool
	}{{*with, true}, {*without, false}} {
		if change.list == "" {
			continue
		}
		for _, name := range strings.Split(change.list, ",") {
			g, ok := qa.ParseFeatureGroup(strings.TrimSpace(name))
			if !ok {
				return usageError(e, fs, "unknown feature group %q (groups: %s)", name, qa.AllFeatures)
			}
			if change.add {
				opts.Features |= g
			} else {
				opts.Features &^= g
			}
		}
	}
	if opts.Features == 0 {
		return usageError(e, fs, "--without leaves no feature")
	}
	trainSet, err := squad.ReadFile(*trainPath)
	if err != nil {
		return fail(e, fs, err)
	}
	var devSet *squad.Dataset
	switch {
	case *devPath != "":
		if devSet, err = squad.ReadFile(*devPath); err != nil {
			return fail(e, fs, err)
		}
	case *devFraction > 0:
		trainSet, devSet = qa.SplitByArticle(trainSet, *devFraction, *splitSeed)
	}
	train := qa.ExamplesFromDataset(trainSet)
	var dev []qa.Example
	if devSet != nil {
		dev = qa.ExamplesFromDataset(devSet)
	}
	if !*quiet {
		fmt.Fprintf(e.stderr, "training on %d questions (%d articles), dev %d questions, features %s\n", len(train), len(trainSet.Data), len(dev), opts.Features)
	}
	progress := newProgressPrinter(e, *quiet)
	model, report, err := qa.Train(ctx, train, dev, opts, progress)
	if err != nil {
		return fail(e, fs, err)
	}
	if err := saveModel(model, *out); err != nil {
		return fail(e, fs, err)
	}
	if !*quiet {
		fmt.Fprintf(e.stderr, "kept epoch %d; trained in %s; model written to %s\n", report.BestEpoch, report.Duration.Round(time.Second), *out)
	}
	return exitOK
}

// saveModel writes the model next to its destination and renames it into
// place, so that a crash never leaves half a model file behind.
func saveModel(m *qa.Model, path string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := m.Save(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// newProgressPrinter prints training progress on stderr, at most twice a
// second, plus every end of epoch.
func newProgressPrinter(e env, quiet bool) func(qa.TrainProgress) {
	var last time.Time
	return func(p qa.TrainProgress) {
		if quiet {
			return
		}
		switch p.Stage {
		case qa.StageEvaluate:
			line := fmt.Sprintf("epoch %d/%d loss %.3f", p.Epoch, p.Epochs, p.Loss)
			if p.Dev != nil {
				line += fmt.Sprintf(" dev EM %.2f F1 %.2f (French: EM %.2f F1 %.2f)", p.Dev.ExactMatch, p.Dev.F1, p.Dev.ExactMatchFr, p.Dev.F1Fr)
			}
			fmt.Fprintln(e.stderr, line)
		case qa.StageTrain:
			if time.Since(last) < 2*time.Second {
				return
			}
			last = time.Now()
			fmt.Fprintf(e.stderr, "epoch %d/%d %d/%d questions, loss %.3f\n", p.Epoch, p.Epochs, p.Done, p.Total, p.Loss)
		case qa.StagePrepare, qa.StageVectors:
			if p.Done == 0 {
				fmt.Fprintf(e.stderr, "%s…\n", p.Stage)
			}
		}
	}
}
