package dataio

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
	"gorm.io/gorm"

	"github.com/lab-ia/piaf/backend/internal/annotate"
	"github.com/lab-ia/piaf/backend/internal/corpus"
	"github.com/lab-ia/piaf/backend/qa/squad"
)

// writer writes one import inside its transaction.
type writer struct {
	tx         *gorm.DB
	campaign   *corpus.Campaign
	opts       Options
	report     *Report
	now        time.Time
	importUser int64
}

// ImportUserPseudonym names the system account imported annotations are
// credited to.
const ImportUserPseudonym = "Import"

// importAuthor finds or creates the "import" contributor.
func (w *writer) importAuthor() (int64, error) {
	if w.importUser != 0 {
		return w.importUser, nil
	}
	var id int64
	if err := w.tx.Raw(`SELECT id FROM users WHERE is_system AND pseudonym = ?`, ImportUserPseudonym).Scan(&id).Error; err != nil {
		return 0, err
	}
	if id == 0 {
		err := w.tx.Raw(`INSERT INTO users (display_name, pseudonym, role, locale, is_system, created_at, updated_at)
			VALUES (?, ?, 'contributor', 'fr', TRUE, ?, ?) RETURNING id`, "Import", ImportUserPseudonym, w.now, w.now).Scan(&id).Error
		if err != nil {
			return 0, err
		}
	}
	w.importUser = id
	return id, nil
}

// document imports a JSONL or CSV row.
func (w *writer) document(row docRow, loc string) error {
	row.Title = normalize(row.Title)
	if strings.TrimSpace(row.Text) == "" {
		w.report.reject(loc, "text is empty")
		return nil
	}
	if row.Title == "" {
		w.report.reject(loc, "title is empty")
		return nil
	}
	if utf8.RuneCountInString(row.Title) > 300 {
		w.report.reject(loc, "title longer than 300 characters")
		return nil
	}
	if !utf8.ValidString(row.Text) {
		w.report.reject(loc, "text is not valid UTF-8")
		return nil
	}
	if problem := sourceURLProblem(row.SourceURL); problem != "" {
		w.report.reject(loc, problem)
		return nil
	}
	res := SplitParagraphs(row.Text, w.opts.Split)
	w.report.ParagraphsTooShort += res.TooShort
	if len(res.Paragraphs) == 0 {
		w.report.reject(loc, fmt.Sprintf("no paragraph of at least %d characters", w.opts.Split.MinLength))
		return nil
	}
	doc, err := w.findOrCreateDocument(row)
	if err != nil {
		return err
	}
	for i, p := range res.Paragraphs {
		if _, _, err := w.paragraph(doc, i, p); err != nil {
			return err
		}
	}
	return nil
}

// findOrCreateDocument reuses the campaign's document of the same title and
// source, so that a re-import adds no duplicate.
func (w *writer) findOrCreateDocument(row docRow) (*corpus.Document, error) {
	var doc corpus.Document
	err := w.tx.Where("campaign_id = ? AND title = ? AND source_url = ?", w.campaign.ID, row.Title, normalize(row.SourceURL)).Take(&doc).Error
	if err == nil {
		w.report.Documents++
		return &doc, nil
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, err
	}
	var pos int
	w.tx.Raw(`SELECT COALESCE(MAX(position), -1) + 1 FROM documents WHERE campaign_id = ?`, w.campaign.ID).Scan(&pos)
	doc = corpus.Document{CampaignID: w.campaign.ID, Title: row.Title, SourceURL: normalize(row.SourceURL), License: normalize(row.License),
		Theme: normalize(row.Theme), Position: pos, CreatedAt: w.now}
	if doc.License == "" {
		doc.License = w.campaign.License
	}
	if err := w.tx.Create(&doc).Error; err != nil {
		return nil, err
	}
	w.report.Documents++
	return &doc, nil
}

// paragraph finds the campaign's paragraph with this text or creates it.
func (w *writer) paragraph(doc *corpus.Document, position int, text string) (*corpus.Paragraph, bool, error) {
	text = norm.NFC.String(text)
	hash := corpus.ContentHash(text)
	w.report.Paragraphs++
	var p corpus.Paragraph
	err := w.tx.Where("campaign_id = ? AND content_hash = ?", w.campaign.ID, hash).Take(&p).Error
	if err == nil {
		return &p, false, nil
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, false, err
	}
	p = corpus.Paragraph{CampaignID: w.campaign.ID, DocumentID: doc.ID, Position: position, Text: text, ContentHash: hash,
		Status: corpus.ParagraphOpen, CreatedAt: w.now}
	if err := w.tx.Create(&p).Error; err != nil {
		return nil, false, err
	}
	w.report.ParagraphsNew++
	return &p, true, nil
}

