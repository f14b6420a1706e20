package qaservice

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lab-ia/piaf/backend/internal/apperr"
	"github.com/lab-ia/piaf/backend/internal/corpus"
	"github.com/lab-ia/piaf/backend/internal/dataio"
	"github.com/lab-ia/piaf/backend/internal/identity"
	"github.com/lab-ia/piaf/backend/qa"
	"github.com/lab-ia/piaf/backend/qa/squad"
)

// MaxTopK bounds the answers one question returns.
const MaxTopK = 10

// AskInput is a question on a collection.
type AskInput struct {
	Question   string `json:"question" required:"true" maxLength:"1000" description:"at most 1000 characters"`
	Collection string `json:"collection" required:"true" description:"the collection's slug or id"`
	TopK       int    `json:"top_k,omitempty" minimum:"1" maximum:"10" description:"number of answers (default 3)"`
}

// AnswerView is one answer with what the page needs to show and
// highlight it.
type AnswerView struct {
	Text      string  `json:"text" required:"true" description:"the answer as written in the passage"`
	Score     float64 `json:"score" required:"true" description:"higher is better; comparable within one question"`
	PassageID string  `json:"passage_id" required:"true" description:"send it back with feedback"`
	Passage   string  `json:"passage" required:"true"`
	Title     string  `json:"title" required:"true" description:"the document's title"`
	SourceURL string  `json:"source_url" required:"true" description:"where the document can be read; may be empty"`
	Start     int     `json:"start" required:"true" description:"offset of the answer in the passage, in Unicode code points"`
	End       int     `json:"end" required:"true" description:"offset just after the answer (exclusive), in Unicode code points"`
}

// ModelRef names the model that answered.
type ModelRef struct {
	ID   int64  `json:"id" required:"true"`
	Name string `json:"name" required:"true"`
}

// AskResult is the answer to a question.
type AskResult struct {
	Question   string       `json:"question" required:"true"`
	Collection string       `json:"collection" required:"true" description:"the collection's slug"`
	Model      ModelRef     `json:"model" required:"true"`
	Answers    []AnswerView `json:"answers" required:"true" description:"best first; empty when nothing was found"`
}

