package live

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lab-ia/piaf/backend/internal/apperr"
	"github.com/lab-ia/piaf/backend/internal/database"
	"github.com/lab-ia/piaf/backend/internal/identity"
)

// Authorizer decides whether p may follow a topic of its kind; domains
// register one per topic kind (job, campaign, review, user).
type Authorizer func(ctx context.Context, p *identity.Principal, t Topic) error

// Options tunes the hub; zero values take the defaults.
type Options struct {
	// MaxConnsPerUser bounds one user's simultaneous connections per node.
	MaxConnsPerUser int
	// Retention is how long events stay replayable.
	Retention time.Duration
	// SendBuffer is how many messages may wait for a slow client before it
	// is disconnected.
	SendBuffer int
	// PingInterval is the heartbeat period; a client silent for 2.5 periods
	// is dropped.
	PingInterval time.Duration
}

func (o *Options) defaults() {
	if o.MaxConnsPerUser <= 0 {
		o.MaxConnsPerUser = 20
	}
	if o.Retention <= 0 {
		o.Retention = 24 * time.Hour
	}
	if o.SendBuffer <= 0 {
		o.SendBuffer = 64
	}
	if o.PingInterval <= 0 {
		o.PingInterval = 25 * time.Second
	}
}

// Limits of what one connection may ask.
const (
	maxClientMessage   = 4096 // bytes per message from a client
	maxTopicsPerClient = 100
	maxSubscribesPerS  = 20
	replayPage         = 500
	maxPending         = 2000
)

// Hub is this node's live feed: it publishes events and fans them out to
// its websocket clients.
type Hub struct {
	store   *store
	bus     bus
	log     *slog.Logger
	opts    Options
	metrics *hubMetrics
	auth    map[string]Authorizer

	mu        sync.RWMutex
	topics    map[string]map[*client]struct{}
	userConns map[int64]int
	clients   map[*client]struct{}
	closed    bool
}

// NewHub builds the hub of a node on db; reg receives its metrics.
func NewHub(db *database.DB, log *slog.Logger, reg prometheus.Registerer, opts Options) *Hub {
	opts.defaults()
	h := &Hub{store: &store{db: db}, log: log, opts: opts, auth: map[string]Authorizer{},
		topics: map[string]map[*client]struct{}{}, userConns: map[int64]int{}, clients: map[*client]struct{}{},
		metrics: newHubMetrics(reg)}
	if db.Dialect == database.Postgres {
		h.bus = newPGBus(db.URL, log)
	} else {
		h.bus = newLocalBus()
	}
	return h
}

// Authorize registers the rule for a topic kind.
func (h *Hub) Authorize(kind string, a Authorizer) { h.auth[kind] = a }

// ErrUnknownTopic is returned for topics of no registered kind.
var ErrUnknownTopic = apperr.New(apperr.NotFound, "unknown_topic", "no such topic")

// Publish appends an event to topic and notifies every node. data is
// marshalled to JSON.
func (h *Hub) Publish(ctx context.Context, topic, typ string, data any) (Event, error) {
	if _, err := ParseTopic(topic); err != nil {
		return Event{}, err
	}
	b, err := json.Marshal(data)
	if err != nil {
		return Event{}, err
	}
	ev, err := h.store.append(ctx, topic, typ, b)
	if err != nil {
		return Event{}, err
	}
	h.metrics.published.Inc()
	h.bus.notify(notice{ID: ev.ID, Seq: ev.Seq, Topic: ev.Topic})
	return ev, nil
}

// Run delivers events until ctx ends, then disconnects every client with
// "going away" so that they reconnect to another node.
func (h *Hub) Run(ctx context.Context) error {
	notices := make(chan notice, 8192)
	go h.dispatch(ctx, notices)
	go h.maintain(ctx)
	err := h.bus.run(ctx, func(n notice) {
		select {
		case notices <- n:
		default:
			// Far behind: the sweep will find the event in the table.
			h.metrics.noticeOverflow.Inc()
		}
	}, func() { go h.sweep(context.WithoutCancel(ctx)) })
	h.shutdown()
	return err
}

// dispatch reads notices in batches, loads their bodies once for all
// clients of this node, and offers them to the subscribers.
func (h *Hub) dispatch(ctx context.Context, notices <-chan notice) {
	batch := make([]notice, 0, 256)
	for {
		batch = batch[:0]
		select {
		case <-ctx.Done():
			return
		case n := <-notices:
			batch = append(batch, n)
		}
	collect:
		for len(batch) < cap(batch) {
			select {
			case n := <-notices:
				batch = append(batch, n)
			default:
				break collect
			}
		}
		ids := make([]int64, 0, len(batch))
		h.mu.RLock()
		for _, n := range batch {
			if len(h.topics[n.Topic]) > 0 {
				ids = append(ids, n.ID)
			}
		}
		h.mu.RUnlock()
		if len(ids) == 0 {
			continue
		}
		events, err := h.store.byID(ctx, ids)
		if err != nil {
			if ctx.Err() == nil {
				h.log.Warn("live feed: loading events", "err", err)
			}
			continue
		}
		for _, ev := range events {
			h.deliver(ev)
		}
	}
}

