package pseudo

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// jsonlDoc is one line of a JSONL corpus.
type jsonlDoc struct {
	ID       json.RawMessage `json:"id"`
	Text     *string         `json:"text"`
	Entities []Span          `json:"entities"`
}

// ReadJSONL reads one JSON object per line: {"text": ..., "entities":
// [{"start", "end", "label"}]}, offsets in code points, end exclusive; "id"
// is optional. Blank lines are skipped. Spans are checked against the text
// and normalised to the product's conventions (NormalizeSpans).
func ReadJSONL(r io.Reader) ([]Document, error) {
	var docs []Document
	err := readLines(r, func(n int, line string) error {
		if strings.TrimSpace(line) == "" {
			return nil
		}
		var jd jsonlDoc
		if err := json.Unmarshal([]byte(line), &jd); err != nil {
			return &CorpusError{Line: n, Msg: "invalid JSON: " + err.Error()}
		}
		if jd.Text == nil {
			return &CorpusError{Line: n, Msg: `missing "text"`}
		}
		d := Document{Text: *jd.Text, ID: rawID(jd.ID)}
		size := utf8.RuneCountInString(d.Text)
		for _, s := range jd.Entities {
			if s.Start < 0 || s.End <= s.Start || s.End > size {
				return &CorpusError{Line: n, Msg: fmt.Sprintf("entity [%d,%d) outside the text (%d code points)", s.Start, s.End, size)}
			}
			s.Label = strings.ToUpper(strings.TrimSpace(s.Label))
			if a, ok := labelAliases[s.Label]; ok {
				s.Label = a
			}
			if s.Label == "" {
				return &CorpusError{Line: n, Msg: "entity without a label"}
			}
			d.Spans = append(d.Spans, s)
		}
		NormalizeSpans(&d)
		docs = append(docs, d)
		return nil
	})
	return docs, err
}

// rawID turns a JSON id (string or number) into a string.
func rawID(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}
