package review

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/lab-ia/piaf/backend/internal/annotate"
	"github.com/lab-ia/piaf/backend/internal/apperr"
	"github.com/lab-ia/piaf/backend/internal/corpus"
	"github.com/lab-ia/piaf/backend/internal/identity"
)

// Decision is a moderator's verdict on a question and its answer.
type Decision struct {
	// Action is accept, reject, request_changes, edit or reopen.
	Action string
	// ReasonCode is one of the campaign's rejection reasons (reject and
	// request_changes); Comment adds free text.
	ReasonCode string
	Comment    string
	// Question and Answer carry the corrected pair of an edit (nil fields
	// are kept).
	Question *string
	Answer   *annotate.Span
	// ExpectedState, when set, must be the state the moderator saw: a
	// decision taken on stale information is refused.
	ExpectedState string
}

// Decide applies a decision through the state machine. Two moderators
// deciding the same item at once: the first wins, the second gets a 409
// with the current state.
func (s *Service) Decide(ctx context.Context, p *identity.Principal, questionID int64, d Decision) (*Item, error) {
	q, err := s.question(ctx, questionID)
	if err != nil {
		return nil, err
	}
	c, err := s.campaigns.Get(ctx, p, q.CampaignID)
	if err != nil {
		return nil, err
	}
	if d.ExpectedState != "" && d.ExpectedState != q.State {
		return nil, annotate.ErrInvalidTransition.WithDetails("state", q.State)
	}
	to, err := annotate.Next(q.State, d.Action, annotate.ActorModerator)
	if err != nil {
		return nil, err
	}
	if err := s.checkDecision(c, q, &d); err != nil {
		return nil, err
	}
	now := s.now()
	err = s.store.db.Transaction(ctx, func(tx *gorm.DB) error {
		var orig annotate.Answer
		if err := tx.Where("question_id = ? AND kind = ?", q.ID, annotate.KindOriginal).Order("id").Take(&orig).Error; err != nil {
			return err
		}
		fields := map[string]any{"state": to, "decided_by": p.UserID, "decided_at": now, "reason_code": d.ReasonCode,
			"reason_comment": d.Comment, "claimed_by": nil, "claim_expires_at": nil, "updated_at": now}
		before := questionSnapshot(q.Text, orig.StartOffset, orig.Text, q.State)
		after := questionSnapshot(q.Text, orig.StartOffset, orig.Text, to)
		if d.Action == "edit" {
			if d.Question != nil {
				fields["question_key"] = QuestionKey(*d.Question)
				fields["text"] = *d.Question
				after["question"] = *d.Question
			}
			if d.Answer != nil {
				after["answer"] = map[string]any{"start": d.Answer.Start, "text": d.Answer.Text}
			}
		}
		if d.ReasonCode != "" {
			after["reason"] = d.ReasonCode
		}
		if d.Comment != "" {
			after["comment"] = d.Comment
		}
		// The conditional update is what makes a second, concurrent
		// decision lose: it finds the state changed.
		res := tx.Model(&annotate.Question{}).Where("id = ? AND state = ?", q.ID, q.State).Where(
			"claimed_by IS NULL OR claim_expires_at < ? OR claimed_by = ?", now, p.UserID).Updates(fields)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			cur, err := s.question(ctx, q.ID)
			if err == nil && cur.State == q.State {
				return ErrClaimedByOther
			}
			state := ""
			if cur != nil {
				state = cur.State
			}
			return annotate.ErrInvalidTransition.WithDetails("state", state)
		}
		answerFields := map[string]any{"state": to, "updated_at": now}
		if d.Action == "edit" && d.Answer != nil {
			answerFields["start_offset"] = d.Answer.Start
			answerFields["text"] = d.Answer.Text
		}
		if err := tx.Model(&annotate.Answer{}).Where("id = ?", orig.ID).Updates(answerFields).Error; err != nil {
			return err
		}
		if err := addRevision(tx, q.ID, &orig.ID, &p.UserID, "moderation", d.Action, before, after, now); err != nil {
			return err
		}
		return s.refreshTrust(tx, q.AuthorID)
	})
	if err != nil {
		return nil, err
	}
	s.afterDecision(ctx, c.ID, q, d.Action, to)
	return s.item(ctx, q.ID)
}

