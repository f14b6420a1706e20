package pseudo

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// TrainingSource is one training corpus. Sources differ in style
// (19th-century novels, OCR'd newspapers, modern documents): the tagger
// gives each source its own copy of the features next to the shared ones,
// and only the shared ones are kept in the model, so that what is specific
// to one corpus does not leak into others.
type TrainingSource struct {
	// Name identifies the source (a file name) in reports.
	Name string
	// Documents are the annotated texts, already normalised to the
	// product's span conventions (the readers do it).
	Documents []Document
	// Weight scales the source's updates; 0 means 1. Use less than 1 for a
	// noisy source (OCR) that should count less.
	Weight float64
}

// ErrCorpusFormat reports a corpus that cannot be read; the message says
// which file and line.
var ErrCorpusFormat = errors.New("corpus format error")

// CorpusError locates an ErrCorpusFormat.
type CorpusError struct {
	File string
	Line int
	Msg  string
}

// Error says which file and line, and what is wrong there.
func (e *CorpusError) Error() string {
	if e.File == "" {
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// Unwrap lets errors.Is(err, ErrCorpusFormat) hold.
func (e *CorpusError) Unwrap() error { return ErrCorpusFormat }

// ReadCorpusFile reads a CoNLL or JSONL corpus, chosen by extension (.jsonl,
// .json, .ndjson) or, failing that, by a first non-blank character "{".
func ReadCorpusFile(path string) (TrainingSource, error) {
	f, err := os.Open(path)
	if err != nil {
		return TrainingSource{}, err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<16)
	var docs []Document
	if isJSONL(path, br) {
		docs, err = ReadJSONL(br)
	} else {
		docs, err = ReadCoNLL(br)
	}
	if err != nil {
		var ce *CorpusError
		if errors.As(err, &ce) && ce.File == "" {
			ce.File = path
		}
		return TrainingSource{}, err
	}
	name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	for i := range docs {
		if docs[i].ID == "" {
			docs[i].ID = fmt.Sprintf("%s#%d", name, i+1)
		}
	}
	return TrainingSource{Name: name, Documents: docs}, nil
}

func isJSONL(path string, br *bufio.Reader) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".jsonl", ".json", ".ndjson":
		return true
	case ".conll", ".bio", ".iob", ".txt", ".tsv":
		return false
	}
	head, _ := br.Peek(4096)
	head = bytes.TrimLeft(head, " \t\r\n\ufeff")
	return len(head) > 0 && head[0] == '{'
}

// readLines calls fn for each line of r, without its line ending; lines
// may be long (a JSONL document).
func readLines(r io.Reader, fn func(lineNo int, line string) error) error {
	br := bufio.NewReaderSize(r, 1<<16)
	n := 0
	for {
		line, err := br.ReadString('\n')
		if len(line) > 0 {
			n++
			line = strings.TrimRight(line, "\r\n")
			if n == 1 {
				line = strings.TrimPrefix(line, "\ufeff")
			}
			if ferr := fn(n, line); ferr != nil {
				return ferr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
