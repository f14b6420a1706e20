package pseudocli

import (
	"context"
	"encoding/json"
	"io"

	"github.com/lab-ia/piaf/backend/pseudo"
)

func runEval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("eval", "--model MODEL --data FILE", stdout)
	model := fs.String("model", "", "model file (empty: rules and gazetteers only)")
	data := fs.String("data", "", "gold corpus, CoNLL or JSONL (spans normalised: titles out of PER, articles out of LOC)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *data == "" {
		return usagef("--data is required")
	}
	det, err := loadDetector(*model)
	if err != nil {
		return err
	}
	src, err := pseudo.ReadCorpusFile(*data)
	if err != nil {
		return err
	}
	ev, err := pseudo.Evaluate(ctx, det, src.Documents)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(ev)
}