func (h *Hub) deliver(ev Event) {
	ev.encoded()
	h.mu.RLock()
	subs := make([]*client, 0, len(h.topics[ev.Topic]))
	for c := range h.topics[ev.Topic] {
		subs = append(subs, c)
	}
	h.mu.RUnlock()
	for _, c := range subs {
		c.offer(ev)
	}
}

// maintain sweeps for missed events (SQLite has no listener to resync it)
// and prunes events past the retention.
func (h *Hub) maintain(ctx context.Context) {
	sweep := time.NewTicker(time.Second)
	prune := time.NewTicker(10 * time.Minute)
	defer sweep.Stop()
	defer prune.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-sweep.C:
			if _, local := h.bus.(*localBus); local {
				h.sweep(ctx)
			}
			h.metrics.clients.Set(float64(h.clientCount()))
		case <-prune.C:
			if n, err := h.store.prune(ctx, time.Now().UTC().Add(-h.opts.Retention)); err != nil && ctx.Err() == nil {
				h.log.Warn("live feed: pruning events", "err", err)
			} else if n > 0 {
				h.log.Debug("live feed: pruned events", "count", n)
			}
		}
	}
}

// sweep checks every followed topic for events its clients have not seen.
func (h *Hub) sweep(ctx context.Context) {
	h.mu.RLock()
	topics := make([]string, 0, len(h.topics))
	for t := range h.topics {
		topics = append(topics, t)
	}
	h.mu.RUnlock()
	for _, t := range topics {
		latest, err := h.store.latest(ctx, t)
		if err != nil {
			return
		}
		h.mu.RLock()
		subs := make([]*client, 0, len(h.topics[t]))
		for c := range h.topics[t] {
			subs = append(subs, c)
		}
		h.mu.RUnlock()
		for _, c := range subs {
			c.catchUp(t, latest)
		}
	}
}

func (h *Hub) clientCount() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.clients)
}

// ErrTooManyConnections refuses a user's connection above the limit.
var ErrTooManyConnections = &apperr.Error{Kind: apperr.RateLimited, Code: "too_many_connections",
	Message: "too many live connections for this user", Details: map[string]any{"retry_after_seconds": 30}}

// ErrShuttingDown refuses connections while the node stops.
var ErrShuttingDown = apperr.New(apperr.Unavailable, "shutting_down", "this server is stopping; reconnect")

func (h *Hub) register(c *client) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return ErrShuttingDown
	}
	if h.userConns[c.principal.UserID] >= h.opts.MaxConnsPerUser {
		return ErrTooManyConnections
	}
	h.userConns[c.principal.UserID]++
	h.clients[c] = struct{}{}
	h.metrics.connects.Inc()
	return nil
}

func (h *Hub) unregister(c *client) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.clients[c]; !ok {
		return
	}
	delete(h.clients, c)
	if h.userConns[c.principal.UserID]--; h.userConns[c.principal.UserID] <= 0 {
		delete(h.userConns, c.principal.UserID)
	}
	for t := range c.topicNames() {
		h.removeLocked(t, c)
	}
}

func (h *Hub) add(topic string, c *client) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.topics[topic] == nil {
		h.topics[topic] = map[*client]struct{}{}
	}
	h.topics[topic][c] = struct{}{}
}

func (h *Hub) remove(topic string, c *client) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.removeLocked(topic, c)
}

func (h *Hub) removeLocked(topic string, c *client) {
	if m := h.topics[topic]; m != nil {
		delete(m, c)
		if len(m) == 0 {
			delete(h.topics, topic)
		}
	}
}

func (h *Hub) shutdown() {
	h.mu.Lock()
	h.closed = true
	clients := make([]*client, 0, len(h.clients))
	for c := range h.clients {
		clients = append(clients, c)
	}
	h.mu.Unlock()
	for _, c := range clients {
		c.close(closeGoingAway, "server stopping")
	}
}

// authorize checks a subscription.
func (h *Hub) authorize(ctx context.Context, p *identity.Principal, t Topic) error {
	a, ok := h.auth[t.Kind]
	if !ok {
		return ErrUnknownTopic
	}
	return a(ctx, p, t)
}

// WaitListening blocks until the PostgreSQL listener is in place (tests of
// cross-node delivery wait on it); it returns at once on SQLite.
func (h *Hub) WaitListening(ctx context.Context) error {
	pg, ok := h.bus.(*pgBus)
	if !ok {
		return nil
	}
	select {
	case <-pg.ready:
		return nil
	case <-ctx.Done():
		return errors.New("live feed listener not ready")
	}
}

// swap replaces the placeholder registered before the upgrade by the live
// client, keeping the per-user count.
func (h *Hub) swap(old, c *client) {
	h.mu.Lock()
	closed := h.closed
	delete(h.clients, old)
	if !closed {
		h.clients[c] = struct{}{}
	}
	h.mu.Unlock()
	if closed {
		// The node began stopping during the upgrade: its shutdown could not
		// reach this connection, so it is closed here.
		c.close(closeGoingAway, "server stopping")
	}
}
