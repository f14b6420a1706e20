package office

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// fuzzOpen opens arbitrary bytes as a document and, when that works,
// rewrites the whole text and opens the result again: nothing may panic,
// and the output of Rewrite must be a valid document.
func fuzzOpen(t *testing.T, data []byte, kind Kind) {
	lim := Limits{MaxInputSize: 1 << 20, MaxPartSize: 4 << 20, MaxTotalSize: 16 << 20}
	doc, err := Open(data, kind, lim)
	if err != nil {
		return
	}
	n := len([]rune(doc.Text()))
	var reps []Replacement
	if n > 0 {
		reps = append(reps, Replacement{Start: 0, End: min(n, 5), Text: "[X] & <y>"})
	}
	out, err := doc.Rewrite(reps)
	if err != nil {
		t.Fatalf("rewrite: %v", err)
	}
	if _, err := Open(out, kind, Limits{}); err != nil {
		t.Fatalf("rewritten document does not open: %v", err)
	}
}

// FuzzOpenDOCX fuzzes the .docx reader; seeds in testdata/fuzz/FuzzOpenDOCX.
func FuzzOpenDOCX(f *testing.F) {
	f.Add(sampleDOCX(f))
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzOpen(t, data, DOCX) })
}

// FuzzOpenODT fuzzes the .odt reader; seeds in testdata/fuzz/FuzzOpenODT.
func FuzzOpenODT(f *testing.F) {
	f.Add(sampleODT(f))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzOpen(t, data, ODT) })
}

// TestWriteFuzzSeeds refreshes the committed seed corpora from the sample
// documents (PIAF_WRITE_FUZZ_SEEDS=1).
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("PIAF_WRITE_FUZZ_SEEDS") != "1" {
		t.Skip("set PIAF_WRITE_FUZZ_SEEDS=1 to rewrite testdata/fuzz")
	}
	small := buildZip(t, [][2]string{{"word/document.xml", `<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>M. Jean Dupont</w:t></w:r></w:p></w:body></w:document>`}})
	for name, seeds := range map[string][][]byte{
		"FuzzOpenDOCX": {sampleDOCX(t), small},
		"FuzzOpenODT":  {sampleODT(t)},
	} {
		dir := filepath.Join("testdata", "fuzz", name)
		os.MkdirAll(dir, 0o755)
		for i, s := range seeds {
			var b bytes.Buffer
			fmt.Fprintf(&b, "go test fuzz v1\n[]byte(%q)\n", s)
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed%d", i)), b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
