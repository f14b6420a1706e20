package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// privatePostgres is a PostgreSQL cluster of the test's own (initdb in a
// temporary directory, on a free port), so that it can be stopped and
// started without touching the server other tests share.
type privatePostgres struct {
	t    testing.TB
	bin  string // directory of initdb, pg_ctl
	dir  string
	port string
	cred *syscall.Credential // PostgreSQL refuses to run as root
	URL  string
}

// postgresBinDir finds initdb and pg_ctl: on the PATH, else in Debian's
// versioned directories.
func postgresBinDir() string {
	if p, err := exec.LookPath("initdb"); err == nil {
		if _, err := exec.LookPath("pg_ctl"); err == nil {
			return filepath.Dir(p)
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Sort(sort.Reverse(sort.StringSlice(dirs)))
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d
		}
	}
	return ""
}

func startPrivatePostgres(t testing.TB) *privatePostgres {
	t.Helper()
	bin := postgresBinDir()
	if bin == "" {
		t.Skip("initdb/pg_ctl not found (PATH or /usr/lib/postgresql/*/bin): cannot run a private PostgreSQL cluster")
	}
	// t.TempDir's parents are private to the test's user; PostgreSQL, run
	// as another user when the tests run as root, needs its own.
	dir, err := os.MkdirTemp("", "piaf-pg-")
	if err != nil {
		t.Fatal(err)
	}
	pg := &privatePostgres{t: t, bin: bin, dir: dir}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Skip("running as root without a postgres user: initdb refuses to run as root")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		pg.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	_, pg.port, _ = strings.Cut(freeAddr(t), ":")
	if out, err := pg.command("initdb", "-D", pg.data(), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	pg.URL = fmt.Sprintf("postgres://postgres@127.0.0.1:%s/postgres?sslmode=disable", pg.port)
	pg.start()
	t.Cleanup(func() { _ = pg.command("pg_ctl", "-D", pg.data(), "-m", "immediate", "-w", "stop").Run() })
	return pg
}

func (pg *privatePostgres) data() string { return filepath.Join(pg.dir, "data") }

func (pg *privatePostgres) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(pg.bin, name), args...)
	cmd.Dir = pg.dir
	cmd.Env = []string{"PATH=" + pg.bin + ":/usr/bin:/bin", "LC_ALL=C"}
	if pg.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: pg.cred}
	}
	return cmd
}

// start starts the server and waits until it accepts connections.
func (pg *privatePostgres) start() time.Duration {
	pg.t.Helper()
	began := time.Now()
	opts := fmt.Sprintf("-p %s -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=100", pg.port, pg.dir)
	if out, err := pg.command("pg_ctl", "-D", pg.data(), "-o", opts, "-l", filepath.Join(pg.dir, "log"), "-w", "-t", "60", "start").CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(pg.dir, "log"))
		pg.t.Fatalf("pg_ctl start: %v\n%s\n%s", err, out, log)
	}
	return time.Since(began)
}

// stop shuts the server down as an operator restarting it would (fast:
// sessions are terminated, no new connection is accepted).
func (pg *privatePostgres) stop() {
	pg.t.Helper()
	if out, err := pg.command("pg_ctl", "-D", pg.data(), "-m", "fast", "-w", "-t", "60", "stop").CombinedOutput(); err != nil {
		pg.t.Fatalf("pg_ctl stop: %v\n%s", err, out)
	}
}

// liveFollower follows one topic over the websocket feed the way the web
// client does: on disconnection it reconnects and subscribes again with the
// last sequence number it saw.
type liveFollower struct {
	s     *session
	topic string

	mu         sync.Mutex
	seqs       []int64
	markers    map[int]int // marker → times received
	last       int64
	reconnects int
	errs       []string
	done       chan struct{}
}

func followTopic(s *session, topic string) *liveFollower {
	f := &liveFollower{s: s, topic: topic, markers: map[int]int{}, done: make(chan struct{})}
	conn, err := f.dial()
	if err != nil {
		s.t.Fatalf("live feed: %v", err)
	}
	go f.run(conn)
	s.t.Cleanup(func() { close(f.done) })
	return f
}

