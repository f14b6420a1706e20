// Package squad reads and writes the SQuAD v1.1 JSON format in which PIAF
// releases its datasets and the official predictions format
// ({"question id": "answer text"}). Datasets can be read whole or streamed
// article by article, so that large releases need not be held in memory.
package squad

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
)

// ErrFormat is returned (wrapped, with the reason) when the input is not
// SQuAD v1.1 JSON, so that callers can tell a bad file from an I/O error.
var ErrFormat = errors.New("not a SQuAD v1.1 dataset")

// Dataset is a whole SQuAD file.
type Dataset struct {
	// Version is the file's version field ("1.1", "1.1-train"); informative.
	Version string `json:"version"`
	// Data lists the articles.
	Data []Article `json:"data"`
}

// Article is one source document (a Wikipedia article in PIAF) with its
// annotated paragraphs. Splits are made by article so that no paragraph of
// a test article is seen in training.
type Article struct {
	// Title names the article; splits by article use it.
	Title string `json:"title"`
	// Category is PIAF's "categorie" field; empty in plain SQuAD files.
	Category string `json:"categorie,omitempty"`
	// Paragraphs are the annotated paragraphs, in order.
	Paragraphs []Paragraph `json:"paragraphs"`
}

// Paragraph is a context with the questions asked about it.
type Paragraph struct {
	// Context is the paragraph text, which answer offsets index.
	Context string `json:"context"`
	// QAs are the questions asked about it.
	QAs []Question `json:"qas"`
}

// Question is one question with its accepted answers (several when several
// annotators answered it).
type Question struct {
	// ID is unique in a dataset; predictions are keyed by it.
	ID string `json:"id"`
	// Question is the question text.
	Question string `json:"question"`
	// Answers are the gold answers; any of them counts as right.
	Answers []Answer `json:"answers"`
}

// Answer is an answer span: Start counts code points from the beginning of
// the context (Python string indices, as the SQuAD tools write them).
type Answer struct {
	// Start is the code-point offset of the answer in the context.
	Start int `json:"answer_start"`
	// Text is the answer as written in the context.
	Text string `json:"text"`
}

// Read decodes a whole dataset and checks its shape.
func Read(r io.Reader) (*Dataset, error) {
	var d Dataset
	dec := json.NewDecoder(r)
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	if d.Data == nil {
		return nil, fmt.Errorf("%w: no \"data\" array", ErrFormat)
	}
	if err := d.check(); err != nil {
		return nil, err
	}
	return &d, nil
}

// ReadFile reads the dataset stored at path.
func ReadFile(path string) (*Dataset, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	d, err := Read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return d, nil
}

// check rejects datasets whose questions lack an id or a text: every later
// step (predictions, evaluation) is keyed by question id.
func (d *Dataset) check() error {
	for ai, a := range d.Data {
		for pi, p := range a.Paragraphs {
			for qi, q := range p.QAs {
				if q.ID == "" {
					return fmt.Errorf("%w: article %d paragraph %d question %d has no id", ErrFormat, ai, pi, qi)
				}
			}
		}
	}
	return nil
}

// Write encodes the dataset as SQuAD v1.1 JSON.
func Write(w io.Writer, d *Dataset) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(d)
}

// Stream decodes the dataset article by article, calling fn for each, and
// returns the version field. It stops at the first error fn returns.
func Stream(r io.Reader, fn func(Article) error) (version string, err error) {
	dec := json.NewDecoder(r)
	if err := expectDelim(dec, '{'); err != nil {
		return "", err
	}
	sawData := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return "", fmt.Errorf("%w: %v", ErrFormat, err)
		}
		key, _ := tok.(string)
		switch key {
		case "version":
			if err := dec.Decode(&version); err != nil {
				return "", fmt.Errorf("%w: version: %v", ErrFormat, err)
			}
		case "data":
			sawData = true
			if err := expectDelim(dec, '['); err != nil {
				return "", err
			}
			for dec.More() {
				var a Article
				if err := dec.Decode(&a); err != nil {
					return "", fmt.Errorf("%w: article: %v", ErrFormat, err)
				}
				if err := fn(a); err != nil {
					return version, err
				}
			}
			if err := expectDelim(dec, ']'); err != nil {
				return "", err
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return "", fmt.Errorf("%w: %v", ErrFormat, err)
			}
		}
	}
	if !sawData {
		return version, fmt.Errorf("%w: no \"data\" array", ErrFormat)
	}
	return version, nil
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrFormat, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("%w: expected %q, found %v", ErrFormat, want, tok)
	}
	return nil
}

// Predictions maps question ids to answer texts: the official SQuAD
// predictions file.
type Predictions map[string]string

// WritePredictions writes predictions as one JSON object, keys sorted so that
// two runs give identical files.
func WritePredictions(w io.Writer, p Predictions) error {
	ids := make([]string, 0, len(p))
	for id := range p {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	if _, err := io.WriteString(w, "{"); err != nil {
		return err
	}
	for i, id := range ids {
		k, _ := marshalNoEscape(id)
		v, _ := marshalNoEscape(p[id])
		sep := ",\n"
		if i == 0 {
			sep = "\n"
		}
		if _, err := fmt.Fprintf(w, "%s%s: %s", sep, k, v); err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, "\n}\n")
	return err
}

// ReadPredictions reads an official predictions file.
func ReadPredictions(r io.Reader) (Predictions, error) {
	var p Predictions
	if err := json.NewDecoder(r).Decode(&p); err != nil {
		return nil, fmt.Errorf("%w: predictions: %v", ErrFormat, err)
	}
	return p, nil
}
