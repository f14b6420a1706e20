package qacli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/lab-ia/piaf/backend/frtext"
	"github.com/lab-ia/piaf/backend/qa"
)

func runAsk(ctx context.Context, e env, args []string) int {
	fs := newFlagSet(e, "ask")
	model := fs.String("model", "", "model file (required)")
	var corpus stringList
	fs.Var(&corpus, "corpus", "passages to search (SQuAD JSON, .zip of .txt, .txt); repeatable; extra file arguments before the question are corpus files too")
	indexDir := fs.String("index", "", "keep the index in this directory and reuse it while the corpus is unchanged")
	answers := fs.Int("answers", 3, "number of answers to print")
	topK := fs.Int("top-k", 5, "number of retrieved passages the reader reads")
	asJSON := fs.Bool("json", false, "print the answers as JSON")
	if ok, code := parseFlags(e, fs, args); !ok {
		return code
	}
	rest := fs.Args()
	if len(rest) == 0 {
		return usageError(e, fs, "missing the question")
	}
	question := rest[len(rest)-1]
	corpus = append(corpus, rest[:len(rest)-1]...)
	if *model == "" || len(corpus) == 0 {
		return usageError(e, fs, "--model and --corpus are required")
	}
	if *answers <= 0 || *topK <= 0 {
		return usageError(e, fs, "--answers and --top-k must be positive")
	}
	if err := qa.CheckQuestion(question); err != nil {
		return fail(e, fs, err)
	}
	m, err := loadModel(*model)
	if err != nil {
		return fail(e, fs, err)
	}
	passages, err := loadCorpora(corpus)
	if err != nil {
		return fail(e, fs, err)
	}
	ix, cleanup, err := openOrBuildIndex(ctx, *indexDir, passages)
	if err != nil {
		return fail(e, fs, err)
	}
	defer cleanup()
	found, err := qa.NewEngine(ix, m, qa.EngineOptions{Passages: *topK}).Ask(ctx, question, *answers)
	if err != nil {
		return fail(e, fs, err)
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(found); err != nil {
			return fail(e, fs, err)
		}
		return exitOK
	}
	if len(found) == 0 {
		fmt.Fprintln(e.stdout, "no answer found")
	}
	for i, a := range found {
		fmt.Fprintf(e.stdout, "%d. %s  (score %.2f)\n", i+1, a.Text, a.Score)
		src := a.Title + " [" + a.PassageID + "]"
		if a.SourceURL != "" {
			src += " " + a.SourceURL
		}
		fmt.Fprintf(e.stdout, "   %s\n   %s\n\n", src, highlight(a.Passage, a.Start, a.End))
	}
	return exitOK
}

// highlight shows the answer in its passage between [[ ]], on one line.
func highlight(passage string, start, end int) string {
	s := frtext.Slice(passage, 0, start) + "[[" + frtext.Slice(passage, start, end) + "]]" + frtext.Slice(passage, end, 1<<30)
	return strings.Join(strings.Fields(s), " ")
}

// openOrBuildIndex opens the index in dir when it holds exactly these
// passages, rebuilds it otherwise; without dir it builds a temporary one.
func openOrBuildIndex(ctx context.Context, dir string, passages []qa.Passage) (*qa.Index, func(), error) {
	if dir == "" {
		tmp, err := os.MkdirTemp("", "piaf-qa-index-")
		if err != nil {
			return nil, nil, err
		}
		ix, err := qa.BuildIndex(ctx, filepath.Join(tmp, "index"), passages, nil)
		if err != nil {
			os.RemoveAll(tmp)
			return nil, nil, err
		}
		return ix, func() { ix.Close(); os.RemoveAll(tmp) }, nil
	}
	if ix, err := qa.OpenIndex(dir); err == nil {
		if ix.Info().Fingerprint == qa.PassagesFingerprint(passages) {
			return ix, func() { ix.Close() }, nil
		}
		ix.Close()
	}
	ix, err := qa.BuildIndex(ctx, dir, passages, nil)
	if err != nil {
		return nil, nil, err
	}
	return ix, func() { ix.Close() }, nil
}