// Ask answers a question on a collection with its chosen model. Anonymous
// callers may ask on public collections only; API tokens need qa:ask.
// Questions without any answer are recorded for the moderators.
func (s *Service) Ask(ctx context.Context, p *identity.Principal, in AskInput) (*AskResult, error) {
	in.Question = strings.TrimSpace(in.Question)
	var v apperr.Validation
	switch n := utf8.RuneCountInString(in.Question); {
	case n == 0:
		v.Add("question", "is required")
	case n > qa.MaxQuestionRunes:
		v.Addf("question", "must hold at most %d characters (it has %d)", qa.MaxQuestionRunes, n)
	}
	if strings.TrimSpace(in.Collection) == "" {
		v.Add("collection", "is required")
	}
	if in.TopK < 0 || in.TopK > MaxTopK {
		v.Addf("top_k", "must be between 1 and %d", MaxTopK)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if in.TopK == 0 {
		in.TopK = 3
	}
	col, err := s.askable(ctx, p, in.Collection)
	if err != nil {
		return nil, err
	}
	eng, err := s.cache.engine(ctx, col)
	if err != nil {
		return nil, err
	}
	answers, err := eng.Ask(ctx, in.Question, in.TopK)
	if errors.Is(err, qa.ErrEmptyQuestion) {
		// Only punctuation or spaces: nothing to search for.
		var v apperr.Validation
		v.Add("question", "holds no word to search for")
		return nil, v.Err()
	}
	if errors.Is(err, qa.ErrQuestionTooLong) {
		var v apperr.Validation
		v.Addf("question", "must hold at most %d characters", qa.MaxQuestionRunes)
		return nil, v.Err()
	}
	if err != nil {
		return nil, err
	}
	res := &AskResult{Question: in.Question, Collection: col.Slug, Model: ModelRef{ID: *col.ModelID}, Answers: make([]AnswerView, len(answers))}
	if m, err := s.store.model(ctx, *col.ModelID); err == nil {
		res.Model.Name = m.Name
	}
	for i, a := range answers {
		res.Answers[i] = AnswerView{Text: a.Text, Score: a.Score, PassageID: a.PassageID, Passage: a.Passage, Title: a.Title,
			SourceURL: a.SourceURL, Start: a.Start, End: a.End}
	}
	if len(answers) == 0 {
		s.record(ctx, p, &Feedback{CollectionID: col.ID, ModelID: col.ModelID, Question: in.Question, Useful: false})
	}
	return res, nil
}

// reachable finds a collection the caller may ask on: anonymous callers
// only public ones, API tokens only with qa:ask.
func (s *Service) reachable(ctx context.Context, p *identity.Principal, ref string) (*Collection, error) {
	col, err := s.store.collectionByRef(ctx, ref)
	if err != nil {
		return nil, err
	}
	if p == nil && !col.Public {
		return nil, ErrPrivateCollection
	}
	if p != nil && p.ViaToken() && !p.HasScope(identity.ScopeQAAsk) {
		return nil, ErrScope
	}
	return col, nil
}

// askable finds a collection the caller may ask on now.
func (s *Service) askable(ctx context.Context, p *identity.Principal, ref string) (*Collection, error) {
	col, err := s.reachable(ctx, p, ref)
	if err != nil {
		return nil, err
	}
	switch col.Status {
	case StatusBuilding:
		return nil, ErrCollectionBuilding
	case StatusFailed:
		return nil, ErrCollectionFailed
	}
	if col.ModelID == nil {
		return nil, ErrNoActiveModel
	}
	return col, nil
}

// record stores a feedback row; a failure is logged, never shown (the
// answer matters more than the record).
func (s *Service) record(ctx context.Context, p *identity.Principal, f *Feedback) {
	f.CreatedAt = s.now()
	if p != nil && p.UserID != 0 {
		uid := p.UserID
		f.UserID = &uid
	}
	if err := s.db.WithContext(context.WithoutCancel(ctx)).Create(f).Error; err != nil {
		s.log.Error("qa feedback not recorded", "collection", f.CollectionID, "err", err)
	}
}

// FeedbackInput is a reader's verdict on an answer.
type FeedbackInput struct {
	Collection string `json:"collection" required:"true" description:"the collection's slug or id"`
	Question   string `json:"question" required:"true" maxLength:"1000"`
	Answer     string `json:"answer" maxLength:"2000" description:"the answer judged (empty: no answer was given)"`
	PassageID  string `json:"passage_id" maxLength:"300" description:"the passage_id of the answer"`
	Useful     bool   `json:"useful" required:"true"`
}

// FeedbackResult acknowledges feedback.
type FeedbackResult struct {
	ID int64 `json:"id" required:"true"`
}

// SendFeedback stores a verdict on an answer, with the collection's
// current model. The same rules as asking apply.
func (s *Service) SendFeedback(ctx context.Context, p *identity.Principal, in FeedbackInput) (*FeedbackResult, error) {
	in.Question, in.Answer, in.PassageID = strings.TrimSpace(in.Question), strings.TrimSpace(in.Answer), strings.TrimSpace(in.PassageID)
	var v apperr.Validation
	if in.Question == "" || utf8.RuneCountInString(in.Question) > qa.MaxQuestionRunes {
		v.Addf("question", "is required, at most %d characters", qa.MaxQuestionRunes)
	}
	if utf8.RuneCountInString(in.Answer) > 2000 {
		v.Add("answer", "must hold at most 2000 characters")
	}
	if len(in.PassageID) > 300 {
		v.Add("passage_id", "is too long")
	}
	if strings.TrimSpace(in.Collection) == "" {
		v.Add("collection", "is required")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	col, err := s.reachable(ctx, p, in.Collection)
	if err != nil {
		return nil, err
	}
	if in.PassageID != "" {
		row, err := s.store.passage(ctx, col.ID, in.PassageID)
		if err != nil {
			return nil, err
		}
		if row == nil {
			return nil, ErrPassageNotFound
		}
	}
	f := &Feedback{CollectionID: col.ID, ModelID: col.ModelID, Question: in.Question, Answer: in.Answer, PassageKey: in.PassageID, Useful: in.Useful,
		CreatedAt: s.now()}
	if p != nil && p.UserID != 0 {
		uid := p.UserID
		f.UserID = &uid
	}
	if err := s.db.WithContext(ctx).Create(f).Error; err != nil {
		return nil, err
	}
	return &FeedbackResult{ID: f.ID}, nil
}

// FeedbackQuery filters the feedback moderators review.
type FeedbackQuery struct {
	CollectionID int64 `query:"collection_id" description:"only this collection"`
	Useful       *bool `query:"useful" description:"true: useful answers; false (default): not useful and unanswered questions"`
}

// FeedbackView is one feedback row for moderators, with its passage.
type FeedbackView struct {
	ID             int64     `json:"id" required:"true"`
	CollectionID   int64     `json:"collection_id" required:"true"`
	CollectionName string    `json:"collection_name" required:"true"`
	ModelID        *int64    `json:"model_id"`
	Question       string    `json:"question" required:"true"`
	Answer         string    `json:"answer" required:"true" description:"empty: the engine found no answer"`
	Useful         bool      `json:"useful" required:"true"`
	PassageID      string    `json:"passage_id" required:"true"`
	Passage        string    `json:"passage" required:"true" description:"the passage of the answer, empty when unknown or reindexed away"`
	Title          string    `json:"title" required:"true"`
	SourceURL      string    `json:"source_url" required:"true"`
	TaskCampaignID *int64    `json:"task_campaign_id" description:"the campaign the passage was sent to for annotation"`
	CreatedAt      time.Time `json:"created_at" required:"true"`
}

// maxFeedbackListed bounds the feedback list (newest first).
const maxFeedbackListed = 500

// ListFeedback returns the newest feedback matching q.
func (s *Service) ListFeedback(ctx context.Context, q FeedbackQuery) ([]FeedbackView, error) {
	useful := false
	if q.Useful != nil {
		useful = *q.Useful
	}
	type row struct {
		Feedback
		CollectionName string
		Text           *string
		Title          *string
		SourceURL      *string
	}
	db := s.db.WithContext(ctx).Table("qa_feedback f").
		Select("f.*, c.name AS collection_name, p.text AS text, p.title AS title, p.source_url AS source_url").
		Joins("JOIN qa_collections c ON c.id = f.collection_id").
		Joins("LEFT JOIN qa_passages p ON p.collection_id = f.collection_id AND p.passage_key = f.passage_key AND f.passage_key <> ''").
		Where("f.useful = ?", useful).Order("f.created_at DESC, f.id DESC").Limit(maxFeedbackListed)
	if q.CollectionID > 0 {
		db = db.Where("f.collection_id = ?", q.CollectionID)
	}
	var rows []row
	if err := db.Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]FeedbackView, len(rows))
	for i, r := range rows {
		out[i] = FeedbackView{ID: r.ID, CollectionID: r.CollectionID, CollectionName: r.CollectionName, ModelID: r.ModelID, Question: r.Question,
			Answer: r.Answer, Useful: r.Useful, PassageID: r.PassageKey, Passage: deref(r.Text), Title: deref(r.Title), SourceURL: deref(r.SourceURL),
			TaskCampaignID: r.TaskCampaignID, CreatedAt: r.CreatedAt}
	}
	return out, nil
}

