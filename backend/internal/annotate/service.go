package annotate

import (
	"context"
	"encoding/json"
	"errors"
	"hash/fnv"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/lab-ia/piaf/backend/internal/apperr"
	"github.com/lab-ia/piaf/backend/internal/corpus"
	"github.com/lab-ia/piaf/backend/internal/identity"
	"github.com/lab-ia/piaf/backend/internal/live"
)

// Publisher sends live events (submissions and reports to the review queue).
type Publisher interface {
	Publish(ctx context.Context, topic, typ string, data any) (live.Event, error)
}

// SubmitHook is moderation's part of a submission, inside its
// transaction. PrepareSubmission runs before the questions are written:
// it raises flags and routes each question by the author's trust, setting
// State, NeedsReview, Flags, QuestionKey and DecidedAt, so that every row
// is written once. RecordSubmission runs after, with their ids, to write
// their history. An error undoes the whole submission.
type SubmitHook interface {
	PrepareSubmission(tx *gorm.DB, c *corpus.Campaign, authorID int64, paragraphText string, questions []Question) error
	RecordSubmission(tx *gorm.DB, authorID int64, questions []Question, answers []Answer) error
}

// AnswerHook runs inside an answer's transaction: gold questions are
// scored (and never counted as answers), other answers update the
// question's agreement.
type AnswerHook interface {
	ScoreGold(tx *gorm.DB, userID, questionID int64, answer string) (f1 float64, correct bool, err error)
	OnAnswered(tx *gorm.DB, questionID int64) error
}

// CounterToucher is told when a campaign's counters change.
type CounterToucher interface {
	Touch(campaignID int64)
}

// Service runs the annotation workflows.
type Service struct {
	store     *Store
	campaigns *corpus.Service
	counters  CounterToucher
	pub       Publisher
	hook      SubmitHook
	answers   AnswerHook
	// reviewQueue is told when submissions or reports change a campaign's
	// review queue.
	reviewQueue CounterToucher
	log         *slog.Logger
	leaseFor    time.Duration
	now         func() time.Time
}

// NewService wires the workflows. leaseFor is how long a task stays
// reserved without activity (renewed while the contributor works).
func NewService(store *Store, campaigns *corpus.Service, counters CounterToucher, pub Publisher, log *slog.Logger, leaseFor time.Duration) *Service {
	return &Service{store: store, campaigns: campaigns, counters: counters, pub: pub, log: log, leaseFor: leaseFor,
		now: func() time.Time { return time.Now().UTC() }}
}

// SetModeration installs moderation's hooks. (Suspension needs no hook:
// the caller's principal carries it, read with their session or token.)
func (s *Service) SetModeration(hook SubmitHook, answers AnswerHook) {
	s.hook, s.answers = hook, answers
}

// Typed errors of the workflows.
var (
	ErrCampaignClosed = apperr.New(apperr.Conflict, "campaign_not_open", "this campaign is not open for contributions")
	ErrNotQA          = apperr.New(apperr.Conflict, "not_a_qa_campaign", "this campaign does not collect questions")
	ErrNoTask         = apperr.New(apperr.NotFound, "no_task", "no paragraph is waiting for you in this campaign right now")
	ErrNoQuestion     = apperr.New(apperr.NotFound, "no_question", "no question is waiting for an answer from you right now")
	ErrLeaseLost      = apperr.New(apperr.Conflict, "lease_lost", "this task is no longer reserved for you; ask for a new one")
	ErrNotCertified   = apperr.New(apperr.Forbidden, "not_certified", "this campaign is open to certified contributors (level 3)")
	ErrLevelTooLow    = apperr.New(apperr.Forbidden, "level_too_low", "answer mode opens at level 2")
	ErrSuspended      = apperr.New(apperr.Forbidden, "suspended", "your contributions are suspended; see your feedback page")
)

// Task is a leased paragraph with what the screen needs.
type Task struct {
	Paragraph       corpus.Paragraph `json:"paragraph" required:"true"`
	Document        TaskDocument     `json:"document" required:"true"`
	QuestionsNeeded int              `json:"questions_needed" required:"true"`
	LeaseExpiresAt  time.Time        `json:"lease_expires_at" required:"true"`
	GuidelineVer    int              `json:"guidelines_version" required:"true"`
}

// TaskDocument attributes the paragraph's source.
type TaskDocument struct {
	ID        int64  `json:"id" required:"true"`
	Title     string `json:"title" required:"true"`
	SourceURL string `json:"source_url" required:"true"`
	License   string `json:"license" required:"true"`
	Theme     string `json:"theme" required:"true"`
}

