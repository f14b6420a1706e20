package entities

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/lab-ia/piaf/backend/internal/annotate"
	"github.com/lab-ia/piaf/backend/internal/apperr"
	"github.com/lab-ia/piaf/backend/internal/identity"
	"github.com/lab-ia/piaf/backend/pseudo"
)

// Corrections measure how much the annotator changed the model's
// proposals: the figure that tells whether a model helps or misleads.
type Corrections struct {
	Kept       int `json:"kept" required:"true"`
	Relabelled int `json:"relabelled" required:"true"`
	Deleted    int `json:"deleted" required:"true"`
	Added      int `json:"added" required:"true"`
}

func corrections(spans []Span, pre []PreSpan) Corrections {
	var c Corrections
	at := map[[2]int]string{}
	for _, p := range pre {
		at[[2]int{p.Start, p.End}] = p.Label
	}
	used := map[[2]int]bool{}
	for _, s := range spans {
		k := [2]int{s.Start, s.End}
		label, ok := at[k]
		switch {
		case !ok:
			c.Added++
		case label == s.Label:
			c.Kept++
		default:
			c.Relabelled++
		}
		used[k] = ok
	}
	for k := range at {
		if !used[k] {
			c.Deleted++
		}
	}
	return c
}

// ReviewItem is an annotation as moderators review it.
type ReviewItem struct {
	ID            int64       `json:"id" required:"true"`
	State         string      `json:"state" required:"true" enum:"submitted,accepted,rejected,needs_changes"`
	ParagraphID   int64       `json:"paragraph_id" required:"true"`
	Text          string      `json:"text" required:"true"`
	Spans         []Span      `json:"spans" required:"true"`
	PreSpans      []PreSpan   `json:"pre_spans" required:"true"`
	PreModel      string      `json:"pre_model" required:"true"`
	Author        string      `json:"author" required:"true"`
	Corrections   Corrections `json:"corrections" required:"true"`
	ReasonCode    string      `json:"reason_code" required:"true"`
	ReasonComment string      `json:"reason_comment" required:"true"`
	CreatedAt     time.Time   `json:"created_at" required:"true"`
	UpdatedAt     time.Time   `json:"updated_at" required:"true"`
}

type reviewRow struct {
	Annotation
	Text      string
	Pseudonym string
}

