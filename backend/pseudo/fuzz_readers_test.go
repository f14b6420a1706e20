package pseudo

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzReadCorpora checks that the training-corpus readers (CoNLL and
// JSONL spans) never panic and only return spans inside their text.
func FuzzReadCorpora(f *testing.F) {
	f.Add("M.\tO\nJean\tB-PER\nDubois\tI-PER\n\nà\tO\nParis\tB-LOC\n")
	f.Add(`{"text":"😀 M. Jean Dubois","entities":[{"start":5,"end":15,"label":"PER"}]}` + "\n")
	f.Add(`{"text":"abc","entities":[{"start":2,"end":1,"label":"PER"}]}`)
	f.Add("Jean I-PER\nDubois\n\n\n-DOCSTART- O\n")
	f.Fuzz(func(t *testing.T, in string) {
		check := func(docs []Document) {
			for _, d := range docs {
				n := utf8.RuneCountInString(d.Text)
				for _, s := range d.Spans {
					if s.Start < 0 || s.End > n || s.Start >= s.End {
						t.Fatalf("span %+v outside a text of %d code points", s, n)
					}
				}
			}
		}
		if docs, err := ReadCoNLL(strings.NewReader(in)); err == nil {
			check(docs)
		}
		if docs, err := ReadJSONL(strings.NewReader(in)); err == nil {
			check(docs)
		}
	})
}