// squad imports a SQuAD v1.1 or v2.0 file article by article: memory holds
// one article at a time.
func (w *writer) squad(ctx context.Context, r interface{ Read([]byte) (int, error) }) error {
	ai := -1
	_, err := squad.Stream(r, func(a squad.Article) error {
		ai++
		if err := ctx.Err(); err != nil {
			return err
		}
		return w.article(ai, a)
	})
	if errors.Is(err, squad.ErrFormat) {
		return wrapFormat(err)
	}
	return err
}

func (w *writer) article(ai int, a squad.Article) error {
	d, seen := DocFromSQuAD(a, fmt.Sprintf("data[%d]", ai), w.report.reject)
	w.report.Questions += seen
	if d == nil {
		return nil
	}
	doc, err := w.findOrCreateDocument(docRow{Title: d.Title, Theme: d.Theme})
	if err != nil {
		return err
	}
	author, err := w.importAuthor()
	if err != nil {
		return err
	}
	state := annotate.StateSubmitted
	if w.opts.PreAccept {
		state = annotate.StateAccepted
	}
	for pi, dp := range d.Paragraphs {
		para, _, err := w.paragraph(doc, pi, dp.Text)
		if err != nil {
			return err
		}
		added := 0
		for _, q := range dp.Questions {
			var existing []annotate.Question
			if err := w.tx.Where("paragraph_id = ? AND external_id = ?", para.ID, q.ID).Limit(1).Find(&existing).Error; err != nil {
				return err
			}
			if len(existing) > 0 {
				if w.opts.UpdateExisting {
					if err := w.update(&existing[0], q, author, state); err != nil {
						return err
					}
				}
				continue
			}
			qu := annotate.Question{CampaignID: w.campaign.ID, ParagraphID: para.ID, AuthorID: author, ExternalID: q.ID, Text: q.Text,
				State: state, Source: "import", IsTest: len(q.Answers) > 1, AnswersCount: len(q.Answers), NeedsReview: true,
				QuestionKey: annotate.FoldQuestion(q.Text), CreatedAt: w.now, UpdatedAt: w.now}
			if err := w.tx.Create(&qu).Error; err != nil {
				return err
			}
			for i, s := range q.Answers {
				kind := annotate.KindOriginal
				if i > 0 {
					kind = annotate.KindAdditional
				}
				if err := w.tx.Create(&annotate.Answer{QuestionID: qu.ID, AuthorID: author, StartOffset: s.Start, Text: s.Text, Kind: kind,
					State: state, CreatedAt: w.now, UpdatedAt: w.now}).Error; err != nil {
					return err
				}
				w.report.AnswersNew++
			}
			w.report.QuestionsNew++
			added++
		}
		if w.opts.UpdateExisting {
			if err := w.retire(para.ID, dp.Questions); err != nil {
				return err
			}
		}
		if added > 0 {
			count := para.QuestionsCount + added
			status := para.Status
			if count >= w.campaign.QuestionsPerParagraph && status == corpus.ParagraphOpen {
				status = corpus.ParagraphDone
			}
			if err := w.tx.Model(&corpus.Paragraph{}).Where("id = ?", para.ID).
				Updates(map[string]any{"questions_count": count, "status": status}).Error; err != nil {
				return err
			}
		}
	}
	return nil
}

