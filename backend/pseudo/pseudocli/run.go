package pseudocli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/lab-ia/piaf/backend/pseudo"
	"github.com/lab-ia/piaf/backend/pseudo/office"
)

// HashKeyEnv names the variable holding the secret of the hash operator:
// a key on the command line would end up in shell histories.
const HashKeyEnv = "PIAF_PSEUDO_HASH_KEY"

// maxTextInput bounds the text read from stdin (256 MiB).
const maxTextInput = 256 << 20

func runRun(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("run", "[--model MODEL] [--operator placeholder|typed|redact|mask|hash|keep] < in.txt > out.txt", stdout)
	model := fs.String("model", "", "model file (default: rules and gazetteers only)")
	operator := fs.String("operator", "placeholder", "replacement: placeholder (M. A... X...), typed ([PERSONNE 1]), redact, mask, hash (key in $"+HashKeyEnv+"), keep")
	asJSON := fs.Bool("json", false, "write JSON: the text and the spans of the replacements")
	withMapping := fs.Bool("mapping", false, "with --json, include the mapping back to the original text (sensitive)")
	in := fs.String("in", "", "read a .docx or .odt document instead of text on stdin")
	out := fs.String("out", "", "with --in, where to write the pseudonymised document")
	if err := parse(fs, args); err != nil {
		return err
	}
	op, err := pseudo.ParseOperator(*operator)
	if err != nil {
		return usageError{err.Error()}
	}
	opts := pseudo.Options{Default: op, IncludeMapping: *withMapping}
	if op == pseudo.OpHash {
		key := os.Getenv(HashKeyEnv)
		if key == "" {
			return usagef("--operator hash needs a secret key in $%s", HashKeyEnv)
		}
		opts.HashKey = []byte(key)
	}
	if *withMapping && !*asJSON {
		return usagef("--mapping needs --json")
	}
	if (*in == "") != (*out == "") {
		return usagef("--in and --out go together")
	}
	det, err := loadDetector(*model)
	if err != nil {
		return err
	}
	if *in != "" {
		return runDocument(ctx, det, *in, *out, opts)
	}
	data, err := io.ReadAll(io.LimitReader(stdin, maxTextInput+1))
	if err != nil {
		return err
	}
	if len(data) > maxTextInput {
		return fmt.Errorf("input larger than %d MiB", maxTextInput>>20)
	}
	text := string(data)
	ents, err := det.Detect(ctx, text)
	if err != nil {
		return err
	}
	res, err := pseudo.Pseudonymize(text, ents, opts)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		return enc.Encode(res)
	}
	_, err = io.WriteString(stdout, res.Text)
	return err
}

func runDocument(ctx context.Context, det *pseudo.Detector, in, out string, opts pseudo.Options) error {
	data, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	var kind office.Kind
	switch strings.ToLower(filepath.Ext(in)) {
	case ".docx":
		kind = office.DOCX
	case ".odt":
		kind = office.ODT
	default:
		return usagef("--in must be a .docx or .odt file")
	}
	b, _, err := pseudo.PseudonymizeDocument(ctx, det, data, kind, opts, office.Limits{})
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, b, 0o600); err != nil {
		return errors.Join(err, os.Remove(out))
	}
	return nil
}
