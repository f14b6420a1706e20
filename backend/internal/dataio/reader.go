package dataio

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/lab-ia/piaf/backend/internal/annotate"
	"github.com/lab-ia/piaf/backend/internal/corpus"
	"github.com/lab-ia/piaf/backend/internal/database"
)

// Doc is one document as exports and releases read it: its paragraphs
// that hold at least one selected question, in order.
type Doc struct {
	ID         int64
	Title      string
	Theme      string
	SourceURL  string
	License    string
	Paragraphs []Para
}

// Para is a paragraph with its selected questions.
type Para struct {
	ID        int64
	Text      string
	Questions []DocQuestion
}

// DocQuestion is a question with its selected answers, the author's own first.
type DocQuestion struct {
	QuestionID       int64
	ID               string
	Text             string
	AuthorID         int64
	Source           string
	GuidelineVersion int
	CreatedAt        time.Time
	Answers          []DocAnswer
	// History is the question's revisions, oldest first, when asked for.
	History []Revision
}

// DocAnswer is an answer span; Start counts code points.
type DocAnswer struct {
	Start    int
	Text     string
	AuthorID int64
}

// Revision is one recorded change of a question or of one of its answers.
type Revision struct {
	ActorID   int64
	Source    string
	Action    string
	Before    string
	After     string
	CreatedAt time.Time
}

// Reader streams a campaign's documents in order with a bounded number of
// queries (three or four per chunk of paragraphs) and bounded memory (one
// chunk): what makes exports of 100,000 questions cost about what the
// database needs to read them.
type Reader struct {
	db *database.DB
	// ChunkParagraphs is how many paragraphs are read per round (default 1000).
	ChunkParagraphs int
}

// NewReader binds a reader to a database.
func NewReader(db *database.DB) *Reader { return &Reader{db: db, ChunkParagraphs: 1000} }

// ReadOptions select what is read.
type ReadOptions struct {
	// States are the question and answer states read; empty means accepted.
	States []string
	// History also reads each question's revisions.
	History bool
}

// Documents calls fn with each document of the campaign holding selected
// questions, in document order (id), paragraphs in their order. fn must not
// keep the Doc after returning.
func (r *Reader) Documents(ctx context.Context, campaignID int64, opts ReadOptions, fn func(*Doc) error) error {
	states := opts.States
	if len(states) == 0 {
		states = []string{annotate.StateAccepted}
	}
	chunk := r.ChunkParagraphs
	if chunk <= 0 {
		chunk = 1000
	}
	db := r.db.WithContext(ctx)
	var pending *Doc
	var lastDoc, lastPos, lastID int64 = -1, -1, -1
	for {
		rows, err := db.Raw(`SELECT p.id, p.document_id, p.position, p.text FROM paragraphs p
			WHERE p.campaign_id = ? AND p.status <> ? AND (p.document_id, p.position, p.id) > (?, ?, ?)
			AND EXISTS (SELECT 1 FROM questions q WHERE q.paragraph_id = p.id AND q.state IN ?)
			ORDER BY p.document_id, p.position, p.id LIMIT ?`,
			campaignID, corpus.ParagraphExcluded, lastDoc, lastPos, lastID, states, chunk).Rows()
		if err != nil {
			return err
		}
		type paraRow struct {
			id, doc int64
			text    string
		}
		var paras []paraRow
		for rows.Next() {
			var p paraRow
			var pos int64
			if err := rows.Scan(&p.id, &p.doc, &pos, &p.text); err != nil {
				rows.Close()
				return err
			}
			paras = append(paras, p)
			lastDoc, lastPos, lastID = p.doc, pos, p.id
		}
		if err := closeRows(rows); err != nil {
			return err
		}
		if len(paras) == 0 {
			break
		}
		ids := make([]int64, len(paras))
		for i, p := range paras {
			ids[i] = p.id
		}
		qas, err := r.questions(ctx, ids, states, opts.History)
		if err != nil {
			return err
		}
		docIDs := make([]int64, 0, 16)
		for _, p := range paras {
			if len(docIDs) == 0 || docIDs[len(docIDs)-1] != p.doc {
				docIDs = append(docIDs, p.doc)
			}
		}
		docs, err := r.documents(ctx, docIDs)
		if err != nil {
			return err
		}
		for _, p := range paras {
			if pending == nil || pending.ID != p.doc {
				if pending != nil && len(pending.Paragraphs) > 0 {
					if err := fn(pending); err != nil {
						return err
					}
				}
				d, ok := docs[p.doc]
				if !ok {
					return fmt.Errorf("document %d of paragraph %d not found", p.doc, p.id)
				}
				pending = d
			}
			if q := qas[p.id]; len(q) > 0 {
				pending.Paragraphs = append(pending.Paragraphs, Para{ID: p.id, Text: p.text, Questions: q})
			}
		}
		if len(paras) < chunk {
			break
		}
	}
	if pending != nil && len(pending.Paragraphs) > 0 {
		return fn(pending)
	}
	return nil
}

