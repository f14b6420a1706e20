package live

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgxlisten"
)

// notice says that an event exists; the hub reads its body from the table.
type notice struct {
	ID    int64
	Seq   int64
	Topic string
}

// bus carries notices of new events to this node's hub. On PostgreSQL it
// hears every node's events (LISTEN/NOTIFY); on SQLite there is one node,
// and the publisher hands notices over in process.
type bus interface {
	// notify is called by this node's publisher after commit.
	notify(n notice)
	// run delivers notices to deliver until ctx ends; resync is called when
	// notices may have been missed (listener reconnected).
	run(ctx context.Context, deliver func(notice), resync func()) error
}

// localBus is the in-process bus of the embedded database.
type localBus struct {
	ch chan notice
}

func newLocalBus() *localBus { return &localBus{ch: make(chan notice, 4096)} }

func (b *localBus) notify(n notice) {
	select {
	case b.ch <- n:
	default:
		// The hub is behind; its periodic sweep finds the event in the table.
	}
}

func (b *localBus) run(ctx context.Context, deliver func(notice), _ func()) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case n := <-b.ch:
			deliver(n)
		}
	}
}

// pgBus listens to PostgreSQL notifications with a dedicated connection,
// reconnecting after failures.
type pgBus struct {
	url string
	log *slog.Logger
	// ready is closed once LISTEN is in place (tests wait on it).
	readyOnce sync.Once
	ready     chan struct{}
}

func newPGBus(url string, log *slog.Logger) *pgBus {
	return &pgBus{url: url, log: log, ready: make(chan struct{})}
}

func (b *pgBus) notify(notice) {} // PostgreSQL delivers NOTIFY to every listener, this node's included

type pgHandler struct {
	b       *pgBus
	deliver func(notice)
	resync  func()
}

func (h pgHandler) HandleNotification(_ context.Context, n *pgconn.Notification, _ *pgx.Conn) error {
	parts := strings.SplitN(n.Payload, " ", 3)
	if len(parts) != 3 {
		return errors.New("malformed event notice")
	}
	id, err1 := strconv.ParseInt(parts[0], 10, 64)
	seq, err2 := strconv.ParseInt(parts[1], 10, 64)
	if err1 != nil || err2 != nil {
		return errors.New("malformed event notice")
	}
	h.deliver(notice{ID: id, Seq: seq, Topic: parts[2]})
	return nil
}

// HandleBacklog runs after each (re)connection: anything published while
// the listener was away is found by the hub's sweep.
func (h pgHandler) HandleBacklog(context.Context, string, *pgx.Conn) error {
	h.b.readyOnce.Do(func() { close(h.b.ready) })
	h.resync()
	return nil
}

func (b *pgBus) run(ctx context.Context, deliver func(notice), resync func()) error {
	l := &pgxlisten.Listener{
		Connect: func(ctx context.Context) (*pgx.Conn, error) {
			cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			return pgx.Connect(cctx, b.url)
		},
		LogError: func(ctx context.Context, err error) {
			if ctx.Err() == nil {
				b.log.Warn("live feed listener", "err", err)
			}
		},
		ReconnectDelay: 2 * time.Second,
	}
	l.Handle(notifyChannel, pgHandler{b: b, deliver: deliver, resync: resync})
	err := l.Listen(ctx)
	if ctx.Err() != nil {
		return nil
	}
	return err
}
