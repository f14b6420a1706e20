package corpus

import (
	"context"
	"log/slog"
	"time"

	"github.com/lab-ia/piaf/backend/internal/live"
)

// Publisher sends live events.
type Publisher = live.Publisher

// StatsPublisher sends a campaign's counters to its live topic after
// changes, at most once per interval per campaign: hundreds of submissions
// a second cost one computation a second, not hundreds. Touch records a
// change; Run publishes.
type StatsPublisher struct {
	*live.Coalescer
}

// NewStatsPublisher builds the publisher; Run must be started.
func NewStatsPublisher(stats *Stats, pub Publisher, log *slog.Logger, interval time.Duration) *StatsPublisher {
	return &StatsPublisher{live.NewCoalescer(pub, log, interval, live.CampaignTopic, "stats",
		func(ctx context.Context, id int64) (any, error) { return stats.Campaign(ctx, id) })}
}
