package pseudo

import (
	"context"
	"reflect"
	"sync"
	"testing"
)

// TestDetectorConcurrentUse runs one detector from several goroutines and
// expects the sequential results (run it with -race).
func TestDetectorConcurrentUse(t *testing.T) {
	m, _, err := Train(context.Background(), []TrainingSource{smallCorpus(t, "BelAmi", 300)}, TrainOptions{Epochs: 2, SyntheticDocs: 30}, nil)
	if err != nil {
		t.Fatal(err)
	}
	det, err := NewDetector(m, DetectorOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, docs := range loadModernDev(t) {
		for _, d := range docs {
			texts = append(texts, d.Text)
		}
	}
	want := make([][]Entity, len(texts))
	for i, s := range texts {
		if want[i], err = det.Detect(context.Background(), s); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for k := range texts {
				i := (k + g*5) % len(texts)
				got, err := det.Detect(context.Background(), texts[i])
				if err != nil || !reflect.DeepEqual(got, want[i]) {
					t.Errorf("goroutine %d, text %d: different result (%v)", g, i, err)
				}
			}
		}(g)
	}
	wg.Wait()
}

func TestDetectHonoursCancellation(t *testing.T) {
	det, _ := NewDetector(nil, DetectorOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := det.Detect(ctx, "M. Dupont"); err == nil {
		t.Error("cancelled context accepted")
	}
}
