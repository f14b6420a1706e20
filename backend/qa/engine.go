package qa

import (
	"context"
	"sort"
	"strings"
)

// Searcher finds passages for a question; *Index implements it, and tests
// or other stores can provide their own.
type Searcher interface {
	Search(ctx context.Context, query string, k int) ([]SearchHit, error)
}

// EngineOptions tune how retrieved passages are read.
type EngineOptions struct {
	// Passages is how many retrieved passages the reader reads; 0 means 5.
	Passages int
	// RetrievalWeight, times the passage's BM25 score divided by the best
	// BM25 score of the search, is added to the reader score: reader scores
	// are only loosely comparable across passages, so the retrieval rank
	// must weigh in. 0 means 4, the best of 1, 2, 4 and 8 in open mode on
	// the PIAF dev split (F1 29.9 with 5 passages read; 28.4 reading one).
	RetrievalWeight float64
}

// Engine answers questions over a collection: it retrieves passages and
// reads the best ones. It is safe for concurrent use when its Searcher and
// Reader are (Index and Model are).
type Engine struct {
	searcher Searcher
	reader   Reader
	opts     EngineOptions
}

// NewEngine combines a searcher and a reader.
func NewEngine(s Searcher, r Reader, opts EngineOptions) *Engine {
	if opts.Passages <= 0 {
		opts.Passages = 5
	}
	if opts.RetrievalWeight == 0 {
		opts.RetrievalWeight = 4
	}
	return &Engine{searcher: s, reader: r, opts: opts}
}

// Answer is an answer with the passage it was found in, everything the
// answer page needs to show and highlight it.
type Answer struct {
	// Text is the answer span as written in the passage.
	Text string `json:"text"`
	// Score ranks answers (higher is better): the reader score plus the
	// weighted, normalised retrieval score.
	Score float64 `json:"score"`
	// ReaderScore is the reader's part of Score, for debugging.
	ReaderScore float64 `json:"reader_score"`
	// RetrievalScore is the passage's raw BM25 score, for debugging.
	RetrievalScore float64 `json:"retrieval_score"`
	// PassageID identifies the passage the answer was found in, so that
	// feedback can be stored against it.
	PassageID string `json:"passage_id"`
	// DocumentID identifies the passage's document.
	DocumentID string `json:"document_id"`
	// Title is the document title, shown above the passage.
	Title string `json:"title"`
	// SourceURL links to the source document; may be empty.
	SourceURL string `json:"source_url,omitempty"`
	// Passage is the passage text the offsets index.
	Passage string `json:"passage"`
	// Start is the code-point offset of the answer in Passage.
	Start int `json:"start"`
	// End is the code-point offset just after the answer (exclusive).
	End int `json:"end"`
}

// Ask returns at most k answers to the question, best first, from the
// retrieved passages; an answer text found in several passages is given
// once, with its best score. Errors wrap ErrEmptyQuestion or
// ErrQuestionTooLong for unusable questions.
func (e *Engine) Ask(ctx context.Context, question string, k int) ([]Answer, error) {
	answers, _, err := e.ask(ctx, question, k, e.opts.Passages)
	return answers, err
}

// ask also returns the hits, searching at least minHits passages (for
// recall measures) but reading only the first opts.Passages.
func (e *Engine) ask(ctx context.Context, question string, k, minHits int) ([]Answer, []SearchHit, error) {
	if err := CheckQuestion(question); err != nil {
		return nil, nil, err
	}
	if k <= 0 {
		return nil, nil, nil
	}
	hits, err := e.searcher.Search(ctx, question, max(minHits, e.opts.Passages))
	if err != nil {
		return nil, nil, err
	}
	var answers []Answer
	for r, h := range hits {
		if r >= e.opts.Passages {
			break
		}
		spans, err := e.reader.Answers(ctx, question, h.Text, min(k, 3))
		if err != nil {
			return nil, nil, err
		}
		rel := 0.0
		if hits[0].Score > 0 {
			rel = h.Score / hits[0].Score
		}
		for _, s := range spans {
			answers = append(answers, Answer{
				Text: s.Text, Score: s.Score + e.opts.RetrievalWeight*rel, ReaderScore: s.Score, RetrievalScore: h.Score,
				PassageID: h.ID, DocumentID: h.DocumentID, Title: h.Title, SourceURL: h.SourceURL,
				Passage: h.Text, Start: s.Start, End: s.End,
			})
		}
	}
	sort.SliceStable(answers, func(a, b int) bool { return answers[a].Score > answers[b].Score })
	seen := map[string]bool{}
	out := answers[:0]
	for _, a := range answers {
		key := strings.ToLower(strings.TrimSpace(a.Text))
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, a)
		if len(out) == k {
			break
		}
	}
	return out, hits, nil
}
