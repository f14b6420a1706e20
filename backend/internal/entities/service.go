package entities

import (
	"context"
	"encoding/json"
	"errors"
	"hash/fnv"
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/lab-ia/piaf/backend/internal/annotate"
	"github.com/lab-ia/piaf/backend/internal/apperr"
	"github.com/lab-ia/piaf/backend/internal/corpus"
	"github.com/lab-ia/piaf/backend/internal/database"
	"github.com/lab-ia/piaf/backend/internal/identity"
	"github.com/lab-ia/piaf/backend/pseudo"
)

// PreAnnotator proposes entities for a passage: the active NER model, or
// rules and gazetteers when none is active.
type PreAnnotator interface {
	Detect(ctx context.Context, text string) ([]pseudo.Entity, string, error)
}

// CampaignReader finds campaigns with the caller's visibility rules.
type CampaignReader interface {
	Get(ctx context.Context, p *identity.Principal, id int64) (*corpus.Campaign, error)
}

// Service is the entity annotation domain.
type Service struct {
	db        *database.DB
	campaigns CampaignReader
	pre       PreAnnotator
	touch     func(campaignID int64)
	leaseFor  time.Duration
	log       *slog.Logger
	now       func() time.Time
}

// NewService builds the service; touch (may be nil) is told when a
// campaign's counters change.
func NewService(db *database.DB, campaigns CampaignReader, pre PreAnnotator, touch func(int64), leaseFor time.Duration, log *slog.Logger) *Service {
	if touch == nil {
		touch = func(int64) {}
	}
	return &Service{db: db, campaigns: campaigns, pre: pre, touch: touch, leaseFor: leaseFor, log: log,
		now: func() time.Time { return time.Now().UTC() }}
}

// openCampaign loads an open `ner` campaign p may annotate.
func (s *Service) openCampaign(ctx context.Context, p *identity.Principal, id int64) (*corpus.Campaign, error) {
	c, err := s.campaigns.Get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if c.Kind != corpus.KindNER {
		return nil, ErrNotNER
	}
	if c.Status != corpus.StatusOpen {
		return nil, ErrCampaignClosed.WithDetails("status", c.Status)
	}
	// Read with the session on every request (as annotate does), so a
	// suspension applies from the contributor's next request.
	if p.Suspended {
		return nil, ErrSuspended
	}
	return c, nil
}

// annotatorsFor is how many annotators a passage needs: one, or two for
// the share of passages (the campaign's test share, chosen by a hash of
// the passage so every node agrees) used to measure agreement.
func annotatorsFor(c *corpus.Campaign, paragraphID int64) int {
	h := fnv.New32a()
	h.Write([]byte(strconv.FormatInt(paragraphID, 10)))
	if int(h.Sum32()%100) < c.TestShare {
		return 2
	}
	return 1
}

// Task is a passage to annotate with the model's proposals.
type Task struct {
	Paragraph        TaskParagraph `json:"paragraph" required:"true"`
	Labels           []string      `json:"labels" required:"true"`
	PreAnnotations   []PreSpan     `json:"pre_annotations" required:"true"`
	Model            string        `json:"model" required:"true" description:"the model that made the proposals, or rules"`
	LeaseExpiresAt   time.Time     `json:"lease_expires_at" required:"true"`
	GuidelineVersion int           `json:"guideline_version" required:"true"`
}

// TaskParagraph is the passage of a task.
type TaskParagraph struct {
	ID            int64  `json:"id" required:"true"`
	Text          string `json:"text" required:"true"`
	DocumentTitle string `json:"document_title" required:"true"`
	SourceURL     string `json:"source_url" required:"true"`
}

func (s *Service) lockClause() string {
	if s.db.Dialect == database.Postgres {
		return " FOR UPDATE OF p SKIP LOCKED"
	}
	return ""
}

// NextTask leases the next passage for p: the one p holds, else a passage
// another annotator started (to complete double annotation), else the
// next in order, never one p annotated or skipped.
func (s *Service) NextTask(ctx context.Context, p *identity.Principal, campaignID int64) (*Task, error) {
	c, err := s.openCampaign(ctx, p, campaignID)
	if err != nil {
		return nil, err
	}
	var para corpus.Paragraph
	var until time.Time
	err = s.db.Transaction(ctx, func(tx *gorm.DB) error {
		now := s.now()
		err := tx.Where("campaign_id = ? AND lease_user_id = ? AND lease_expires_at > ? AND status = ?", c.ID, p.UserID, now, corpus.ParagraphOpen).
			Order("id").Take(&para).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			var id int64
			for _, stage := range []string{" AND p.questions_count > 0", ""} {
				q := `SELECT p.id FROM paragraphs p WHERE p.campaign_id = ? AND p.status = 'open'
					AND (p.lease_expires_at IS NULL OR p.lease_expires_at < ?)
					AND NOT EXISTS (SELECT 1 FROM entity_annotations ea WHERE ea.paragraph_id = p.id AND ea.author_id = ?)
					AND NOT EXISTS (SELECT 1 FROM paragraph_skips sk WHERE sk.paragraph_id = p.id AND sk.user_id = ?)` + stage +
					` ORDER BY p.id LIMIT 1` + s.lockClause()
				if err := tx.Raw(q, c.ID, now, p.UserID, p.UserID).Scan(&id).Error; err != nil {
					return err
				}
				if id != 0 {
					break
				}
			}
			if id == 0 {
				return ErrNoTask
			}
			err = tx.First(&para, id).Error
		}
		if err != nil {
			return err
		}
		until = now.Add(s.leaseFor)
		return tx.Model(&corpus.Paragraph{}).Where("id = ?", para.ID).Updates(map[string]any{"lease_user_id": p.UserID, "lease_expires_at": until}).Error
	})
	if err != nil {
		return nil, err
	}
	var doc corpus.Document
	if err := s.db.WithContext(ctx).First(&doc, para.DocumentID).Error; err != nil {
		return nil, err
	}
	pre, model, err := s.preAnnotate(ctx, para.Text)
	if err != nil {
		return nil, err
	}
	return &Task{Paragraph: TaskParagraph{ID: para.ID, Text: para.Text, DocumentTitle: doc.Title, SourceURL: doc.SourceURL},
		Labels: Labels(), PreAnnotations: pre, Model: model, LeaseExpiresAt: until, GuidelineVersion: c.GuidelinesVersion}, nil
}