func (s *Service) openQACampaign(ctx context.Context, p *identity.Principal, id int64) (*corpus.Campaign, error) {
	return s.openCampaign(ctx, p, id, corpus.KindQA)
}

// openCampaign loads a campaign the caller may work on now: one of kinds,
// visible to them, open, and they neither suspended nor short of the
// level its audience asks.
func (s *Service) openCampaign(ctx context.Context, p *identity.Principal, id int64, kinds ...corpus.Kind) (*corpus.Campaign, error) {
	c, err := s.campaigns.Get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(kinds, c.Kind) {
		return nil, ErrNotQA
	}
	if c.Status != corpus.StatusOpen {
		return nil, ErrCampaignClosed.WithDetails("status", c.Status)
	}
	if p.Suspended {
		return nil, ErrSuspended
	}
	if c.Audience == "certified" && !p.IsAtLeastModerator() {
		prog, err := s.Progress(ctx, p.UserID)
		if err != nil {
			return nil, err
		}
		if prog.Level < 3 {
			return nil, ErrNotCertified
		}
	}
	return c, nil
}

// NextTask leases the next paragraph for p (or renews the one p holds).
func (s *Service) NextTask(ctx context.Context, p *identity.Principal, campaignID int64, theme string) (*Task, error) {
	c, err := s.openQACampaign(ctx, p, campaignID)
	if err != nil {
		return nil, err
	}
	// One statement picks, locks and leases the paragraph (atomic on its
	// own, so no transaction is held across round trips).
	db := s.store.db.WithContext(ctx)
	now := s.now()
	until := now.Add(s.leaseFor)
	para, err := s.store.leaseNext(db, c, p.UserID, theme, now, until)
	if err != nil {
		return nil, err
	}
	if para == nil {
		return nil, ErrNoTask
	}
	var doc corpus.Document
	if err := db.First(&doc, para.DocumentID).Error; err != nil {
		return nil, err
	}
	return &Task{Paragraph: *para, QuestionsNeeded: c.QuestionsPerParagraph - para.QuestionsCount, LeaseExpiresAt: until,
		GuidelineVer: c.GuidelinesVersion,
		Document:     TaskDocument{ID: doc.ID, Title: doc.Title, SourceURL: doc.SourceURL, License: doc.License, Theme: doc.Theme}}, nil
}

// paragraphFor loads a paragraph of a question-answer campaign the caller
// may work on (its campaign visible and open).
func (s *Service) paragraphFor(ctx context.Context, p *identity.Principal, id int64) (*corpus.Paragraph, *corpus.Campaign, error) {
	return s.paragraphOf(ctx, p, id, corpus.KindQA)
}

// paragraphOf is paragraphFor for campaigns of the given kinds: leases,
// skips and reports work the same on entity passages.
func (s *Service) paragraphOf(ctx context.Context, p *identity.Principal, id int64, kinds ...corpus.Kind) (*corpus.Paragraph, *corpus.Campaign, error) {
	var para corpus.Paragraph
	if err := s.store.db.WithContext(ctx).First(&para, id).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, nil, apperr.New(apperr.NotFound, "paragraph_not_found", "no such paragraph")
		}
		return nil, nil, err
	}
	c, err := s.openCampaign(ctx, p, para.CampaignID, kinds...)
	if err != nil {
		return nil, nil, err
	}
	return &para, c, nil
}

// RenewLease extends the caller's reservation of a paragraph.
func (s *Service) RenewLease(ctx context.Context, p *identity.Principal, paragraphID int64) (time.Time, error) {
	if _, _, err := s.paragraphOf(ctx, p, paragraphID, corpus.KindQA, corpus.KindNER); err != nil {
		return time.Time{}, err
	}
	now := s.now()
	until := now.Add(s.leaseFor)
	// Renewable while held, or expired but taken by nobody since.
	res := s.store.db.WithContext(ctx).Model(&corpus.Paragraph{}).
		Where("id = ? AND status = 'open' AND (lease_user_id = ? OR lease_expires_at IS NULL OR lease_expires_at < ?)", paragraphID, p.UserID, now).
		Updates(map[string]any{"lease_user_id": p.UserID, "lease_expires_at": until})
	if res.Error != nil {
		return time.Time{}, res.Error
	}
	if res.RowsAffected == 0 {
		return time.Time{}, ErrLeaseLost
	}
	return until, nil
}

// ReleaseLease gives a paragraph back to the pool.
func (s *Service) ReleaseLease(ctx context.Context, p *identity.Principal, paragraphID int64) error {
	return s.store.db.WithContext(ctx).Model(&corpus.Paragraph{}).Where("id = ? AND lease_user_id = ?", paragraphID, p.UserID).
		Updates(map[string]any{"lease_user_id": nil, "lease_expires_at": nil}).Error
}

