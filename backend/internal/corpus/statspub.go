package corpus

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/lab-ia/piaf/backend/internal/live"
)

// Publisher sends live events.
type Publisher interface {
	Publish(ctx context.Context, topic, typ string, data any) (live.Event, error)
}

// StatsPublisher sends a campaign's counters to its live topic after
// changes, at most once per interval per campaign: hundreds of submissions
// a second cost one computation a second, not hundreds.
type StatsPublisher struct {
	stats    *Stats
	pub      Publisher
	log      *slog.Logger
	interval time.Duration

	mu    sync.Mutex
	dirty map[int64]bool
	wake  chan struct{}
}

// NewStatsPublisher builds the publisher; Run must be started.
func NewStatsPublisher(stats *Stats, pub Publisher, log *slog.Logger, interval time.Duration) *StatsPublisher {
	return &StatsPublisher{stats: stats, pub: pub, log: log, interval: interval, dirty: map[int64]bool{}, wake: make(chan struct{}, 1)}
}

// Touch records that a campaign's counters changed.
func (s *StatsPublisher) Touch(campaignID int64) {
	s.mu.Lock()
	s.dirty[campaignID] = true
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run publishes changed counters until ctx ends.
func (s *StatsPublisher) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		}
		s.mu.Lock()
		ids := make([]int64, 0, len(s.dirty))
		for id := range s.dirty {
			ids = append(ids, id)
		}
		s.dirty = map[int64]bool{}
		s.mu.Unlock()
		for _, id := range ids {
			st, err := s.stats.Campaign(ctx, id)
			if err != nil {
				if ctx.Err() == nil {
					s.log.Warn("campaign counters not computed", "campaign", id, "err", err)
				}
				continue
			}
			if _, err := s.pub.Publish(ctx, live.CampaignTopic(id), "stats", st); err != nil && ctx.Err() == nil {
				s.log.Warn("campaign counters not published", "campaign", id, "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(s.interval):
		}
	}
}
