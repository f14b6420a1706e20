package squad

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzRead checks that any input is either refused with an error or read
// into a dataset that writes back and reads again to the same questions.
func FuzzRead(f *testing.F) {
	f.Add(`{"version":"1.1","data":[{"title":"Évry","paragraphs":[{"context":"L’hôpital d’Évry ouvre à 8 h.","qas":[{"id":"q1","question":"Quand ?","answers":[{"answer_start":24,"text":"à 8 h"}]}]}]}]}`)
	f.Add(`{"data":[{"paragraphs":[{"context":"x","qas":[{"answers":[{"answer_start":-5,"text":"😀"}]}]}]}]}`)
	f.Add(`{"data":null}`)
	f.Add(`[`)
	f.Fuzz(func(t *testing.T, in string) {
		d, err := Read(strings.NewReader(in))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := Write(&buf, d); err != nil {
			t.Fatalf("a dataset read cannot be written: %v", err)
		}
		again, err := Read(&buf)
		if err != nil {
			t.Fatalf("a written dataset cannot be read: %v\n%s", err, buf.Bytes())
		}
		if len(again.Data) != len(d.Data) {
			t.Fatalf("%d articles, then %d", len(d.Data), len(again.Data))
		}
		_, _ = Stream(strings.NewReader(in), func(Article) error { return nil })
	})
}
