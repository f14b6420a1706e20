package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/lab-ia/piaf/backend/internal/dataio"
)

// runImport imports a file into a campaign synchronously, with progress on
// stderr (the same importer as the web upload's job).
func runImport(ctx context.Context, env *cliEnv, args []string) int {
	fs := newFlagSet(env, "import", "--campaign ID [--format squad|jsonl|csv|text|markdown] [--pre-accept] [--min-length N] [--max-length N] FILE")
	campaign := fs.Int64("campaign", 0, "campaign id (required)")
	format := fs.String("format", "", "file format (default: from the file name)")
	preAccept := fs.Bool("pre-accept", false, "mark imported questions and answers accepted")
	minLen := fs.Int("min-length", 0, "shortest paragraph kept, in characters (default 80)")
	maxLen := fs.Int("max-length", 0, "longer paragraphs are cut at sentence ends (default 2000)")
	if code, ok := parseFlags(env, fs, args); !ok {
		return code
	}
	if *campaign <= 0 || fs.NArg() != 1 {
		fmt.Fprintln(env.stderr, "piaf import: --campaign ID and one FILE are required")
		return 2
	}
	path := fs.Arg(0)
	f := dataio.Format(*format)
	if f == "" {
		var err error
		if f, err = dataio.DetectFormat(path); err != nil {
			fmt.Fprintf(env.stderr, "piaf import: %s\n", describeErr(err))
			return 2
		}
	}
	file, err := os.Open(path)
	if err != nil {
		fmt.Fprintf(env.stderr, "piaf import: %v\n", err)
		return 1
	}
	defer file.Close()
	st, _ := file.Stat()
	a, ok := openApp(ctx, env, "import")
	if !ok {
		return 1
	}
	defer a.Close()
	rep, err := a.Importer.Import(ctx, *campaign, file, st.Size(), dataio.Options{Format: f, Filename: path, PreAccept: *preAccept,
		Split: dataio.SplitOptions{MinLength: *minLen, MaxLength: *maxLen}}, func(done, total int64) {
		if total > 0 {
			fmt.Fprintf(env.stderr, "\rimport: %3d %% (%d / %d bytes)", done*100/total, done, total)
		}
	})
	fmt.Fprintln(env.stderr)
	if err != nil {
		fmt.Fprintf(env.stderr, "piaf import: %s (nothing was imported)\n", describeErr(err))
		return 1
	}
	out, _ := json.MarshalIndent(rep, "", "  ")
	fmt.Fprintln(env.stdout, string(out))
	return 0
}

// runExport writes a campaign as SQuAD JSON.
func runExport(ctx context.Context, env *cliEnv, args []string) int {
	fs := newFlagSet(env, "export", "--campaign ID [--states accepted,submitted] [--out FILE]")
	campaign := fs.Int64("campaign", 0, "campaign id (required)")
	states := fs.String("states", "accepted", "question states to export, comma-separated")
	out := fs.String("out", "", "output file (default: standard output)")
	if code, ok := parseFlags(env, fs, args); !ok {
		return code
	}
	if *campaign <= 0 || fs.NArg() != 0 {
		fmt.Fprintln(env.stderr, "piaf export: --campaign ID is required")
		return 2
	}
	a, ok := openApp(ctx, env, "export")
	if !ok {
		return 1
	}
	defer a.Close()
	w := env.stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			fmt.Fprintf(env.stderr, "piaf export: %v\n", err)
			return 1
		}
		defer f.Close()
		w = f
	}
	counts, err := a.Exporter.SQuAD(ctx, w, *campaign, dataio.ExportOptions{States: strings.Split(*states, ",")})
	if err != nil {
		fmt.Fprintf(env.stderr, "piaf export: %s\n", describeErr(err))
		return 1
	}
	fmt.Fprintf(env.stderr, "exported %d articles, %d paragraphs, %d questions, %d answers\n", counts.Articles, counts.Paragraphs, counts.Questions, counts.Answers)
	return 0
}
