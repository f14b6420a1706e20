package annotate

import (
	"context"
	"time"
)

// Level thresholds, as in PIAF: contributors start by writing questions;
// accepted work opens answer mode, then certified campaigns.
const (
	level2Accepted = 5
	level3Accepted = 20
	level3Answers  = 10
)

// Progress is a contributor's standing.
type Progress struct {
	Level        int      `json:"level" required:"true" minimum:"1" maximum:"3"`
	Written      int64    `json:"questions_written" required:"true"`
	Accepted     int64    `json:"questions_accepted" required:"true"`
	Rejected     int64    `json:"questions_rejected" required:"true"`
	Answers      int64    `json:"answers_given" required:"true"`
	Paragraphs   int64    `json:"paragraphs" required:"true"`
	NextLevel    *Goal    `json:"next_level,omitempty"`
	Badges       []string `json:"badges" required:"true"`
	TutorialDone bool     `json:"tutorial_done" required:"true"`
}

// Goal says what unlocks the next level.
type Goal struct {
	Level          int   `json:"level" required:"true"`
	AcceptedNeeded int64 `json:"accepted_needed" required:"true"`
	AnswersNeeded  int64 `json:"answers_needed" required:"true"`
}

// Progress computes a user's level and badges from their work.
func (s *Service) Progress(ctx context.Context, userID int64) (Progress, error) {
	c, err := s.store.countsOf(ctx, userID)
	if err != nil {
		return Progress{}, err
	}
	var user struct{ TutorialDoneAt *time.Time }
	if err := s.store.db.WithContext(ctx).Table("users").Select("tutorial_done_at").Where("id = ?", userID).Take(&user).Error; err != nil {
		return Progress{}, err
	}
	done := user.TutorialDoneAt
	p := Progress{Level: 1, Written: c.Written, Accepted: c.Accepted, Rejected: c.Rejected, Answers: c.Answers, Paragraphs: c.Paragraphs,
		TutorialDone: done != nil, Badges: []string{}}
	switch {
	case c.Accepted >= level3Accepted && c.Answers >= level3Answers:
		p.Level = 3
	case c.Accepted >= level2Accepted:
		p.Level = 2
		p.NextLevel = &Goal{Level: 3, AcceptedNeeded: max(0, level3Accepted-c.Accepted), AnswersNeeded: max(0, level3Answers-c.Answers)}
	default:
		p.NextLevel = &Goal{Level: 2, AcceptedNeeded: level2Accepted - c.Accepted}
	}
	for _, b := range []struct {
		name string
		ok   bool
	}{
		{"tutorial", done != nil},
		{"first_paragraph", c.Paragraphs >= 1},
		{"ten_paragraphs", c.Paragraphs >= 10},
		{"hundred_questions", c.Written >= 100},
		{"first_answer", c.Answers >= 1},
		{"fifty_answers", c.Answers >= 50},
		{"certified", p.Level >= 3},
	} {
		if b.ok {
			p.Badges = append(p.Badges, b.name)
		}
	}
	return p, nil
}

// CompleteTutorial records that the user finished the tutorial.
func (s *Service) CompleteTutorial(ctx context.Context, userID int64) error {
	return s.store.db.WithContext(ctx).Table("users").Where("id = ? AND tutorial_done_at IS NULL", userID).
		Updates(map[string]any{"tutorial_done_at": s.now()}).Error
}
