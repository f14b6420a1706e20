package review

import (
	"context"
	"encoding/json"
	"time"

	"gorm.io/gorm"

	"github.com/lab-ia/piaf/backend/internal/annotate"
	"github.com/lab-ia/piaf/backend/internal/apperr"
	"github.com/lab-ia/piaf/backend/internal/identity"
	"github.com/lab-ia/piaf/backend/qa/metric"
)

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

// FeedbackItem is a moderator's decision on one of the contributor's
// questions that they should know about: a rejection or change request
// with its reason, or an edit with before and after.
type FeedbackItem struct {
	QuestionID    int64          `json:"question_id" required:"true"`
	CampaignID    int64          `json:"campaign_id" required:"true"`
	Question      string         `json:"question" required:"true"`
	State         string         `json:"state" required:"true"`
	ReasonCode    string         `json:"reason_code,omitempty"`
	ReasonComment string         `json:"reason_comment,omitempty"`
	Action        string         `json:"action" required:"true"`
	At            time.Time      `json:"at" required:"true"`
	Before        map[string]any `json:"before" required:"true"`
	After         map[string]any `json:"after" required:"true"`
}

// Feedback lists the moderation decisions on the caller's work, newest
// first: rejections and requests for changes with their reasons, and
// edits with before and after.
func (s *Service) Feedback(ctx context.Context, p *identity.Principal, limit int) ([]FeedbackItem, error) {
	var rows []struct {
		QuestionID    int64
		CampaignID    int64
		Text          string
		State         string
		ReasonCode    string
		ReasonComment string
		Action        string
		CreatedAt     time.Time
		Before        string
		After         string
	}
	err := s.store.db.WithContext(ctx).Table("revisions r").
		Select("q.id AS question_id, q.campaign_id, q.text, q.state, q.reason_code, q.reason_comment, r.action, r.created_at, r.before, r.after").
		Joins("JOIN questions q ON q.id = r.question_id").
		Where("q.author_id = ? AND r.source = 'moderation' AND r.action IN ('reject', 'request_changes', 'edit', 'accept')", p.UserID).
		Order("r.id DESC").Limit(limit).Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	out := make([]FeedbackItem, 0, len(rows))
	for _, r := range rows {
		f := FeedbackItem{QuestionID: r.QuestionID, CampaignID: r.CampaignID, Question: r.Text, State: r.State, ReasonCode: r.ReasonCode,
			ReasonComment: r.ReasonComment, Action: r.Action, At: r.CreatedAt, Before: map[string]any{}, After: map[string]any{}}
		_ = jsonUnmarshal(r.Before, &f.Before)
		_ = jsonUnmarshal(r.After, &f.After)
		out = append(out, f)
	}
	return out, nil
}

// SetGold marks (or unmarks) an accepted question as a gold question,
// whose known answers check contributors in answer mode.
func (s *Service) SetGold(ctx context.Context, p *identity.Principal, questionID int64, gold bool) error {
	q, err := s.question(ctx, questionID)
	if err != nil {
		return err
	}
	if _, err := s.campaigns.Get(ctx, p, q.CampaignID); err != nil {
		return err
	}
	if gold && q.State != annotate.StateAccepted {
		return apperr.New(apperr.Conflict, "not_accepted", "only an accepted question can be a gold question").WithDetails("state", q.State)
	}
	return s.store.db.Transaction(ctx, func(tx *gorm.DB) error {
		if err := tx.Table("questions").Where("id = ?", q.ID).Update("is_gold", gold).Error; err != nil {
			return err
		}
		return addRevision(tx, q.ID, nil, &p.UserID, "moderation", "gold", map[string]any{"gold": !gold}, map[string]any{"gold": gold}, s.now())
	})
}

// GoldThreshold is the F1 (French normalisation) at which a gold answer
// counts as right.
const GoldThreshold = 0.8

// ScoreGold implements annotate.GoldScorer: it scores an answer to a gold
// question against its accepted answers and updates the contributor's
// trust.
func (s *Service) ScoreGold(tx *gorm.DB, userID, questionID int64, answer string) (float64, bool, error) {
	var golds []string
	if err := tx.Table("answers").Where("question_id = ? AND state = ?", questionID, annotate.StateAccepted).Pluck("text", &golds).Error; err != nil {
		return 0, false, err
	}
	f1 := 0.0
	if len(golds) > 0 {
		f1 = metric.MaxOverGold(metric.F1, answer, golds, metric.NormalizeFrench)
	}
	correct := f1 >= GoldThreshold
	if err := tx.Exec(`INSERT INTO gold_results (user_id, question_id, f1, correct, created_at) VALUES (?, ?, ?, ?, ?)`, userID, questionID, f1, correct, s.now()).Error; err != nil {
		return 0, false, err
	}
	return f1, correct, s.refreshTrust(tx, userID)
}
