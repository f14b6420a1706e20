package live

import (
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/lab-ia/piaf/backend/internal/identity"
)

// TestASlowClientIsDroppedWithoutBlockingOthers fills one client's send
// buffer (it never reads) and checks that offering events returns at once,
// that the client is closed with code 4000, and that a reading client of
// the same topic gets every event.
func TestASlowClientIsDroppedWithoutBlockingOthers(t *testing.T) {
	h := &Hub{log: slog.New(slog.DiscardHandler), opts: Options{SendBuffer: 8, PingInterval: time.Hour}, metrics: newHubMetrics(nil),
		topics: map[string]map[*client]struct{}{}, userConns: map[int64]int{}, clients: map[*client]struct{}{}}
	upgrader := websocket.Upgrader{}
	conns := make(chan *websocket.Conn, 2)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			t.Error(err)
			return
		}
		conns <- c
	}))
	defer srv.Close()
	dial := func() *websocket.Conn {
		c, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	// One connection at a time: the server's side of each is paired with
	// its peer (two handlers racing could hand them over in either order).
	slowPeer := dial()
	defer slowPeer.Close()
	slow := newClient(h, <-conns, &identity.Principal{UserID: 1})
	fastPeer := dial()
	defer fastPeer.Close()
	fast := newClient(h, <-conns, &identity.Principal{UserID: 2})
	fast.send = make(chan []byte, 10000)
	go fast.writeLoop() // the slow client has no writer: its buffer fills
	topic := "campaign:1"
	for _, c := range []*client{slow, fast} {
		c.subs[topic] = &subscription{}
		h.topics[topic] = map[*client]struct{}{slow: {}, fast: {}}
	}
	start := time.Now()
	const n = 1000
	for i := 1; i <= n; i++ {
		h.deliver(Event{Topic: topic, Seq: int64(i), Type: "progress", Data: json.RawMessage(`{}`)})
	}
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Fatalf("delivering to a stuck client took %s: the hub blocked", elapsed)
	}
	select {
	case <-slow.done:
	case <-time.After(2 * time.Second):
		t.Fatal("the slow client was not disconnected")
	}
	_ = slowPeer.SetReadDeadline(time.Now().Add(2 * time.Second))
	for {
		if _, _, err := slowPeer.ReadMessage(); err != nil {
			if ce, ok := err.(*websocket.CloseError); !ok || ce.Code != closeSlow {
				if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
					t.Fatalf("slow client closed with %v, want %d", err, closeSlow)
				}
			}
			break
		}
	}
	_ = fastPeer.SetReadDeadline(time.Now().Add(5 * time.Second))
	for i := 1; i <= n; i++ {
		var ev Event
		if err := fastPeer.ReadJSON(&ev); err != nil {
			t.Fatalf("fast client after %d events: %v", i-1, err)
		}
		if ev.Seq != int64(i) {
			t.Fatalf("fast client got seq %d, want %d", ev.Seq, i)
		}
	}
}
