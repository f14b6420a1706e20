package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/lab-ia/piaf/backend/internal/release"
)

// runRelease is the operators' release tool: build a release in this
// process (scripts, benchmarks), list a campaign's releases, collect blobs
// no release uses any more.
func runRelease(ctx context.Context, env *cliEnv, args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(env.stderr, "piaf release: expected build, list or gc (run 'piaf release -h')")
		return 2
	}
	switch args[0] {
	case "-h", "--help", "help":
		fmt.Fprintln(env.stdout, `usage:
  piaf release build --campaign ID --version X.Y.Z --title TITLE [--changelog TEXT] [--visibility public|restricted] [--seed N] [--publish]
        builds a release of the campaign's accepted annotations here and now (the web interface runs the same build as a job)
  piaf release list --campaign ID
  piaf release gc [--grace 24h]
        deletes stored files that no release uses any more and that are older than the grace period`)
		return 0
	case "build":
		return releaseBuild(ctx, env, args[1:])
	case "list":
		return releaseList(ctx, env, args[1:])
	case "gc":
		return releaseGC(ctx, env, args[1:])
	}
	fmt.Fprintf(env.stderr, "piaf release: unknown subcommand %q (build, list, gc)\n", args[0])
	return 2
}

func releaseBuild(ctx context.Context, env *cliEnv, args []string) int {
	fs := newFlagSet(env, "release build", "--campaign ID --version X.Y.Z --title TITLE [--changelog TEXT] [--visibility public|restricted] [--seed N] [--publish]")
	campaign := fs.Int64("campaign", 0, "campaign id (required)")
	version := fs.String("version", "", "semantic version (required)")
	title := fs.String("title", "", "title (required)")
	changelog := fs.String("changelog", "", "what changed since the previous version")
	visibility := fs.String("visibility", "public", "public or restricted")
	seed := fs.Int64("seed", 0, "seed of the split of new documents (default: the campaign id)")
	publish := fs.Bool("publish", false, "publish at once")
	if code, ok := parseFlags(env, fs, args); !ok {
		return code
	}
	if *campaign <= 0 || *version == "" || *title == "" || fs.NArg() != 0 {
		fmt.Fprintln(env.stderr, "piaf release build: --campaign, --version and --title are required")
		return 2
	}
	a, ok := openApp(ctx, env, "release build")
	if !ok {
		return 1
	}
	defer a.Close()
	in := release.CreateInput{Version: *version, Title: *title, Changelog: *changelog, Visibility: release.Visibility(*visibility)}
	if *seed != 0 {
		in.Seed = seed
	}
	start := time.Now()
	r, err := a.Releases.BuildNow(ctx, *campaign, in, *publish, &cliProgress{w: env.stderr})
	fmt.Fprintln(env.stderr)
	if err != nil {
		fmt.Fprintf(env.stderr, "piaf release build: %s (no release was made)\n", describeErr(err))
		return 1
	}
	c := r.DecodedCounts()
	fmt.Fprintf(env.stdout, "release %s (%s) in %s: %d documents, %d questions (train %d, dev %d, test %d)\n", r.Version, r.Status,
		time.Since(start).Round(time.Millisecond), c.Total.Documents, c.Total.Questions, c.Splits["train"].Questions, c.Splits["dev"].Questions, c.Splits["test"].Questions)
	return 0
}

func releaseList(ctx context.Context, env *cliEnv, args []string) int {
	fs := newFlagSet(env, "release list", "--campaign ID")
	campaign := fs.Int64("campaign", 0, "campaign id (required)")
	if code, ok := parseFlags(env, fs, args); !ok {
		return code
	}
	if *campaign <= 0 || fs.NArg() != 0 {
		fmt.Fprintln(env.stderr, "piaf release list: --campaign ID is required")
		return 2
	}
	a, ok := openApp(ctx, env, "release list")
	if !ok {
		return 1
	}
	defer a.Close()
	rs, err := a.Releases.ListAll(ctx, *campaign)
	if err != nil {
		fmt.Fprintf(env.stderr, "piaf release list: %s\n", describeErr(err))
		return 1
	}
	tw := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tSTATUS\tVISIBILITY\tQUESTIONS\tTITLE")
	for _, r := range rs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", r.Version, r.Status, r.Visibility, r.DecodedCounts().Total.Questions, r.Title)
	}
	_ = tw.Flush()
	return 0
}

func releaseGC(ctx context.Context, env *cliEnv, args []string) int {
	fs := newFlagSet(env, "release gc", "[--grace 24h]")
	grace := fs.Duration("grace", release.DefaultGCGrace, "keep unused files younger than this (a build stores files before recording them)")
	if code, ok := parseFlags(env, fs, args); !ok {
		return code
	}
	a, ok := openApp(ctx, env, "release gc")
	if !ok {
		return 1
	}
	defer a.Close()
	n, freed := a.Releases.CollectGarbage(ctx, *grace)
	fmt.Fprintf(env.stdout, "%d unused files deleted, %d bytes freed\n", n, freed)
	return 0
}
