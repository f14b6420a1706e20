package live

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Publisher sends live events (the Hub).
type Publisher interface {
	Publish(ctx context.Context, topic, typ string, data any) (Event, error)
}

// Coalescer publishes a freshly computed value on a topic after changes,
// at most once per interval per topic. Publishing orders a topic's events
// through one database row, so events published by every request of a
// busy topic (each submission on a campaign's review queue) would make
// those requests wait for each other; touched instead, hundreds of
// changes a second cost one computation and one event per interval.
//
// The pause after a round also grows with the round's cost, so that a
// coalescer is busy at most maxBusyShare of the time: counters that take half a
// second to count on a large campaign under load (the annotation load
// benchmark: 466 ms for a campaign's statistics) are published every few
// seconds instead of taking a database core.
type Coalescer struct {
	pub      Publisher
	log      *slog.Logger
	interval time.Duration
	topic    func(id int64) string
	typ      string
	compute  func(ctx context.Context, id int64) (any, error)

	mu    sync.Mutex
	dirty map[int64]bool
	wake  chan struct{}
}

// maxBusyShare is the largest share of time a coalescer spends computing
// and publishing: after a round that took d it waits at least
// d × (1/maxBusyShare − 1).
const maxBusyShare = 0.1

// NewCoalescer builds a coalescer publishing events of type typ on
// topic(id) with the data compute(id); Run must be started.
func NewCoalescer(pub Publisher, log *slog.Logger, interval time.Duration, topic func(int64) string, typ string,
	compute func(ctx context.Context, id int64) (any, error)) *Coalescer {
	return &Coalescer{pub: pub, log: log, interval: interval, topic: topic, typ: typ, compute: compute,
		dirty: map[int64]bool{}, wake: make(chan struct{}, 1)}
}

// Touch records that id's value changed; it never blocks.
func (c *Coalescer) Touch(id int64) {
	c.mu.Lock()
	c.dirty[id] = true
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// Run publishes changed values until ctx ends.
func (c *Coalescer) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.wake:
		}
		c.mu.Lock()
		ids := make([]int64, 0, len(c.dirty))
		for id := range c.dirty {
			ids = append(ids, id)
		}
		c.dirty = map[int64]bool{}
		c.mu.Unlock()
		started := time.Now()
		for _, id := range ids {
			data, err := c.compute(ctx, id)
			if err == nil {
				_, err = c.pub.Publish(ctx, c.topic(id), c.typ, data)
			}
			if err != nil && ctx.Err() == nil {
				c.log.Warn("live value not published", "topic", c.topic(id), "type", c.typ, "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(c.pause(time.Since(started))):
		}
	}
}

// pause is the wait after a round that took busy: the interval, or longer
// when the round was costly.
func (c *Coalescer) pause(busy time.Duration) time.Duration {
	return max(c.interval, time.Duration(float64(busy)*(1/maxBusyShare-1)))
}
