package corpus

import (
	"context"
	"time"

	"github.com/lab-ia/piaf/backend/internal/database"
)

// Stats computes campaign counters; they are also published on the
// campaign's live topic after each change.
type Stats struct {
	db *database.DB
}

// NewStats binds the statistics to the database.
func NewStats(db *database.DB) *Stats { return &Stats{db: db} }

// CampaignStats is a campaign's progress.
type CampaignStats struct {
	CampaignID     int64      `json:"campaign_id" required:"true"`
	Paragraphs     int64      `json:"paragraphs" required:"true"`
	ParagraphsDone int64      `json:"paragraphs_done" required:"true"`
	Reported       int64      `json:"paragraphs_reported" required:"true"`
	Questions      int64      `json:"questions" required:"true"`
	Answers        int64      `json:"answers" required:"true"`
	Accepted       int64      `json:"questions_accepted" required:"true"`
	Contributors   int64      `json:"contributors" required:"true"`
	Daily          []DayCount `json:"daily" required:"true"`
}

// DayCount is the number of questions written on a day (UTC).
type DayCount struct {
	Day       string `json:"day" required:"true"`
	Questions int64  `json:"questions" required:"true"`
}

// Campaign counts a campaign's work; Daily covers the last 60 days with
// activity.
func (s *Stats) Campaign(ctx context.Context, id int64) (CampaignStats, error) {
	st := CampaignStats{CampaignID: id, Daily: []DayCount{}}
	db := s.db.WithContext(ctx)
	err := db.Raw(`SELECT
		(SELECT count(*) FROM paragraphs WHERE campaign_id = ?) AS paragraphs,
		(SELECT count(*) FROM paragraphs WHERE campaign_id = ? AND status = 'done') AS paragraphs_done,
		(SELECT count(*) FROM paragraphs WHERE campaign_id = ? AND status = 'reported') AS reported,
		(SELECT count(*) FROM questions WHERE campaign_id = ?) AS questions,
		(SELECT count(*) FROM answers a JOIN questions q ON q.id = a.question_id WHERE q.campaign_id = ?) AS answers,
		(SELECT count(*) FROM questions WHERE campaign_id = ? AND state = 'accepted') AS accepted,
		(SELECT count(DISTINCT q.author_id) FROM questions q JOIN users u ON u.id = q.author_id WHERE q.campaign_id = ? AND NOT u.is_system) AS contributors`,
		id, id, id, id, id, id, id).Row().Scan(&st.Paragraphs, &st.ParagraphsDone, &st.Reported, &st.Questions, &st.Answers, &st.Accepted, &st.Contributors)
	if err != nil {
		return st, err
	}
	// Days are computed in Go: SQLite and PostgreSQL disagree on date
	// functions, and a campaign's question count is modest per query.
	since := time.Now().UTC().AddDate(0, 0, -60)
	var times []time.Time
	if err := db.Table("questions").Where("campaign_id = ? AND created_at > ? AND source <> 'import'", id, since).
		Order("created_at").Pluck("created_at", &times).Error; err != nil {
		return st, err
	}
	counts := map[string]int64{}
	var order []string
	for _, at := range times {
		day := at.UTC().Format("2006-01-02")
		if counts[day] == 0 {
			order = append(order, day)
		}
		counts[day]++
	}
	for _, d := range order {
		st.Daily = append(st.Daily, DayCount{Day: d, Questions: counts[d]})
	}
	return st, nil
}

// LeaderboardEntry is one contributor's public standing.
type LeaderboardEntry struct {
	Rank      int    `json:"rank" required:"true"`
	Pseudonym string `json:"pseudonym" required:"true"`
	Questions int64  `json:"questions" required:"true"`
	Accepted  int64  `json:"accepted" required:"true"`
}

// Leaderboard ranks contributors by accepted then written questions;
// contributors who opted out and system accounts are left out.
func (s *Stats) Leaderboard(ctx context.Context, id int64, limit int) ([]LeaderboardEntry, error) {
	var rows []LeaderboardEntry
	err := s.db.WithContext(ctx).Raw(`SELECT u.pseudonym AS pseudonym, count(*) AS questions,
		sum(CASE WHEN q.state = 'accepted' THEN 1 ELSE 0 END) AS accepted
		FROM questions q JOIN users u ON u.id = q.author_id
		WHERE q.campaign_id = ? AND NOT u.leaderboard_opt_out AND NOT u.is_system AND u.deleted_at IS NULL
		GROUP BY u.id, u.pseudonym ORDER BY accepted DESC, questions DESC, u.pseudonym LIMIT ?`, id, limit).Scan(&rows).Error
	for i := range rows {
		rows[i].Rank = i + 1
	}
	if rows == nil {
		rows = []LeaderboardEntry{}
	}
	return rows, err
}
