// Package dataio moves corpora in and out of PIAF: imports of SQuAD JSON
// (v1.1 and v2.0), JSONL and CSV documents, and plain text or Markdown, as
// a streaming, all-or-nothing, idempotent job; and the streaming SQuAD
// export that releases and round trips use.
package dataio

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
	"gorm.io/gorm"

	"github.com/lab-ia/piaf/backend/internal/apperr"
	"github.com/lab-ia/piaf/backend/internal/corpus"
	"github.com/lab-ia/piaf/backend/internal/database"
)

// Format is an import file's format.
type Format string

// The import formats.
const (
	FormatSQuAD    Format = "squad"
	FormatJSONL    Format = "jsonl"
	FormatCSV      Format = "csv"
	FormatText     Format = "text"
	FormatMarkdown Format = "markdown"
)

// Formats lists the accepted formats.
var Formats = []Format{FormatSQuAD, FormatJSONL, FormatCSV, FormatText, FormatMarkdown}

// DetectFormat guesses a format from a file name.
func DetectFormat(name string) (Format, error) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".json":
		return FormatSQuAD, nil
	case ".jsonl", ".ndjson":
		return FormatJSONL, nil
	case ".csv":
		return FormatCSV, nil
	case ".txt":
		return FormatText, nil
	case ".md", ".markdown":
		return FormatMarkdown, nil
	}
	return "", apperr.New(apperr.Unprocessable, "unknown_format", "cannot tell the format from the file name: use .json (SQuAD), .jsonl, .csv, .txt or .md, or say the format")
}

// Options tunes an import.
type Options struct {
	Format Format
	// Filename names the source (title of text and Markdown documents).
	Filename string
	// PreAccept marks imported questions and answers accepted.
	PreAccept bool
	// UpdateExisting brings questions already imported (same paragraph and
	// id) to the file's content: text and answers, and rejects imported
	// questions of the file's paragraphs that it no longer holds, each
	// change recorded as a revision. Importing a newer version of a dataset
	// (PIAF v1.1 after v1.0) uses it; a plain re-import leaves existing
	// questions alone.
	UpdateExisting bool
	Split          SplitOptions
}

// Rejection is a row that was not imported, with where it was and why.
type Rejection struct {
	Location string `json:"location" required:"true"`
	Reason   string `json:"reason" required:"true"`
}

// Report tells what an import did.
type Report struct {
	Documents          int         `json:"documents" required:"true"`
	Paragraphs         int         `json:"paragraphs" required:"true"`
	ParagraphsNew      int         `json:"paragraphs_new" required:"true"`
	ParagraphsTooShort int         `json:"paragraphs_too_short" required:"true"`
	Questions          int         `json:"questions" required:"true"`
	QuestionsNew       int         `json:"questions_new" required:"true"`
	QuestionsUpdated   int         `json:"questions_updated" required:"true"`
	QuestionsRetired   int         `json:"questions_retired" required:"true"`
	AnswersNew         int         `json:"answers_new" required:"true"`
	RejectedCount      int         `json:"rejected_count" required:"true"`
	Rejected           []Rejection `json:"rejected" required:"true"`
}

// maxReported bounds the rejections listed in a report (all are counted).
const maxReported = 1000

func (r *Report) reject(location, reason string) {
	r.RejectedCount++
	if len(r.Rejected) < maxReported {
		r.Rejected = append(r.Rejected, Rejection{Location: location, Reason: reason})
	}
}

// Progress receives the bytes read so far out of the total.
type Progress func(done, total int64)

// Importer writes imported corpora into campaigns.
type Importer struct {
	db *database.DB
}

// NewImporter binds the importer to a database.
func NewImporter(db *database.DB) *Importer { return &Importer{db: db} }

// ErrTooLarge refuses a single JSONL line, CSV cell or SQuAD article that
// would not fit the import's bounded memory.
var ErrTooLarge = apperr.New(apperr.Unprocessable, "row_too_large", "a row of the file is larger than 10 MB")

const maxRow = 10 << 20

