// Command gen derives the compact gazetteer data embedded in
// backend/pseudo/gazetteer/data from the lab's shared corpora:
//
//	go run ./backend/pseudo/internal/gen -out backend/pseudo/gazetteer/data
//
// (or go generate ./backend/pseudo/gazetteer). It reads, through
// backend/shareddata:
//   - names_insee/prenoms_sorted_by_count.csv: INSEE first names, births
//     1900-2022, summed over years and sexes;
//   - names_insee/noms_sorted_by_count.csv: INSEE surnames, births 1891-2000;
//   - gazetteers_fr/communes.csv: commune names (INSEE geographic code via the
//     Cour de cassation's juritools, MIT);
//   - piaf/*.json contexts (French Wikipedia, CC BY-SA) and
//     service_public_fiches (DILA, Licence Ouverte): only to count how often
//     each word is capitalised mid-sentence, a statistic; no text is kept.
//
// The output is deterministic: sorted lines, gzip without timestamps.
package main

import (
	"archive/zip"
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/lab-ia/piaf/backend/pseudo/gazetteer"
	"github.com/lab-ia/piaf/backend/pseudo/internal/tokens"
	"github.com/lab-ia/piaf/backend/shareddata"
)

func main() {
	out := flag.String("out", "backend/pseudo/gazetteer/data", "output directory of the gazetteer data")
	devDir := flag.String("devset", "", "instead, write the modern dev set's JSONL files (judilibre.jsonl, fictional.jsonl) into this directory, reading fictional/*.txt there")
	flag.Parse()
	if *devDir != "" {
		if err := writeDevset(*devDir); err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	first, err := namesWithBuckets("names_insee/prenoms_sorted_by_count.csv", "_PRENOMS_RARES")
	if err != nil {
		return err
	}
	if err := writeGz(filepath.Join(out, "firstnames.tsv.gz"), first); err != nil {
		return err
	}
	sur, err := namesWithBuckets("names_insee/noms_sorted_by_count.csv", "AUTRES NOMS")
	if err != nil {
		return err
	}
	if err := writeGz(filepath.Join(out, "surnames.tsv.gz"), sur); err != nil {
		return err
	}
	communes, err := communeLines()
	if err != nil {
		return err
	}
	if err := writeGz(filepath.Join(out, "communes.txt.gz"), communes); err != nil {
		return err
	}
	caps, err := capsLines()
	if err != nil {
		return err
	}
	if err := writeGz(filepath.Join(out, "caps.tsv.gz"), caps); err != nil {
		return err
	}
	fmt.Printf("first names %d, surnames %d, communes %d, caps words %d\n", len(first), len(sur), len(communes), len(caps))
	return nil
}

// bucket turns a birth count into 1 (1-9) .. 7 (a million or more).
func bucket(n int) int {
	if n < 1 {
		return 0
	}
	b := 1 + int(math.Log10(float64(n)))
	return min(b, 7)
}

func namesWithBuckets(rel, skip string) ([]string, error) {
	p, err := shareddata.Path(rel)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	counts := map[string]int{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", rel, err)
		}
		if len(rec) < 2 || rec[0] == skip || strings.TrimSpace(rec[0]) == "" {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(rec[1]))
		if err != nil {
			continue
		}
		counts[gazetteer.Fold(strings.TrimSpace(rec[0]))] += n
	}
	lines := make([]string, 0, len(counts))
	for k, n := range counts {
		if b := bucket(n); b > 0 {
			lines = append(lines, k+"\t"+strconv.Itoa(b))
		}
	}
	sort.Strings(lines)
	return lines, nil
}

func communeLines() ([]string, error) {
	p, err := shareddata.Path("gazetteers_fr/communes.csv")
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var lines []string
	for i, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSpace(l)
		if i == 0 || l == "" || seen[l] {
			continue
		}
		seen[l] = true
		lines = append(lines, l)
	}
	sort.Strings(lines)
	return lines, nil
}

// capsLines counts, for each folded word, how often it starts with a capital
// in the middle of a sentence, over French Wikipedia paragraphs (PIAF) and
// service-public.fr fiches.
func capsLines() ([]string, error) {
	type stat struct{ total, caps int }
	stats := map[string]*stat{}
	add := func(text string) {
		toks := tokens.Tokenize(text)
		for _, seg := range tokens.Segments(toks) {
			for i := seg.From + 1; i < seg.To; i++ {
				t := toks[i]
				r, _ := utf8.DecodeRuneInString(t.Text)
				if !unicode.IsLetter(r) || t.LineStart {
					continue
				}
				switch toks[i-1].Text {
				case ":", "«", "\"", "-", "—", "–", "(", "•", "*", ".", "!", "?", "…":
					continue
				}
				k := gazetteer.Fold(t.Text)
				s := stats[k]
				if s == nil {
					s = &stat{}
					stats[k] = s
				}
				s.total++
				if unicode.IsUpper(r) {
					s.caps++
				}
			}
		}
	}
	for _, rel := range []string{"piaf/piaf-v1.0.json", "piaf/piaf-v1.1-train.json"} {
		p, err := shareddata.Path(rel)
		if err != nil {
			return nil, err
		}
		if err := eachPiafContext(p, add); err != nil {
			return nil, fmt.Errorf("%s: %w", rel, err)
		}
	}
	p, err := shareddata.Path("service_public_fiches/service_public_fr_fiches_txt_v2.zip")
	if err != nil {
		return nil, err
	}
	zr, err := zip.OpenReader(p)
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	for _, f := range zr.File {
		if !strings.HasSuffix(f.Name, ".txt") {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(io.LimitReader(rc, 10<<20))
		rc.Close()
		if err != nil {
			return nil, err
		}
		add(string(b))
	}
	var lines []string
	for k, s := range stats {
		if s.total < 3 {
			continue
		}
		r := float64(s.caps) / float64(s.total)
		var b uint8
		switch {
		case r < 0.05:
			b = gazetteer.CapsNever
		case r < 0.3:
			b = gazetteer.CapsRarely
		case r < 0.7:
			b = gazetteer.CapsOften
		case r < 0.95:
			b = gazetteer.CapsMostly
		default:
			b = gazetteer.CapsAlways
		}
		lines = append(lines, k+"\t"+strconv.Itoa(int(b)))
	}
	sort.Strings(lines)
	return lines, nil
}

func eachPiafContext(path string, add func(string)) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var doc struct {
		Data []struct {
			Paragraphs []struct {
				Context string `json:"context"`
			} `json:"paragraphs"`
		} `json:"data"`
	}
	if err := json.NewDecoder(bufio.NewReader(f)).Decode(&doc); err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, a := range doc.Data {
		for _, p := range a.Paragraphs {
			if !seen[p.Context] {
				seen[p.Context] = true
				add(p.Context)
			}
		}
	}
	return nil
}

func writeGz(path string, lines []string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	zw, err := gzip.NewWriterLevel(f, gzip.BestCompression)
	if err != nil {
		f.Close()
		return err
	}
	w := bufio.NewWriter(zw)
	for _, l := range lines {
		w.WriteString(l)
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	if err := zw.Close(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
