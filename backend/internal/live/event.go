// Package live is PIAF's live feed: events appended to a table with a
// per-topic sequence, fanned out to websocket clients on every node
// (PostgreSQL LISTEN/NOTIFY across nodes, an in-process bus on SQLite), and
// replayed to clients that reconnect with their last sequence number.
package live

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Event is one message of a topic.
type Event struct {
	ID        int64           `json:"-"`
	Topic     string          `json:"topic"`
	Seq       int64           `json:"seq"`
	Type      string          `json:"type"`
	Data      json.RawMessage `json:"data"`
	CreatedAt time.Time       `json:"-"`
	// wire is the JSON sent to clients, encoded once per event however
	// many clients follow the topic.
	wire []byte
}

// encoded returns the event as sent to clients.
func (e *Event) encoded() []byte {
	if e.wire == nil {
		e.wire, _ = json.Marshal(e)
	}
	return e.wire
}

// Topic is a parsed topic name: kind and numeric id, e.g. job:12.
type Topic struct {
	Kind string
	ID   int64
}

// String renders the topic name.
func (t Topic) String() string { return t.Kind + ":" + strconv.FormatInt(t.ID, 10) }

// ParseTopic reads "kind:id".
func ParseTopic(s string) (Topic, error) {
	kind, id, ok := strings.Cut(s, ":")
	n, err := strconv.ParseInt(id, 10, 64)
	if !ok || err != nil || n <= 0 || kind == "" || len(s) > 64 {
		return Topic{}, fmt.Errorf("topic %q is not kind:id", truncate(s, 64))
	}
	return Topic{Kind: kind, ID: n}, nil
}

// JobTopic, CampaignTopic, ReviewTopic and UserTopic name the topics the
// platform publishes to.
func JobTopic(id int64) string      { return Topic{"job", id}.String() }
func CampaignTopic(id int64) string { return Topic{"campaign", id}.String() }
func ReviewTopic(id int64) string   { return Topic{"review", id}.String() }
func UserTopic(id int64) string     { return Topic{"user", id}.String() }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
