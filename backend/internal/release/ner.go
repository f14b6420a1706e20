package release

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/lab-ia/piaf/backend/frtext"
	"github.com/lab-ia/piaf/backend/internal/corpus"
	"github.com/lab-ia/piaf/backend/pseudo"
)

// Entity releases: the accepted entity annotations of a `ner` campaign,
// one per passage (the most recently accepted when several people
// annotated it), as JSONL spans (what `piaf pseudo train` and the
// training job read), CoNLL BIO, provenance and a datasheet.

// Spans is one line of the .spans.jsonl files.
type Spans struct {
	ID       string        `json:"id"`
	Document string        `json:"document"`
	Text     string        `json:"text"`
	Entities []pseudo.Span `json:"entities"`
}

type nerPassage struct {
	paragraphID int64
	text        string
	spans       []pseudo.Span
	authorID    int64
	decidedBy   int64
	preModel    string
	guideline   int
	createdAt   time.Time
	annotation  int64
	others      [][]pseudo.Span
}

type nerDoc struct {
	id                               int64
	title, theme, sourceURL, license string
	passages                         []nerPassage
}

// nerSource reads a campaign's accepted entity annotations in document
// order, a chunk of passages at a time.
type nerSource struct {
	b          *Builder
	campaignID int64
}

func (s nerSource) stats(ctx context.Context) ([]docStats, error) {
	rows, err := s.b.db.WithContext(ctx).Raw(`SELECT p.document_id, COUNT(*), SUM(CASE WHEN x.n > 1 THEN 1 ELSE 0 END)
		FROM (SELECT ea.paragraph_id, COUNT(*) AS n, MAX(CASE WHEN ea.state = 'accepted' THEN 1 ELSE 0 END) AS acc
			FROM entity_annotations ea WHERE ea.campaign_id = ? AND ea.state <> 'rejected' GROUP BY ea.paragraph_id) x
		JOIN paragraphs p ON p.id = x.paragraph_id
		WHERE x.acc = 1 AND p.status <> ? GROUP BY p.document_id ORDER BY p.document_id`, s.campaignID, corpus.ParagraphExcluded).Rows()
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

func (s nerSource) each(ctx context.Context, fn func(*nerDoc) error) error {
	db := s.b.db.WithContext(ctx)
	var pending *nerDoc
	var lastDoc, lastPos, lastID int64 = -1, -1, -1
	for {
		type para struct {
			ID, DocumentID, Position int64
			Text                     string
		}
		var paras []para
		if err := db.Raw(`SELECT p.id, p.document_id, p.position, p.text FROM paragraphs p
			WHERE p.campaign_id = ? AND p.status <> ? AND (p.document_id, p.position, p.id) > (?, ?, ?)
			AND EXISTS (SELECT 1 FROM entity_annotations ea WHERE ea.paragraph_id = p.id AND ea.state = 'accepted')
			ORDER BY p.document_id, p.position, p.id LIMIT 500`, s.campaignID, corpus.ParagraphExcluded, lastDoc, lastPos, lastID).Scan(&paras).Error; err != nil {
			return err
		}
		if len(paras) == 0 {
			break
		}
		last := paras[len(paras)-1]
		lastDoc, lastPos, lastID = last.DocumentID, last.Position, last.ID
		ids := make([]int64, len(paras))
		var docIDs []int64
		for i, p := range paras {
			ids[i] = p.ID
			if len(docIDs) == 0 || docIDs[len(docIDs)-1] != p.DocumentID {
				docIDs = append(docIDs, p.DocumentID)
			}
		}
		anns, err := s.annotations(ctx, ids)
		if err != nil {
			return err
		}
		var docs []corpus.Document
		if err := db.Where("id IN ?", docIDs).Find(&docs).Error; err != nil {
			return err
		}
		byID := map[int64]corpus.Document{}
		for _, d := range docs {
			byID[d.ID] = d
		}
		for _, p := range paras {
			if pending == nil || pending.id != p.DocumentID {
				if pending != nil {
					if err := fn(pending); err != nil {
						return err
					}
				}
				d := byID[p.DocumentID]
				pending = &nerDoc{id: d.ID, title: d.Title, theme: d.Theme, sourceURL: d.SourceURL, license: d.License}
			}
			if np, ok := anns[p.ID]; ok {
				np.text = p.Text
				pending.passages = append(pending.passages, *np)
			}
		}
		if len(paras) < 500 {
			break
		}
	}
	if pending != nil {
		return fn(pending)
	}
	return nil
}

// annotations picks, for each passage, the most recently accepted
// annotation, and keeps the other non-rejected ones for agreement.
func (s nerSource) annotations(ctx context.Context, paragraphIDs []int64) (map[int64]*nerPassage, error) {
	rows, err := s.b.db.WithContext(ctx).Raw(`SELECT id, paragraph_id, author_id, COALESCE(decided_by, 0), state, spans, pre_model, guideline_version, created_at
		FROM entity_annotations WHERE paragraph_id IN ? AND state <> 'rejected'
		ORDER BY paragraph_id, CASE WHEN state = 'accepted' THEN 0 ELSE 1 END, decided_at DESC, id DESC`, paragraphIDs).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]*nerPassage{}
	for rows.Next() {
		var id, pid, author, decided int64
		var state, spansJSON, model string
		var gv int
		var created time.Time
		if err := rows.Scan(&id, &pid, &author, &decided, &state, &spansJSON, &model, &gv, &created); err != nil {
			return nil, err
		}
		var spans []pseudo.Span
		if err := json.Unmarshal([]byte(spansJSON), &spans); err != nil {
			return nil, fmt.Errorf("entity annotation %d: %w", id, err)
		}
		if spans == nil {
			spans = []pseudo.Span{}
		}
		p, ok := out[pid]
		if !ok {
			if state != "accepted" {
				continue
			}
			out[pid] = &nerPassage{paragraphID: pid, spans: spans, authorID: author, decidedBy: decided, preModel: model, guideline: gv,
				createdAt: created.UTC(), annotation: id}
			continue
		}
		p.others = append(p.others, spans)
	}
	return out, rows.Err()
}

