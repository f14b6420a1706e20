package dataio

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/lab-ia/piaf/backend/internal/annotate"
	"github.com/lab-ia/piaf/backend/internal/corpus"
	"github.com/lab-ia/piaf/backend/internal/database"
)

// Exporter writes campaigns out as SQuAD JSON.
type Exporter struct {
	db *database.DB
}

// NewExporter binds the exporter to a database.
func NewExporter(db *database.DB) *Exporter { return &Exporter{db: db} }

// ExportOptions selects what is exported.
type ExportOptions struct {
	// States are the question (and answer) states exported; empty means
	// accepted only, what a release contains.
	States []string
}

// ExportCounts tells what was written.
type ExportCounts struct {
	Articles   int `json:"articles"`
	Paragraphs int `json:"paragraphs"`
	Questions  int `json:"questions"`
	Answers    int `json:"answers"`
}

// Article is a SQuAD article with PIAF's extras (theme, source, licence).
type Article struct {
	Title      string      `json:"title"`
	Theme      string      `json:"categorie,omitempty"`
	SourceURL  string      `json:"source_url,omitempty"`
	License    string      `json:"license,omitempty"`
	Paragraphs []Paragraph `json:"paragraphs"`
}

// Paragraph is a SQuAD paragraph.
type Paragraph struct {
	Context string `json:"context"`
	QAs     []QA   `json:"qas"`
}

// QA is a SQuAD question with its answers (the original first).
type QA struct {
	ID       string   `json:"id"`
	Question string   `json:"question"`
	Answers  []Answer `json:"answers"`
}

// Answer is a SQuAD answer; AnswerStart counts code points.
type Answer struct {
	AnswerStart int    `json:"answer_start"`
	Text        string `json:"text"`
}

// QuestionID is the SQuAD id of a question: its imported id, or one made
// from PIAF's.
func QuestionID(q *annotate.Question) string {
	if q.ExternalID != "" {
		return q.ExternalID
	}
	return "piaf-" + strconv.FormatInt(q.ID, 10)
}

// SQuAD streams the campaign as SQuAD v1.1 JSON, one document at a time,
// so memory does not grow with the campaign.
func (e *Exporter) SQuAD(ctx context.Context, out io.Writer, campaignID int64, opts ExportOptions) (ExportCounts, error) {
	var counts ExportCounts
	var c corpus.Campaign
	if err := e.db.WithContext(ctx).First(&c, campaignID).Error; err != nil {
		return counts, corpus.ErrCampaignNotFound
	}
	w := NewSQuADWriter(out, "piaf-"+c.Slug)
	err := NewReader(e.db).Documents(ctx, campaignID, ReadOptions{States: opts.States}, func(d *Doc) error {
		counts.Articles++
		for _, p := range d.Paragraphs {
			counts.Paragraphs++
			counts.Questions += len(p.Questions)
			for _, q := range p.Questions {
				counts.Answers += len(q.Answers)
			}
		}
		return w.Write(ArticleOf(d))
	})
	if err != nil {
		return counts, err
	}
	return counts, w.Close()
}

// ArticleOf converts a document to its SQuAD article.
func ArticleOf(d *Doc) Article {
	a := Article{Title: d.Title, Theme: d.Theme, SourceURL: d.SourceURL, License: d.License, Paragraphs: make([]Paragraph, len(d.Paragraphs))}
	for i, p := range d.Paragraphs {
		qas := make([]QA, len(p.Questions))
		for j, q := range p.Questions {
			answers := make([]Answer, len(q.Answers))
			for k, an := range q.Answers {
				answers[k] = Answer{AnswerStart: an.Start, Text: an.Text}
			}
			qas[j] = QA{ID: q.ID, Question: q.Text, Answers: answers}
		}
		a.Paragraphs[i] = Paragraph{Context: p.Text, QAs: qas}
	}
	return a
}

// SQuADWriter writes a SQuAD v1.1 file article by article.
type SQuADWriter struct {
	w     *bufio.Writer
	enc   *json.Encoder
	first bool
	err   error
}

// NewSQuADWriter starts a SQuAD file whose "version" field is version.
func NewSQuADWriter(out io.Writer, version string) *SQuADWriter {
	w := bufio.NewWriterSize(out, 64<<10)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	v, _ := json.Marshal(version)
	_, err := fmt.Fprintf(w, `{"version":%s,"data":[`, v)
	return &SQuADWriter{w: w, enc: enc, first: true, err: err}
}

// Write appends one article.
func (s *SQuADWriter) Write(a Article) error {
	if s.err != nil {
		return s.err
	}
	if !s.first {
		s.err = s.w.WriteByte(',')
	}
	s.first = false
	if s.err == nil {
		s.err = s.enc.Encode(a)
	}
	return s.err
}

// Close ends the file and flushes it.
func (s *SQuADWriter) Close() error {
	if s.err != nil {
		return s.err
	}
	if _, err := s.w.WriteString("]}\n"); err != nil {
		return err
	}
	return s.w.Flush()
}
