package qa

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"strings"
	"sync"
	"testing"

	"github.com/lab-ia/piaf/backend/frtext"
	"github.com/lab-ia/piaf/backend/qa/squad"
	"github.com/lab-ia/piaf/backend/shareddata"
)

func trainMini(t testing.TB, o TrainOptions) (*Model, []Example) {
	t.Helper()
	examples := ExamplesFromDataset(miniDataset(t))
	m, _, err := Train(context.Background(), examples, nil, o, nil)
	if err != nil {
		t.Fatal(err)
	}
	return m, examples
}

func TestTrainSaveLoadGivesSamePredictions(t *testing.T) {
	m, examples := trainMini(t, quickOptions())
	var buf bytes.Buffer
	if err := m.Save(&buf); err != nil {
		t.Fatal(err)
	}
	loaded, err := LoadModel(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, e := range examples {
		a, err := m.Answers(ctx, e.Question, e.Context, 3)
		if err != nil {
			t.Fatal(err)
		}
		b, err := loaded.Answers(ctx, e.Question, e.Context, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(a) != len(b) {
			t.Fatalf("%s: %d answers before saving, %d after", e.ID, len(a), len(b))
		}
		for i := range a {
			if a[i] != b[i] {
				t.Errorf("%s: answer %d differs: %+v vs %+v", e.ID, i, a[i], b[i])
			}
			if frtext.Slice(e.Context, a[i].Start, a[i].End) != a[i].Text {
				t.Errorf("%s: offsets do not give the answer text", e.ID)
			}
		}
	}
	info := loaded.Info()
	if info.FormatVersion != ModelFormatVersion || info.TrainingDataHash != ExamplesHash(examples) || info.Options.Epochs != 3 || info.TrainExamples != len(examples) {
		t.Errorf("header not kept: %+v", info)
	}
	// The model must have learned the training questions.
	sum, _, err := Evaluate(ctx, loaded, examples, 2)
	if err != nil {
		t.Fatal(err)
	}
	if sum.F1Fr < 50 {
		t.Errorf("training F1 %.1f on its own data, want at least 50", sum.F1Fr)
	}
}

func TestTrainingIsDeterministicWhateverTheWorkers(t *testing.T) {
	o := quickOptions()
	o.Workers = 1
	a, _ := trainMini(t, o)
	o.Workers = 4
	b, _ := trainMini(t, o)
	for i := range a.weights {
		if a.weights[i] != b.weights[i] {
			t.Fatalf("weight %d differs: %v vs %v", i, a.weights[i], b.weights[i])
		}
	}
}

func TestTrainHonoursCancellation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := Train(ctx, ExamplesFromDataset(miniDataset(t)), nil, quickOptions(), nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Train with a cancelled context = %v", err)
	}
	if _, _, err := Train(context.Background(), nil, nil, quickOptions(), nil); !errors.Is(err, ErrNoTrainingData) {
		t.Fatalf("Train without data = %v", err)
	}
}

func TestTrainReportsProgressAndDevCurve(t *testing.T) {
	examples := ExamplesFromDataset(miniDataset(t))
	var stages []string
	var curve int
	_, rep, err := Train(context.Background(), examples[:16], examples[16:], quickOptions(), func(p TrainProgress) {
		stages = append(stages, p.Stage)
		if p.Stage == StageEvaluate && p.Dev != nil {
			curve++
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if curve != 3 || len(rep.Epochs) != 3 || rep.Dev == nil || rep.BestEpoch < 1 {
		t.Errorf("learning curve points %d, report %+v", curve, rep)
	}
	if stages[0] != StagePrepare || stages[len(stages)-1] != StageDone {
		t.Errorf("stages %v", stages)
	}
}

func TestLoadModelRejectsBadFiles(t *testing.T) {
	m, _ := trainMini(t, quickOptions())
	var buf bytes.Buffer
	if err := m.Save(&buf); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	flipped := append([]byte(nil), good...)
	flipped[len(flipped)/2] ^= 0x40
	otherVersion := append([]byte(nil), good...)
	binary.LittleEndian.PutUint32(otherVersion[len(modelMagic):], 99)
	binary.LittleEndian.PutUint32(otherVersion[len(otherVersion)-4:], crc32.ChecksumIEEE(otherVersion[:len(otherVersion)-4]))
	cases := map[string]struct {
		data   []byte
		reason string
	}{
		"empty":         {nil, "magic"},
		"json":          {[]byte(`{"version": "1.1", "data": []}`), "magic"},
		"magic only":    {modelMagic, "truncated"},
		"truncated":     {good[:len(good)/3], "checksum"},
		"flipped byte":  {flipped, "checksum"},
		"other version": {otherVersion, "format version 99"},
	}
	for name, c := range cases {
		_, err := LoadModel(bytes.NewReader(c.data))
		var me *ModelError
		if !errors.Is(err, ErrBadModel) || !errors.As(err, &me) {
			t.Errorf("%s: err = %v, want ErrBadModel", name, err)
			continue
		}
		if !strings.Contains(err.Error(), c.reason) {
			t.Errorf("%s: %q should mention %q", name, err, c.reason)
		}
	}
}

func TestModelRejectsBadQuestions(t *testing.T) {
	m, examples := trainMini(t, quickOptions())
	ctx := context.Background()
	if _, err := m.Answers(ctx, " ? ", examples[0].Context, 1); !errors.Is(err, ErrEmptyQuestion) {
		t.Errorf("empty question: %v", err)
	}
	if _, err := m.Answers(ctx, strings.Repeat("a", 100*1024), examples[0].Context, 1); !errors.Is(err, ErrQuestionTooLong) {
		t.Errorf("100 KB question: %v", err)
	}
	if got, err := m.Answers(ctx, "Qui ?", "", 1); err != nil || len(got) != 0 {
		t.Errorf("empty passage: %v %v", got, err)
	}
	if got, err := m.Answers(ctx, "Qui ?", "🙂 !", 1); err != nil || len(got) != 0 {
		t.Errorf("passage without words: %v %v", got, err)
	}
}

func TestPIAFSubsetTrainSaveLoad(t *testing.T) {
	path := shareddata.Require(t, "piaf/piaf-v1.1-train.json")
	d, err := squad.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	train, dev := SplitByArticle(d, 0.2, 1)
	trainEx, devEx := ExamplesFromDataset(train)[:400], ExamplesFromDataset(dev)[:150]
	o := quickOptions()
	o.Epochs = 2
	m, rep, err := Train(context.Background(), trainEx, devEx, o, nil)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := m.Save(&buf); err != nil {
		t.Fatal(err)
	}
	loaded, err := LoadModel(&buf)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a, _, err := Evaluate(ctx, m, devEx, 2)
	if err != nil {
		t.Fatal(err)
	}
	b, predsB, err := Evaluate(ctx, loaded, devEx, 2)
	if err != nil {
		t.Fatal(err)
	}
	_, predsA, _ := Evaluate(ctx, m, devEx, 2)
	for id, p := range predsA {
		if predsB[id] != p {
			t.Fatalf("%s: %q before saving, %q after", id, p, predsB[id])
		}
	}
	if a != b || rep.Dev == nil || *rep.Dev != a {
		t.Errorf("metrics differ: trained %+v, loaded %+v, report %+v", a, b, rep.Dev)
	}
	base, _, _ := Evaluate(ctx, SlidingWindow{}, devEx, 2)
	if a.F1Fr <= base.F1Fr {
		t.Errorf("reader F1 %.1f not above the baseline's %.1f", a.F1Fr, base.F1Fr)
	}
	t.Logf("400 questions, 2 epochs: dev F1 %.1f (baseline %.1f)", a.F1Fr, base.F1Fr)
}

func TestEngineIsSafeForConcurrentUse(t *testing.T) {
	ix, _ := buildMiniIndex(t)
	m, examples := trainMini(t, quickOptions())
	e := NewEngine(ix, m, EngineOptions{})
	want := make([][]Answer, len(examples))
	for i, ex := range examples {
		a, err := e.Ask(context.Background(), ex.Question, 2)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = a
	}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, ex := range examples {
				a, err := e.Ask(context.Background(), ex.Question, 2)
				if err != nil || len(a) != len(want[i]) || (len(a) > 0 && a[0] != want[i][0]) {
					t.Errorf("concurrent Ask differs for %q", ex.Question)
					return
				}
			}
		}()
	}
	wg.Wait()
}
