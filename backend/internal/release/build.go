package release

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/lab-ia/piaf/backend/internal/annotate"
	"github.com/lab-ia/piaf/backend/internal/corpus"
	"github.com/lab-ia/piaf/backend/internal/database"
	"github.com/lab-ia/piaf/backend/internal/dataio"
	"github.com/lab-ia/piaf/backend/qa/squad"
)

// Progress receives a build's progress (jobs.Progress satisfies it; the
// CLI prints it).
type Progress interface {
	Stage(ctx context.Context, name string, total int64)
	Add(ctx context.Context, n int64)
}

// Builder writes a release's files: it assigns splits, streams the
// campaign (or an imported file) once through every format writer into a
// staging directory, then moves the files into the blob store and records
// them in one transaction. Memory holds one document at a time.
type Builder struct {
	db         *database.DB
	blobs      BlobWriter
	reader     *dataio.Reader
	stagingDir string
	secret     string
	log        *slog.Logger
}

// NewBuilder binds a builder. stagingDir holds files while they are
// written (removed afterwards); secret keys contributor pseudonyms.
func NewBuilder(db *database.DB, blobs BlobWriter, stagingDir, secret string, log *slog.Logger) *Builder {
	return &Builder{db: db, blobs: blobs, reader: dataio.NewReader(db), stagingDir: stagingDir, secret: secret, log: log}
}

// errAbandoned stops a build whose release was removed meanwhile (its job
// cancelled, an administrator's delete).
var errAbandoned = errors.New("the release is no longer being built")

// source is where a release's content comes from.
type source interface {
	stats(ctx context.Context) ([]docStats, error)
	each(ctx context.Context, fn func(*dataio.Doc) error) error
}

// campaignSource reads the campaign's accepted annotations.
type campaignSource struct {
	db         *database.DB
	reader     *dataio.Reader
	campaignID int64
}