// Import reads r (size bytes, 0 when unknown) into the campaign, in one
// transaction: a failure half-way (I/O, database) leaves nothing behind.
// Rows that cannot be imported are listed in the report, and the rest is.
// Importing the same file again adds nothing (content hashes and question
// ids deduplicate).
func (im *Importer) Import(ctx context.Context, campaignID int64, r io.Reader, size int64, opts Options, progress Progress) (*Report, error) {
	rep := &Report{Rejected: []Rejection{}}
	cr := &countingReader{r: r, total: size, report: progress}
	err := im.db.Transaction(ctx, func(tx *gorm.DB) error {
		var c corpus.Campaign
		if err := tx.First(&c, campaignID).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return corpus.ErrCampaignNotFound
			}
			return err
		}
		w := &writer{tx: tx, campaign: &c, opts: opts, report: rep, now: time.Now().UTC()}
		switch opts.Format {
		case FormatSQuAD:
			return w.squad(ctx, cr)
		case FormatJSONL:
			return w.jsonl(ctx, cr)
		case FormatCSV:
			return w.csv(ctx, cr)
		case FormatText, FormatMarkdown:
			return w.text(ctx, cr)
		}
		return apperr.New(apperr.Unprocessable, "unknown_format", "unknown format "+string(opts.Format))
	})
	cr.flush()
	if err != nil {
		return nil, err
	}
	if rep.ParagraphsNew >= analyzeAfter {
		// A large import changes the tables' size by orders of magnitude;
		// until the statistics catch up (autovacuum, a minute or more
		// later) the planner believes them tiny and walks every open
		// paragraph in id order to assign a task. Refreshing them now is
		// an optimisation only: the import is committed whatever happens.
		// Tables the import left empty are not analysed: statistics saying
		// "empty" are believed even after the first minute of annotation
		// has written tens of thousands of questions (the planner then
		// scanned the whole questions table for every task: 25 ms a task
		// in the load benchmark), whereas a table never analysed is sized
		// from its pages as it grows.
		tables := []string{"documents", "paragraphs"}
		if rep.QuestionsNew > 0 {
			tables = append(tables, "questions")
		}
		if rep.AnswersNew > 0 {
			tables = append(tables, "answers")
		}
		_ = im.db.Analyze(ctx, tables...)
	}
	return rep, nil
}

// analyzeAfter is how many new paragraphs make an import refresh the
// planner's statistics.
const analyzeAfter = 1000

// countingReader reports how far the import has read.
type countingReader struct {
	r      io.Reader
	n      int64
	total  int64
	report Progress
	last   time.Time
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.report != nil && time.Since(c.last) > 200*time.Millisecond {
		c.last = time.Now()
		c.report(c.n, c.total)
	}
	return n, err
}

func (c *countingReader) flush() {
	if c.report != nil {
		c.report(c.n, max(c.total, c.n))
	}
}

// docRow is a document of a JSONL or CSV file.
type docRow struct {
	Title     string `json:"title"`
	Text      string `json:"text"`
	SourceURL string `json:"source_url"`
	License   string `json:"license"`
	Theme     string `json:"theme"`
}

