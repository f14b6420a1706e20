// Package qacli implements the "piaf qa" command line: train, predict, eval,
// ask, split and info. The platform's main calls Run with the arguments after "qa";
// everything else (flags, output formats, exit codes) lives here so that the
// lab's scripts keep working whatever the rest of the CLI becomes.
package qacli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// Exit codes: 0 success, 1 failure while running, 2 bad usage (unknown
// subcommand, bad or missing flags).
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

// env carries the process streams to a subcommand.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e env, args []string) int
}

func commands() []command {
	return []command{
		{"train", "train a reader from SQuAD v1.1 JSON: --train FILE [--dev FILE] --out MODEL", runTrain},
		{"predict", "answer a dataset's questions, print {\"id\": \"answer\"}: --model MODEL --data FILE [--open] [--top-k N]", runPredict},
		{"eval", "score a model on a dataset, print EM/F1 JSON: --model MODEL --data FILE [--open]", runEval},
		{"ask", "answer one question over a corpus: --model MODEL --corpus FILE... \"question\"", runAsk},
		{"split", "split a dataset by article into train and dev files: --data FILE --train-out FILE --dev-out FILE", runSplit},
		{"info", "print a model's header (format, data hash, options, metrics): --model MODEL", runInfo},
	}
}

// Run executes "piaf qa ARGS..." (args exclude "qa") and returns the exit
// code. It writes results to stdout and progress and errors to stderr.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := env{stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	name := args[0]
	if name == "help" || name == "-h" || name == "--help" || name == "-help" {
		usage(stdout)
		return exitOK
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(ctx, e, args[1:])
		}
	}
	fmt.Fprintf(stderr, "piaf qa: unknown subcommand %q (try \"piaf qa help\")\n", name)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: piaf qa <subcommand> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "subcommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "\"piaf qa <subcommand> -h\" lists a subcommand's flags.")
}

// newFlagSet makes a flag set that reports errors instead of exiting and
// keeps the default usage output for -h.
func newFlagSet(e env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet("piaf qa "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parseFlags parses args; on error it prints one line and returns the exit
// code to use (0 for -h, which prints the flags).
func parseFlags(e env, fs *flag.FlagSet, args []string) (ok bool, code int) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(e.stdout)
			fmt.Fprintf(e.stdout, "usage of %s:\n", fs.Name())
			fs.PrintDefaults()
			return false, exitOK
		}
		fmt.Fprintf(e.stderr, "%s: %v\n", fs.Name(), firstLine(err.Error()))
		return false, exitUsage
	}
	return true, exitOK
}

// usageError prints a one-line usage error and returns exitUsage.
func usageError(e env, fs *flag.FlagSet, format string, a ...any) int {
	fmt.Fprintf(e.stderr, "%s: %s\n", fs.Name(), fmt.Sprintf(format, a...))
	return exitUsage
}

// fail prints a one-line error and returns exitFail.
func fail(e env, fs *flag.FlagSet, err error) int {
	fmt.Fprintf(e.stderr, "%s: %s\n", fs.Name(), firstLine(err.Error()))
	return exitFail
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// stringList is a repeatable string flag (--corpus a --corpus b).
type stringList []string

// String implements flag.Value.
func (s *stringList) String() string { return strings.Join(*s, ",") }

// Set implements flag.Value: each use of the flag appends a value.
func (s *stringList) Set(v string) error {
	*s = append(*s, v)
	return nil
}
