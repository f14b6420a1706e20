package live

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/lab-ia/piaf/backend/internal/apperr"
	"github.com/lab-ia/piaf/backend/internal/identity"
)

// Close codes sent to clients.
const (
	closeGoingAway   = websocket.CloseGoingAway       // node stopping: reconnect elsewhere
	closePolicy      = websocket.ClosePolicyViolation // flood or forbidden behaviour
	closeUnsupported = websocket.CloseUnsupportedData // not a JSON message of the protocol
	closeSlow        = 4000                           // send buffer full: reconnect and resume
)

// clientMessage is what clients send.
type clientMessage struct {
	Type    string `json:"type"`
	Topic   string `json:"topic"`
	LastSeq *int64 `json:"last_seq,omitempty"`
}

// decodeClientMessage reads one client frame (at most 4 KiB, enforced by
// the connection's read limit); it is fuzzed on its own.
func decodeClientMessage(data []byte) (clientMessage, error) {
	var m clientMessage
	err := json.Unmarshal(data, &m)
	return m, err
}

// serverMessage is a control message to a client (events are sent as
// Event: {topic, seq, type, data}).
type serverMessage struct {
	Type    string `json:"type"`
	Topic   string `json:"topic,omitempty"`
	Seq     *int64 `json:"seq,omitempty"`
	Code    string `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
}

type subscription struct {
	last      int64
	replaying bool
	pending   []Event
}

// client is one websocket connection.
type client struct {
	hub       *Hub
	conn      *websocket.Conn
	principal *identity.Principal
	send      chan []byte
	done      chan struct{}
	closeOnce sync.Once

	mu   sync.Mutex
	subs map[string]*subscription

	// subscribe-rate window
	windowStart time.Time
	windowCount int
}

func newClient(h *Hub, conn *websocket.Conn, p *identity.Principal) *client {
	return &client{hub: h, conn: conn, principal: p, send: make(chan []byte, h.opts.SendBuffer), done: make(chan struct{}),
		subs: map[string]*subscription{}}
}

func (c *client) topicNames() map[string]struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]struct{}, len(c.subs))
	for t := range c.subs {
		out[t] = struct{}{}
	}
	return out
}

// serve runs the connection until it ends.
func (c *client) serve(ctx context.Context) {
	defer c.hub.unregister(c)
	go c.writeLoop()
	c.readLoop(ctx)
}

func (c *client) readLoop(ctx context.Context) {
	defer c.close(websocket.CloseNormalClosure, "")
	c.conn.SetReadLimit(maxClientMessage)
	wait := c.hub.opts.PingInterval * 5 / 2
	_ = c.conn.SetReadDeadline(time.Now().Add(wait))
	c.conn.SetPongHandler(func(string) error { return c.conn.SetReadDeadline(time.Now().Add(wait)) })
	for {
		kind, data, err := c.conn.ReadMessage()
		if err != nil {
			if errors.Is(err, websocket.ErrReadLimit) {
				c.close(websocket.CloseMessageTooBig, "message larger than 4096 bytes")
			}
			return
		}
		_ = c.conn.SetReadDeadline(time.Now().Add(wait))
		if kind != websocket.TextMessage {
			c.close(closeUnsupported, "text JSON messages only")
			return
		}
		m, err := decodeClientMessage(data)
		if err != nil {
			c.close(closeUnsupported, "malformed JSON message")
			return
		}
		switch m.Type {
		case "subscribe":
			if !c.allowSubscribe() {
				c.close(closePolicy, "too many subscriptions per second")
				return
			}
			c.subscribe(ctx, m.Topic, m.LastSeq)
		case "unsubscribe":
			c.unsubscribe(m.Topic)
		case "ping":
			c.control(serverMessage{Type: "pong"})
		default:
			c.control(serverMessage{Type: "error", Code: "unknown_message", Message: "expected subscribe, unsubscribe or ping"})
		}
	}
}

func (c *client) allowSubscribe() bool {
	now := time.Now()
	if now.Sub(c.windowStart) > time.Second {
		c.windowStart, c.windowCount = now, 0
	}
	c.windowCount++
	return c.windowCount <= maxSubscribesPerS
}

func (c *client) writeLoop() {
	ping := time.NewTicker(c.hub.opts.PingInterval)
	defer ping.Stop()
	for {
		select {
		case <-c.done:
			return
		case msg := <-c.send:
			_ = c.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if err := c.conn.WriteMessage(websocket.TextMessage, msg); err != nil {
				c.close(websocket.CloseAbnormalClosure, "")
				return
			}
		case <-ping.C:
			if err := c.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(10*time.Second)); err != nil {
				c.close(websocket.CloseAbnormalClosure, "")
				return
			}
		}
	}
}

// close ends the connection once, telling the client why.
func (c *client) close(code int, reason string) {
	if c.conn == nil {
		// A placeholder counting a connection being upgraded: nothing to
		// close yet (the upgraded client is closed in Hub.swap).
		return
	}
	c.closeOnce.Do(func() {
		close(c.done)
		if code != websocket.CloseAbnormalClosure {
			_ = c.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(time.Second))
		}
		_ = c.conn.Close()
	})
}

// queue sends a message without ever blocking the hub: a client whose
// buffer is full is disconnected (it resumes from its last seq).
func (c *client) queue(msg []byte) {
	select {
	case c.send <- msg:
		c.hub.metrics.sent.Inc()
	case <-c.done:
	default:
		c.hub.metrics.dropped.Inc()
		go c.close(closeSlow, "too slow: reconnect and resume from your last seq")
	}
}

func (c *client) control(m serverMessage) {
	b, _ := json.Marshal(m)
	c.queue(b)
}

func (c *client) sendEvent(ev Event) {
	if !ev.CreatedAt.IsZero() {
		c.hub.metrics.lag.Observe(time.Since(ev.CreatedAt).Seconds())
	}
	c.queue(ev.encoded())
}

func (c *client) subscribe(ctx context.Context, name string, lastSeq *int64) {
	t, err := ParseTopic(name)
	if err != nil {
		c.control(serverMessage{Type: "error", Topic: truncate(name, 64), Code: "invalid_topic", Message: err.Error()})
		return
	}
	if err := c.hub.authorize(ctx, c.principal, t); err != nil {
		code := "forbidden"
		var ae *apperr.Error
		if errors.As(err, &ae) && ae.Kind != apperr.Internal {
			code = ae.Code
			if ae.Kind == apperr.NotFound {
				code = "forbidden" // do not reveal whether a hidden resource exists
			}
			if ae == ErrUnknownTopic {
				code = ae.Code
			}
		}
		c.control(serverMessage{Type: "error", Topic: name, Code: code, Message: "you may not follow this topic"})
		return
	}
	c.mu.Lock()
	if _, ok := c.subs[name]; ok {
		last := c.subs[name].last
		c.mu.Unlock()
		c.control(serverMessage{Type: "subscribed", Topic: name, Seq: &last})
		return
	}
	if len(c.subs) >= maxTopicsPerClient {
		c.mu.Unlock()
		c.control(serverMessage{Type: "error", Topic: name, Code: "too_many_topics", Message: "at most 100 topics per connection"})
		return
	}
	// Register before reading the current state, buffering what arrives
	// meanwhile, so that no event falls between the two.
	sub := &subscription{replaying: true}
	c.subs[name] = sub
	c.mu.Unlock()
	c.hub.add(name, c)

	if lastSeq == nil || *lastSeq < 0 {
		latest, err := c.hub.store.latest(ctx, name)
		if err != nil {
			c.control(serverMessage{Type: "error", Topic: name, Code: "unavailable", Message: "try again"})
			c.unsubscribe(name)
			return
		}
		c.mu.Lock()
		sub.last = latest
		c.control(serverMessage{Type: "subscribed", Topic: name, Seq: &latest})
		c.mu.Unlock()
		c.replay(ctx, name)
		return
	}
	c.mu.Lock()
	sub.last = *lastSeq
	c.control(serverMessage{Type: "subscribed", Topic: name, Seq: lastSeq})
	c.mu.Unlock()
	c.replay(ctx, name)
}

func (c *client) unsubscribe(name string) {
	c.mu.Lock()
	delete(c.subs, name)
	c.mu.Unlock()
	c.hub.remove(name, c)
}

// offer receives a live event of a followed topic, keeping order: events
// arriving during a replay wait; a gap triggers a replay from the table.
func (c *client) offer(ev Event) {
	c.mu.Lock()
	sub, ok := c.subs[ev.Topic]
	if !ok {
		c.mu.Unlock()
		return
	}
	switch {
	case sub.replaying:
		if len(sub.pending) < maxPending {
			sub.pending = append(sub.pending, ev)
		}
		c.mu.Unlock()
	case ev.Seq <= sub.last:
		c.mu.Unlock()
	case ev.Seq == sub.last+1:
		sub.last = ev.Seq
		c.sendEvent(ev)
		c.mu.Unlock()
	default:
		sub.replaying = true
		sub.pending = append(sub.pending, ev)
		c.mu.Unlock()
		go c.replay(context.Background(), ev.Topic)
	}
}

// catchUp replays a topic when the sweep knows of events beyond what the
// client has seen.
func (c *client) catchUp(topic string, latest int64) {
	c.mu.Lock()
	sub, ok := c.subs[topic]
	if !ok || sub.replaying || sub.last >= latest {
		c.mu.Unlock()
		return
	}
	sub.replaying = true
	c.mu.Unlock()
	c.replay(context.Background(), topic)
}

// replay sends the topic's stored events after the client's last seq, then
// the live events that arrived meanwhile, then returns to live delivery.
// Events already pruned (older than the retention) make it send "resync":
// the client reloads the state by REST.
func (c *client) replay(ctx context.Context, topic string) {
	for attempt := 0; ; attempt++ {
		if attempt > 100 {
			// A gap that never fills: let the client reload by REST.
			c.resync(topic)
			return
		}
		c.mu.Lock()
		sub, ok := c.subs[topic]
		if !ok {
			c.mu.Unlock()
			return
		}
		from := sub.last
		c.mu.Unlock()

		events, err := c.hub.store.after(ctx, topic, from, replayPage)
		if err != nil {
			c.close(closeGoingAway, "temporary failure: reconnect")
			return
		}
		if len(events) > 0 && events[0].Seq > from+1 {
			c.resync(topic)
			return
		}
		c.mu.Lock()
		sub, ok = c.subs[topic]
		if !ok {
			c.mu.Unlock()
			return
		}
		for _, ev := range events {
			if ev.Seq == sub.last+1 {
				sub.last = ev.Seq
				c.sendEvent(ev)
			}
		}
		if len(events) == replayPage {
			c.mu.Unlock()
			continue
		}
		sort.Slice(sub.pending, func(i, j int) bool { return sub.pending[i].Seq < sub.pending[j].Seq })
		gap := false
		rest := sub.pending[:0]
		for _, ev := range sub.pending {
			switch {
			case gap:
				rest = append(rest, ev)
			case ev.Seq <= sub.last:
			case ev.Seq == sub.last+1:
				sub.last = ev.Seq
				c.sendEvent(ev)
			default:
				gap = true
				rest = append(rest, ev)
			}
		}
		sub.pending = rest
		if gap {
			// Committed later than notified, or lost: read the table again.
			c.mu.Unlock()
			time.Sleep(20 * time.Millisecond)
			continue
		}
		sub.replaying = false
		sub.pending = nil
		c.mu.Unlock()
		return
	}
}

func (c *client) resync(topic string) {
	latest, err := c.hub.store.latest(context.Background(), topic)
	if err != nil {
		c.close(closeGoingAway, "temporary failure: reconnect")
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	sub, ok := c.subs[topic]
	if !ok {
		return
	}
	sub.last, sub.replaying, sub.pending = latest, false, nil
	c.control(serverMessage{Type: "resync", Topic: topic, Seq: &latest})
}