func (w *writer) jsonl(ctx context.Context, r io.Reader) error {
	br := bufio.NewReaderSize(r, 64<<10)
	for line := 1; ; line++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		raw, err := readLine(br)
		if errors.Is(err, io.EOF) && len(raw) == 0 {
			return nil
		}
		if errors.Is(err, ErrTooLarge) {
			return ErrTooLarge.WithDetails("location", fmt.Sprintf("line %d", line))
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		if strings.TrimSpace(string(raw)) != "" {
			var row docRow
			dec := json.NewDecoder(strings.NewReader(string(raw)))
			dec.DisallowUnknownFields()
			if derr := dec.Decode(&row); derr != nil {
				w.report.reject(fmt.Sprintf("line %d", line), "not a JSON object with title, text, source_url, license, theme: "+derr.Error())
			} else if werr := w.document(row, fmt.Sprintf("line %d", line)); werr != nil {
				return werr
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
	}
}

// readLine reads one line of at most maxRow bytes.
func readLine(br *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, isPrefix, err := br.ReadLine()
		line = append(line, chunk...)
		if len(line) > maxRow {
			return nil, ErrTooLarge
		}
		if err != nil {
			return line, err
		}
		if !isPrefix {
			return line, nil
		}
	}
}

func (w *writer) csv(ctx context.Context, r io.Reader) error {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return apperr.Wrap(apperr.Unprocessable, "invalid_csv", "the CSV file has no header row", err)
	}
	cols := map[string]int{}
	for i, h := range header {
		cols[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	if _, ok := cols["text"]; !ok {
		return apperr.New(apperr.Unprocessable, "invalid_csv", "the CSV header must name a text column (and title, source_url, license, theme)")
	}
	get := func(rec []string, name string) string {
		if i, ok := cols[name]; ok && i < len(rec) {
			return rec[i]
		}
		return ""
	}
	for row := 2; ; row++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		loc := fmt.Sprintf("row %d", row)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				w.report.reject(loc, pe.Err.Error())
				continue
			}
			return err
		}
		d := docRow{Title: get(rec, "title"), Text: get(rec, "text"), SourceURL: get(rec, "source_url"), License: get(rec, "license"), Theme: get(rec, "theme")}
		if len(d.Text) > maxRow {
			w.report.reject(loc, "text larger than 10 MB")
			continue
		}
		if err := w.document(d, loc); err != nil {
			return err
		}
	}
}

// text reads plain text or Markdown as one document, paragraph by
// paragraph, without holding the file in memory.
func (w *writer) text(ctx context.Context, r io.Reader) error {
	title := strings.TrimSuffix(filepath.Base(w.opts.Filename), filepath.Ext(w.opts.Filename))
	br := bufio.NewReaderSize(r, 64<<10)
	var doc *corpus.Document
	var block strings.Builder
	position := 0
	flush := func() error {
		if block.Len() == 0 {
			return nil
		}
		text := block.String()
		block.Reset()
		if doc == nil {
			if title == "" {
				title = "Document importé"
			}
			d, err := w.findOrCreateDocument(docRow{Title: title})
			if err != nil {
				return err
			}
			doc = d
		}
		res := SplitParagraphs(text, w.opts.Split)
		w.report.ParagraphsTooShort += res.TooShort
		for _, p := range res.Paragraphs {
			if _, _, err := w.paragraph(doc, position, p); err != nil {
				return err
			}
			position++
		}
		return nil
	}
	markdown := w.opts.Format == FormatMarkdown
	for line := 1; ; line++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		raw, err := readLine(br)
		if errors.Is(err, ErrTooLarge) {
			return ErrTooLarge.WithDetails("location", fmt.Sprintf("line %d", line))
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		l := strings.TrimRight(string(raw), "\r")
		if !utf8.ValidString(l) {
			w.report.reject(fmt.Sprintf("line %d", line), "not valid UTF-8")
			l = ""
		}
		trimmed := strings.TrimSpace(l)
		switch {
		case markdown && strings.HasPrefix(trimmed, "#"):
			if ferr := flush(); ferr != nil {
				return ferr
			}
			if doc == nil && strings.HasPrefix(trimmed, "# ") {
				title = strings.TrimSpace(strings.TrimLeft(trimmed, "#"))
			}
		case trimmed == "":
			if ferr := flush(); ferr != nil {
				return ferr
			}
		default:
			if markdown {
				trimmed = strings.TrimLeft(trimmed, "*->+ ")
			}
			block.WriteString(trimmed)
			block.WriteByte(' ')
			if block.Len() > maxRow {
				return ErrTooLarge.WithDetails("location", fmt.Sprintf("line %d", line))
			}
		}
		if errors.Is(err, io.EOF) {
			return flush()
		}
	}
}

// normalize puts imported text in NFC.
func normalize(s string) string { return norm.NFC.String(strings.TrimSpace(s)) }

// wrapFormat turns a decoding failure into a clear refusal of the file.
func wrapFormat(err error) error {
	return apperr.Wrap(apperr.Unprocessable, "invalid_squad", "the file is not SQuAD JSON: "+err.Error(), err)
}