// update brings an existing question to the file's version: its text, and
// its answers (those of the file are added or kept, the others rejected),
// with a revision saying what the import changed.
func (w *writer) update(qu *annotate.Question, q DocQuestion, author int64, state string) error {
	var answers []annotate.Answer
	if err := w.tx.Where("question_id = ?", qu.ID).Order("CASE WHEN kind = 'original' THEN 0 ELSE 1 END, id").Find(&answers).Error; err != nil {
		return err
	}
	type span struct {
		Start int    `json:"start"`
		Text  string `json:"text"`
	}
	var before, after []span
	unused := map[span][]*annotate.Answer{}
	for i := range answers {
		a := &answers[i]
		if a.State == annotate.StateRejected {
			continue
		}
		sp := span{a.StartOffset, a.Text}
		before = append(before, sp)
		unused[sp] = append(unused[sp], a)
	}
	for _, a := range q.Answers {
		after = append(after, span{a.Start, a.Text})
	}
	if qu.Text == q.Text && fmt.Sprint(before) == fmt.Sprint(after) {
		return nil
	}
	// Keep the answers the file still has (duplicates count: two
	// annotators may give the same span), add the others, reject the rest.
	// Exports order a question's additional answers by id: an existing
	// answer is kept only while the file's order allows it (no new answer
	// before it, ids increasing); later ones are written again in order.
	var missing []span
	hasOriginal := false
	var lastID int64
	for i, sp := range after {
		if list := unused[sp]; len(list) > 0 && len(missing) == 0 && (i == 0 || list[0].ID > lastID) {
			a := list[0]
			if i > 0 {
				lastID = a.ID
			}
			unused[sp] = list[1:]
			// The file's first answer is the question's original one
			// (what training reads as the answer).
			kind := annotate.KindAdditional
			if i == 0 {
				kind = annotate.KindOriginal
			}
			if a.Kind != kind {
				if err := w.tx.Model(a).Updates(map[string]any{"kind": kind, "updated_at": w.now}).Error; err != nil {
					return err
				}
			}
			hasOriginal = hasOriginal || kind == annotate.KindOriginal
			continue
		}
		missing = append(missing, sp)
	}
	for _, list := range unused {
		for _, a := range list {
			if err := w.tx.Model(a).Updates(map[string]any{"state": annotate.StateRejected, "updated_at": w.now}).Error; err != nil {
				return err
			}
		}
	}
	for _, sp := range missing {
		kind := annotate.KindAdditional
		if !hasOriginal {
			kind, hasOriginal = annotate.KindOriginal, true
		}
		if err := w.tx.Create(&annotate.Answer{QuestionID: qu.ID, AuthorID: author, StartOffset: sp.Start, Text: sp.Text, Kind: kind,
			State: state, CreatedAt: w.now, UpdatedAt: w.now}).Error; err != nil {
			return err
		}
		w.report.AnswersNew++
	}
	if err := w.tx.Model(qu).Updates(map[string]any{"text": q.Text, "question_key": annotate.FoldQuestion(q.Text), "answers_count": len(after),
		"is_test": len(after) > 1, "updated_at": w.now}).Error; err != nil {
		return err
	}
	b, _ := json.Marshal(map[string]any{"question": qu.Text, "answers": before})
	a, _ := json.Marshal(map[string]any{"question": q.Text, "answers": after})
	if err := w.tx.Exec(`INSERT INTO revisions (question_id, actor_id, source, action, before, after, created_at) VALUES (?, NULL, 'import', 'import_update', ?, ?, ?)`,
		qu.ID, string(b), string(a), w.now).Error; err != nil {
		return err
	}
	w.report.QuestionsUpdated++
	return nil
}

// retire rejects the imported questions of a paragraph that the file no
// longer holds (a newer dataset version dropped them); contributors' own
// questions are never touched.
func (w *writer) retire(paragraphID int64, kept []DocQuestion) error {
	ids := make([]string, 0, len(kept)+1)
	ids = append(ids, "")
	for _, q := range kept {
		ids = append(ids, q.ID)
	}
	var gone []annotate.Question
	if err := w.tx.Where("paragraph_id = ? AND source = 'import' AND state <> ? AND external_id NOT IN ?", paragraphID, annotate.StateRejected, ids).
		Find(&gone).Error; err != nil {
		return err
	}
	for _, q := range gone {
		if err := w.tx.Model(&annotate.Question{}).Where("id = ?", q.ID).Updates(map[string]any{"state": annotate.StateRejected, "reason_code": "removed_upstream", "updated_at": w.now}).Error; err != nil {
			return err
		}
		if err := w.tx.Model(&annotate.Answer{}).Where("question_id = ?", q.ID).Updates(map[string]any{"state": annotate.StateRejected, "updated_at": w.now}).Error; err != nil {
			return err
		}
		b, _ := json.Marshal(map[string]any{"state": q.State})
		if err := w.tx.Exec(`INSERT INTO revisions (question_id, actor_id, source, action, before, after, created_at) VALUES (?, NULL, 'import', 'import_remove', ?, ?, ?)`,
			q.ID, string(b), `{"state":"rejected","reason":"removed_upstream"}`, w.now).Error; err != nil {
			return err
		}
		w.report.QuestionsRetired++
	}
	return nil
}

