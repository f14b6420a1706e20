package annotate

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"time"

	"gorm.io/gorm"

	"github.com/lab-ia/piaf/backend/internal/apperr"
	"github.com/lab-ia/piaf/backend/internal/corpus"
	"github.com/lab-ia/piaf/backend/internal/identity"
)

// AnswerTask is a test question to answer, without the answers already
// given (so that they do not influence the contributor).
type AnswerTask struct {
	QuestionID     int64        `json:"question_id" required:"true"`
	Question       string       `json:"question" required:"true"`
	Paragraph      string       `json:"paragraph" required:"true"`
	ParagraphID    int64        `json:"paragraph_id" required:"true"`
	Document       TaskDocument `json:"document" required:"true"`
	LeaseExpiresAt time.Time    `json:"lease_expires_at" required:"true"`
}

// answerLease is how long a test question stays reserved.
const answerLease = 10 * time.Minute

// NextAnswerTask reserves the test question with the fewest answers that
// the caller did not write nor answer yet.
func (s *Service) NextAnswerTask(ctx context.Context, p *identity.Principal, campaignID int64) (*AnswerTask, error) {
	c, err := s.openQACampaign(ctx, p, campaignID)
	if err != nil {
		return nil, err
	}
	if !p.IsAtLeastModerator() {
		prog, err := s.Progress(ctx, p.UserID)
		if err != nil {
			return nil, err
		}
		if prog.Level < 2 {
			return nil, ErrLevelTooLow
		}
	}
	var task *AnswerTask
	err = s.store.db.Transaction(ctx, func(tx *gorm.DB) error {
		now := s.now()
		q, err := heldQuestion(tx, c.ID, p.UserID, now)
		if err != nil {
			return err
		}
		if q == nil && c.GoldRate > 0 && rand.IntN(100) < c.GoldRate {
			// A gold question, unannounced, checks the contributor.
			if q, err = s.store.goldQuestion(tx, c.ID, p.UserID); err != nil {
				return err
			}
		}
		if q == nil {
			if q, err = s.store.candidateQuestion(tx, c, p.UserID, now); err != nil {
				return err
			}
		}
		if q == nil {
			return ErrNoQuestion
		}
		until := now.Add(answerLease)
		if err := tx.Model(&Question{}).Where("id = ?", q.ID).Updates(map[string]any{"lease_user_id": p.UserID, "lease_expires_at": until}).Error; err != nil {
			return err
		}
		var para corpus.Paragraph
		if err := tx.First(&para, q.ParagraphID).Error; err != nil {
			return err
		}
		var doc corpus.Document
		if err := tx.First(&doc, para.DocumentID).Error; err != nil {
			return err
		}
		task = &AnswerTask{QuestionID: q.ID, Question: q.Text, Paragraph: para.Text, ParagraphID: para.ID, LeaseExpiresAt: until,
			Document: TaskDocument{ID: doc.ID, Title: doc.Title, SourceURL: doc.SourceURL, License: doc.License, Theme: doc.Theme}}
		return nil
	})
	return task, err
}

// AnswerResult is the stored additional answer (AnswerID is 0 for a gold
// question: its answer only measures the contributor).
type AnswerResult struct {
	AnswerID   int64 `json:"answer_id" required:"true"`
	QuestionID int64 `json:"question_id" required:"true"`
	Replayed   bool  `json:"replayed" required:"true"`
}

// SubmitAnswer stores an additional answer to a test question.
func (s *Service) SubmitAnswer(ctx context.Context, p *identity.Principal, questionID int64, key string, span Span) (*AnswerResult, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	var q Question
	if err := s.store.db.WithContext(ctx).First(&q, questionID).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, apperr.New(apperr.NotFound, "question_not_found", "no such question")
		}
		return nil, err
	}
	c, err := s.openQACampaign(ctx, p, q.CampaignID)
	if err != nil {
		return nil, err
	}
	var result AnswerResult
	err = s.store.db.Transaction(ctx, func(tx *gorm.DB) error {
		if prior, err := priorSubmission(tx, p.UserID, key); err != nil {
			return err
		} else if prior != nil {
			if prior.Kind != "answer" || prior.TargetID != questionID {
				return apperr.New(apperr.Conflict, "idempotency_key_reused", "this idempotency key was used for another request")
			}
			if err := json.Unmarshal([]byte(prior.Response), &result); err != nil {
				return err
			}
			result.Replayed = true
			return nil
		}
		if err := tx.First(&q, questionID).Error; err != nil {
			return err
		}
		now := s.now()
		if q.IsGold && q.AuthorID != p.UserID {
			var para corpus.Paragraph
			if err := tx.First(&para, q.ParagraphID).Error; err != nil {
				return err
			}
			if problem := CheckSpan([]rune(para.Text), span); problem != "" {
				var v apperr.Validation
				v.Add("answer", problem)
				return v.Err()
			}
			if s.answers != nil {
				if _, _, err := s.answers.ScoreGold(tx, p.UserID, q.ID, span.Text); err != nil {
					return err
				}
			}
			result = AnswerResult{QuestionID: q.ID}
			b, _ := json.Marshal(result)
			return tx.Create(&submission{UserID: p.UserID, IdempotencyKey: key, Kind: "answer", TargetID: q.ID, Response: string(b), CreatedAt: now}).Error
		}
		switch {
		case !q.IsTest:
			return apperr.New(apperr.Conflict, "not_a_test_question", "this question does not collect more answers")
		case q.AuthorID == p.UserID:
			return apperr.New(apperr.Conflict, "own_question", "you cannot answer your own question")
		case q.LeaseUserID != nil && *q.LeaseUserID != p.UserID && q.LeaseExpiresAt != nil && q.LeaseExpiresAt.After(now):
			return ErrLeaseLost
		case q.AnswersCount >= c.AnswersPerQuestion:
			return apperr.New(apperr.Conflict, "enough_answers", "this question has all the answers it needs")
		}
		var mine int64
		if err := tx.Model(&Answer{}).Where("question_id = ? AND author_id = ?", q.ID, p.UserID).Count(&mine).Error; err != nil {
			return err
		}
		if mine > 0 {
			return apperr.New(apperr.Conflict, "already_answered", "you already answered this question")
		}
		var para corpus.Paragraph
		if err := tx.First(&para, q.ParagraphID).Error; err != nil {
			return err
		}
		if problem := CheckSpan([]rune(para.Text), span); problem != "" {
			var v apperr.Validation
			v.Add("answer", problem)
			return v.Err()
		}
		a := Answer{QuestionID: q.ID, AuthorID: p.UserID, StartOffset: span.Start, Text: span.Text, Kind: KindAdditional,
			State: StateSubmitted, GuidelineVersion: c.GuidelinesVersion, CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&a).Error; err != nil {
			return err
		}
		if err := tx.Model(&Question{}).Where("id = ?", q.ID).Updates(map[string]any{
			"answers_count": gorm.Expr("answers_count + 1"), "lease_user_id": nil, "lease_expires_at": nil}).Error; err != nil {
			return err
		}
		if s.answers != nil {
			if err := s.answers.OnAnswered(tx, q.ID); err != nil {
				return err
			}
		}
		result = AnswerResult{AnswerID: a.ID, QuestionID: q.ID}
		b, _ := json.Marshal(result)
		return tx.Create(&submission{UserID: p.UserID, IdempotencyKey: key, Kind: "answer", TargetID: q.ID, Response: string(b), CreatedAt: now}).Error
	})
	if err != nil {
		return nil, err
	}
	if !result.Replayed {
		s.publishStats(ctx, c.ID)
	}
	return &result, nil
}
