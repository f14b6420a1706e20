package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/lab-ia/piaf/backend/internal/config"
)

// command is one `piaf <name>` subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *cliEnv, args []string) int
}

// cliEnv carries the process's streams and environment to subcommands, so
// that tests can run them in-process.
type cliEnv struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	environ        []string
}

func commands() []command {
	return []command{
		{"serve", "run the web server (API and interface)", runServe},
		{"migrate", "apply (up) or list (status) database migrations", runMigrate},
		{"user", "create accounts, grant roles, revoke sessions (operators)", runUser},
		{"import", "import a corpus (SQuAD, JSONL, CSV, text, Markdown) into a campaign", runImport},
		{"export", "export a campaign's annotations as SQuAD JSON", runExport},
		{"release", "build, list and clean up dataset releases", runRelease},
		{"backup", "copy the embedded database while the server runs (PostgreSQL: pg_dump)", runBackup},
		{"qa", "question answering: train, predict, eval, ask", runQA},
		{"pseudo", "pseudonymisation: train, detect, run, eval", runPseudo},
		{"healthcheck", "exit 0 when the local server is ready (for containers)", runHealthcheck},
		{"openapi", "print the OpenAPI document of the API", runOpenAPI},
		{"version", "print the version", runVersion},
	}
}

// run is the whole program: it returns the exit status instead of exiting,
// so tests call it directly.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return dispatch(ctx, &cliEnv{stdin: stdin, stdout: stdout, stderr: stderr, environ: os.Environ()}, args)
}

// dispatch runs the subcommand named by args[0].
func dispatch(ctx context.Context, env *cliEnv, args []string) int {
	stdout, stderr := env.stdout, env.stderr
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, env, args[1:])
		}
	}
	fmt.Fprintf(stderr, "piaf: unknown command %q (run 'piaf help')\n", args[0])
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "PIAF — Pour une IA francophone\n\nUsage: piaf <command> [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'piaf <command> -h' for a command's flags. Settings come from PIAF_* environment variables (see README.md).")
}

// flagSet is a subcommand's flags: errors are reported in one line, and the
// full usage only on -h.
type flagSet struct {
	*flag.FlagSet
	env       *cliEnv
	usageLine string
}

func newFlagSet(env *cliEnv, name, usageLine string) *flagSet {
	fs := flag.NewFlagSet("piaf "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &flagSet{FlagSet: fs, env: env, usageLine: usageLine}
}

// parseFlags parses args; on error it prints a one-line reason and returns
// the exit status to use (0 for -h, 2 otherwise) with ok false.
func parseFlags(env *cliEnv, fs *flagSet, args []string) (code int, ok bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(env.stdout, "usage: %s %s\n", fs.Name(), fs.usageLine)
			fs.SetOutput(env.stdout)
			fs.PrintDefaults()
			fs.SetOutput(io.Discard)
			return 0, false
		}
		fmt.Fprintf(env.stderr, "%s: %v (run '%s -h')\n", fs.Name(), err, fs.Name())
		return 2, false
	}
	return 0, true
}

// loadConfig reads and validates the configuration, printing a one-line
// reason on failure.
func loadConfig(env *cliEnv, name string) (config.Config, bool) {
	cfg, err := config.LoadFrom(env.environ)
	if err != nil {
		fmt.Fprintf(env.stderr, "piaf %s: configuration: %v\n", name, err)
		return cfg, false
	}
	return cfg, true
}

// newLogger writes JSON in production and readable text in development.
func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	level, _ := cfg.SlogLevel()
	opts := &slog.HandlerOptions{Level: level}
	if cfg.JSONLogs() {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// oneLine flattens an error for a single-line message.
func oneLine(err error) string {
	return strings.ReplaceAll(err.Error(), "\n", " ")
}
