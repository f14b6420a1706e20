package apptest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gorilla/websocket"
)

// LiveMessage is any message of the live feed.
type LiveMessage struct {
	Topic   string          `json:"topic"`
	Seq     int64           `json:"seq"`
	Type    string          `json:"type"`
	Data    json.RawMessage `json:"data"`
	Code    string          `json:"code"`
	Message string          `json:"message"`
}

// LiveConn is a websocket connection to /api/v1/live.
type LiveConn struct {
	env  *Env
	Conn *websocket.Conn
}

// DialLive opens the live feed with the client's cookies and the site's
// Origin, or returns the HTTP answer when the upgrade is refused.
func (c *Client) DialLive(origin string) (*LiveConn, *http.Response, error) {
	u, _ := url.Parse(c.env.URL)
	wsURL := "ws://" + u.Host + "/api/v1/live"
	h := http.Header{}
	if origin == "" {
		origin = c.env.URL
	}
	h.Set("Origin", origin)
	var cookies []string
	for _, ck := range c.HTTP.Jar.Cookies(u) {
		cookies = append(cookies, ck.Name+"="+ck.Value)
	}
	if len(cookies) > 0 {
		h.Set("Cookie", strings.Join(cookies, "; "))
	}
	conn, res, err := websocket.DefaultDialer.Dial(wsURL, h)
	if err != nil {
		return nil, res, err
	}
	return &LiveConn{env: c.env, Conn: conn}, res, nil
}

// Live opens the live feed or fails the test.
func (c *Client) Live() *LiveConn {
	c.env.T.Helper()
	lc, res, err := c.DialLive("")
	if err != nil {
		status := 0
		if res != nil {
			status = res.StatusCode
		}
		c.env.T.Fatalf("live feed: %v (status %d)", err, status)
	}
	c.env.T.Cleanup(func() { _ = lc.Conn.Close() })
	return lc
}

// Subscribe asks for a topic, resuming after lastSeq when it is >= 0.
func (l *LiveConn) Subscribe(topic string, lastSeq int64) {
	l.env.T.Helper()
	m := map[string]any{"type": "subscribe", "topic": topic}
	if lastSeq >= 0 {
		m["last_seq"] = lastSeq
	}
	if err := l.Conn.WriteJSON(m); err != nil {
		l.env.T.Fatal(err)
	}
}

// Next reads the next message, failing after timeout.
func (l *LiveConn) Next(timeout time.Duration) LiveMessage {
	l.env.T.Helper()
	m, err := l.TryNext(timeout)
	if err != nil {
		l.env.T.Fatalf("live feed: %v", err)
	}
	return m
}

// TryNext reads the next message or returns the read error (a close frame
// surfaces as *websocket.CloseError).
func (l *LiveConn) TryNext(timeout time.Duration) (LiveMessage, error) {
	_ = l.Conn.SetReadDeadline(time.Now().Add(timeout))
	var m LiveMessage
	_, data, err := l.Conn.ReadMessage()
	if err != nil {
		return m, err
	}
	err = json.Unmarshal(data, &m)
	return m, err
}
