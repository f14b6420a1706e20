package squad

import (
	"bytes"
	"encoding/json"
)

// marshalNoEscape encodes v as JSON without escaping <, > and &, so that
// answers stay readable in predictions files.
func marshalNoEscape(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}