// preAnnotate asks the model for proposals; a failing model degrades to no
// proposals rather than blocking annotators.
func (s *Service) preAnnotate(ctx context.Context, text string) ([]PreSpan, string, error) {
	out := []PreSpan{}
	if s.pre == nil {
		return out, "", nil
	}
	ents, model, err := s.pre.Detect(ctx, text)
	if err != nil {
		if ctx.Err() != nil {
			return nil, "", ctx.Err()
		}
		s.log.Warn("pre-annotation failed; the passage is served without proposals", "err", err)
		return out, "", nil
	}
	for _, e := range ents {
		out = append(out, PreSpan{Start: e.Start, End: e.End, Label: e.Label, Text: e.Text, Score: e.Score, Source: e.Source})
	}
	return out, model, nil
}

// SubmitInput is an annotator's work on a passage.
type SubmitInput struct {
	IdempotencyKey string `json:"idempotency_key" required:"true" minLength:"8" maxLength:"100"`
	Spans          []Span `json:"spans" required:"true"`
}

// Submitted answers a submission.
type Submitted struct {
	ID       int64  `json:"id" required:"true"`
	State    string `json:"state" required:"true"`
	Replayed bool   `json:"replayed" required:"true" description:"the same idempotency key was already used: nothing was written again"`
}

// Submit records p's entities on a passage, atomically and idempotently.
func (s *Service) Submit(ctx context.Context, p *identity.Principal, paragraphID int64, in SubmitInput) (*Submitted, error) {
	var para corpus.Paragraph
	if err := s.db.WithContext(ctx).First(&para, paragraphID).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, ErrParagraphMissing
		}
		return nil, err
	}
	c, err := s.openCampaign(ctx, p, para.CampaignID)
	if err != nil {
		return nil, err
	}
	key := strings.TrimSpace(in.IdempotencyKey)
	if n := utf8.RuneCountInString(key); n < 8 || n > 100 {
		var v apperr.Validation
		v.Add("idempotency_key", "must hold 8 to 100 characters")
		return nil, v.Err()
	}
	spans, err := CleanSpans([]rune(para.Text), in.Spans)
	if err != nil {
		return nil, err
	}
	pre, model, err := s.preAnnotate(ctx, para.Text)
	if err != nil {
		return nil, err
	}
	spansJSON, _ := json.Marshal(spans)
	preJSON, _ := json.Marshal(pre)
	var out Submitted
	err = s.db.Transaction(ctx, func(tx *gorm.DB) error {
		var existing Annotation
		err := tx.Where("paragraph_id = ? AND author_id = ?", para.ID, p.UserID).Take(&existing).Error
		if err == nil {
			if existing.IdempotencyKey == key {
				out = Submitted{ID: existing.ID, State: existing.State, Replayed: true}
				return nil
			}
			return ErrAlreadyAnnotated
		}
		if !errors.Is(err, gorm.ErrRecordNotFound) {
			return err
		}
		var cur corpus.Paragraph
		if err := tx.First(&cur, para.ID).Error; err != nil {
			return err
		}
		now := s.now()
		if cur.LeaseUserID != nil && *cur.LeaseUserID != p.UserID && cur.LeaseExpiresAt != nil && cur.LeaseExpiresAt.After(now) {
			return apperr.New(apperr.Conflict, "leased_by_other", "another annotator holds this passage")
		}
		if cur.Status != corpus.ParagraphOpen {
			return apperr.New(apperr.Conflict, "passage_closed", "this passage no longer needs annotation").WithDetails("status", cur.Status)
		}
		a := Annotation{CampaignID: c.ID, ParagraphID: para.ID, AuthorID: p.UserID, Spans: string(spansJSON), PreSpans: string(preJSON),
			PreModel: model, State: annotate.StateSubmitted, Source: "web", GuidelineVersion: c.GuidelinesVersion, IdempotencyKey: key,
			CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&a).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return ErrAlreadyAnnotated
			}
			return err
		}
		if err := addRevision(tx, a.ID, &p.UserID, "web", "submit", nil, map[string]any{"spans": spans}, now); err != nil {
			return err
		}
		count := cur.QuestionsCount + 1
		status := cur.Status
		if count >= annotatorsFor(c, para.ID) {
			status = corpus.ParagraphDone
		}
		if err := tx.Model(&corpus.Paragraph{}).Where("id = ?", para.ID).Updates(map[string]any{"questions_count": count, "status": status,
			"lease_user_id": nil, "lease_expires_at": nil}).Error; err != nil {
			return err
		}
		out = Submitted{ID: a.ID, State: a.State}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !out.Replayed {
		s.touch(c.ID)
	}
	return &out, nil
}

func addRevision(tx *gorm.DB, annotationID int64, actor *int64, source, action string, before, after map[string]any, now time.Time) error {
	if before == nil {
		before = map[string]any{}
	}
	if after == nil {
		after = map[string]any{}
	}
	b, _ := json.Marshal(before)
	a, _ := json.Marshal(after)
	return tx.Create(&revision{AnnotationID: annotationID, ActorID: actor, Source: source, Action: action, Before: string(b), After: string(a), CreatedAt: now}).Error
}