func itemOf(r *reviewRow) ReviewItem {
	spans, pre := r.SpanList(), r.PreSpanList()
	return ReviewItem{ID: r.ID, State: r.State, ParagraphID: r.ParagraphID, Text: r.Text, Spans: spans, PreSpans: pre, PreModel: r.PreModel,
		Author: r.Pseudonym, Corrections: corrections(spans, pre), ReasonCode: r.ReasonCode, ReasonComment: r.ReasonComment,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

func (s *Service) rows(tx *gorm.DB) *gorm.DB {
	return tx.Table("entity_annotations ea").Select("ea.*, p.text AS text, u.pseudonym AS pseudonym").
		Joins("JOIN paragraphs p ON p.id = ea.paragraph_id").Joins("JOIN users u ON u.id = ea.author_id")
}

// moderatedCampaign checks that p moderates an NER campaign.
func (s *Service) moderatedCampaign(ctx context.Context, p *identity.Principal, id int64) error {
	if !p.IsAtLeastModerator() {
		return apperr.New(apperr.Forbidden, "forbidden", "review is the moderators'")
	}
	c, err := s.campaigns.Get(ctx, p, id)
	if err != nil {
		return err
	}
	if c.Kind != "ner" {
		return ErrNotNER
	}
	return nil
}

// List pages through a campaign's annotations in a state (oldest first).
func (s *Service) List(ctx context.Context, p *identity.Principal, campaignID int64, state string, offset, limit int) ([]ReviewItem, int64, error) {
	if err := s.moderatedCampaign(ctx, p, campaignID); err != nil {
		return nil, 0, err
	}
	if state == "" {
		state = annotate.StateSubmitted
	}
	q := s.rows(s.db.WithContext(ctx)).Where("ea.campaign_id = ? AND ea.state = ?", campaignID, state)
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	var rows []reviewRow
	if err := q.Order("ea.id").Offset(offset).Limit(limit).Scan(&rows).Error; err != nil {
		return nil, 0, err
	}
	out := make([]ReviewItem, len(rows))
	for i := range rows {
		out[i] = itemOf(&rows[i])
	}
	return out, total, nil
}

func (s *Service) item(ctx context.Context, id int64) (*reviewRow, error) {
	var r reviewRow
	err := s.rows(s.db.WithContext(ctx)).Where("ea.id = ?", id).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrAnnotationMissing
	}
	return &r, err
}

// Decision is a moderator's decision on an annotation.
type Decision struct {
	Action        string `json:"action" required:"true" enum:"accept,reject,request_changes,edit,reopen"`
	Spans         []Span `json:"spans,omitempty" description:"the corrected entities (edit)"`
	ReasonCode    string `json:"reason_code,omitempty" maxLength:"60"`
	Comment       string `json:"comment,omitempty" maxLength:"1000"`
	ExpectedState string `json:"expected_state,omitempty" description:"the state the moderator saw; a stale decision is refused with 409"`
}

// Decide applies a moderator's decision through the annotation state
// machine; two moderators deciding at once: the second gets a conflict.
func (s *Service) Decide(ctx context.Context, p *identity.Principal, id int64, d Decision) (*ReviewItem, error) {
	r, err := s.item(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.moderatedCampaign(ctx, p, r.CampaignID); err != nil {
		return nil, err
	}
	if d.ExpectedState != "" && d.ExpectedState != r.State {
		return nil, ErrStale.WithDetails("state", r.State)
	}
	to, err := annotate.Next(r.State, d.Action, annotate.ActorModerator)
	if err != nil {
		return nil, err
	}
	var v apperr.Validation
	d.Comment = strings.TrimSpace(d.Comment)
	if utf8.RuneCountInString(d.Comment) > 1000 {
		v.Add("comment", "must hold at most 1000 characters")
	}
	if d.Action == "reject" && strings.TrimSpace(d.ReasonCode) == "" {
		v.Add("reason_code", "a rejection needs a reason")
	}
	fields := map[string]any{"state": to, "decided_by": p.UserID, "decided_at": s.now(), "reason_code": strings.TrimSpace(d.ReasonCode),
		"reason_comment": d.Comment, "updated_at": s.now()}
	before := map[string]any{"state": r.State}
	after := map[string]any{"state": to}
	if d.Action == "edit" {
		if d.Spans == nil {
			v.Add("spans", "an edit gives the corrected entities")
		} else if spans, err := CleanSpans([]rune(r.Text), d.Spans); err != nil {
			return nil, err
		} else {
			b, _ := json.Marshal(spans)
			fields["spans"] = string(b)
			before["spans"], after["spans"] = r.SpanList(), spans
		}
	}
	if d.ReasonCode != "" {
		after["reason"] = d.ReasonCode
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	err = s.db.Transaction(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&Annotation{}).Where("id = ? AND state = ?", id, r.State).Updates(fields)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrStale
		}
		return addRevision(tx, id, &p.UserID, "moderation", d.Action, before, after, s.now())
	})
	if err != nil {
		return nil, err
	}
	s.touch(r.CampaignID)
	r, err = s.item(ctx, id)
	if err != nil {
		return nil, err
	}
	it := itemOf(r)
	return &it, nil
}

// HistoryEntry is one change of an annotation.
type HistoryEntry struct {
	At     time.Time      `json:"at" required:"true"`
	Actor  string         `json:"actor" required:"true"`
	Source string         `json:"source" required:"true"`
	Action string         `json:"action" required:"true"`
	Before map[string]any `json:"before" required:"true"`
	After  map[string]any `json:"after" required:"true"`
}

