package pseudo

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lab-ia/piaf/backend/shareddata"
)

// novels are the six novels of ner_7romans available to the lab's
// developers (Madame Bovary is held out by the lab).
var novels = []string{"BelAmi", "EugenieGrandet", "Germinal", "LeRougeEtLeNoir", "LesTroisMousquetaires", "NotreDameDeParis"}

// TestLeaveOneNovelOut trains on five novels (plus Europeana newspapers when
// PIAF_PSEUDO_LONO_EUROPEANA=1) and tests on the sixth, for each novel. It
// takes minutes, so it only runs with PIAF_PSEUDO_LONO=1; PIAF_PSEUDO_LONO
// may also name the novels to test, comma-separated. See
// docs/benchmarks/pseudo.md.
func TestLeaveOneNovelOut(t *testing.T) {
	which := os.Getenv("PIAF_PSEUDO_LONO")
	if which == "" {
		t.Skip("set PIAF_PSEUDO_LONO=1 to run the leave-one-novel-out evaluation (minutes)")
	}
	dir := filepath.Dir(shareddata.Require(t, "ner_7romans/BelAmi.conll"))
	sources := map[string]TrainingSource{}
	for _, n := range novels {
		s, err := ReadCorpusFile(filepath.Join(dir, n+".conll"))
		if err != nil {
			t.Fatal(err)
		}
		sources[n] = s
	}
	var extra []TrainingSource
	if os.Getenv("PIAF_PSEUDO_LONO_EUROPEANA") == "1" {
		s, err := ReadCorpusFile(shareddata.Require(t, "ner_europeana_fr/enp_FR.bnf.bio"))
		if err != nil {
			t.Fatal(err)
		}
		if w, err := strconv.ParseFloat(os.Getenv("PIAF_PSEUDO_LONO_EUROPEANA_WEIGHT"), 64); err == nil {
			s.Weight = w
		}
		extra = append(extra, s)
	}
	opts := TrainOptions{}
	if e, err := strconv.Atoi(os.Getenv("PIAF_PSEUDO_LONO_EPOCHS")); err == nil {
		opts.Epochs = e
	}
	opts.NoSourceCopies = os.Getenv("PIAF_PSEUDO_LONO_NOCOPIES") == "1"
	test := novels
	if which != "1" {
		test = strings.Split(which, ",")
	}
	var sumF1, sumPER float64
	var lines []string
	for _, held := range test {
		var train []TrainingSource
		for _, n := range novels {
			if n != held {
				train = append(train, sources[n])
			}
		}
		train = append(train, extra...)
		start := time.Now()
		m, rep, err := Train(context.Background(), train, opts, nil)
		if err != nil {
			t.Fatal(err)
		}
		trainTime := time.Since(start)
		det, err := NewDetector(m, DetectorOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ev, err := Evaluate(context.Background(), det, sources[held].Documents)
		if err != nil {
			t.Fatal(err)
		}
		per := ev.Labels[LabelPER]
		line := fmt.Sprintf("%-22s overall P %.3f R %.3f F1 %.3f | PER P %.3f R %.3f F1 %.3f | LOC F1 %.3f ORG F1 %.3f MISC F1 %.3f | train %s, %d features",
			held, ev.Overall.Precision, ev.Overall.Recall, ev.Overall.F1, per.Precision, per.Recall, per.F1,
			ev.Labels[LabelLOC].F1, ev.Labels[LabelORG].F1, ev.Labels[LabelMISC].F1, trainTime.Round(time.Second), rep.Features)
		t.Log(line)
		lines = append(lines, line)
		sumF1 += ev.Overall.F1
		sumPER += per.F1
	}
	mean := fmt.Sprintf("mean over %d novels: overall F1 %.3f, PER F1 %.3f", len(test), sumF1/float64(len(test)), sumPER/float64(len(test)))
	t.Log(mean)
	if out := os.Getenv("PIAF_PSEUDO_LONO_OUT"); out != "" {
		os.WriteFile(out, []byte(strings.Join(append(lines, mean), "\n")+"\n"), 0o644)
	}
}
