package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/lab-ia/piaf/backend/internal/database/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// piafBinary builds the real binary once per test run: process tests must
// exercise what operators run, signals and exit codes included. The
// piaftest tag adds a slow test job kind and a route to start it.
func piafBinary(t testing.TB) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "piaf-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "piaf")
		out, err := exec.Command("go", "build", "-tags", "nofrontend piaftest", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// serverProcess is a `piaf serve` child process.
type serverProcess struct {
	cmd     *exec.Cmd
	url     string
	started time.Time
	ready   time.Duration
	logs    *lockedBuffer
	done    chan error
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// startServe starts the binary with env and waits for /readyz.
func startServe(t testing.TB, env []string, args ...string) *serverProcess {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(piafBinary(t), append([]string{"serve", "--addr", addr}, args...)...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "PIAF_PUBLIC_URL=http://" + addr}, env...)
	logs := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	p := &serverProcess{cmd: cmd, url: "http://" + addr, logs: logs, done: make(chan error, 1)}
	p.started = time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-p.done
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get(p.url + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				p.ready = time.Since(p.started)
				return p
			}
		}
		select {
		case err := <-p.done:
			t.Fatalf("piaf serve exited before ready: %v\n%s", err, logs)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("piaf serve not ready after 30 s:\n%s", logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop sends SIGTERM and returns the exit code and how long it took.
func (p *serverProcess) stop(t testing.TB) (int, time.Duration) {
	t.Helper()
	start := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.done:
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return code, time.Since(start)
	case <-time.After(20 * time.Second):
		t.Fatalf("piaf serve still running 20 s after SIGTERM:\n%s", p.logs)
		return -1, 0
	}
}

func TestServeStopsCleanlyOnSIGTERMDuringRequests(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			env := []string{"PIAF_DATA_DIR=" + t.TempDir()}
			if dialect == "postgres" {
				env = append(env, "PIAF_DATABASE_URL="+postgresURL(t))
			}
			p := startServe(t, env, "--demo")
			var ok, refused, bad atomic.Int64
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			for range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					client := &http.Client{Timeout: 5 * time.Second}
					for ctx.Err() == nil {
						res, err := client.Get(p.url + "/readyz")
						if err != nil {
							refused.Add(1)
							time.Sleep(5 * time.Millisecond)
							continue
						}
						_, _ = io.Copy(io.Discard, res.Body)
						res.Body.Close()
						switch res.StatusCode {
						case 200:
							ok.Add(1)
						case 503: // draining: the balancer is told to stop sending traffic
						default:
							bad.Add(1)
						}
					}
				}()
			}
			time.Sleep(300 * time.Millisecond)
			code, took := p.stop(t)
			cancel()
			wg.Wait()
			if code != 0 {
				t.Fatalf("exit code %d\n%s", code, p.logs)
			}
			if took > 10*time.Second {
				t.Fatalf("took %s to stop", took)
			}
			if ok.Load() == 0 || bad.Load() != 0 {
				t.Fatalf("ok=%d bad=%d refused=%d", ok.Load(), bad.Load(), refused.Load())
			}
			if !strings.Contains(p.logs.String(), "PIAF stopped") {
				t.Fatalf("no clean stop in the logs:\n%s", p.logs)
			}
		})
	}
}