// History lists an annotation's changes, for moderators and its author.
func (s *Service) History(ctx context.Context, p *identity.Principal, id int64) ([]HistoryEntry, error) {
	r, err := s.item(ctx, id)
	if err != nil {
		return nil, err
	}
	if r.AuthorID != p.UserID && !p.IsAtLeastModerator() {
		return nil, ErrAnnotationMissing
	}
	var rows []struct {
		Source, Action, Before, After string
		CreatedAt                     time.Time
		Pseudonym                     *string
	}
	if err := s.db.WithContext(ctx).Table("entity_revisions r").Select("r.source, r.action, r.before, r.after, r.created_at, u.pseudonym AS pseudonym").
		Joins("LEFT JOIN users u ON u.id = r.actor_id").Where("r.annotation_id = ?", id).Order("r.id").Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]HistoryEntry, len(rows))
	for i, row := range rows {
		e := HistoryEntry{At: row.CreatedAt, Source: row.Source, Action: row.Action, Before: map[string]any{}, After: map[string]any{}}
		if row.Pseudonym != nil {
			e.Actor = *row.Pseudonym
		}
		_ = json.Unmarshal([]byte(row.Before), &e.Before)
		_ = json.Unmarshal([]byte(row.After), &e.After)
		out[i] = e
	}
	return out, nil
}

// Agreement is span agreement between annotators of the same passages.
type Agreement struct {
	Passages int                  `json:"passages" required:"true" description:"passages annotated by at least two people"`
	Pairs    int                  `json:"pairs" required:"true"`
	F1       float64              `json:"f1" required:"true" description:"exact span and label match, micro-averaged, in [0, 1]"`
	Labels   map[string]LabelPair `json:"labels" required:"true"`
}

// LabelPair is the agreement on one label.
type LabelPair struct {
	F1      float64 `json:"f1" required:"true"`
	Support int     `json:"support" required:"true"`
}

// CampaignAgreement compares every pair of (non-rejected) annotations of
// the same passage: one as reference, the other as prediction (F1 is
// symmetric), exact match of start, end and label.
func (s *Service) CampaignAgreement(ctx context.Context, p *identity.Principal, campaignID int64) (*Agreement, error) {
	if err := s.moderatedCampaign(ctx, p, campaignID); err != nil {
		return nil, err
	}
	var rows []Annotation
	if err := s.db.WithContext(ctx).Where("campaign_id = ? AND state <> ?", campaignID, annotate.StateRejected).
		Order("paragraph_id, id").Find(&rows).Error; err != nil {
		return nil, err
	}
	byPara := map[int64][]Annotation{}
	var order []int64
	for _, a := range rows {
		if len(byPara[a.ParagraphID]) == 0 {
			order = append(order, a.ParagraphID)
		}
		byPara[a.ParagraphID] = append(byPara[a.ParagraphID], a)
	}
	out := &Agreement{Labels: map[string]LabelPair{}}
	var gold, pred [][]pseudo.Span
	for _, pid := range order {
		as := byPara[pid]
		if len(as) < 2 {
			continue
		}
		out.Passages++
		for i := 0; i < len(as); i++ {
			for j := i + 1; j < len(as); j++ {
				gold = append(gold, toPseudo(as[i].SpanList()))
				pred = append(pred, toPseudo(as[j].SpanList()))
				out.Pairs++
			}
		}
	}
	if out.Pairs == 0 {
		return out, nil
	}
	ev := pseudo.Score(gold, pred, nil)
	out.F1 = ev.Overall.F1
	for l, sc := range ev.Labels {
		out.Labels[l] = LabelPair{F1: sc.F1, Support: sc.Support}
	}
	return out, nil
}

func toPseudo(spans []Span) []pseudo.Span {
	out := make([]pseudo.Span, len(spans))
	for i, s := range spans {
		out[i] = pseudo.Span{Start: s.Start, End: s.End, Label: s.Label}
	}
	return out
}
