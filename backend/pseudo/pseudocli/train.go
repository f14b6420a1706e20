package pseudocli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/lab-ia/piaf/backend/pseudo"
)

func runTrain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("train", "--train FILE[,FILE...] [--dev FILE] --out MODEL", stdout)
	trainFiles := fs.String("train", "", "training corpora, comma-separated: CoNLL (token TAG, blank line between sentences) or JSONL; FILE@WEIGHT scales a corpus (e.g. news.bio@0.5)")
	dev := fs.String("dev", "", "development corpus: keeps the best epoch and calibrates scores")
	out := fs.String("out", "", "where to write the model")
	epochs := fs.Int("epochs", 12, "passes over the training data")
	seed := fs.Uint64("seed", 1, "shuffling seed (training is deterministic for a seed)")
	noCopies := fs.Bool("no-source-copies", false, "share all weights between corpora instead of per-corpus feature copies")
	synthetic := fs.Int("synthetic", pseudo.DefaultSyntheticDocs, "generated modern documents added to the training data (signatures, attendee lists, headings...); 0 for none")
	quiet := fs.Bool("quiet", false, "no progress on stderr")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *trainFiles == "" {
		return usagef("--train is required")
	}
	if *out == "" {
		return usagef("--out is required")
	}
	if *epochs < 1 || *epochs > 1000 {
		return usagef("--epochs must be between 1 and 1000")
	}
	var sources []pseudo.TrainingSource
	for _, spec := range strings.Split(*trainFiles, ",") {
		spec = strings.TrimSpace(spec)
		if spec == "" {
			continue
		}
		path, weight := spec, 1.0
		if i := strings.LastIndex(spec, "@"); i > 0 {
			w, err := strconv.ParseFloat(spec[i+1:], 64)
			if err != nil || w <= 0 {
				return usagef("bad corpus weight in %q", spec)
			}
			path, weight = spec[:i], w
		}
		s, err := pseudo.ReadCorpusFile(path)
		if err != nil {
			return err
		}
		s.Weight = weight
		sources = append(sources, s)
	}
	if *synthetic < 0 {
		return usagef("--synthetic must be 0 or more")
	}
	opts := pseudo.TrainOptions{Epochs: *epochs, Seed: *seed, NoSourceCopies: *noCopies, NoSynthetic: *synthetic == 0, SyntheticDocs: *synthetic}
	if *dev != "" {
		d, err := pseudo.ReadCorpusFile(*dev)
		if err != nil {
			return err
		}
		opts.Dev = d.Documents
	}
	start := time.Now()
	progress := func(p pseudo.TrainProgress) {
		if *quiet {
			return
		}
		switch p.Stage {
		case "epoch":
			dev := ""
			if p.DevF1 >= 0 {
				dev = fmt.Sprintf(", dev F1 %.4f", p.DevF1)
			}
			fmt.Fprintf(stderr, "epoch %d/%d: %d sequences wrong%s (%s)\n", p.Epoch, p.Epochs, p.Mistakes, dev, time.Since(start).Round(time.Second))
		case "features", "calibrating":
			fmt.Fprintf(stderr, "%s (%s)\n", p.Stage, time.Since(start).Round(time.Second))
		}
	}
	m, rep, err := pseudo.Train(ctx, sources, opts, progress)
	if err != nil {
		return err
	}
	if err := m.SaveFile(*out); err != nil {
		return err
	}
	if !*quiet {
		fmt.Fprintf(stderr, "model written to %s: %d features, %d tokens, best epoch %d, %s\n", *out, rep.Features, rep.Tokens, rep.BestEpoch, rep.Duration.Round(time.Second))
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}