// demoClient signs in as the demo administration account (it may hold API
// tokens, whose creation is the write the test counts).
func demoClient(t *testing.T, url string) (*http.Client, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	body := `{"email":"administration@demo.piaf.local","password":"demo-administration-mot-de-passe"}`
	req, _ := http.NewRequest("POST", url+"/api/v1/auth/login", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", url)
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var info struct {
		CSRFToken string `json:"csrf_token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&info); err != nil || res.StatusCode != 200 {
		t.Fatalf("demo login: %d %v", res.StatusCode, err)
	}
	return c, info.CSRFToken
}

// TestSIGTERMLosesNoAcknowledgedWrite writes continuously (API tokens are
// created, each answer 201 an acknowledged commit), stops the server with
// SIGTERM in the middle, restarts it and checks every acknowledged write
// is there.
func TestSIGTERMLosesNoAcknowledgedWrite(t *testing.T) {
	t.Parallel() // its own database, data directory and server processes
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			env := []string{"PIAF_DATA_DIR=" + t.TempDir()}
			if dialect == "postgres" {
				env = append(env, "PIAF_DATABASE_URL="+postgresURL(t))
			}
			p := startServe(t, env, "--demo")
			client, csrf := demoClient(t, p.url)
			var mu sync.Mutex
			acked := map[int64]bool{}
			stop := make(chan struct{})
			var wg sync.WaitGroup
			for w := range 6 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; ; i++ {
						select {
						case <-stop:
							return
						default:
						}
						body := fmt.Sprintf(`{"name":"écrit %d-%d","scopes":["datasets:read"]}`, w, i)
						req, _ := http.NewRequest("POST", p.url+"/api/v1/me/tokens", strings.NewReader(body))
						req.Header.Set("Content-Type", "application/json")
						req.Header.Set("Origin", p.url)
						req.Header.Set("X-CSRF-Token", csrf)
						res, err := client.Do(req)
						if err != nil {
							time.Sleep(5 * time.Millisecond)
							continue
						}
						var tok struct {
							ID int64 `json:"id"`
						}
						_ = json.NewDecoder(res.Body).Decode(&tok)
						res.Body.Close()
						if res.StatusCode == 201 {
							mu.Lock()
							acked[tok.ID] = true
							mu.Unlock()
						}
					}
				}()
			}
			time.Sleep(700 * time.Millisecond)
			code, took := p.stop(t)
			close(stop)
			wg.Wait()
			if code != 0 || took > 10*time.Second {
				t.Fatalf("exit %d after %s\n%s", code, took, p.logs)
			}
			if len(acked) == 0 {
				t.Fatal("no write was acknowledged before the signal")
			}
			p2 := startServe(t, env)
			client2, _ := demoClient(t, p2.url)
			res, err := client2.Get(p2.url + "/api/v1/me/tokens")
			if err != nil {
				t.Fatal(err)
			}
			var tokens []struct {
				ID int64 `json:"id"`
			}
			_ = json.NewDecoder(res.Body).Decode(&tokens)
			res.Body.Close()
			present := map[int64]bool{}
			for _, tk := range tokens {
				present[tk.ID] = true
			}
			for id := range acked {
				if !present[id] {
					t.Errorf("acknowledged token %d lost", id)
				}
			}
			t.Logf("%d acknowledged writes, %d present after restart", len(acked), len(present))
			p2.stop(t)
		})
	}
}

func TestServeRefusesAWrongDatabaseURLWithoutPanicking(t *testing.T) {
	cmd := exec.Command(piafBinary(t), "serve", "--addr", freeAddr(t))
	cmd.Env = []string{"PIAF_DATABASE_URL=postgres://piaf:pw@127.0.0.1:1/none", "PIAF_DATA_DIR=" + t.TempDir()}
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("want exit 1, got %v\n%s", err, out)
	}
	s := string(out)
	if !strings.Contains(s, "database unreachable") || strings.Contains(s, "panic") || strings.Contains(s, ":pw@") {
		t.Fatalf("output: %s", s)
	}
}

func TestDemoSeedIsIdempotentAcrossRestarts(t *testing.T) {
	env := []string{"PIAF_DATA_DIR=" + t.TempDir()}
	for i := range 2 {
		p := startServe(t, env, "--demo")
		if out, err := exec.Command(piafBinary(t), "healthcheck", "--url", p.url+"/readyz").CombinedOutput(); err != nil {
			t.Fatalf("healthcheck: %v %s", err, out)
		}
		if code, _ := p.stop(t); code != 0 {
			t.Fatalf("run %d: exit %d", i, code)
		}
		logs := p.logs.String()
		created := strings.Contains(logs, "demo campaign created")
		if (i == 0) != created {
			t.Fatalf("run %d: campaign created=%v\n%s", i, created, logs)
		}
		if !strings.Contains(logs, "demo-admin-mot-de-passe") {
			t.Fatalf("run %d: demo accounts not printed", i)
		}
	}
}

func postgresURL(t testing.TB) string {
	t.Helper()
	name, err := dbtest.NewPostgresDatabase()
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	t.Cleanup(func() { _ = dbtest.DropPostgresDatabase(name) })
	return dbtest.URLFor(name)
}

// readLines is a small helper for benchmarks reading /proc.
func readLines(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines, sc.Err()
}
