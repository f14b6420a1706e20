package pseudo

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lab-ia/piaf/backend/shareddata"
)

// smallCorpus returns the first sentences of a novel: enough to learn
// something in a second.
func smallCorpus(t testing.TB, novel string, sentences int) TrainingSource {
	t.Helper()
	path := shareddata.Require(t, filepath.Join("ner_7romans", novel+".conll"))
	s, err := ReadCorpusFile(path)
	if err != nil {
		t.Fatal(err)
	}
	d := s.Documents[0]
	lines := strings.SplitAfter(d.Text, "\n")
	if len(lines) > sentences {
		lines = lines[:sentences]
	}
	cut := len([]rune(strings.Join(lines, "")))
	var spans []Span
	for _, sp := range d.Spans {
		if sp.End <= cut {
			spans = append(spans, sp)
		}
	}
	d.Text = string([]rune(d.Text)[:cut])
	d.Spans = spans
	s.Documents = []Document{d}
	return s
}

func TestTrainSaveLoadDetect(t *testing.T) {
	src := smallCorpus(t, "BelAmi", 600)
	var seen []TrainProgress
	m, rep, err := Train(context.Background(), []TrainingSource{src}, TrainOptions{Epochs: 3, SyntheticDocs: 40, Dev: smallCorpus(t, "EugenieGrandet", 100).Documents}, func(p TrainProgress) { seen = append(seen, p) })
	if err != nil {
		t.Fatal(err)
	}
	if rep.Features == 0 || rep.Tokens == 0 || len(seen) < 4 || seen[len(seen)-1].Stage != "done" {
		t.Fatalf("report %+v, progress %+v", rep, seen)
	}
	var buf bytes.Buffer
	if err := m.Save(&buf); err != nil {
		t.Fatal(err)
	}
	m2, err := LoadModel(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if m2.Info.Features != rep.Features || len(m2.Labels()) != len(m.Labels()) {
		t.Errorf("info not kept: %+v", m2.Info)
	}
	det, err := NewDetector(m2, DetectorOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ents, err := det.Detect(context.Background(), "Georges Duroy rencontra Mme Forestier à Paris. Duroy sortit.")
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, e := range ents {
		found[e.Label+":"+e.Text] = true
		if e.Score < 0 || e.Score > 1 {
			t.Errorf("score out of [0,1]: %+v", e)
		}
	}
	for _, want := range []string{"PER:Georges Duroy", "PER:Forestier"} {
		if !found[want] {
			t.Errorf("missing %s in %+v", want, ents)
		}
	}
	// Same seed, same data: same model.
	m3, _, _ := Train(context.Background(), []TrainingSource{src}, TrainOptions{Epochs: 3, SyntheticDocs: 40, Dev: smallCorpus(t, "EugenieGrandet", 100).Documents}, nil)
	var buf3 bytes.Buffer
	m3.Info.TrainedAt = m.Info.TrainedAt
	m3.Save(&buf3)
	if !bytes.Equal(buf.Bytes(), buf3.Bytes()) {
		t.Error("training is not deterministic")
	}
}

func TestLoadModelErrors(t *testing.T) {
	src := smallCorpus(t, "BelAmi", 100)
	m, _, err := Train(context.Background(), []TrainingSource{src}, TrainOptions{Epochs: 1, NoSynthetic: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	m.Save(&buf)
	good := buf.Bytes()
	if _, err := LoadModel(strings.NewReader("hello")); !errors.Is(err, ErrModelCorrupt) {
		t.Errorf("garbage: %v", err)
	}
	if _, err := LoadModel(bytes.NewReader(good[:len(good)/2])); !errors.Is(err, ErrModelCorrupt) {
		t.Errorf("truncated: %v", err)
	}
	flipped := bytes.Clone(good)
	flipped[len(flipped)-12] ^= 0xff
	if _, err := LoadModel(bytes.NewReader(flipped)); !errors.Is(err, ErrModelCorrupt) {
		t.Errorf("flipped byte: %v", err)
	}
	future := bytes.Clone(good)
	future[len(modelMagic)] = 99
	if _, err := LoadModel(bytes.NewReader(future)); !errors.Is(err, ErrModelVersion) {
		t.Errorf("version: %v", err)
	}
}

func TestTrainHonoursCancellation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := Train(ctx, []TrainingSource{smallCorpus(t, "BelAmi", 50)}, TrainOptions{NoSynthetic: true}, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v", err)
	}
	if _, _, err := Train(context.Background(), []TrainingSource{{Name: "empty"}}, TrainOptions{}, nil); !errors.Is(err, ErrNoTrainingData) {
		t.Errorf("empty: %v", err)
	}
}

func TestDetectWithoutModel(t *testing.T) {
	det, err := NewDetector(nil, DetectorOptions{})
	if err != nil {
		t.Fatal(err)
	}
	text := "Représentée par Me Michel FILLARD, avocat. M. de Tréville écrit à jean.dupont@exemple.fr ; Jean DUPONT répond. Plus tard, Dupont signe."
	ents, err := det.Detect(context.Background(), text)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Label+":"+e.Text+":"+e.Source)
	}
	want := "PER:Michel FILLARD:gazetteer|PER:Tréville:gazetteer|EMAIL:jean.dupont@exemple.fr:rule|PER:Jean DUPONT:gazetteer|PER:Dupont:propagation"
	if strings.Join(got, "|") != want {
		t.Errorf("got  %s\nwant %s", strings.Join(got, "|"), want)
	}
}