// TaskInput names the campaign a passage is sent to.
type TaskInput struct {
	CampaignID int64 `json:"campaign_id" required:"true" minimum:"1" description:"a question-answering campaign"`
}

// TaskResult tells what became of the passage.
type TaskResult struct {
	CampaignID int64 `json:"campaign_id" required:"true"`
	// Created is false when the campaign already held the same text.
	Created bool `json:"created" required:"true" description:"false when the campaign already held this text"`
}

// CreateTask sends the passage of a feedback to a qa campaign as a
// paragraph to annotate (its document titled like the passage's), so
// that volunteers write questions about what the engine answered poorly.
// The question itself is not carried over: volunteers write their own.
func (s *Service) CreateTask(ctx context.Context, feedbackID int64, in TaskInput) (*TaskResult, error) {
	var f Feedback
	if err := s.db.WithContext(ctx).Take(&f, feedbackID).Error; err != nil {
		return nil, ErrFeedbackNotFound
	}
	if f.PassageKey == "" {
		return nil, ErrPassageNotFound
	}
	row, err := s.store.passage(ctx, f.CollectionID, f.PassageKey)
	if err != nil {
		return nil, err
	}
	if row == nil {
		return nil, ErrPassageNotFound
	}
	c, err := s.campaigns.CampaignByID(ctx, in.CampaignID)
	if err != nil {
		return nil, err
	}
	if c.Kind != corpus.KindQA {
		return nil, ErrNotQACampaign
	}
	title := row.Title
	if strings.TrimSpace(title) == "" {
		title = "Passage " + row.PassageKey
	}
	ds := squad.Dataset{Version: "qa-feedback", Data: []squad.Article{{Title: title, Paragraphs: []squad.Paragraph{{Context: row.Text, QAs: []squad.Question{}}}}}}
	b, err := json.Marshal(ds)
	if err != nil {
		return nil, err
	}
	rep, err := s.importer.Import(ctx, c.ID, bytes.NewReader(b), int64(len(b)), dataio.Options{Format: dataio.FormatSQuAD}, nil)
	if err != nil {
		return nil, err
	}
	if err := s.db.WithContext(ctx).Model(&Feedback{}).Where("id = ?", f.ID).Update("task_campaign_id", c.ID).Error; err != nil {
		return nil, err
	}
	return &TaskResult{CampaignID: c.ID, Created: rep.ParagraphsNew > 0}, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
