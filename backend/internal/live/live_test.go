package live_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/lab-ia/piaf/backend/internal/app/apptest"
	"github.com/lab-ia/piaf/backend/internal/database"
	"github.com/lab-ia/piaf/backend/internal/database/dbtest"
	"github.com/lab-ia/piaf/backend/internal/identity"
	"github.com/lab-ia/piaf/backend/internal/jobs"
	"github.com/lab-ia/piaf/backend/internal/jobs/jobstest"
	"github.com/lab-ia/piaf/backend/internal/live"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func start(t *testing.T, db *database.DB, opts ...apptest.Option) *apptest.Env {
	return apptest.Start(t, db, append(opts, apptest.WithJobs(jobstest.Counter{}))...)
}

func enqueue(t *testing.T, env *apptest.Env, u int64, p jobstest.Params) *jobs.Job {
	t.Helper()
	j, err := env.App.Jobs.Enqueue(context.Background(), &identity.Principal{UserID: u, Role: identity.RoleContributor}, jobstest.Kind, nil, p)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// readJob reads the job topic until the job ends, checking that sequence
// numbers follow each other and progress never goes back.
func readJob(t *testing.T, lc *apptest.LiveConn, topic string, after int64) (last int64, final jobs.View, events int) {
	t.Helper()
	last = after
	var done int64
	for {
		m := lc.Next(30 * time.Second)
		if m.Topic != topic || (m.Type != "state" && m.Type != "progress") {
			continue
		}
		if m.Seq != last+1 {
			t.Fatalf("seq %d after %d: events out of order or missing", m.Seq, last)
		}
		last = m.Seq
		events++
		var v jobs.View
		if err := json.Unmarshal(m.Data, &v); err != nil {
			t.Fatal(err)
		}
		if v.Done < done {
			t.Fatalf("progress went back from %d to %d", done, v.Done)
		}
		done = v.Done
		if v.State.Terminal() {
			return last, v, events
		}
	}
}

func TestJobProgressReachesTheSubscriberInOrder(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		env := start(t, db)
		c, u := env.User(identity.RoleContributor, "Spectatrice")
		j := enqueue(t, env, u.ID, jobstest.Params{Count: 20, DelayMS: 25})
		topic := live.JobTopic(j.ID)
		lc := c.Live()
		lc.Subscribe(topic, 0) // from the start: the "queued" event is replayed
		sub := lc.Next(5 * time.Second)
		if sub.Type != "subscribed" || sub.Topic != topic {
			t.Fatalf("first message %+v", sub)
		}
		_, final, n := readJob(t, lc, topic, 0)
		if final.State != jobs.StateSucceeded || final.Done != 20 || n < 4 {
			t.Fatalf("final %+v after %d events", final, n)
		}
	})
}

func TestReconnectingClientMissesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		env := start(t, db)
		c, u := env.User(identity.RoleContributor, "Nomade")
		j := enqueue(t, env, u.ID, jobstest.Params{Count: 40, DelayMS: 30})
		topic := live.JobTopic(j.ID)
		lc := c.Live()
		lc.Subscribe(topic, 0)
		lc.Next(5 * time.Second) // subscribed
		var last int64
		for last < 3 {
			m := lc.Next(10 * time.Second)
			if m.Seq != last+1 {
				t.Fatalf("seq %d after %d", m.Seq, last)
			}
			last = m.Seq
		}
		_ = lc.Conn.Close()
		time.Sleep(300 * time.Millisecond) // events keep coming meanwhile
		lc2 := c.Live()
		lc2.Subscribe(topic, last)
		if m := lc2.Next(5 * time.Second); m.Type != "subscribed" || m.Seq != last {
			t.Fatalf("resubscribe answer %+v", m)
		}
		_, final, _ := readJob(t, lc2, topic, last)
		if final.State != jobs.StateSucceeded {
			t.Fatalf("final %+v", final)
		}
	})
}

func TestSubscriptionsAreAuthorised(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		env := start(t, db)
		_, owner := env.User(identity.RoleContributor, "Discrète")
		spy, spyUser := env.User(identity.RoleContributor, "Espion")
		j := enqueue(t, env, owner.ID, jobstest.Params{Count: 3, DelayMS: 50})
		lc := spy.Live()
		cases := map[string]string{
			live.JobTopic(j.ID):       "forbidden",
			live.JobTopic(999999):     "forbidden",
			live.UserTopic(owner.ID):  "forbidden",
			"weather:1":               "unknown_topic",
			"job:abc":                 "invalid_topic",
			strings.Repeat("x", 3000): "invalid_topic",
		}
		for topic, code := range cases {
			lc.Subscribe(topic, -1)
			m := lc.Next(5 * time.Second)
			if m.Type != "error" || m.Code != code {
				t.Errorf("%.40s: got %+v, want error %s", topic, m, code)
			}
		}
		// Nothing of the owner's job reaches the spy, and its own topic works.
		lc.Subscribe(live.UserTopic(spyUser.ID), -1)
		if m := lc.Next(5 * time.Second); m.Type != "subscribed" {
			t.Fatalf("own topic: %+v", m)
		}
		if _, err := env.App.Hub.Publish(context.Background(), live.UserTopic(spyUser.ID), "notification", map[string]string{"text": "bonjour"}); err != nil {
			t.Fatal(err)
		}
		if m := lc.Next(5 * time.Second); m.Type != "notification" || m.Topic != live.UserTopic(spyUser.ID) {
			t.Fatalf("got %+v", m)
		}
	})
}