// SkipReasons are the accepted reasons to skip a paragraph.
var SkipReasons = []string{"too_hard", "not_interested", "no_good_question", "other"}

// Skip passes on a paragraph: it is never offered to the caller again.
func (s *Service) Skip(ctx context.Context, p *identity.Principal, paragraphID int64, reason string) error {
	if !contains(SkipReasons, reason) {
		var v apperr.Validation
		v.Add("reason", "must be one of "+strings.Join(SkipReasons, ", "))
		return v.Err()
	}
	// Passages of entity campaigns are skipped the same way (their task
	// query honours paragraph_skips too).
	if _, _, err := s.paragraphOf(ctx, p, paragraphID, corpus.KindQA, corpus.KindNER); err != nil {
		return err
	}
	return s.store.db.Transaction(ctx, func(tx *gorm.DB) error {
		sk := paragraphSkip{ParagraphID: paragraphID, UserID: p.UserID, Reason: reason, CreatedAt: s.now()}
		if err := tx.Where("paragraph_id = ? AND user_id = ?", paragraphID, p.UserID).FirstOrCreate(&sk).Error; err != nil {
			return err
		}
		return tx.Model(&corpus.Paragraph{}).Where("id = ? AND lease_user_id = ?", paragraphID, p.UserID).
			Updates(map[string]any{"lease_user_id": nil, "lease_expires_at": nil}).Error
	})
}

// ReportReasons are why a paragraph can be unusable.
var ReportReasons = []string{"offensive", "not_french", "too_short", "list_or_table", "other"}

// Report flags a paragraph as unusable: it leaves the pool until a
// moderator decides, and goes to the moderators' queue.
func (s *Service) Report(ctx context.Context, p *identity.Principal, paragraphID int64, reason, comment string) error {
	var v apperr.Validation
	if !contains(ReportReasons, reason) {
		v.Add("reason", "must be one of "+strings.Join(ReportReasons, ", "))
	}
	comment = strings.TrimSpace(comment)
	if utf8.RuneCountInString(comment) > 1000 {
		v.Add("comment", "must hold at most 1000 characters")
	}
	if err := v.Err(); err != nil {
		return err
	}
	para, c, err := s.paragraphOf(ctx, p, paragraphID, corpus.KindQA, corpus.KindNER)
	if err != nil {
		return err
	}
	err = s.store.db.Transaction(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&paragraphReport{ParagraphID: para.ID, UserID: &p.UserID, Reason: reason, Comment: comment, CreatedAt: s.now()}).Error; err != nil {
			return err
		}
		return tx.Model(&corpus.Paragraph{}).Where("id = ? AND status = 'open'", para.ID).
			Updates(map[string]any{"status": corpus.ParagraphReported, "lease_user_id": nil, "lease_expires_at": nil}).Error
	})
	if err != nil {
		return err
	}
	s.publishStats(ctx, c.ID)
	s.touchReviewQueue(c.ID)
	return nil
}

// SubmissionResult is what a paragraph's submission created.
type SubmissionResult struct {
	ParagraphID   int64   `json:"paragraph_id" required:"true"`
	QuestionIDs   []int64 `json:"question_ids" required:"true"`
	ParagraphDone bool    `json:"paragraph_done" required:"true"`
	Replayed      bool    `json:"replayed" required:"true"`
}

