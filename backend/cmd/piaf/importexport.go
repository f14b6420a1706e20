package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/lab-ia/piaf/backend/internal/dataio"
	"github.com/lab-ia/piaf/backend/internal/release"
)

// runImport imports a file into a campaign synchronously, with progress on
// stderr (the same importer as the web upload's job).
func runImport(ctx context.Context, env *cliEnv, args []string) int {
	fs := newFlagSet(env, "import", "--campaign ID [--format squad|jsonl|csv|text|markdown] [--pre-accept] [--min-length N] [--max-length N] [--release VERSION --title TITLE [--changelog TEXT] [--visibility public|restricted] [--publish]] FILE")
	campaign := fs.Int64("campaign", 0, "campaign id (required)")
	format := fs.String("format", "", "file format (default: from the file name)")
	preAccept := fs.Bool("pre-accept", false, "mark imported questions and answers accepted")
	minLen := fs.Int("min-length", 0, "shortest paragraph kept, in characters (default 80)")
	maxLen := fs.Int("max-length", 0, "longer paragraphs are cut at sentence ends (default 2000)")
	version := fs.String("release", "", "also make the file a release of the campaign with this version (SQuAD files; implies --pre-accept and updates questions already imported to the file's content)")
	title := fs.String("title", "", "the release's title (with --release)")
	changelog := fs.String("changelog", "", "the release's changelog (with --release)")
	visibility := fs.String("visibility", "public", "public or restricted (with --release)")
	publish := fs.Bool("publish", false, "publish the release at once (with --release)")
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
	if *version != "" && f != dataio.FormatSQuAD {
		fmt.Fprintln(env.stderr, "piaf import: --release needs a SQuAD file")
		return 2
	}
	if *version != "" && *title == "" {
		*title = filepath.Base(path)
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
	in := release.CreateInput{Version: *version, Title: *title, Changelog: *changelog, Visibility: release.Visibility(*visibility)}
	if *version != "" {
		if err := a.Releases.CheckNew(ctx, *campaign, &in); err != nil {
			fmt.Fprintf(env.stderr, "piaf import: %s (nothing was imported)\n", describeErr(err))
			return 1
		}
	}
	opts := dataio.Options{Format: f, Filename: path, PreAccept: *preAccept || *version != "", UpdateExisting: *version != "",
		Split: dataio.SplitOptions{MinLength: *minLen, MaxLength: *maxLen}}
	rep, err := a.Importer.Import(ctx, *campaign, file, st.Size(), opts, func(done, total int64) {
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
	if *version == "" {
		return 0
	}
	r, err := a.Releases.ImportFile(ctx, *campaign, path, in, *publish, &cliProgress{w: env.stderr})
	fmt.Fprintln(env.stderr)
	if err != nil {
		fmt.Fprintf(env.stderr, "piaf import: the file was imported, but release %s was not made: %s\n", *version, describeErr(err))
		return 1
	}
	c := r.DecodedCounts()
	fmt.Fprintf(env.stderr, "release %s (%s): %d documents, %d questions (train %d, dev %d, test %d)\n", r.Version, r.Status, c.Total.Documents,
		c.Total.Questions, c.Splits["train"].Questions, c.Splits["dev"].Questions, c.Splits["test"].Questions)
	return 0
}

// cliProgress prints a build's progress on one line.
type cliProgress struct {
	w           io.Writer
	stage       string
	done, total int64
	shown       int64
}

func (p *cliProgress) Stage(_ context.Context, name string, total int64) {
	if p.stage != "" {
		fmt.Fprintln(p.w)
	}
	p.stage, p.done, p.total, p.shown = name, 0, total, -1
	fmt.Fprintf(p.w, "\rrelease: %s", name)
}

func (p *cliProgress) Add(_ context.Context, n int64) {
	p.done += n
	if p.total > 0 && p.done*100/p.total != p.shown {
		p.shown = p.done * 100 / p.total
		fmt.Fprintf(p.w, "\rrelease: %s %3d %%", p.stage, p.shown)
	}
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
