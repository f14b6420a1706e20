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
	states := opts.States
	if len(states) == 0 {
		states = []string{annotate.StateAccepted}
	}
	var c corpus.Campaign
	if err := e.db.WithContext(ctx).First(&c, campaignID).Error; err != nil {
		return counts, corpus.ErrCampaignNotFound
	}
	w := bufio.NewWriterSize(out, 64<<10)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	version, _ := json.Marshal("piaf-" + c.Slug)
	fmt.Fprintf(w, `{"version":%s,"data":[`, version)
	first := true
	var lastID int64
	for {
		var docs []corpus.Document
		if err := e.db.WithContext(ctx).Where("campaign_id = ? AND id > ?", campaignID, lastID).Order("id").Limit(100).Find(&docs).Error; err != nil {
			return counts, err
		}
		if len(docs) == 0 {
			break
		}
		lastID = docs[len(docs)-1].ID
		for i := range docs {
			a, err := e.article(ctx, &docs[i], states, &counts)
			if err != nil {
				return counts, err
			}
			if len(a.Paragraphs) == 0 {
				continue
			}
			if !first {
				_ = w.WriteByte(',')
			}
			first = false
			if err := enc.Encode(a); err != nil {
				return counts, err
			}
			counts.Articles++
		}
	}
	if _, err := w.WriteString("]}\n"); err != nil {
		return counts, err
	}
	return counts, w.Flush()
}

func (e *Exporter) article(ctx context.Context, d *corpus.Document, states []string, counts *ExportCounts) (Article, error) {
	a := Article{Title: d.Title, Theme: d.Theme, SourceURL: d.SourceURL, License: d.License}
	db := e.db.WithContext(ctx)
	var paras []corpus.Paragraph
	if err := db.Where("document_id = ?", d.ID).Order("position, id").Find(&paras).Error; err != nil {
		return a, err
	}
	if len(paras) == 0 {
		return a, nil
	}
	ids := make([]int64, len(paras))
	for i, p := range paras {
		ids[i] = p.ID
	}
	var qs []annotate.Question
	if err := db.Where("paragraph_id IN ? AND state IN ?", ids, states).Order("paragraph_id, id").Find(&qs).Error; err != nil {
		return a, err
	}
	qids := make([]int64, len(qs))
	for i, q := range qs {
		qids[i] = q.ID
	}
	answers := map[int64][]Answer{}
	if len(qids) > 0 {
		var as []annotate.Answer
		if err := db.Where("question_id IN ? AND state IN ?", qids, states).
			Order("question_id, CASE WHEN kind = 'original' THEN 0 ELSE 1 END, id").Find(&as).Error; err != nil {
			return a, err
		}
		for _, an := range as {
			answers[an.QuestionID] = append(answers[an.QuestionID], Answer{AnswerStart: an.StartOffset, Text: an.Text})
		}
	}
	byPara := map[int64][]QA{}
	for i := range qs {
		q := &qs[i]
		if len(answers[q.ID]) == 0 {
			continue
		}
		byPara[q.ParagraphID] = append(byPara[q.ParagraphID], QA{ID: QuestionID(q), Question: q.Text, Answers: answers[q.ID]})
		counts.Questions++
		counts.Answers += len(answers[q.ID])
	}
	for _, p := range paras {
		if qas := byPara[p.ID]; len(qas) > 0 {
			a.Paragraphs = append(a.Paragraphs, Paragraph{Context: p.Text, QAs: qas})
			counts.Paragraphs++
		}
	}
	return a, nil
}
