package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// session is a signed-in HTTP client of one node.
type session struct {
	t      *testing.T
	url    string
	client *http.Client
	csrf   string
}

func signIn(t *testing.T, base, email, password string) *session {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	s := &session{t: t, url: base, client: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
	var info struct {
		CSRFToken string `json:"csrf_token"`
	}
	if status := s.post("/api/v1/auth/login", fmt.Sprintf(`{"email":%q,"password":%q}`, email, password), &info); status != 200 {
		t.Fatalf("sign-in on %s: %d", base, status)
	}
	s.csrf = info.CSRFToken
	return s
}

// on returns a session of the same user on another node (sessions live in
// the shared database).
func (s *session) on(base string) *session {
	jar, _ := cookiejar.New(nil)
	from, _ := url.Parse(s.url)
	to, _ := url.Parse(base)
	jar.SetCookies(to, s.client.Jar.Cookies(from))
	return &session{t: s.t, url: base, client: &http.Client{Jar: jar, Timeout: 10 * time.Second}, csrf: s.csrf}
}

func (s *session) post(path, body string, out any) int {
	req, _ := http.NewRequest("POST", s.url+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return s.send(req, out)
}

// send makes a request as the signed-in user (same origin, CSRF token),
// decodes a JSON answer into out when given, and returns the status.
func (s *session) send(req *http.Request, out any) int {
	req.Header.Set("Origin", s.url)
	req.Header.Set("X-CSRF-Token", s.csrf)
	res, err := s.client.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	if out != nil {
		_ = json.NewDecoder(res.Body).Decode(out)
	}
	return res.StatusCode
}

func (s *session) getJob(id int64) (state string, node string) {
	res, err := s.client.Get(fmt.Sprintf("%s/api/v1/jobs/%d", s.url, id))
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	var v struct {
		State  string          `json:"state"`
		Result json.RawMessage `json:"result"`
	}
	_ = json.NewDecoder(res.Body).Decode(&v)
	var r struct {
		Node string `json:"node"`
	}
	_ = json.Unmarshal(v.Result, &r)
	return v.State, r.Node
}

func (s *session) live() *websocket.Conn {
	u, _ := url.Parse(s.url)
	h := http.Header{"Origin": {s.url}}
	var parts []string
	for _, c := range s.client.Jar.Cookies(u) {
		parts = append(parts, c.Name+"="+c.Value)
	}
	h.Set("Cookie", strings.Join(parts, "; "))
	conn, _, err := websocket.DefaultDialer.Dial("ws://"+u.Host+"/api/v1/live", h)
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { conn.Close() })
	return conn
}

const demoAdminEmail, demoAdminPassword = "admin@demo.piaf.local", "demo-admin-mot-de-passe"

// TestAJobKilledWithItsNodeIsCompletedByAnotherProcess starts a job, kills
// its node with SIGKILL, starts another node and checks that it completes
// the job (River's rescuer gives it back to the queue).
func TestAJobKilledWithItsNodeIsCompletedByAnotherProcess(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			env := []string{"PIAF_DATA_DIR=" + t.TempDir(), "PIAF_JOB_RESCUE_AFTER=1s", "PIAF_JOB_WORKERS=1"}
			if dialect == "postgres" {
				env = append(env, "PIAF_DATABASE_URL="+postgresURL(t))
			}
			a := startServe(t, env, "--demo")
			s := signIn(t, a.url, demoAdminEmail, demoAdminPassword)
			var job struct {
				ID int64 `json:"id"`
			}
			if status := s.post("/api/v1/test/jobs", `{"kind":"test.rescue","count":15,"delay_ms":100}`, &job); status != 202 {
				t.Fatalf("start job: %d", status)
			}
			deadline := time.Now().Add(20 * time.Second)
			for {
				if st, _ := s.getJob(job.ID); st == "running" {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("the job never ran on the first node")
				}
				time.Sleep(50 * time.Millisecond)
			}
			_ = a.cmd.Process.Signal(syscall.SIGKILL)
			<-a.done
			// The job's attempt is stuck "running" until the rescue delay
			// (its 2 s timeout + 10 s) has passed.
			time.Sleep(12 * time.Second)
			b := startServe(t, env)
			sb := s.on(b.url)
			deadline = time.Now().Add(90 * time.Second)
			for {
				st, node := sb.getJob(job.ID)
				if st == "succeeded" {
					t.Logf("completed by %s", node)
					break
				}
				if st == "failed" || st == "cancelled" || time.Now().After(deadline) {
					t.Fatalf("job is %s\n%s", st, b.logs)
				}
				time.Sleep(200 * time.Millisecond)
			}
			b.stop(t)
		})
	}
}

// TestAClientOnOneNodeSeesAJobRunOnAnother runs two nodes on one
// PostgreSQL: the job runs on node A (node B runs no job) while the
// browser is connected to node B.
func TestAClientOnOneNodeSeesAJobRunOnAnother(t *testing.T) {
	pg := postgresURL(t)
	a := startServe(t, []string{"PIAF_DATA_DIR=" + t.TempDir(), "PIAF_DATABASE_URL=" + pg, "PIAF_JOB_WORKERS=2"}, "--demo")
	b := startServe(t, []string{"PIAF_DATA_DIR=" + t.TempDir(), "PIAF_DATABASE_URL=" + pg, "PIAF_JOB_WORKERS=0"})
	sa := signIn(t, a.url, demoAdminEmail, demoAdminPassword)
	sb := sa.on(b.url)
	var job struct {
		ID int64 `json:"id"`
	}
	if status := sa.post("/api/v1/test/jobs", `{"count":20,"delay_ms":30}`, &job); status != 202 {
		t.Fatalf("start job: %d", status)
	}
	conn := sb.live()
	topic := fmt.Sprintf("job:%d", job.ID)
	_ = conn.WriteJSON(map[string]any{"type": "subscribe", "topic": topic, "last_seq": 0})
	var mu sync.Mutex
	var last int64
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	for {
		var m struct {
			Topic string `json:"topic"`
			Seq   int64  `json:"seq"`
			Type  string `json:"type"`
			Data  struct {
				State  string `json:"state"`
				Result struct {
					Node string `json:"node"`
				} `json:"result"`
			} `json:"data"`
		}
		if err := conn.ReadJSON(&m); err != nil {
			t.Fatalf("node B's feed after seq %d: %v\n%s", last, err, b.logs)
		}
		if m.Type == "subscribed" {
			continue
		}
		mu.Lock()
		if m.Seq != last+1 {
			t.Fatalf("seq %d after %d", m.Seq, last)
		}
		last = m.Seq
		mu.Unlock()
		if m.Data.State == "succeeded" {
			if want := fmt.Sprintf("-%d", a.cmd.Process.Pid); !strings.HasSuffix(m.Data.Result.Node, want) {
				t.Fatalf("job ran on %q, want node A (pid %d)", m.Data.Result.Node, a.cmd.Process.Pid)
			}
			break
		}
	}
}