func (s campaignSource) stats(ctx context.Context) ([]docStats, error) {
	accepted := []string{annotate.StateAccepted}
	rows, err := s.db.WithContext(ctx).Raw(`SELECT p.document_id, COUNT(*), SUM(CASE WHEN x.n > 1 THEN 1 ELSE 0 END)
		FROM (SELECT q.paragraph_id, COUNT(a.id) AS n FROM questions q JOIN answers a ON a.question_id = q.id
			WHERE q.campaign_id = ? AND q.state IN ? AND a.state IN ? GROUP BY q.id, q.paragraph_id) x
		JOIN paragraphs p ON p.id = x.paragraph_id
		WHERE p.status <> ? GROUP BY p.document_id ORDER BY p.document_id`, s.campaignID, accepted, accepted, corpus.ParagraphExcluded).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []docStats
	for rows.Next() {
		var d docStats
		if err := rows.Scan(&d.DocumentID, &d.Questions, &d.MultiAnswer); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

func (s campaignSource) each(ctx context.Context, fn func(*dataio.Doc) error) error {
	return s.reader.Documents(ctx, s.campaignID, dataio.ReadOptions{History: true}, fn)
}

// fileSource reads a SQuAD file that was imported into the campaign: the
// release holds exactly the file's questions (as the importer normalised
// them), placed in the campaign's documents for their splits.
type fileSource struct {
	db         *database.DB
	campaignID int64
	path       string
	docIDs     map[string]int64
}

func (s *fileSource) stream(ctx context.Context, fn func(*dataio.Doc) error) error {
	f, err := os.Open(s.path)
	if err != nil {
		return err
	}
	defer f.Close()
	i := -1
	_, err = squad.Stream(f, func(a squad.Article) error {
		i++
		if err := ctx.Err(); err != nil {
			return err
		}
		d, _ := dataio.DocFromSQuAD(a, fmt.Sprintf("data[%d]", i), func(string, string) {})
		if d == nil {
			return nil
		}
		kept := d.Paragraphs[:0]
		for _, p := range d.Paragraphs {
			if len(p.Questions) > 0 {
				kept = append(kept, p)
			}
		}
		if d.Paragraphs = kept; len(kept) == 0 {
			return nil
		}
		id, err := s.documentID(ctx, d.Title)
		if err != nil {
			return err
		}
		d.ID = id
		return fn(d)
	})
	return err
}

func (s *fileSource) documentID(ctx context.Context, title string) (int64, error) {
	if id, ok := s.docIDs[title]; ok {
		return id, nil
	}
	var id int64
	err := s.db.WithContext(ctx).Raw(`SELECT id FROM documents WHERE campaign_id = ? AND title = ? AND source_url = '' ORDER BY id LIMIT 1`,
		s.campaignID, title).Scan(&id).Error
	if err == nil && id == 0 {
		err = fmt.Errorf("document %q is not in the campaign: import the file before releasing it", title)
	}
	if s.docIDs == nil {
		s.docIDs = map[string]int64{}
	}
	s.docIDs[title] = id
	return id, err
}

func (s *fileSource) stats(ctx context.Context) ([]docStats, error) {
	byDoc := map[int64]*docStats{}
	var order []int64
	err := s.stream(ctx, func(d *dataio.Doc) error {
		st := byDoc[d.ID]
		if st == nil {
			st = &docStats{DocumentID: d.ID}
			byDoc[d.ID] = st
			order = append(order, d.ID)
		}
		for _, p := range d.Paragraphs {
			for _, q := range p.Questions {
				st.Questions++
				if len(q.Answers) > 1 {
					st.MultiAnswer++
				}
			}
		}
		return nil
	})
	out := make([]docStats, len(order))
	for i, id := range order {
		out[i] = *byDoc[id]
	}
	return out, err
}

func (s *fileSource) each(ctx context.Context, fn func(*dataio.Doc) error) error {
	return s.stream(ctx, fn)
}

// build writes the release's files and turns it into a draft.
func (b *Builder) build(ctx context.Context, rel *Release, src source, prog Progress) error {
	var c corpus.Campaign
	if err := b.db.WithContext(ctx).First(&c, rel.CampaignID).Error; err != nil {
		return fmt.Errorf("campaign %d: %w", rel.CampaignID, err)
	}
	pseudo, err := loadPseudonyms(ctx, b.db, b.secret)
	if err != nil {
		return err
	}
	if c.Kind == corpus.KindNER {
		return b.buildNER(ctx, rel, &c, pseudo, prog)
	}

	prog.Stage(ctx, "splits", 0)
	stats, err := src.stats(ctx)
	if err != nil {
		return err
	}
	total := 0
	for _, s := range stats {
		total += s.Questions
	}
	if total == 0 {
		return ErrNothingAccepted
	}
	splits, err := b.splits(ctx, rel, stats)
	if err != nil {
		return err
	}

	dir, err := os.MkdirTemp(b.stagingDirectory(), fmt.Sprintf("release-%d-", rel.ID))
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	w, err := newQAWriters(dir, "piaf-"+c.Slug+"-"+rel.Version)
	if err != nil {
		return err
	}
	defer w.abort()

	prog.Stage(ctx, "write", int64(total))
	sheet := newSheetStats()
	err = src.each(ctx, func(d *dataio.Doc) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		split, ok := splits[d.ID]
		if !ok {
			// Accepted after the splits were computed: it waits for the next release.
			return nil
		}
		n, err := w.document(split, d, pseudo)
		if err != nil {
			return err
		}
		sheet.document(split, d, c.License)
		prog.Add(ctx, int64(n))
		return nil
	})
	if err != nil {
		return err
	}
	contributors, err := b.countContributors(ctx, sheet.authors)
	if err != nil {
		return err
	}
	ds := sheet.sheet(rel, c.Slug, c.Description, string(c.Kind), contributors)
	files, index, err := w.finish(dir, &ds)
	if err != nil {
		return err
	}
	return b.finalize(ctx, rel, files, index, &ds, prog)
}

// finalize stores the staged files in the blob store, then, in one
// transaction, records them and turns the release into a draft, unless
// it was abandoned meanwhile.
func (b *Builder) finalize(ctx context.Context, rel *Release, files []*stagedFile, index *stagedFile, ds *Datasheet, prog Progress) error {
	prog.Stage(ctx, "store", int64(len(files)+1))
	for _, f := range append(files, index) {
		if err := f.store(ctx, b.blobs); err != nil {
			return err
		}
		prog.Add(ctx, 1)
	}
	counts := Counts{Splits: ds.Splits, Total: ds.Total}
	countsJSON, _ := json.Marshal(counts)
	sheetJSON, _ := json.Marshal(ds)
	now := time.Now().UTC()
	return b.db.Transaction(ctx, func(tx *gorm.DB) error {
		next, err := Next(StatusBuilding, ActionBuilt)
		if err != nil {
			return err
		}
		res := tx.Model(&Release{}).Where("id = ? AND status = ?", rel.ID, StatusBuilding).Updates(map[string]any{
			"status": next, "counts": string(countsJSON), "datasheet": string(sheetJSON), "index_key": index.meta.SHA256, "built_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errAbandoned
		}
		if err := tx.Where("release_id = ?", rel.ID).Delete(&File{}).Error; err != nil {
			return err
		}
		for i, f := range files {
			m := f.meta
			m.ReleaseID, m.Position = rel.ID, i
			if err := tx.Create(&m).Error; err != nil {
				return err
			}
		}
		return nil
	})
}

func (b *Builder) stagingDirectory() string {
	if b.stagingDir == "" {
		return os.TempDir()
	}
	_ = os.MkdirAll(b.stagingDir, 0o750)
	return b.stagingDir
}

// splits pins the new documents to their splits and returns every
// released document's split. Concurrent builds agree: the first insert
// wins and everyone reads back the stored assignment.
func (b *Builder) splits(ctx context.Context, rel *Release, stats []docStats) (map[int64]string, error) {
	existing, err := b.storedSplits(ctx, rel.CampaignID)
	if err != nil {
		return nil, err
	}
	fresh := assignSplits(stats, existing, Proportions{Train: rel.TrainShare, Dev: rel.DevShare, Test: rel.TestShare}, rel.Seed)
	if len(fresh) > 0 {
		rows := make([]documentSplit, 0, len(fresh))
		now := time.Now().UTC()
		for id, s := range fresh {
			rows = append(rows, documentSplit{DocumentID: id, CampaignID: rel.CampaignID, Split: s, CreatedAt: now})
		}
		if err := b.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(rows, 500).Error; err != nil {
			return nil, err
		}
		if existing, err = b.storedSplits(ctx, rel.CampaignID); err != nil {
			return nil, err
		}
	}
	return existing, nil
}

func (b *Builder) storedSplits(ctx context.Context, campaignID int64) (map[int64]string, error) {
	var rows []documentSplit
	if err := b.db.WithContext(ctx).Where("campaign_id = ?", campaignID).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make(map[int64]string, len(rows))
	for _, r := range rows {
		out[r.DocumentID] = r.Split
	}
	return out, nil
}

// countContributors counts people, not the system accounts imports use.
func (b *Builder) countContributors(ctx context.Context, authors map[int64]bool) (int, error) {
	var system []int64
	if err := b.db.WithContext(ctx).Raw(`SELECT id FROM users WHERE is_system`).Scan(&system).Error; err != nil {
		return 0, err
	}
	n := len(authors)
	for _, id := range system {
		if authors[id] {
			n--
		}
	}
	return n, nil
}

// qaWriters are the files of a question-answering release.
type qaWriters struct {
	squadVersion string
	squad        map[string]*dataio.SQuADWriter
	squadFiles   map[string]*stagedFile
	jsonl        map[string]*jsonLines
	csvFile      *stagedFile
	csv          *csv.Writer
	prov         *jsonLines
	index        *jsonLines
	staged       []*stagedFile
}

func newQAWriters(dir, version string) (*qaWriters, error) {
	w := &qaWriters{squadVersion: version, squad: map[string]*dataio.SQuADWriter{}, squadFiles: map[string]*stagedFile{}, jsonl: map[string]*jsonLines{}}
	add := func(name, format, split, media string) (*stagedFile, error) {
		f, err := newStagedFile(dir, File{Name: name, Format: format, Split: split, MediaType: media}, true)
		if err == nil {
			w.staged = append(w.staged, f)
		}
		return f, err
	}
	for _, sp := range Splits() {
		f, err := add(sp+".json", FormatSQuAD, sp, "application/json")
		if err != nil {
			return nil, err
		}
		w.squad[sp], w.squadFiles[sp] = dataio.NewSQuADWriter(f, version), f
	}
	for _, sp := range Splits() {
		f, err := add(sp+".jsonl", FormatJSONL, sp, "application/jsonl")
		if err != nil {
			return nil, err
		}
		w.jsonl[sp] = newJSONLines(f)
	}
	var err error
	if w.csvFile, err = add("questions.csv", FormatCSV, "", "text/csv; charset=utf-8"); err != nil {
		return nil, err
	}
	w.csv = csv.NewWriter(w.csvFile)
	w.csv.UseCRLF = true
	if err := w.csv.Write(csvHeader); err != nil {
		return nil, err
	}
	prov, err := add("provenance.jsonl", FormatProvenance, "", "application/jsonl")
	if err != nil {
		return nil, err
	}
	w.prov = newJSONLines(prov)
	index, err := newStagedFile(dir, File{Name: "index.jsonl", Format: "index", MediaType: "application/jsonl"}, false)
	if err != nil {
		return nil, err
	}
	w.index = newJSONLines(index)
	return w, nil
}

// document writes one document into every format and returns how many
// questions it holds.
func (w *qaWriters) document(split string, d *dataio.Doc, pseudo *contributorPseudonyms) (int, error) {
	if err := w.squad[split].Write(dataio.ArticleOf(d)); err != nil {
		return 0, err
	}
	n := 0
	for _, p := range d.Paragraphs {
		for i := range p.Questions {
			q := &p.Questions[i]
			n++
			w.squadFiles[split].row()
			row := HFRow{ID: q.ID, Title: d.Title, Context: p.Text, Question: q.Text,
				Answers: HFAnswers{Text: make([]string, len(q.Answers)), AnswerStart: make([]int, len(q.Answers))}}
			for k, a := range q.Answers {
				row.Answers.Text[k], row.Answers.AnswerStart[k] = a.Text, a.Start
				if err := w.csv.Write([]string{NeutralizeCell(q.ID), split, NeutralizeCell(d.Title), NeutralizeCell(d.Theme), NeutralizeCell(d.SourceURL),
					NeutralizeCell(p.Text), NeutralizeCell(q.Text), strconv.Itoa(k), strconv.Itoa(a.Start), NeutralizeCell(a.Text)}); err != nil {
					return n, err
				}
				w.csvFile.row()
			}
			if err := w.jsonl[split].write(row); err != nil {
				return n, err
			}
			if err := w.index.write(newIndexEntry(split, d.Title, p.Text, q)); err != nil {
				return n, err
			}
			if err := w.prov.write(provenanceOf(split, d, q, pseudo)); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// finish closes the data files, writes the datasheets (which list the data
// files' hashes) and returns the release's files and its index.
func (w *qaWriters) finish(dir string, ds *Datasheet) ([]*stagedFile, *stagedFile, error) {
	for _, sp := range Splits() {
		if err := w.squad[sp].Close(); err != nil {
			return nil, nil, err
		}
	}
	w.csv.Flush()
	if err := w.csv.Error(); err != nil {
		return nil, nil, err
	}
	var files []File
	for _, f := range w.staged {
		if err := f.finish(); err != nil {
			return nil, nil, err
		}
		files = append(files, f.meta)
	}
	if err := w.index.f.finish(); err != nil {
		return nil, nil, err
	}
	sheets, err := datasheetFiles(dir, ds, files)
	if err != nil {
		return nil, nil, err
	}
	w.staged = append(w.staged, sheets...)
	return w.staged, w.index.f, nil
}

// datasheetFiles writes the datasheet in Markdown (listing the data
// files' hashes) and in JSON.
func datasheetFiles(dir string, ds *Datasheet, files []File) ([]*stagedFile, error) {
	md, err := newStagedFile(dir, File{Name: "datasheet.md", Format: FormatDatasheetMD, MediaType: "text/markdown; charset=utf-8", RowCount: 1}, true)
	if err != nil {
		return nil, err
	}
	if err := ds.writeMarkdown(md, files); err != nil {
		md.abort()
		return nil, err
	}
	js, err := newStagedFile(dir, File{Name: "datasheet.json", Format: FormatDatasheetJSON, MediaType: "application/json", RowCount: 1}, true)
	if err != nil {
		md.abort()
		return nil, err
	}
	enc := json.NewEncoder(js)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	err = enc.Encode(ds)
	for _, f := range []*stagedFile{md, js} {
		if ferr := f.finish(); err == nil {
			err = ferr
		}
	}
	if err != nil {
		return nil, err
	}
	return []*stagedFile{md, js}, nil
}

// abort closes whatever is still open after a failure.
func (w *qaWriters) abort() {
	for _, f := range w.staged {
		f.abort()
	}
	w.index.f.abort()
}

// provenanceLine is one question's history in provenance.jsonl.
type provenanceLine struct {
	ID               string             `json:"id"`
	Split            string             `json:"split"`
	Document         string             `json:"document"`
	Author           string             `json:"author"`
	Source           string             `json:"source"`
	CreatedAt        *time.Time         `json:"created_at,omitempty"`
	GuidelineVersion int                `json:"guideline_version,omitempty"`
	Answers          []provenanceAnswer `json:"answers"`
	History          []provenanceEvent  `json:"history"`
}

type provenanceAnswer struct {
	Author string `json:"author"`
	Start  int    `json:"start"`
	Text   string `json:"text"`
}

type provenanceEvent struct {
	At     time.Time      `json:"at"`
	Actor  string         `json:"actor"`
	Source string         `json:"source"`
	Action string         `json:"action"`
	Before map[string]any `json:"before,omitempty"`
	After  map[string]any `json:"after,omitempty"`
}

// provenanceFields are the revision fields that provenance keeps:
// moderators' free-text comments stay out of published files.
var provenanceFields = []string{"question", "answer", "state", "reason", "gold"}

func provenanceOf(split string, d *dataio.Doc, q *dataio.DocQuestion, pseudo *contributorPseudonyms) provenanceLine {
	l := provenanceLine{ID: q.ID, Split: split, Document: d.Title, Author: pseudo.of(q.AuthorID), Source: q.Source,
		GuidelineVersion: q.GuidelineVersion, Answers: make([]provenanceAnswer, len(q.Answers)), History: []provenanceEvent{}}
	if l.Source == "" {
		l.Source = "web"
	}
	if !q.CreatedAt.IsZero() {
		t := q.CreatedAt
		l.CreatedAt = &t
	}
	for i, a := range q.Answers {
		l.Answers[i] = provenanceAnswer{Author: pseudo.of(a.AuthorID), Start: a.Start, Text: a.Text}
	}
	for _, r := range q.History {
		l.History = append(l.History, provenanceEvent{At: r.CreatedAt, Actor: pseudo.of(r.ActorID), Source: r.Source, Action: r.Action,
			Before: keepFields(r.Before), After: keepFields(r.After)})
	}
	return l
}

// keepFields keeps the listed fields of a revision's JSON (by default
// provenanceFields).
func keepFields(raw string, fields ...string) map[string]any {
	var m map[string]any
	if json.Unmarshal([]byte(raw), &m) != nil || len(m) == 0 {
		return nil
	}
	if len(fields) == 0 {
		fields = provenanceFields
	}
	out := map[string]any{}
	for _, k := range fields {
		if v, ok := m[k]; ok {
			out[k] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
