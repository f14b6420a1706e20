package dataio

import (
	"context"
	"errors"
	"fmt"
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
	loc := fmt.Sprintf("data[%d]", ai)
	title := normalize(a.Title)
	if title == "" {
		w.report.reject(loc, "article without a title")
		return nil
	}
	doc, err := w.findOrCreateDocument(docRow{Title: title, Theme: a.Category})
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
	for pi, sp := range a.Paragraphs {
		ploc := fmt.Sprintf("%s.paragraphs[%d]", loc, pi)
		if strings.TrimSpace(sp.Context) == "" {
			w.report.reject(ploc, "empty context")
			continue
		}
		if !utf8.ValidString(sp.Context) {
			w.report.reject(ploc, "context is not valid UTF-8")
			continue
		}
		para, _, err := w.paragraph(doc, pi, sp.Context)
		if err != nil {
			return err
		}
		original := []rune(sp.Context)
		nfc := []rune(para.Text)
		added := 0
		for qi, q := range sp.QAs {
			qloc := fmt.Sprintf("%s.qas[%d]", ploc, qi)
			w.report.Questions++
			text, problem := annotate.CleanQuestion(q.Question)
			if problem != "" {
				w.report.reject(qloc, "question "+problem)
				continue
			}
			if len(q.Answers) == 0 {
				w.report.reject(qloc, "no answer (unanswerable SQuAD 2.0 questions are not imported)")
				continue
			}
			var spans []annotate.Span
			bad := false
			for ansi, ans := range q.Answers {
				sp, problem := mapSpan(original, nfc, ans)
				if problem != "" {
					w.report.reject(fmt.Sprintf("%s.answers[%d]", qloc, ansi), problem)
					bad = true
					break
				}
				spans = append(spans, sp)
			}
			if bad {
				continue
			}
			var exists int64
			if err := w.tx.Model(&annotate.Question{}).Where("paragraph_id = ? AND external_id = ?", para.ID, q.ID).Count(&exists).Error; err != nil {
				return err
			}
			if exists > 0 {
				continue
			}
			qu := annotate.Question{CampaignID: w.campaign.ID, ParagraphID: para.ID, AuthorID: author, ExternalID: q.ID, Text: text,
				State: state, Source: "import", IsTest: len(spans) > 1, AnswersCount: len(spans), NeedsReview: true,
				QuestionKey: annotate.FoldQuestion(text), CreatedAt: w.now, UpdatedAt: w.now}
			if err := w.tx.Create(&qu).Error; err != nil {
				return err
			}
			for i, s := range spans {
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

// mapSpan checks an imported answer against the original context (offsets
// in code points) and maps it onto the NFC-normalised context. A mismatch
// is reported, never silently shifted.
func mapSpan(original, nfc []rune, ans squad.Answer) (annotate.Span, string) {
	n := utf8.RuneCountInString(ans.Text)
	switch {
	case ans.Text == "":
		return annotate.Span{}, "empty answer"
	case ans.Start < 0 || ans.Start+n > len(original):
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