// DocFromSQuAD converts a SQuAD article to a document exactly as the
// importer stores it: NFC contexts, cleaned questions, answer spans checked
// against their offsets and moved onto the normalised context. What cannot
// be imported is passed to reject (location, reason) and left out; seen
// counts the questions examined. A nil Doc means the whole article is
// refused.
func DocFromSQuAD(a squad.Article, loc string, reject func(location, reason string)) (d *Doc, seen int) {
	title := normalize(a.Title)
	if title == "" {
		reject(loc, "article without a title")
		return nil, 0
	}
	d = &Doc{Title: title, Theme: normalize(a.Category)}
	for pi, sp := range a.Paragraphs {
		ploc := fmt.Sprintf("%s.paragraphs[%d]", loc, pi)
		if strings.TrimSpace(sp.Context) == "" {
			reject(ploc, "empty context")
			continue
		}
		if !utf8.ValidString(sp.Context) {
			reject(ploc, "context is not valid UTF-8")
			continue
		}
		original := []rune(sp.Context)
		text := norm.NFC.String(sp.Context)
		nfc := []rune(text)
		para := Para{Text: text}
		ids := map[string]bool{}
	questions:
		for qi, q := range sp.QAs {
			qloc := fmt.Sprintf("%s.qas[%d]", ploc, qi)
			seen++
			qtext, problem := annotate.CleanQuestion(q.Question)
			if problem != "" {
				reject(qloc, "question "+problem)
				continue
			}
			if len(q.Answers) == 0 {
				reject(qloc, "no answer (unanswerable SQuAD 2.0 questions are not imported)")
				continue
			}
			dq := DocQuestion{ID: q.ID, Text: qtext, Source: "import"}
			for ansi, ans := range q.Answers {
				sp, problem := mapSpan(original, nfc, ans)
				if problem != "" {
					reject(fmt.Sprintf("%s.answers[%d]", qloc, ansi), problem)
					continue questions
				}
				dq.Answers = append(dq.Answers, DocAnswer{Start: sp.Start, Text: sp.Text})
			}
			if q.ID != "" && ids[q.ID] {
				continue
			}
			ids[q.ID] = true
			para.Questions = append(para.Questions, dq)
		}
		d.Paragraphs = append(d.Paragraphs, para)
	}
	return d, seen
}

// mapSpan checks an imported answer against the original context (offsets
// in code points) and maps it onto the NFC-normalised context. A mismatch
// is reported, never silently shifted.
func mapSpan(original, nfc []rune, ans squad.Answer) (annotate.Span, string) {
	n := utf8.RuneCountInString(ans.Text)
	switch {
	case ans.Text == "":
		return annotate.Span{}, "empty answer"
	case ans.Start < 0 || ans.Start > len(original)-n:
		return annotate.Span{}, fmt.Sprintf("answer_start %d is outside the context", ans.Start)
	case string(original[ans.Start:ans.Start+n]) != ans.Text:
		return annotate.Span{}, fmt.Sprintf("answer text %q is not at answer_start %d (found %q)", truncate(ans.Text, 40), ans.Start,
			truncate(string(original[ans.Start:ans.Start+n]), 40))
	}
	// The answer is kept exactly as annotated (surrounding spaces included:
	// a faithful copy round-trips); only its offset follows normalisation.
	start := utf8.RuneCountInString(norm.NFC.String(string(original[:ans.Start])))
	text := norm.NFC.String(ans.Text)
	m := utf8.RuneCountInString(text)
	if start+m > len(nfc) || string(nfc[start:start+m]) != text {
		return annotate.Span{}, "the answer no longer matches after Unicode normalisation (NFC)"
	}
	return annotate.Span{Start: start, Text: text}, ""
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// sourceURLProblem tells why a document's source address cannot be kept:
// it is shown as a link for attribution and copied into releases, so only
// absolute http(s) addresses are accepted (never javascript: or data:,
// which the CSP would block in the browser but a release's reader might
// follow). An empty address is fine.
func sourceURLProblem(raw string) string {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return ""
	}
	if len(raw) > 2000 {
		return "source_url longer than 2,000 characters"
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "source_url must be an absolute http or https address"
	}
	return ""
}