func (f *liveFollower) dial() (*websocket.Conn, error) {
	u, _ := url.Parse(f.s.url)
	h := http.Header{"Origin": {f.s.url}}
	var parts []string
	for _, c := range f.s.client.Jar.Cookies(u) {
		parts = append(parts, c.Name+"="+c.Value)
	}
	h.Set("Cookie", strings.Join(parts, "; "))
	d := websocket.Dialer{HandshakeTimeout: 3 * time.Second}
	conn, _, err := d.Dial("ws://"+u.Host+"/api/v1/live", h)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	last := f.last
	f.mu.Unlock()
	if err := conn.WriteJSON(map[string]any{"type": "subscribe", "topic": f.topic, "last_seq": last}); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

func (f *liveFollower) run(conn *websocket.Conn) {
	for {
		go func(c *websocket.Conn) { <-f.done; c.Close() }(conn)
		for {
			var m struct {
				Type  string `json:"type"`
				Topic string `json:"topic"`
				Seq   int64  `json:"seq"`
				Code  string `json:"code"`
				Data  struct {
					Marker int `json:"marker"`
				} `json:"data"`
			}
			if err := conn.ReadJSON(&m); err != nil {
				break
			}
			f.mu.Lock()
			switch m.Type {
			case "subscribed":
			case "error", "resync":
				f.errs = append(f.errs, m.Type+" "+m.Code)
			default:
				if m.Seq != f.last+1 {
					f.errs = append(f.errs, fmt.Sprintf("seq %d after %d", m.Seq, f.last))
				}
				f.last = m.Seq
				f.seqs = append(f.seqs, m.Seq)
				if m.Data.Marker > 0 {
					f.markers[m.Data.Marker]++
				}
			}
			f.mu.Unlock()
		}
		conn.Close()
		for {
			select {
			case <-f.done:
				return
			case <-time.After(200 * time.Millisecond):
			}
			c, err := f.dial()
			if err == nil {
				conn = c
				f.mu.Lock()
				f.reconnects++
				f.mu.Unlock()
				break
			}
		}
	}
}

// answer is one request of the load: when it was sent, how long it took,
// its status and error code.
type answer struct {
	at      time.Time
	took    time.Duration
	status  int
	code    string
	netErr  bool
	request string
}

// TestPostgresRestartedUnderLoad stops the server's PostgreSQL (a private
// cluster) while contributors work and a live feed is followed: every
// request answers at once with 503 and a JSON error while the database is
// down, /readyz says not ready, and once PostgreSQL is back the pool
// reconnects, requests succeed again, and the live feed delivers every
// event published, in order, without a gap.
func TestPostgresRestartedUnderLoad(t *testing.T) {
	pg := startPrivatePostgres(t)
	p := startServe(t, []string{"PIAF_DATA_DIR=" + t.TempDir(), "PIAF_DATABASE_URL=" + pg.URL}, "--demo")
	contributor := signIn(t, p.url, "benevole@demo.piaf.local", "demo-benevole-mot-de-passe")
	const topic = "campaign:1"
	feed := followTopic(contributor, topic)

	var mu sync.Mutex
	var answers []answer
	record := func(a answer) {
		mu.Lock()
		answers = append(answers, a)
		mu.Unlock()
	}
	do := func(s *session, method, path, body string) answer {
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req, _ := http.NewRequest(method, s.url+path, rd)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", s.url)
		req.Header.Set("X-CSRF-Token", s.csrf)
		a := answer{at: time.Now(), request: method + " " + path}
		res, err := s.client.Do(req)
		a.took = time.Since(a.at)
		if err != nil {
			a.netErr = true
			return a
		}
		defer res.Body.Close()
		a.status = res.StatusCode
		var e struct {
			Error struct {
				Code string `json:"code"`
			} `json:"error"`
		}
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode >= 400 {
			if json.Unmarshal(b, &e) != nil || e.Error.Code == "" {
				a.code = "not JSON: " + string(b[:min(len(b), 80)])
			} else {
				a.code = e.Error.Code
			}
		}
		return a
	}

	// Load: contributors asking for tasks and reading the campaign, and a
	// publisher numbering events on the followed topic.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	workers := []*session{contributor, signIn(t, p.url, "benevole@demo.piaf.local", "demo-benevole-mot-de-passe"),
		signIn(t, p.url, demoAdminEmail, demoAdminPassword)}
	paths := []struct{ method, path, body string }{
		{"POST", "/api/v1/campaigns/1/tasks/next", "{}"},
		{"GET", "/api/v1/campaigns/1", ""},
		{"GET", "/api/v1/campaigns/1/stats", ""},
		{"GET", "/api/v1/me/progress", ""},
	}
	for i, s := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := i; ; j++ {
				select {
				case <-stop:
					return
				default:
				}
				r := paths[j%len(paths)]
				record(do(s, r.method, r.path, r.body))
				time.Sleep(10 * time.Millisecond)
			}
		}()
	}
	var acked []int
	var ackMu sync.Mutex
	wg.Add(1)
	go func() {
		defer wg.Done()
		for n := 1; ; n++ {
			select {
			case <-stop:
				return
			case <-time.After(40 * time.Millisecond):
			}
			a := do(workers[2], "POST", "/api/v1/test/publish", fmt.Sprintf(`{"topic":%q,"type":"marker","data":{"marker":%d}}`, topic, n))
			record(a)
			if a.status == 204 {
				ackMu.Lock()
				acked = append(acked, n)
				ackMu.Unlock()
			}
		}
	}()

	time.Sleep(1500 * time.Millisecond)
	stopping := time.Now()
	pg.stop()
	down := time.Now()
	t.Logf("PostgreSQL stopped in %s", down.Sub(stopping).Round(time.Millisecond))

	// While it is down: /readyz reports not ready.
	res, err := http.Get(p.url + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	var ready struct {
		Status string            `json:"status"`
		Checks map[string]string `json:"checks"`
	}
	_ = json.NewDecoder(res.Body).Decode(&ready)
	res.Body.Close()
	if res.StatusCode != 503 || ready.Status != "unavailable" || ready.Checks["database"] == "ok" {
		t.Errorf("/readyz with the database down: %d %+v", res.StatusCode, ready)
	}
	time.Sleep(2 * time.Second)
	restarting := time.Now()
	pgStart := pg.start()
	up := time.Now()

	// Recovery: the first successful answer of a signed-in request after
	// PostgreSQL accepts connections again.
	var recovered time.Duration
	for {
		a := do(contributor, "GET", "/api/v1/campaigns/1/stats", "")
		if a.status == 200 {
			recovered = time.Since(up)
			break
		}
		if time.Since(up) > 30*time.Second {
			t.Fatalf("no successful request 30 s after PostgreSQL restarted (last %+v)\n%s", a, p.logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	var readyAgain time.Duration
	for {
		res, err := http.Get(p.url + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				readyAgain = time.Since(up)
				break
			}
		}
		if time.Since(up) > 30*time.Second {
			t.Fatal("/readyz not ready 30 s after PostgreSQL restarted")
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(1500 * time.Millisecond)
	close(stop)
	wg.Wait()
	settled := time.Now()

	// Every acknowledged event reaches the follower, in order, no gap.
	ackMu.Lock()
	want := append([]int(nil), acked...)
	ackMu.Unlock()
	deadline := time.Now().Add(20 * time.Second)
	for {
		feed.mu.Lock()
		missing := 0
		for _, n := range want {
			if feed.markers[n] == 0 {
				missing++
			}
		}
		feed.mu.Unlock()
		if missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the live feed misses %d of %d acknowledged events 20 s after recovery\n%s", missing, len(want), p.logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
	feed.mu.Lock()
	for n, times := range feed.markers {
		if times > 1 {
			t.Errorf("event %d delivered %d times", n, times)
		}
	}
	if len(feed.errs) > 0 {
		t.Errorf("live feed: %v", feed.errs)
	}
	for i := 1; i < len(feed.seqs); i++ {
		if feed.seqs[i] != feed.seqs[i-1]+1 {
			t.Errorf("live feed: seq %d after %d", feed.seqs[i], feed.seqs[i-1])
		}
	}
	reconnects, delivered := feed.reconnects, len(feed.seqs)
	feed.mu.Unlock()

	// The answers, by phase.
	var before, whileDown, after []answer
	for _, a := range answers {
		switch {
		case a.at.Add(a.took).Before(stopping): // answered before the stop began
			before = append(before, a)
		case a.at.After(down) && a.at.Before(restarting):
			whileDown = append(whileDown, a)
		case a.at.After(up.Add(recovered)) && a.at.Before(settled):
			after = append(after, a)
		}
		if a.status == 500 || a.netErr || (a.status >= 400 && strings.HasPrefix(a.code, "not JSON")) {
			t.Errorf("%s at %s: status %d %s (network error %v)", a.request, a.at.Format("15:04:05.000"), a.status, a.code, a.netErr)
		}
	}
	for _, a := range append(before, after...) {
		if a.status >= 400 {
			t.Errorf("%s with the database up (%s after it accepted connections): %d %s", a.request, a.at.Sub(up).Round(time.Millisecond), a.status, a.code)
		}
	}
	if t.Failed() {
		t.Logf("server log after the restart:\n%s", linesAfter(p.logs.String(), "database unavailable", up))
	}
	var slowest time.Duration
	var tooks []time.Duration
	for _, a := range whileDown {
		if a.status != 503 || a.code != "database_unavailable" {
			t.Errorf("%s with the database down: %d %q, want 503 database_unavailable", a.request, a.status, a.code)
		}
		tooks = append(tooks, a.took)
		slowest = max(slowest, a.took)
	}
	if len(whileDown) < 20 || len(before) < 20 || len(after) < 20 {
		t.Fatalf("too little load: %d answers before, %d while down, %d after", len(before), len(whileDown), len(after))
	}
	sort.Slice(tooks, func(i, j int) bool { return tooks[i] < tooks[j] })
	if slowest > 2*time.Second {
		t.Errorf("slowest answer while the database was down: %s", slowest)
	}
	if recovered > 10*time.Second {
		t.Errorf("requests succeeded again only %s after PostgreSQL restarted", recovered)
	}
	if p.cmd.ProcessState != nil {
		t.Fatalf("piaf serve exited: %v\n%s", p.cmd.ProcessState, p.logs)
	}
	t.Logf("answers: %d before, %d while down (all 503 database_unavailable, median %s, slowest %s), %d after recovery",
		len(before), len(whileDown), tooks[len(tooks)/2].Round(time.Microsecond), slowest.Round(time.Microsecond), len(after))
	t.Logf("PostgreSQL start took %s; first successful request %s after it accepted connections, /readyz ready after %s",
		pgStart.Round(time.Millisecond), recovered.Round(time.Millisecond), readyAgain.Round(time.Millisecond))
	t.Logf("live feed: %d events delivered in order (%d acknowledged markers), %d reconnections", delivered, len(want), reconnects)
}

// linesAfter returns the log lines holding substr written after at (text
// logs: time=RFC3339 first).
func linesAfter(logs, substr string, at time.Time) string {
	var out []string
	for _, l := range strings.Split(logs, "\n") {
		if !strings.Contains(l, substr) || !strings.HasPrefix(l, "time=") {
			continue
		}
		ts, _, _ := strings.Cut(strings.TrimPrefix(l, "time="), " ")
		if when, err := time.Parse(time.RFC3339Nano, ts); err == nil && when.After(at) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
