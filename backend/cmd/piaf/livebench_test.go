package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// BenchmarkLiveFanout connects many websocket clients (10,000 by default,
// PIAF_BENCH_CLIENTS to change) to one node on PostgreSQL, all following
// one campaign topic, publishes events and measures how long each takes to
// reach every client; then the same with the clients on a second node and
// the events published on the first (LISTEN/NOTIFY fan-out). It also
// reports the server's memory per idle connection.
//
//	go test ./backend/cmd/piaf -run '^$' -bench LiveFanout -benchtime 1x -timeout 20m
func BenchmarkLiveFanout(b *testing.B) {
	clients := 10000
	if v, err := strconv.Atoi(os.Getenv("PIAF_BENCH_CLIENTS")); err == nil && v > 0 {
		clients = v
	}
	raiseOpenFiles(b, uint64(clients+2000))
	pg := postgresURL(b)
	env := []string{"PIAF_DATABASE_URL=" + pg, "PIAF_LIVE_MAX_CONNS_PER_USER=" + strconv.Itoa(clients+10), "PIAF_LOG_LEVEL=warn"}
	a := startServe(b, append(env, "PIAF_DATA_DIR="+b.TempDir()), "--demo")
	nodeB := startServe(b, append(env, "PIAF_DATA_DIR="+b.TempDir(), "PIAF_JOB_WORKERS=0"))
	admin := signInB(b, a.url)

	for _, tc := range []struct {
		name      string
		subscribe *serverProcess
	}{{"one-node", a}, {"two-nodes", nodeB}} {
		b.Run(tc.name, func(b *testing.B) {
			base := rssKB(tc.subscribe.cmd.Process.Pid)
			conns := dialMany(b, admin, tc.subscribe.url, clients)
			time.Sleep(2 * time.Second)
			perConn := float64(rssKB(tc.subscribe.cmd.Process.Pid)-base) / float64(clients)
			lat := publishAndMeasure(b, admin, conns, 20)
			for _, c := range conns {
				_ = c.Close()
			}
			b.ReportMetric(float64(clients), "clients")
			b.ReportMetric(perConn, "KB/idle-conn")
			b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
			b.ReportMetric(ms(lat[len(lat)*99/100]), "p99-ms")
			b.ReportMetric(ms(lat[len(lat)-1]), "max-ms")
			time.Sleep(time.Second)
		})
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// raiseOpenFiles lifts this process's soft limit (children inherit it); the
// machine's limits are left alone.
func raiseOpenFiles(b *testing.B, want uint64) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		b.Fatal(err)
	}
	if lim.Cur < want {
		lim.Cur = min(want, lim.Max)
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			b.Fatal(err)
		}
	}
	if lim.Cur < want {
		b.Skipf("open files limited to %d, need %d", lim.Cur, want)
	}
}

type benchSession struct {
	url    string
	cookie string
	csrf   string
}

func signInB(b *testing.B, base string) *benchSession {
	res, err := http.Post(base+"/api/v1/auth/login", "application/json",
		strings.NewReader(fmt.Sprintf(`{"email":%q,"password":%q}`, demoAdminEmail, demoAdminPassword)))
	if err != nil || res.StatusCode != 200 {
		b.Fatalf("sign-in: %v", err)
	}
	defer res.Body.Close()
	var cookie string
	for _, c := range res.Cookies() {
		cookie = c.Name + "=" + c.Value
	}
	return &benchSession{url: base, cookie: cookie}
}

// dialMany opens n connections subscribed to campaign:1 and waits for
// every "subscribed" answer.
func dialMany(b *testing.B, s *benchSession, base string, n int) []*websocket.Conn {
	u, _ := url.Parse(base)
	h := http.Header{"Origin": {base}, "Cookie": {s.cookie}}
	d := &websocket.Dialer{HandshakeTimeout: 30 * time.Second, ReadBufferSize: 1024, WriteBufferSize: 1024}
	conns := make([]*websocket.Conn, n)
	var wg sync.WaitGroup
	var failed atomic.Int64
	sem := make(chan struct{}, 64)
	for i := range conns {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, _, err := d.Dial("ws://"+u.Host+"/api/v1/live", h)
			if err != nil {
				failed.Add(1)
				return
			}
			_ = c.WriteJSON(map[string]any{"type": "subscribe", "topic": "campaign:1"})
			var m struct{ Type string }
			_ = c.SetReadDeadline(time.Now().Add(60 * time.Second))
			if err := c.ReadJSON(&m); err != nil || m.Type != "subscribed" {
				failed.Add(1)
				c.Close()
				return
			}
			conns[i] = c
		}()
	}
	wg.Wait()
	if f := failed.Load(); f > 0 {
		b.Fatalf("%d of %d connections failed", f, n)
	}
	return conns
}

// publishAndMeasure publishes events on the first node and returns, sorted,
// the delay between publication and reception for every client and event.
func publishAndMeasure(b *testing.B, s *benchSession, conns []*websocket.Conn, events int) []time.Duration {
	var mu sync.Mutex
	lat := make([]time.Duration, 0, len(conns)*events)
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = c.SetReadDeadline(time.Now().Add(time.Duration(events)*time.Second + 60*time.Second))
			local := make([]time.Duration, 0, events)
			for len(local) < events {
				// The time is read without a JSON decoder: the clients share
				// the 2 cores with the server, and decoding 10,000 messages
				// per event would be measured as server latency.
				_, msg, err := c.ReadMessage()
				if err != nil {
					return
				}
				i := bytes.Index(msg, []byte(`"sent_ns":`))
				if i < 0 {
					continue
				}
				rest := msg[i+len(`"sent_ns":`):]
				j := bytes.IndexAny(rest, ",}")
				ns, err := strconv.ParseInt(string(rest[:j]), 10, 64)
				if err != nil {
					continue
				}
				local = append(local, time.Since(time.Unix(0, ns)))
			}
			mu.Lock()
			lat = append(lat, local...)
			mu.Unlock()
		}()
	}
	for i := 0; i < events; i++ {
		body := fmt.Sprintf(`{"topic":"campaign:1","type":"progress","data":{"sent_ns":%d,"i":%d}}`, time.Now().UnixNano(), i)
		req, _ := http.NewRequest("POST", s.url+"/api/v1/test/publish", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", s.url)
		req.Header.Set("Cookie", s.cookie)
		res, err := http.DefaultClient.Do(req)
		if err != nil || res.StatusCode != 204 {
			b.Fatalf("publish: %v", err)
		}
		res.Body.Close()
		time.Sleep(300 * time.Millisecond)
	}
	wg.Wait()
	if len(lat) < len(conns)*events {
		b.Fatalf("%d deliveries of %d", len(lat), len(conns)*events)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return lat
}
