package pseudo

import (
	"strings"
	"testing"
)

func spanTexts(d Document) []string {
	r := []rune(d.Text)
	var out []string
	for _, s := range d.Spans {
		out = append(out, s.Label+":"+string(r[s.Start:s.End]))
	}
	return out
}

func TestReadCoNLLNormalises(t *testing.T) {
	in := `Quand O
M. B-PER
de I-PER
Tréville I-PER
vit O
d B-PER
' I-PER
Artagnan I-PER
à O
la B-LOC
Rochelle I-LOC
, O
le B-PER
cardinal I-PER
sourit O
. O

La B-PER
Maheude I-PER
parla O
à O
mademoiselle B-PER
de I-PER
La I-PER
Mole I-PER
près O
de O
La B-LOC
Rochelle I-LOC
et O
du B-PER
Vallon I-PER
. O
`
	docs, err := ReadCoNLL(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 1 {
		t.Fatalf("got %d docs", len(docs))
	}
	got := strings.Join(spanTexts(docs[0]), "|")
	want := "PER:Tréville|PER:Artagnan|LOC:Rochelle|PER:Maheude|PER:La Mole|LOC:La Rochelle|PER:Vallon"
	if got != want {
		t.Errorf("spans\n got %s\nwant %s\ntext %q", got, want, docs[0].Text)
	}
}

func TestReadCoNLLIOB1AndIO(t *testing.T) {
	in := "Emmanuel I-PER\nDESOLES I-PER\nde O\nRENNES I-LOC\nParis I-LOC\nB-LOC B-LOC\n"
	docs, err := ReadCoNLL(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(spanTexts(docs[0]), "|")
	if got != "PER:Emmanuel DESOLES|LOC:RENNES Paris|LOC:B-LOC" {
		t.Errorf("got %s", got)
	}
	if _, err := ReadCoNLL(strings.NewReader("mot X-FOO\n")); err == nil {
		t.Error("bad tag accepted")
	}
}

func TestReadJSONL(t *testing.T) {
	in := `{"id": 7, "text": "Mme Élise Durand habite à Nantes.", "entities": [{"start": 0, "end": 16, "label": "per"}, {"start": 26, "end": 32, "label": "LOC"}]}` + "\n\n"
	docs, err := ReadJSONL(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(spanTexts(docs[0]), "|"); got != "PER:Élise Durand|LOC:Nantes" || docs[0].ID != "7" {
		t.Errorf("got %s id %q", got, docs[0].ID)
	}
	if _, err := ReadJSONL(strings.NewReader(`{"text": "abc", "entities": [{"start": 1, "end": 9, "label": "PER"}]}`)); err == nil {
		t.Error("out-of-range span accepted")
	}
}