// documents reads a chunk's documents in one query.
func (r *Reader) documents(ctx context.Context, ids []int64) (map[int64]*Doc, error) {
	var ds []corpus.Document
	if err := r.db.WithContext(ctx).Where("id IN ?", ids).Find(&ds).Error; err != nil {
		return nil, err
	}
	out := make(map[int64]*Doc, len(ds))
	for _, d := range ds {
		out[d.ID] = &Doc{ID: d.ID, Title: d.Title, Theme: d.Theme, SourceURL: d.SourceURL, License: d.License}
	}
	return out, nil
}

// questions reads the selected questions and answers of the paragraphs,
// grouped by paragraph, each question's original answer first.
func (r *Reader) questions(ctx context.Context, paragraphIDs []int64, states []string, history bool) (map[int64][]DocQuestion, error) {
	rows, err := r.db.WithContext(ctx).Raw(`SELECT q.id, q.paragraph_id, q.external_id, q.text, q.author_id, q.source, q.guideline_version, q.created_at,
			a.start_offset, a.text, a.author_id
		FROM questions q JOIN answers a ON a.question_id = q.id
		WHERE q.paragraph_id IN ? AND q.state IN ? AND a.state IN ?
		ORDER BY q.paragraph_id, q.id, CASE WHEN a.kind = ? THEN 0 ELSE 1 END, a.id`,
		paragraphIDs, states, states, annotate.KindOriginal).Rows()
	if err != nil {
		return nil, err
	}
	out := make(map[int64][]DocQuestion, len(paragraphIDs))
	var cur *DocQuestion
	var curPara int64
	var qids []int64
	for rows.Next() {
		var qid, pid, author, ansAuthor int64
		var ext, text, source, ansText string
		var gv, start int
		var created time.Time
		if err := rows.Scan(&qid, &pid, &ext, &text, &author, &source, &gv, &created, &start, &ansText, &ansAuthor); err != nil {
			rows.Close()
			return nil, err
		}
		if cur == nil || cur.QuestionID != qid {
			if cur != nil {
				out[curPara] = append(out[curPara], *cur)
			}
			id := ext
			if id == "" {
				id = QuestionID(&annotate.Question{ID: qid})
			}
			cur = &DocQuestion{QuestionID: qid, ID: id, Text: text, AuthorID: author, Source: source, GuidelineVersion: gv, CreatedAt: created.UTC()}
			curPara = pid
			qids = append(qids, qid)
		}
		cur.Answers = append(cur.Answers, DocAnswer{Start: start, Text: ansText, AuthorID: ansAuthor})
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}
	if cur != nil {
		out[curPara] = append(out[curPara], *cur)
	}
	if history && len(qids) > 0 {
		if err := r.history(ctx, qids, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// history attaches each question's revisions.
func (r *Reader) history(ctx context.Context, qids []int64, byPara map[int64][]DocQuestion) error {
	index := make(map[int64]*DocQuestion, len(qids))
	for pid := range byPara {
		for i := range byPara[pid] {
			index[byPara[pid][i].QuestionID] = &byPara[pid][i]
		}
	}
	for start := 0; start < len(qids); start += 5000 {
		end := min(start+5000, len(qids))
		rows, err := r.db.WithContext(ctx).Raw(`SELECT question_id, COALESCE(actor_id, 0), source, action, before, after, created_at
			FROM revisions WHERE question_id IN ? ORDER BY question_id, id`, qids[start:end]).Rows()
		if err != nil {
			return err
		}
		for rows.Next() {
			var qid int64
			var rev Revision
			if err := rows.Scan(&qid, &rev.ActorID, &rev.Source, &rev.Action, &rev.Before, &rev.After, &rev.CreatedAt); err != nil {
				rows.Close()
				return err
			}
			rev.CreatedAt = rev.CreatedAt.UTC()
			if q := index[qid]; q != nil {
				q.History = append(q.History, rev)
			}
		}
		if err := closeRows(rows); err != nil {
			return err
		}
	}
	return nil
}

func closeRows(rows *sql.Rows) error {
	err := rows.Err()
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	return err
}
