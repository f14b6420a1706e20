package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/lab-ia/piaf/backend/pseudo/internal/devset"
	"github.com/lab-ia/piaf/backend/shareddata"
)

// writeDevset writes the modern dev set as JSONL {"id","text","entities"}:
//
//	go run ./backend/pseudo/internal/gen -devset backend/pseudo/testdata/modern_dev
//
// fictional.jsonl and holdout.jsonl come from the hand-written
// fictional/*.txt and holdout/*.txt ([[text|LABEL]] markup; the holdout
// documents were written apart and never used to tune the engine);
// judilibre.jsonl from judilibre_samples with placeholders filled
// from the INSEE name lists (seeded, so the file is reproducible).
func writeDevset(dir string) error {
	fictional, err := markupDocs(filepath.Join(dir, "fictional"))
	if err != nil {
		return err
	}
	if err := writeJSONL(filepath.Join(dir, "fictional.jsonl"), fictional); err != nil {
		return err
	}
	holdout, err := markupDocs(filepath.Join(dir, "holdout"))
	if err != nil {
		return err
	}
	if err := writeJSONL(filepath.Join(dir, "holdout.jsonl"), holdout); err != nil {
		return err
	}
	names, err := shareddata.Path("names_insee")
	if err != nil {
		return err
	}
	pools, err := devset.LoadNames(names)
	if err != nil {
		return err
	}
	jdir, err := shareddata.Path("judilibre_samples")
	if err != nil {
		return err
	}
	jdocs, err := devset.Judilibre(jdir, pools)
	if err != nil {
		return err
	}
	if err := writeJSONL(filepath.Join(dir, "judilibre.jsonl"), jdocs); err != nil {
		return err
	}
	fmt.Printf("fictional: %d documents, holdout: %d, judilibre: %d\n", len(fictional), len(holdout), len(jdocs))
	return nil
}

// markupDocs parses the *.txt files of a directory, in name order.
func markupDocs(dir string) ([]devset.Doc, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var docs []devset.Doc
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		d, err := devset.ParseMarkup(strings.TrimSuffix(filepath.Base(f), ".txt"), string(b))
		if err != nil {
			return nil, err
		}
		docs = append(docs, d)
	}
	return docs, nil
}

func writeJSONL(path string, docs []devset.Doc) error {
	var b strings.Builder
	for _, d := range docs {
		line, err := json.Marshal(d)
		if err != nil {
			return err
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}