// checkDecision validates the decision's fields against the campaign.
func (s *Service) checkDecision(c *corpus.Campaign, q *annotate.Question, d *Decision) error {
	var v apperr.Validation
	d.Comment = strings.TrimSpace(d.Comment)
	if utf8.RuneCountInString(d.Comment) > 1000 {
		v.Add("comment", "must hold at most 1000 characters")
	}
	switch d.Action {
	case "reject", "request_changes":
		ok := false
		for _, r := range c.RejectReasonList() {
			ok = ok || r == d.ReasonCode
		}
		if !ok {
			v.Add("reason_code", "must be one of the campaign's reasons: "+strings.Join(c.RejectReasonList(), ", "))
		}
	case "edit":
		if d.Question == nil && d.Answer == nil {
			v.Add("question", "an edit changes the question, the answer or both")
		}
		if d.Question != nil {
			cleaned, problem := annotate.CleanQuestion(*d.Question)
			if problem != "" {
				v.Add("question", problem)
			}
			d.Question = &cleaned
		}
		if d.Answer != nil {
			var text string
			if err := s.store.db.Gorm.Table("paragraphs").Select("text").Where("id = ?", q.ParagraphID).Scan(&text).Error; err != nil {
				return err
			}
			if problem := annotate.CheckSpan([]rune(text), *d.Answer); problem != "" {
				v.Add("answer", problem)
			}
		}
	}
	return v.Err()
}

// refreshTrust recomputes and caches a contributor's trust.
func (s *Service) refreshTrust(tx *gorm.DB, userID int64) error {
	c, err := s.store.countsFor(tx, userID)
	if err != nil {
		return err
	}
	return tx.Table("users").Where("id = ?", userID).Update("trust", Trust(c.Accepted, c.Rejected, c.GoldRight, c.GoldWrong)).Error
}

// afterDecision tells the author and the moderators, and updates counters.
func (s *Service) afterDecision(ctx context.Context, campaignID int64, q *annotate.Question, action, to string) {
	s.notify(ctx, q.AuthorID, "decision", map[string]any{"question_id": q.ID, "action": action, "state": to})
	s.counters.Touch(campaignID)
	if s.queue != nil {
		s.queue.Touch(campaignID)
	}
}

// HistoryEntry is one revision as shown to people.
type HistoryEntry struct {
	ID     int64          `json:"id" required:"true"`
	At     time.Time      `json:"at" required:"true"`
	Actor  string         `json:"actor" required:"true"`
	Source string         `json:"source" required:"true"`
	Action string         `json:"action" required:"true"`
	Before map[string]any `json:"before" required:"true"`
	After  map[string]any `json:"after" required:"true"`
}

// History returns a question's revisions, oldest first. Moderators see
// every question's; a contributor sees their own questions'.
func (s *Service) History(ctx context.Context, p *identity.Principal, questionID int64) ([]HistoryEntry, error) {
	q, err := s.question(ctx, questionID)
	if err != nil {
		return nil, err
	}
	if q.AuthorID != p.UserID && !p.IsAtLeastModerator() {
		return nil, ErrQuestionNotFound
	}
	return s.history(ctx, []int64{questionID})
}

func (s *Service) history(ctx context.Context, ids []int64) ([]HistoryEntry, error) {
	var rows []struct {
		Revision
		Pseudonym *string
	}
	if err := s.store.db.WithContext(ctx).Table("revisions r").Select("r.*, u.pseudonym").Joins("LEFT JOIN users u ON u.id = r.actor_id").
		Where("r.question_id IN ?", ids).Order("r.id").Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]HistoryEntry, 0, len(rows))
	for _, r := range rows {
		e := HistoryEntry{ID: r.ID, At: r.CreatedAt, Source: r.Source, Action: r.Action, Actor: "PIAF", Before: map[string]any{}, After: map[string]any{}}
		if r.Pseudonym != nil {
			e.Actor = *r.Pseudonym
		}
		_ = jsonUnmarshal(r.Before, &e.Before)
		_ = jsonUnmarshal(r.After, &e.After)
		if e.Before == nil {
			e.Before = map[string]any{}
		}
		if e.After == nil {
			e.After = map[string]any{}
		}
		out = append(out, e)
	}
	return out, nil
}
