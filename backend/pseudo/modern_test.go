package pseudo

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/lab-ia/piaf/backend/pseudo/internal/devset"
	"github.com/lab-ia/piaf/backend/shareddata"
)

// The modern dev set (testdata/modern_dev): court decisions from Judilibre
// with their placeholders filled from the INSEE lists, and hand-written
// fictional administrative and business documents full of traps. Only PER
// is annotated exhaustively, so only PER is scored. See
// docs/benchmarks/pseudo.md.

func loadModernDev(t testing.TB) map[string][]Document {
	t.Helper()
	out := map[string][]Document{}
	for _, name := range []string{"judilibre", "fictional", "holdout"} {
		f, err := os.Open(filepath.Join("testdata", "modern_dev", name+".jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		docs, err := ReadJSONL(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		out[name] = docs
	}
	return out
}

func TestModernDevSetInSync(t *testing.T) {
	for _, part := range []string{"fictional", "holdout"} {
		files, _ := filepath.Glob(filepath.Join("testdata", "modern_dev", part, "*.txt"))
		var want []string
		sort.Strings(files)
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			d, err := devset.ParseMarkup(strings.TrimSuffix(filepath.Base(f), ".txt"), string(b))
			if err != nil {
				t.Fatal(err)
			}
			line, _ := json.Marshal(d)
			want = append(want, string(line))
		}
		got, err := os.ReadFile(filepath.Join("testdata", "modern_dev", part+".jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		if strings.TrimSpace(string(got)) != strings.Join(want, "\n") {
			t.Errorf("%s.jsonl is stale: run go run ./backend/pseudo/internal/gen -devset backend/pseudo/testdata/modern_dev", part)
		}
	}
	// The gold spans already follow the product's conventions.
	for name, docs := range loadModernDev(t) {
		for _, d := range docs {
			before := len(d.Spans)
			NormalizeSpans(&d)
			if len(d.Spans) != before {
				t.Errorf("%s/%s: normalisation changed the gold spans", name, d.ID)
			}
		}
	}
}

// modernReport scores PER on each part of the modern dev set and lists the
// misses and false alarms when verbose. "holdout" holds documents written
// apart and never used for tuning: its errors are not listed, so that it
// stays an honest estimate; "all" is judilibre and fictional.
func modernReport(t *testing.T, det *Detector, verbose bool) map[string]Scores {
	out := map[string]Scores{}
	var allGold, allPred [][]Span
	dev := loadModernDev(t)
	for _, name := range []string{"judilibre", "fictional", "holdout"} {
		docs := dev[name]
		var gold, pred [][]Span
		for _, d := range docs {
			ents, err := det.Detect(context.Background(), d.Text)
			if err != nil {
				t.Fatal(err)
			}
			var p []Span
			src := map[Span]string{}
			for _, e := range ents {
				p = append(p, Span{e.Start, e.End, e.Label})
				src[Span{e.Start, e.End, e.Label}] = fmt.Sprintf("%s %.2f", e.Source, e.Score)
			}
			gold = append(gold, d.Spans)
			pred = append(pred, p)
			if verbose && name != "holdout" {
				logDiff(t, d, p, src)
			}
		}
		ev := Score(gold, pred, []string{LabelPER})
		out[name] = ev.Labels[LabelPER]
		if name != "holdout" {
			allGold = append(allGold, gold...)
			allPred = append(allPred, pred...)
		}
	}
	out["all"] = Score(allGold, allPred, []string{LabelPER}).Labels[LabelPER]
	for _, k := range []string{"judilibre", "fictional", "all", "holdout"} {
		s := out[k]
		t.Logf("modern dev %-9s PER P %.3f R %.3f F1 %.3f (gold %d, tp %d, fp %d, fn %d)", k, s.Precision, s.Recall, s.F1, s.Support, s.TP, s.FP, s.FN)
	}
	return out
}

func logDiff(t *testing.T, d Document, pred []Span, src map[Span]string) {
	r := []rune(d.Text)
	gold := map[Span]bool{}
	for _, s := range d.Spans {
		if s.Label == LabelPER {
			gold[s] = true
		}
	}
	p := map[Span]bool{}
	var lines []string
	for _, s := range pred {
		if s.Label != LabelPER {
			continue
		}
		p[s] = true
		if !gold[s] {
			lines = append(lines, fmt.Sprintf("  FP %q (%s)", string(r[s.Start:s.End]), src[s]))
		}
	}
	for s := range gold {
		if !p[s] {
			lines = append(lines, fmt.Sprintf("  FN %q", string(r[s.Start:s.End])))
		}
	}
	sort.Strings(lines)
	if len(lines) > 0 {
		t.Logf("%s:\n%s", d.ID, strings.Join(lines, "\n"))
	}
}

// TestModernDevWithoutModel guards the rules-and-gazetteers baseline.
func TestModernDevWithoutModel(t *testing.T) {
	det, err := NewDetector(nil, DetectorOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s := modernReport(t, det, testing.Verbose() && os.Getenv("PIAF_PSEUDO_DIFF") == "1")
	if s["all"].Recall < 0.5 || s["all"].Precision < 0.8 {
		t.Errorf("gazetteer-only PER fell to P %.3f R %.3f", s["all"].Precision, s["all"].Recall)
	}
}

// TestModernDevWithModel scores a model on the modern dev set: the model in
// PIAF_PSEUDO_MODEL, or one trained on the six novels (plus Europeana
// newspapers when PIAF_PSEUDO_LONO_EUROPEANA=1) when PIAF_PSEUDO_MODERN=1.
func TestModernDevWithModel(t *testing.T) {
	var m *Model
	switch {
	case os.Getenv("PIAF_PSEUDO_MODEL") != "":
		var err error
		if m, err = LoadModelFile(os.Getenv("PIAF_PSEUDO_MODEL")); err != nil {
			t.Fatal(err)
		}
	case os.Getenv("PIAF_PSEUDO_MODERN") == "1":
		dir := filepath.Dir(shareddata.Require(t, "ner_7romans/BelAmi.conll"))
		var train []TrainingSource
		for _, n := range novels {
			s, err := ReadCorpusFile(filepath.Join(dir, n+".conll"))
			if err != nil {
				t.Fatal(err)
			}
			train = append(train, s)
		}
		if os.Getenv("PIAF_PSEUDO_LONO_EUROPEANA") == "1" {
			s, err := ReadCorpusFile(shareddata.Require(t, "ner_europeana_fr/enp_FR.bnf.bio"))
			if err != nil {
				t.Fatal(err)
			}
			train = append(train, s)
		}
		var err error
		if m, _, err = Train(context.Background(), train, TrainOptions{}, nil); err != nil {
			t.Fatal(err)
		}
		if out := os.Getenv("PIAF_PSEUDO_SAVE"); out != "" {
			if err := m.SaveFile(out); err != nil {
				t.Fatal(err)
			}
		}
	default:
		t.Skip("set PIAF_PSEUDO_MODERN=1 (train on the novels) or PIAF_PSEUDO_MODEL=path")
	}
	det, err := NewDetector(m, DetectorOptions{})
	if err != nil {
		t.Fatal(err)
	}
	modernReport(t, det, os.Getenv("PIAF_PSEUDO_DIFF") == "1")
}
