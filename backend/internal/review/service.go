package review

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/lab-ia/piaf/backend/internal/annotate"
	"github.com/lab-ia/piaf/backend/internal/apperr"
	"github.com/lab-ia/piaf/backend/internal/corpus"
	"github.com/lab-ia/piaf/backend/internal/identity"
	"github.com/lab-ia/piaf/backend/internal/live"
)

// Publisher sends live events.
type Publisher interface {
	Publish(ctx context.Context, topic, typ string, data any) (live.Event, error)
}

// CounterToucher is told when a campaign's counters change.
type CounterToucher interface{ Touch(campaignID int64) }

// Service runs moderation.
type Service struct {
	store     *Store
	campaigns *corpus.Service
	pub       Publisher
	counters  CounterToucher
	// queue is told when decisions change a campaign's review queue.
	queue    CounterToucher
	log      *slog.Logger
	claimFor time.Duration
	now      func() time.Time
}

// NewService wires moderation.
func NewService(store *Store, campaigns *corpus.Service, pub Publisher, counters CounterToucher, log *slog.Logger) *Service {
	return &Service{store: store, campaigns: campaigns, pub: pub, counters: counters, log: log, claimFor: 5 * time.Minute,
		now: func() time.Time { return time.Now().UTC() }}
}

// SetQueueNotifier installs what tells moderators, coalesced, that a
// campaign's review queue changed (its size is recomputed once per
// interval, not after every decision).
func (s *Service) SetQueueNotifier(t CounterToucher) { s.queue = t }

// Typed errors of moderation.
var (
	ErrQuestionNotFound = apperr.New(apperr.NotFound, "question_not_found", "no such question")
	ErrClaimedByOther   = apperr.New(apperr.Conflict, "claimed_by_another", "another moderator is reviewing this item")
	ErrQueueEmpty       = apperr.New(apperr.NotFound, "queue_empty", "nothing left to review with these filters")
)

// PrepareSubmission implements annotate.SubmitHook: before the questions
// are written it raises their flags and routes them by the author's trust
// (a trusted author's unflagged, unsampled work is accepted at once). Two
// statements whatever the number of questions: the author's standing,
// and which of the questions' keys the campaign already holds.
func (s *Service) PrepareSubmission(tx *gorm.DB, c *corpus.Campaign, authorID int64, text string, qs []annotate.Question) error {
	now := s.now()
	st, err := s.store.submitterState(tx, authorID, now.Add(-time.Minute))
	if err != nil {
		return err
	}
	trust := Trust(st.Accepted, st.Rejected, st.GoldRight, st.GoldWrong)
	keys := make([]string, len(qs))
	inBatch := map[string]int{}
	for i := range qs {
		keys[i] = QuestionKey(qs[i].Text)
		inBatch[keys[i]]++
	}
	taken, err := s.store.keysTaken(tx, c.ID, keys)
	if err != nil {
		return err
	}
	for i := range qs {
		q := &qs[i]
		var flags []string
		if IsShort(q.Text) {
			flags = append(flags, FlagShort)
		}
		if CopiesText(q.Text, text) {
			flags = append(flags, FlagCopy)
		}
		if st.Recent+int64(i) >= BurstLimit {
			flags = append(flags, FlagBurst)
		}
		if taken[i] || inBatch[keys[i]] > 1 {
			flags = append(flags, FlagNearDuplicate)
		}
		fj, _ := json.Marshal(orEmpty(flags))
		auto := len(flags) == 0 && trust >= HighTrust && !sampled(q.ParagraphID, authorID, i, c.ReviewSample)
		q.Flags, q.QuestionKey, q.NeedsReview = string(fj), keys[i], !auto
		if auto {
			q.State = annotate.StateAccepted
			q.DecidedAt = &now
		}
	}
	if trust != st.Trust {
		return tx.Table("users").Where("id = ?", authorID).Update("trust", trust).Error
	}
	return nil
}

// RecordSubmission implements annotate.SubmitHook: each question's
// creation, and its acceptance when it was accepted at once, become
// revisions, written in one statement.
func (s *Service) RecordSubmission(tx *gorm.DB, authorID int64, qs []annotate.Question, as []annotate.Answer) error {
	now := s.now()
	revs := make([]Revision, 0, len(qs))
	var auto []int
	for i := range qs {
		r, err := newRevision(qs[i].ID, &as[i].ID, &authorID, "web", "submit", nil,
			questionSnapshot(qs[i].Text, as[i].StartOffset, as[i].Text, annotate.StateSubmitted), now)
		if err != nil {
			return err
		}
		revs = append(revs, r)
		if qs[i].State == annotate.StateAccepted {
			auto = append(auto, i)
		}
	}
	if len(auto) > 0 {
		// The trust that accepted them, as stored a moment ago.
		var trust float64
		if err := tx.Table("users").Select("trust").Where("id = ?", authorID).Scan(&trust).Error; err != nil {
			return err
		}
		for _, i := range auto {
			r, err := newRevision(qs[i].ID, nil, nil, "system", "auto_accept", map[string]any{"state": annotate.StateSubmitted},
				map[string]any{"state": annotate.StateAccepted, "trust": trust}, now)
			if err != nil {
				return err
			}
			revs = append(revs, r)
		}
	}
	return tx.Create(&revs).Error
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func questionSnapshot(question string, start int, answer, state string) map[string]any {
	return map[string]any{"question": question, "answer": map[string]any{"start": start, "text": answer}, "state": state}
}

// Suspend stops a contributor: they may no longer annotate, and their
// pending work leaves the review queue. Reinstate undoes it.
func (s *Service) Suspend(ctx context.Context, p *identity.Principal, userID int64, reason string) error {
	reason = strings.TrimSpace(reason)
	if n := utf8.RuneCountInString(reason); n < 3 || n > 500 {
		var v apperr.Validation
		v.Add("reason", "must hold 3 to 500 characters")
		return v.Err()
	}
	res := s.store.db.WithContext(ctx).Table("users").Where("id = ? AND role = 'contributor' AND deleted_at IS NULL", userID).
		Updates(map[string]any{"suspended_at": s.now(), "suspended_reason": reason})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return apperr.New(apperr.NotFound, "user_not_found", "no such contributor (only contributors can be suspended)")
	}
	s.notify(ctx, userID, "suspended", map[string]any{"reason": reason})
	return nil
}

// Reinstate lifts a suspension.
func (s *Service) Reinstate(ctx context.Context, p *identity.Principal, userID int64) error {
	res := s.store.db.WithContext(ctx).Table("users").Where("id = ?", userID).Updates(map[string]any{"suspended_at": nil, "suspended_reason": ""})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return apperr.New(apperr.NotFound, "user_not_found", "no such user")
	}
	s.notify(ctx, userID, "reinstated", nil)
	return nil
}

func (s *Service) notify(ctx context.Context, userID int64, typ string, data any) {
	if _, err := s.pub.Publish(context.WithoutCancel(ctx), live.UserTopic(userID), typ, data); err != nil {
		s.log.Warn("notification not published", "user", userID, "err", err)
	}
}

func (s *Service) question(ctx context.Context, id int64) (*annotate.Question, error) {
	var q annotate.Question
	if err := s.store.db.WithContext(ctx).First(&q, id).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, ErrQuestionNotFound
		}
		return nil, err
	}
	return &q, nil
}
