// Package pseudocli implements "piaf pseudo": train, detect, run and eval,
// the pseudonymisation engine's command line. backend/cmd/piaf calls Run
// with the arguments that follow "pseudo"; everything it needs comes
// through Run's parameters, so it is tested without a process.
package pseudocli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/lab-ia/piaf/backend/pseudo"
)

// Exit codes.
const (
	exitOK    = 0
	exitError = 1 // the command failed (unreadable file, corrupt model...)
	exitUsage = 2 // bad command line
)

const usage = `usage: piaf pseudo <command> [flags]

commands:
  train   --train FILE[,FILE...] [--dev FILE] --out MODEL
          learn a tagger from CoNLL (BIO/IOB1/IO) or JSONL {"text","entities"} corpora
  detect  [--model MODEL]
          JSONL {"id","text"} on stdin -> JSONL {"id","entities":[...]} on stdout
  run     [--model MODEL] [--operator placeholder|typed|redact|mask|hash|keep]
          text on stdin -> pseudonymised text on stdout (--in/--out for .docx/.odt)
  eval    --model MODEL --data FILE
          per-label and overall precision, recall, F1 (exact spans) as JSON
  help    this list

Without --model, detection uses the validated rules and the gazetteers only.
Run "piaf pseudo <command> -h" for a command's flags.
`

// Run executes "piaf pseudo" with args (without the leading "pseudo") and
// returns the exit status: 0 on success, 1 when the command failed, 2 on a
// bad command line (with a one-line reason on stderr).
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	cmd, rest := args[0], args[1:]
	var err error
	switch cmd {
	case "help", "-h", "--help", "-help":
		fmt.Fprint(stdout, usage)
		return exitOK
	case "train":
		err = runTrain(ctx, rest, stdout, stderr)
	case "detect":
		err = runDetect(ctx, rest, stdin, stdout, stderr)
	case "run":
		err = runRun(ctx, rest, stdin, stdout, stderr)
	case "eval":
		err = runEval(ctx, rest, stdout, stderr)
	default:
		fmt.Fprintf(stderr, "piaf pseudo: unknown command %q (want train, detect, run, eval or help)\n", cmd)
		return exitUsage
	}
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "piaf pseudo %s: %s\n", cmd, oneLine(ue.msg))
		return exitUsage
	default:
		fmt.Fprintf(stderr, "piaf pseudo %s: %s\n", cmd, oneLine(err.Error()))
		return exitError
	}
}

// usageError is a bad command line.
type usageError struct{ msg string }

// Error returns the one-line reason.
func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// newFlags returns a flag set that reports errors instead of printing
// usage and exiting; -h prints the command's flags on stdout.
func newFlags(name, synopsis string, stdout io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("piaf pseudo "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprintf(stdout, "usage: piaf pseudo %s %s\n", name, synopsis)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	return fs
}

// parse parses flags, turning errors into usage errors and -h into help.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.Usage()
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// loadDetector loads the model when a path is given.
func loadDetector(path string) (*pseudo.Detector, error) {
	var m *pseudo.Model
	if path != "" {
		var err error
		m, err = pseudo.LoadModelFile(path)
		if err != nil {
			return nil, err
		}
	}
	return pseudo.NewDetector(m, pseudo.DetectorOptions{})
}
