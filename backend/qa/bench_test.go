package qa

// Benchmarks for the figures of docs/benchmarks/qa.md. They need the shared
// corpora (../shared/data) and train a model first, so they are never run by
// "go test" without -bench:
//
//	go test ./backend/qa -run '^$' -bench . -benchtime 1x -timeout 60m
//
// PIAF_QA_MODEL=path/to/model skips the training of the predict and ask
// benchmarks and uses that model instead.

import (
	"archive/zip"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lab-ia/piaf/backend/frtext"
	"github.com/lab-ia/piaf/backend/qa/squad"
	"github.com/lab-ia/piaf/backend/shareddata"
)

// benchSplit loads PIAF v1.1-train and its 80/20 by-article split.
func benchSplit(b *testing.B) (all, train, dev *squad.Dataset) {
	b.Helper()
	d, err := squad.ReadFile(shareddata.Require(b, "piaf/piaf-v1.1-train.json"))
	if err != nil {
		b.Fatal(err)
	}
	train, dev = SplitByArticle(d, 0.2, 1)
	return d, train, dev
}

// benchModel loads $PIAF_QA_MODEL or trains the default model on the train
// split.
func benchModel(b *testing.B, train *squad.Dataset) *Model {
	b.Helper()
	if p := os.Getenv("PIAF_QA_MODEL"); p != "" {
		f, err := os.Open(p)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		m, err := LoadModel(f)
		if err != nil {
			b.Fatal(err)
		}
		return m
	}
	m, _, err := Train(context.Background(), ExamplesFromDataset(train), nil, DefaultTrainOptions(), nil)
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// BenchmarkTrainFull trains the default model on the whole training file,
// the lab's setting (target: under 10 minutes on 2 cores).
func BenchmarkTrainFull(b *testing.B) {
	all, _, _ := benchSplit(b)
	examples := ExamplesFromDataset(all)
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if _, _, err := Train(context.Background(), examples, nil, DefaultTrainOptions(), nil); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(t0).Seconds(), "train-s")
	}
}

// BenchmarkPredict answers the dev questions from their own paragraphs, one
// goroutine per CPU, as "piaf qa predict" does (target: 200 questions/s).
func BenchmarkPredict(b *testing.B) {
	_, train, dev := benchSplit(b)
	m := benchModel(b, train)
	examples := ExamplesFromDataset(dev)
	b.ResetTimer()
	t0 := time.Now()
	for i := 0; i < b.N; i++ {
		if _, err := Predict(context.Background(), m, examples, 0); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(examples))/time.Since(t0).Seconds(), "questions/s")
}

// BenchmarkAsk measures Engine.Ask latency over a collection of 20,000
// passages: the PIAF paragraphs, the service-public.fr fiche passages, and
// synthetic passages made of sentences drawn (seeded) from those, to reach
// the size. Questions are the dev questions, asked one at a time.
func BenchmarkAsk(b *testing.B) {
	all, train, dev := benchSplit(b)
	m := benchModel(b, train)
	passages := benchCollection(b, all, 20000)
	dir := filepath.Join(b.TempDir(), "ix")
	t0 := time.Now()
	ix, err := BuildIndex(context.Background(), dir, passages, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	buildTime := time.Since(t0)
	e := NewEngine(ix, m, EngineOptions{})
	questions := ExamplesFromDataset(dev)
	ctx := context.Background()
	for _, q := range questions[:50] { // warm the caches
		e.Ask(ctx, q.Question, 3)
	}
	b.ResetTimer()
	var lat []time.Duration
	for i := 0; i < b.N; i++ {
		for _, q := range questions {
			t := time.Now()
			if _, err := e.Ask(ctx, q.Question, 3); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(t))
		}
	}
	b.StopTimer()
	sort.Slice(lat, func(x, y int) bool { return lat[x] < lat[y] })
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
	b.ReportMetric(ms(lat[len(lat)*99/100]), "p99-ms")
	b.ReportMetric(float64(len(passages)), "passages")
	b.ReportMetric(buildTime.Seconds(), "index-build-s")
	runtime.GC()
	var ms2 runtime.MemStats
	runtime.ReadMemStats(&ms2)
	b.ReportMetric(float64(ms2.HeapInuse)/(1<<20), "heap-MB")
	if rss := residentMB(); rss > 0 {
		b.ReportMetric(rss, "rss-MB")
	}
	runtime.KeepAlive(e)
}

// benchCollection builds n passages from PIAF, the service-public.fr fiches
// and synthetic passages of sentences drawn from both.
func benchCollection(b *testing.B, piaf *squad.Dataset, n int) []Passage {
	passages := PassagesFromDataset(piaf, "piaf:")
	zr, err := zip.OpenReader(shareddata.Require(b, "service_public_fiches/service_public_fr_fiches_txt_v2.zip"))
	if err != nil {
		b.Fatal(err)
	}
	defer zr.Close()
	spf, err := PassagesFromZip(&zr.Reader, 0)
	if err != nil {
		b.Fatal(err)
	}
	passages = append(passages, spf...)
	var sentences []string
	for _, p := range passages {
		for _, s := range frtext.Sentences(p.Text) {
			sentences = append(sentences, frtext.Slice(p.Text, s.Start, s.End))
		}
	}
	rng := rand.New(rand.NewPCG(42, 42))
	for k := 0; len(passages) < n; k++ {
		var parts []string
		for j := 0; j < 5; j++ {
			parts = append(parts, sentences[rng.IntN(len(sentences))])
		}
		passages = append(passages, Passage{ID: "synthetic:" + strconv.Itoa(k), DocumentID: "synthetic", Title: fmt.Sprintf("Synthèse %d", k), Text: strings.Join(parts, " ")})
	}
	return passages[:n]
}

// residentMB reads the process's resident set size from /proc (Linux), 0
// elsewhere.
func residentMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				kb, _ := strconv.ParseFloat(f[1], 64)
				return kb / 1024
			}
		}
	}
	return 0
}

// BenchmarkLoadModel measures how long loading a model file takes (target:
// under a second).
func BenchmarkLoadModel(b *testing.B) {
	_, train, _ := benchSplit(b)
	m := benchModel(b, train)
	var buf strings.Builder
	if err := m.Save(&buf); err != nil {
		b.Fatal(err)
	}
	data := buf.String()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := LoadModel(strings.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(data))/(1<<20), "file-MB")
}