// history reads the revisions of the released annotations.
func (s nerSource) history(ctx context.Context, annotationID int64) ([]provenanceEvent, error) {
	var rows []struct {
		ActorID                       sql.NullInt64
		Source, Action, Before, After string
		CreatedAt                     time.Time
	}
	if err := s.b.db.WithContext(ctx).Raw(`SELECT actor_id, source, action, before, after, created_at FROM entity_revisions WHERE annotation_id = ? ORDER BY id`,
		annotationID).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]provenanceEvent, 0, len(rows))
	for _, r := range rows {
		out = append(out, provenanceEvent{At: r.CreatedAt.UTC(), Actor: fmt.Sprint(r.ActorID.Int64), Source: r.Source, Action: r.Action,
			Before: keepFields(r.Before, "spans", "state", "reason"), After: keepFields(r.After, "spans", "state", "reason")})
	}
	return out, nil
}

// buildNER writes an entity release.
func (b *Builder) buildNER(ctx context.Context, rel *Release, c *corpus.Campaign, pseudo *contributorPseudonyms, prog Progress) error {
	src := nerSource{b: b, campaignID: c.ID}
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

	w := &nerWriters{jsonl: map[string]*jsonLines{}, conll: map[string]*stagedFile{}}
	defer w.abort()
	add := func(name, format, split, media string) (*stagedFile, error) {
		f, err := newStagedFile(dir, File{Name: name, Format: format, Split: split, MediaType: media}, true)
		if err == nil {
			w.staged = append(w.staged, f)
		}
		return f, err
	}
	for _, sp := range Splits() {
		f, err := add(sp+".spans.jsonl", FormatSpans, sp, "application/jsonl")
		if err != nil {
			return err
		}
		w.jsonl[sp] = newJSONLines(f)
	}
	for _, sp := range Splits() {
		if w.conll[sp], err = add(sp+".conll", FormatCoNLL, sp, "text/plain; charset=utf-8"); err != nil {
			return err
		}
	}
	prov, err := add("provenance.jsonl", FormatProvenance, "", "application/jsonl")
	if err != nil {
		return err
	}
	w.prov = newJSONLines(prov)
	index, err := newStagedFile(dir, File{Name: "index.jsonl", Format: "index", MediaType: "application/jsonl"}, false)
	if err != nil {
		return err
	}
	w.index = newJSONLines(index)

	prog.Stage(ctx, "write", int64(total))
	sheet := newNERSheet()
	err = src.each(ctx, func(d *nerDoc) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		split, ok := splits[d.id]
		if !ok {
			return nil
		}
		for i := range d.passages {
			p := &d.passages[i]
			hist, err := src.history(ctx, p.annotation)
			if err != nil {
				return err
			}
			for k := range hist {
				id, _ := strconv.ParseInt(hist[k].Actor, 10, 64)
				hist[k].Actor = pseudo.of(id)
			}
			if err := w.passage(split, d, p, pseudo, hist); err != nil {
				return err
			}
		}
		sheet.document(split, d, c.License)
		prog.Add(ctx, int64(len(d.passages)))
		return nil
	})
	if err != nil {
		return err
	}
	contributors, err := b.countContributors(ctx, sheet.authors)
	if err != nil {
		return err
	}
	ds := sheet.sheet(rel, c, contributors)
	var files []File
	for _, f := range w.staged {
		if err := f.finish(); err != nil {
			return err
		}
		files = append(files, f.meta)
	}
	if err := index.finish(); err != nil {
		return err
	}
	sheets, err := datasheetFiles(dir, &ds, files)
	if err != nil {
		return err
	}
	return b.finalize(ctx, rel, append(w.staged, sheets...), index, &ds, prog)
}