func closeCode(t *testing.T, lc *apptest.LiveConn) int {
	t.Helper()
	for {
		_, err := lc.TryNext(10 * time.Second)
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			return ce.Code
		}
		t.Fatalf("connection ended without a close frame: %v", err)
	}
}

func TestBadClientsAreClosedWithAReason(t *testing.T) {
	env := start(t, dbtest.SQLite(t))
	c, u := env.User(identity.RoleContributor, "Brouillon")

	lc := c.Live()
	_ = lc.Conn.WriteMessage(websocket.TextMessage, []byte(`{"type": "subscribe", "topic": `))
	if code := closeCode(t, lc); code != websocket.CloseUnsupportedData {
		t.Errorf("malformed JSON: close %d", code)
	}

	lc = c.Live()
	_ = lc.Conn.WriteMessage(websocket.TextMessage, []byte(`{"type":"subscribe","topic":"`+strings.Repeat("é", 3000)+`"}`))
	if code := closeCode(t, lc); code != websocket.CloseMessageTooBig {
		t.Errorf("oversized message: close %d", code)
	}

	lc = c.Live()
	_ = lc.Conn.WriteMessage(websocket.BinaryMessage, []byte{0, 1, 2})
	if code := closeCode(t, lc); code != websocket.CloseUnsupportedData {
		t.Errorf("binary frame: close %d", code)
	}

	lc = c.Live()
	for i := 0; i < 50; i++ {
		_ = lc.Conn.WriteJSON(map[string]any{"type": "subscribe", "topic": live.UserTopic(u.ID)})
	}
	if code := closeCode(t, lc); code != websocket.ClosePolicyViolation {
		t.Errorf("subscription flood: close %d", code)
	}

	// The server is unaffected: a well-behaved client still works.
	ok := c.Live()
	ok.Subscribe(live.UserTopic(u.ID), -1)
	if m := ok.Next(5 * time.Second); m.Type != "subscribed" {
		t.Fatalf("after the bad clients: %+v", m)
	}
}

func TestUpgradeChecksSessionOriginAndConnectionLimit(t *testing.T) {
	env := start(t, dbtest.SQLite(t), apptest.WithEnv("PIAF_LIVE_MAX_CONNS_PER_USER", "2"))
	c, _ := env.User(identity.RoleContributor, "Limitée")
	if _, res, err := env.NewClient().DialLive(""); err == nil || res == nil || res.StatusCode != 401 {
		t.Fatalf("anonymous upgrade: %v %v", err, res)
	}
	if _, res, err := c.DialLive("https://evil.example"); err == nil || res == nil || res.StatusCode != 403 {
		t.Fatalf("cross-site upgrade: %v %v", err, res)
	}
	c.Live()
	c.Live()
	if _, res, err := c.DialLive(""); err == nil || res == nil || res.StatusCode != 429 {
		t.Fatalf("third connection: %v %v", err, res)
	}
}

func TestPrunedHistoryAsksTheClientToResync(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		env := start(t, db)
		c, u := env.User(identity.RoleContributor, "Retardataire")
		topic := live.UserTopic(u.ID)
		for i := 0; i < 5; i++ {
			if _, err := env.App.Hub.Publish(context.Background(), topic, "notification", i); err != nil {
				t.Fatal(err)
			}
		}
		// Events 1 to 3 are older than the retention and were pruned.
		if err := env.DB.Gorm.Exec(`DELETE FROM events WHERE topic = ? AND seq <= 3`, topic).Error; err != nil {
			t.Fatal(err)
		}
		lc := c.Live()
		lc.Subscribe(topic, 1)
		lc.Next(5 * time.Second) // subscribed
		if m := lc.Next(5 * time.Second); m.Type != "resync" || m.Seq != 5 {
			t.Fatalf("got %+v, want resync at 5", m)
		}
		// Still subscribed: the next event arrives normally.
		if _, err := env.App.Hub.Publish(context.Background(), topic, "notification", 6); err != nil {
			t.Fatal(err)
		}
		if m := lc.Next(5 * time.Second); m.Seq != 6 {
			t.Fatalf("after resync: %+v", m)
		}
	})
}