// Submit stores a paragraph's question-answer pairs in one transaction,
// after checking every pair; a retried request (same idempotency key)
// returns the first result and creates nothing.
func (s *Service) Submit(ctx context.Context, p *identity.Principal, paragraphID int64, key string, pairs []Pair) (*SubmissionResult, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	_, c, err := s.paragraphFor(ctx, p, paragraphID)
	if err != nil {
		return nil, err
	}
	var result SubmissionResult
	err = s.store.db.Transaction(ctx, func(tx *gorm.DB) error {
		if prior, err := priorSubmission(tx, p.UserID, key); err != nil {
			return err
		} else if prior != nil {
			if prior.Kind != "paragraph" || prior.TargetID != paragraphID {
				return apperr.New(apperr.Conflict, "idempotency_key_reused", "this idempotency key was used for another request")
			}
			if err := json.Unmarshal([]byte(prior.Response), &result); err != nil {
				return err
			}
			result.Replayed = true
			return nil
		}
		para, err := s.store.lockedParagraph(tx, paragraphID)
		if err != nil {
			return err
		}
		now := s.now()
		// The caller's lease, even expired, is good as long as nobody else
		// took the paragraph meanwhile.
		takenByOther := para.LeaseUserID != nil && *para.LeaseUserID != p.UserID && para.LeaseExpiresAt != nil && para.LeaseExpiresAt.After(now)
		if para.Status != corpus.ParagraphOpen || takenByOther {
			return ErrLeaseLost.WithDetails("paragraph_status", para.Status)
		}
		existing, mine, err := questionsOf(tx, para.ID, p.UserID)
		if err != nil {
			return err
		}
		if mine {
			return apperr.New(apperr.Conflict, "already_annotated", "you already wrote questions on this paragraph")
		}
		need := c.QuestionsPerParagraph - para.QuestionsCount
		questions, err := validatePairs(para.Text, pairs, need, existing)
		if err != nil {
			return err
		}
		result = SubmissionResult{ParagraphID: para.ID, QuestionIDs: make([]int64, 0, len(pairs))}
		// One statement for the questions, one for their answers.
		qs := make([]Question, len(pairs))
		for i := range pairs {
			qs[i] = Question{CampaignID: c.ID, ParagraphID: para.ID, AuthorID: p.UserID, Text: questions[i], State: StateSubmitted,
				Source: "web", GuidelineVersion: c.GuidelinesVersion, AnswersCount: 1, CreatedAt: now, UpdatedAt: now,
				IsTest: isTest(para.ID, para.QuestionsCount+i, c.TestShare)}
		}
		if s.hook != nil {
			if err := s.hook.PrepareSubmission(tx, c, p.UserID, para.Text, qs); err != nil {
				return err
			}
		}
		if err := tx.Create(&qs).Error; err != nil {
			return err
		}
		as := make([]Answer, len(pairs))
		for i, pair := range pairs {
			// An answer shares its question's state (accepted at once when
			// moderation trusts the author).
			as[i] = Answer{QuestionID: qs[i].ID, AuthorID: p.UserID, StartOffset: pair.Answer.Start, Text: pair.Answer.Text, Kind: KindOriginal,
				State: qs[i].State, GuidelineVersion: c.GuidelinesVersion, CreatedAt: now, UpdatedAt: now}
			result.QuestionIDs = append(result.QuestionIDs, qs[i].ID)
		}
		if err := tx.Create(&as).Error; err != nil {
			return err
		}
		if s.hook != nil {
			if err := s.hook.RecordSubmission(tx, p.UserID, qs, as); err != nil {
				return err
			}
		}
		count := para.QuestionsCount + len(pairs)
		status := corpus.ParagraphOpen
		if count >= c.QuestionsPerParagraph {
			status = corpus.ParagraphDone
			result.ParagraphDone = true
		}
		if err := tx.Model(&corpus.Paragraph{}).Where("id = ?", para.ID).Updates(map[string]any{
			"questions_count": count, "status": status, "lease_user_id": nil, "lease_expires_at": nil}).Error; err != nil {
			return err
		}
		b, _ := json.Marshal(result)
		return tx.Create(&submission{UserID: p.UserID, IdempotencyKey: key, Kind: "paragraph", TargetID: para.ID, Response: string(b), CreatedAt: now}).Error
	})
	if err != nil {
		return nil, err
	}
	if !result.Replayed {
		s.publishStats(ctx, c.ID)
		s.touchReviewQueue(c.ID)
	}
	return &result, nil
}

// isTest picks, deterministically, share percent of questions as test
// questions (answered again in answer mode): the n-th question of a
// paragraph is a test question when a hash of both falls under the share.
func isTest(paragraphID int64, n, share int) bool {
	h := fnv.New32a()
	var b [12]byte
	for i := 0; i < 8; i++ {
		b[i] = byte(paragraphID >> (8 * i))
	}
	for i := 0; i < 4; i++ {
		b[8+i] = byte(n >> (8 * i))
	}
	_, _ = h.Write(b[:])
	return int(h.Sum32()%100) < share
}

func checkKey(key string) error {
	if n := len(key); n < 8 || n > 100 {
		var v apperr.Validation
		v.Add("idempotency_key", "must hold 8 to 100 characters (e.g. a UUID)")
		return v.Err()
	}
	return nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// SetReviewQueue installs what tells moderators that a campaign's review
// queue changed (coalesced: one event per interval, not one per request).
func (s *Service) SetReviewQueue(t CounterToucher) { s.reviewQueue = t }

func (s *Service) touchReviewQueue(campaignID int64) {
	if s.reviewQueue != nil {
		s.reviewQueue.Touch(campaignID)
	}
}

// publishStats has the campaign's counters published (coalesced).
func (s *Service) publishStats(_ context.Context, campaignID int64) {
	s.counters.Touch(campaignID)
}
