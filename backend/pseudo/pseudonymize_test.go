package pseudo

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func ent(text, sub string, nth int, label string) Entity {
	idx := -1
	from := 0
	for k := 0; k <= nth; k++ {
		idx = strings.Index(text[from:], sub)
		if idx < 0 {
			panic("no " + sub)
		}
		idx += from
		from = idx + len(sub)
	}
	start := len([]rune(text[:idx]))
	return Entity{Start: start, End: start + len([]rune(sub)), Label: label, Text: sub}
}

func TestPseudonymizeConsistentLetters(t *testing.T) {
	text := "M. Jean-Marc Dubois et Mme Élise MARTIN. M. Dubois parle ; Dubois, Jean-Marc signe. Élise habite 3 rue X."
	ents := []Entity{
		ent(text, "Jean-Marc Dubois", 0, LabelPER),
		ent(text, "Élise MARTIN", 0, LabelPER),
		ent(text, "Dubois", 1, LabelPER),
		ent(text, "Dubois", 2, LabelPER),
		ent(text, "Jean-Marc", 1, LabelPER),
		ent(text, "Élise", 1, LabelPER),
		ent(text, "3 rue X", 0, LabelAddress),
	}
	res, err := Pseudonymize(text, ents, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := "M. A... X... et Mme B... Y.... M. X... parle ; X..., A... signe. B... habite [ADRESSE 1]."
	if res.Text != want {
		t.Errorf("got  %q\nwant %q", res.Text, want)
	}
	out := []rune(res.Text)
	for _, s := range res.Spans {
		if got := string(out[s.Start:s.End]); got == "" || strings.Contains(got, "Dubois") {
			t.Errorf("bad output span %+v %q", s, got)
		}
	}
	if res.Spans[0].Entity != res.Spans[2].Entity || res.Spans[0].Entity != res.Spans[3].Entity || res.Spans[0].Entity != res.Spans[4].Entity {
		t.Errorf("mentions of Dubois not one entity: %+v", res.Spans)
	}
	if res.Mapping != nil {
		t.Error("mapping returned without being asked for")
	}
}

func TestPseudonymizeOperators(t *testing.T) {
	text := "Appeler Marie Curie au 06 12 34 56 78 ou Marie Curie."
	ents := []Entity{ent(text, "Marie Curie", 0, LabelPER), ent(text, "06 12 34 56 78", 0, LabelPhone), ent(text, "Marie Curie", 1, LabelPER)}
	cases := map[Operator]string{
		OpTyped:  "Appeler [PERSONNE 1] au [TÉLÉPHONE 1] ou [PERSONNE 1].",
		OpRedact: "Appeler [...] au [...] ou [...].",
		OpMask:   "Appeler ***** ***** au ** ** ** ** ** ou ***** *****.",
		OpKeep:   text,
	}
	for op, want := range cases {
		res, err := Pseudonymize(text, ents, Options{Default: op})
		if err != nil || res.Text != want {
			t.Errorf("%s: got %q (%v), want %q", op, res.Text, err, want)
		}
	}
	if _, err := Pseudonymize(text, ents, Options{Default: OpHash}); !errors.Is(err, ErrMissingHashKey) {
		t.Errorf("hash without key: %v", err)
	}
	a, _ := Pseudonymize(text, ents, Options{Default: OpHash, HashKey: []byte("k1")})
	b, _ := Pseudonymize(text, ents, Options{Default: OpHash, HashKey: []byte("k2")})
	if a.Text == b.Text || !strings.HasPrefix(a.Text, "Appeler PER-") || strings.Count(a.Text, a.Text[8:24]) != 2 {
		t.Errorf("hash: %q / %q", a.Text, b.Text)
	}
	res, _ := Pseudonymize(text, ents, Options{Operators: map[string]Operator{LabelPhone: OpKeep}, IncludeMapping: true})
	if res.Text != "Appeler A... X... au 06 12 34 56 78 ou A... X...." || len(res.Mapping) != 2 {
		t.Errorf("per-label operator: %q %d", res.Text, len(res.Mapping))
	}
	if s := fmt.Sprintf("%v %+v %#v %s", res.Mapping, res.Mapping, res.Mapping, res.Mapping); strings.Contains(s, "Curie") {
		t.Errorf("mapping printed: %s", s)
	}
	var logged strings.Builder
	slog.New(slog.NewTextHandler(&logged, nil)).Info("x", "mapping", res.Mapping)
	if strings.Contains(logged.String(), "Curie") {
		t.Errorf("mapping logged: %s", logged.String())
	}
}

func TestPseudonymizeRejectsBadEntities(t *testing.T) {
	if _, err := Pseudonymize("abc", []Entity{{Start: 1, End: 9, Label: "PER"}}, Options{}); !errors.Is(err, ErrEntityOutOfRange) {
		t.Error(err)
	}
	if _, err := Pseudonymize("abcdef", []Entity{{Start: 0, End: 3, Label: "PER"}, {Start: 2, End: 4, Label: "LOC"}}, Options{}); !errors.Is(err, ErrOverlappingEntity) {
		t.Error(err)
	}
	if _, err := Pseudonymize("abc", nil, Options{Default: "shred"}); !errors.Is(err, ErrUnknownOperator) {
		t.Error(err)
	}
}

func TestLetterCodes(t *testing.T) {
	if letterCode(0, false) != "A" || letterCode(22, false) != "W" || letterCode(23, false) != "AA" {
		t.Error("given name codes")
	}
	if letterCode(0, true) != "X" || letterCode(2, true) != "Z" || letterCode(3, true) != "XA" {
		t.Error("surname codes")
	}
	seen := map[string]bool{}
	for i := 0; i < 3000; i++ {
		for _, s := range []bool{false, true} {
			c := letterCode(i, s)
			if seen[c+fmt.Sprint(s)] {
				t.Fatalf("duplicate code %s", c)
			}
			seen[c+fmt.Sprint(s)] = true
		}
	}
}
