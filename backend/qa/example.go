package qa

import (
	"hash/fnv"
	"math"
	"sort"
	"strconv"

	"github.com/lab-ia/piaf/backend/qa/squad"
)

// Example is one question with its paragraph and gold answers, the unit of
// training and evaluation. PassageID links it to the passage built from the
// same paragraph by PassagesFromDataset, for open-mode evaluation.
type Example struct {
	// ID is the question id, the key of predictions files.
	ID string
	// Question is the question text.
	Question string
	// Context is the paragraph the question was asked about.
	Context string
	// Title is the article title.
	Title string
	// PassageID names the paragraph's passage (PassageIDFor), to check
	// retrieval in open mode.
	PassageID string
	// Answers are the gold spans; Start counts code points in Context.
	Answers []squad.Answer
}

// GoldTexts returns the answer texts, the form the metrics take.
func (e Example) GoldTexts() []string {
	out := make([]string, len(e.Answers))
	for i, a := range e.Answers {
		out[i] = a.Text
	}
	return out
}

// ExamplesFromDataset flattens a SQuAD dataset into examples, in file order.
func ExamplesFromDataset(d *squad.Dataset) []Example {
	var out []Example
	for ai, a := range d.Data {
		for pi, p := range a.Paragraphs {
			pid := PassageIDFor("", ai, pi)
			for _, q := range p.QAs {
				out = append(out, Example{
					ID: q.ID, Question: q.Question, Context: p.Context, Title: a.Title,
					PassageID: pid, Answers: q.Answers,
				})
			}
		}
	}
	return out
}

// PassageIDFor names the passage of paragraph pi of article ai of a dataset;
// prefix distinguishes datasets indexed together (empty for the evaluated
// file).
func PassageIDFor(prefix string, ai, pi int) string {
	return prefix + strconv.Itoa(ai) + "/" + strconv.Itoa(pi)
}

// PassagesFromDataset turns every paragraph of a dataset into a passage, with
// the IDs PassageIDFor gives and the article title as title and document.
func PassagesFromDataset(d *squad.Dataset, prefix string) []Passage {
	var out []Passage
	for ai, a := range d.Data {
		doc := prefix + strconv.Itoa(ai)
		for pi, p := range a.Paragraphs {
			out = append(out, Passage{ID: PassageIDFor(prefix, ai, pi), DocumentID: doc, Title: a.Title, Text: p.Context})
		}
	}
	return out
}

// SplitByArticle splits a dataset into train and dev parts by article, so
// that the dev figures measure generalisation to unseen articles, as the
// lab's held-out evaluation does. The choice depends only on the article
// titles and the seed (articles are ranked by a seeded hash of their title
// and the first devFraction go to dev), so it is stable across runs and file
// orders. Both parts keep the original article order.
func SplitByArticle(d *squad.Dataset, devFraction float64, seed uint64) (train, dev *squad.Dataset) {
	type ranked struct {
		idx  int
		hash uint64
	}
	rs := make([]ranked, len(d.Data))
	for i, a := range d.Data {
		h := fnv.New64a()
		var s [8]byte
		for k := range s {
			s[k] = byte(seed >> (8 * k))
		}
		h.Write(s[:])
		h.Write([]byte(a.Title))
		rs[i] = ranked{i, h.Sum64()}
	}
	sort.Slice(rs, func(a, b int) bool {
		if rs[a].hash != rs[b].hash {
			return rs[a].hash < rs[b].hash
		}
		return rs[a].idx < rs[b].idx
	})
	nDev := int(math.Round(devFraction * float64(len(d.Data))))
	isDev := make([]bool, len(d.Data))
	for _, r := range rs[:nDev] {
		isDev[r.idx] = true
	}
	train = &squad.Dataset{Version: d.Version}
	dev = &squad.Dataset{Version: d.Version}
	for i, a := range d.Data {
		if isDev[i] {
			dev.Data = append(dev.Data, a)
		} else {
			train.Data = append(train.Data, a)
		}
	}
	return train, dev
}
