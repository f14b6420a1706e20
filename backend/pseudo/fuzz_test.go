package pseudo

import (
	"context"
	"testing"
	"unicode/utf8"
)

// FuzzDetect checks the detector's contract on arbitrary text: entities in
// range, sorted, non-overlapping, their Text equal to the covered text, and
// a pseudonymisation that accepts them. Seeds live in
// testdata/fuzz/FuzzDetect; run with go test -fuzz=FuzzDetect -fuzztime=10s.
func FuzzDetect(f *testing.F) {
	for _, s := range []string{
		"M. Jean-Marc Dubois, né le 3 mars 1980, demeurant 12 rue des Lilas, 75011 Paris.",
		"Contact : jean.dupont@exemple.fr, 06 12 34 56 78, IBAN FR76 3000 6000 0112 3456 7890 189.",
		"DUBOIS, Marie – MM. Y... et IIS... – Me Michel FILLARD",
		"\xff\xfe\x00 d'Artagnan’s N'DIAYE 2A 1 85 05 2A 004 084 ",
		"",
	} {
		f.Add(s)
	}
	det, err := NewDetector(nil, DetectorOptions{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string) {
		ents, err := det.Detect(context.Background(), text)
		if err != nil {
			t.Fatal(err)
		}
		runes := []rune(text)
		size := utf8.RuneCountInString(text)
		last := 0
		for _, e := range ents {
			if e.Start < last || e.End <= e.Start || e.End > size {
				t.Fatalf("bad entity %+v (size %d, last end %d)", e, size, last)
			}
			if string(runes[e.Start:e.End]) != e.Text {
				t.Fatalf("entity text %q != covered %q", e.Text, string(runes[e.Start:e.End]))
			}
			last = e.End
		}
		if _, err := Pseudonymize(text, ents, Options{Default: OpTyped}); err != nil {
			t.Fatal(err)
		}
		if _, err := Pseudonymize(text, ents, Options{}); err != nil {
			t.Fatal(err)
		}
	})
}