type nerWriters struct {
	jsonl  map[string]*jsonLines
	conll  map[string]*stagedFile
	prov   *jsonLines
	index  *jsonLines
	staged []*stagedFile
}

func (w *nerWriters) abort() {
	for _, f := range w.staged {
		f.abort()
	}
	if w.index != nil {
		w.index.f.abort()
	}
}

// passageID names a passage in release files: stable across releases.
func passageID(paragraphID int64) string { return "p" + strconv.FormatInt(paragraphID, 10) }

func (w *nerWriters) passage(split string, d *nerDoc, p *nerPassage, pseudo *contributorPseudonyms, hist []provenanceEvent) error {
	id := passageID(p.paragraphID)
	if err := w.jsonl[split].write(Spans{ID: id, Document: d.title, Text: p.text, Entities: p.spans}); err != nil {
		return err
	}
	n, err := WriteCoNLL(w.conll[split], id, p.text, p.spans)
	if err != nil {
		return err
	}
	w.conll[split].meta.RowCount += int64(n)
	runes := []rune(p.text)
	entry := indexEntry{ID: id, Split: split, Document: d.title, Question: excerpt(runes, 160)}
	h := sha256.New()
	h.Write([]byte(p.text))
	for _, s := range p.spans {
		entry.Answers = append(entry.Answers, indexSpan{Start: s.Start, Text: s.Label + " : " + string(runes[s.Start:s.End])})
		fmt.Fprintf(h, "|%d:%d:%s", s.Start, s.End, s.Label)
	}
	sum := sha256.Sum256([]byte(p.text))
	entry.Context = hex.EncodeToString(sum[:8])
	entry.Hash = hex.EncodeToString(h.Sum(nil)[:12])
	if err := w.index.write(entry); err != nil {
		return err
	}
	line := map[string]any{"id": id, "split": split, "document": d.title, "author": pseudo.of(p.authorID), "source": "web",
		"created_at": p.createdAt, "guideline_version": p.guideline, "pre_model": p.preModel, "entities": len(p.spans),
		"annotators": len(p.others) + 1, "history": hist}
	if p.decidedBy != 0 {
		line["decided_by"] = pseudo.of(p.decidedBy)
	}
	return w.prov.write(line)
}

func excerpt(r []rune, n int) string {
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n]) + "…"
}

// WriteCoNLL writes a passage in CoNLL BIO: a -DOCSTART- line, then one
// "token TAG" line per token and a blank line after each sentence. Tokens
// are frtext's (elisions, hyphenated words and numbers kept whole); a
// token that holds spaces ("100 000") is written as several tokens. A
// token is inside an entity when it starts inside it. It returns the
// number of token lines.
func WriteCoNLL(w io.Writer, id, text string, spans []pseudo.Span) (int, error) {
	var b strings.Builder
	b.WriteString("-DOCSTART- O\n\n")
	toks := frtext.Tokenize(text)
	sorted := append([]pseudo.Span(nil), spans...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Start < sorted[j].Start })
	n := 0
	for _, sent := range frtext.SentencesOf(text, toks) {
		k := 0
		started := map[int]bool{}
		for _, t := range toks[sent.FirstToken:sent.EndToken] {
			tag := "O"
			for k < len(sorted) && sorted[k].End <= t.Start {
				k++
			}
			if k < len(sorted) && t.Start >= sorted[k].Start && t.Start < sorted[k].End {
				if started[k] {
					tag = "I-" + sorted[k].Label
				} else {
					tag = "B-" + sorted[k].Label
					started[k] = true
				}
			}
			for i, part := range strings.FieldsFunc(t.Text, unicode.IsSpace) {
				if i > 0 && tag != "O" {
					tag = "I-" + tag[2:]
				}
				b.WriteString(part)
				b.WriteByte(' ')
				b.WriteString(tag)
				b.WriteByte('\n')
				n++
			}
		}
		b.WriteByte('\n')
	}
	_ = id
	_, err := io.WriteString(w, b.String())
	return n, err
}

