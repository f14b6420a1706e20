package pseudo

import (
	"context"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
)

var benchModel = sync.OnceValues(func() (*Model, error) {
	if p := os.Getenv("PIAF_PSEUDO_MODEL"); p != "" {
		return LoadModelFile(p)
	}
	return nil, nil
})

// benchText is about 1 MB of French: the modern dev set and the start of a
// novel, repeated.
func benchText(b *testing.B) string {
	var sb strings.Builder
	for _, docs := range loadModernDev(b) {
		for _, d := range docs {
			sb.WriteString(d.Text)
			sb.WriteString("\n\n")
		}
	}
	if src, err := ReadCorpusFile("../../../shared/data/ner_7romans/BelAmi.conll"); err == nil {
		sb.WriteString(src.Documents[0].Text[:min(len(src.Documents[0].Text), 600_000)])
	}
	base := sb.String()
	for sb.Len() < 1<<20 {
		sb.WriteString(base)
	}
	return sb.String()
}

// BenchmarkDetect measures detection throughput on one core (MB/s in the
// output). With PIAF_PSEUDO_MODEL=path the tagger runs too; without, rules
// and gazetteers only. Run with -cpu 1.
func BenchmarkDetect(b *testing.B) {
	m, err := benchModel()
	if err != nil {
		b.Fatal(err)
	}
	if m == nil {
		b.Log("no PIAF_PSEUDO_MODEL: rules and gazetteers only")
	}
	det, err := NewDetector(m, DetectorOptions{})
	if err != nil {
		b.Fatal(err)
	}
	text := benchText(b)
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	cpu0 := cpuSeconds()
	for i := 0; i < b.N; i++ {
		if _, err := det.Detect(context.Background(), text); err != nil {
			b.Fatal(err)
		}
	}
	// Wall-clock MB/s suffers from other processes on a shared machine;
	// MB per CPU second (the process's user+system time, garbage collector
	// included) is the per-core figure.
	if cpu := cpuSeconds() - cpu0; cpu > 0 {
		b.ReportMetric(float64(len(text))*float64(b.N)/1e6/cpu, "MB/cpu-s")
	}
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}

// BenchmarkPseudonymize measures detection plus replacement.
func BenchmarkPseudonymize(b *testing.B) {
	det, err := NewDetector(nil, DetectorOptions{})
	if err != nil {
		b.Fatal(err)
	}
	text := benchText(b)
	ents, _ := det.Detect(context.Background(), text)
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Pseudonymize(text, ents, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