// nerSheet accumulates an entity release's datasheet figures.
type nerSheet struct {
	counts   map[string]*SplitCounts
	themes   map[string]map[string]int
	licenses map[string]map[string]int
	labels   map[string]int
	guides   map[int]bool
	from, to time.Time
	authors  map[int64]bool
	gold     [][]pseudo.Span
	pred     [][]pseudo.Span
	multi    int
}

func newNERSheet() *nerSheet {
	s := &nerSheet{counts: map[string]*SplitCounts{}, themes: map[string]map[string]int{}, licenses: map[string]map[string]int{},
		labels: map[string]int{}, guides: map[int]bool{}, authors: map[int64]bool{}}
	for _, sp := range Splits() {
		s.counts[sp] = &SplitCounts{}
	}
	return s
}

func (s *nerSheet) document(split string, d *nerDoc, campaignLicense string) {
	c := s.counts[split]
	c.Documents++
	lic := d.license
	if lic == "" {
		lic = campaignLicense
	}
	if s.licenses[lic] == nil {
		s.licenses[lic] = map[string]int{}
	}
	s.licenses[lic][sourceHost(d.sourceURL)]++
	theme := d.theme
	if theme == "" {
		theme = "—"
	}
	if s.themes[theme] == nil {
		s.themes[theme] = map[string]int{}
	}
	for _, p := range d.passages {
		c.Paragraphs++
		c.Entities += len(p.spans)
		s.themes[theme][split]++
		for _, sp := range p.spans {
			s.labels[sp.Label]++
		}
		if len(p.others) > 0 {
			c.MultiAnswer++
			s.multi++
			for _, o := range p.others {
				s.gold = append(s.gold, p.spans)
				s.pred = append(s.pred, o)
			}
		}
		if p.guideline > 0 {
			s.guides[p.guideline] = true
		}
		if s.from.IsZero() || p.createdAt.Before(s.from) {
			s.from = p.createdAt
		}
		if p.createdAt.After(s.to) {
			s.to = p.createdAt
		}
		s.authors[p.authorID] = true
	}
}

func (s *nerSheet) sheet(r *Release, c *corpus.Campaign, contributors int) Datasheet {
	st := &sheetStats{counts: s.counts, themes: s.themes, licenses: s.licenses, guidelines: s.guides, from: s.from, to: s.to, authors: s.authors}
	ds := st.sheet(r, c.Slug, c.Description, string(c.Kind), contributors)
	ds.EntityLabels = s.labels
	ds.Agreement = AgreementFigures{Questions: s.multi, Method: "Sur les passages annotés par plusieurs personnes : F1 d'entités (mêmes bornes et même étiquette) entre l'annotation publiée et chacune des autres, en pourcentage."}
	if len(s.gold) > 0 {
		ev := pseudo.Score(s.gold, s.pred, nil)
		ds.Agreement.F1 = round1(100 * ev.Overall.F1)
		ds.Agreement.ExactMatch = round1(100 * ev.Overall.Precision)
	}
	ds.Limitations = nerLimitations(r, &ds)
	return ds
}

func nerLimitations(r *Release, ds *Datasheet) []string {
	var out []string
	for _, line := range strings.Split(r.Limitations, "\n") {
		if line = strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(line), "-*•")); line != "" {
			out = append(out, line)
		}
	}
	if ds.Total.Documents < 20 {
		out = append(out, "Peu de documents : les proportions des parties peuvent s'écarter nettement de celles demandées.")
	}
	return append(out,
		"Conventions : les civilités (M., Mme, Maître…) ne font pas partie des entités PER, les articles ne font pas partie des entités LOC.",
		"Les positions (start, end) comptent des caractères Unicode (points de code), fin exclue.",
		"Les fichiers CoNLL découpent le texte avec l'analyseur français de PIAF (élisions et mots composés gardés entiers) ; le texte exact est dans les fichiers .spans.jsonl.")
}
