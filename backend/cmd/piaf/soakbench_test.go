package main

import (
	"bufio"
	"database/sql"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lab-ia/piaf/backend/internal/auth"
)

// latencies collects the durations of one kind of request.
type latencies struct {
	mu sync.Mutex
	d  []time.Duration
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d)
	l.mu.Unlock()
}

// soakSample is the state of one node at one moment of the soak.
type soakSample struct {
	at         time.Duration
	rssMB      float64
	goroutines int
}

// BenchmarkSoak runs 1,000 contributors (PIAF_SOAK_USERS) and 50 moderators
// for 10 minutes (PIAF_SOAK_SECONDS) against one node (PIAF_SOAK_NODES=2:
// two nodes on the same database, clients split between them), all at
// once: contributors loop next task → submit 5 pairs, moderators claim the
// next item and accept it. Every 30 s it samples each node's resident
// memory and goroutines (a leak shows as growth); at the end it reports the
// error rate, p50/p99 per endpoint and counts the annotations in the
// database (every acknowledged submission exactly once).
//
//	go test ./backend/cmd/piaf -run '^$' -bench Soak -benchtime 1x -timeout 60m
func BenchmarkSoak(b *testing.B) {
	users, mods, seconds, nodes := envInt("PIAF_SOAK_USERS", 1000), 50, envInt("PIAF_SOAK_SECONDS", 600), envInt("PIAF_SOAK_NODES", 1)
	paragraphs := envInt("PIAF_SOAK_PARAGRAPHS", 120000)
	raiseOpenFiles(b, uint64(users+mods+2000))
	dbURL := postgresURL(b)
	var servers []*serverProcess
	var debugAddrs []string
	for i := 0; i < nodes; i++ {
		debug := freeAddr(b)
		env := []string{"PIAF_DATA_DIR=" + b.TempDir(), "PIAF_DATABASE_URL=" + dbURL, "PIAF_LOG_LEVEL=warn",
			"PIAF_DB_MAX_OPEN_CONNS=" + strconv.Itoa(40/nodes), "PIAF_DEBUG_ADDR=" + debug}
		args := []string{}
		if i == 0 {
			args = append(args, "--demo")
		}
		servers = append(servers, startServe(b, env, args...))
		debugAddrs = append(debugAddrs, debug)
	}
	defer func() {
		for _, s := range servers {
			s.stop(b)
		}
	}()

	corpusFile := filepath.Join(b.TempDir(), "corpus.jsonl")
	writeCorpus(b, corpusFile, int64(paragraphs)*450)
	cmd := exec.Command(piafBinary(b), "import", "--campaign", "1", "--min-length", "50", corpusFile)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "PIAF_DATA_DIR=" + b.TempDir(), "PIAF_DATABASE_URL=" + dbURL, "PIAF_LOG_LEVEL=warn"}
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("import: %v %s", err, out)
	}
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	hash, _ := auth.HashPassword("charge-benevole-mot-de-passe")
	for i := 0; i < users+mods; i++ {
		role := "contributor"
		if i >= users {
			role = "moderator"
		}
		if _, err := db.Exec(`INSERT INTO users (email, email_key, email_verified_at, display_name, pseudonym, role, password_hash, locale, tutorial_done_at)
			VALUES ($1, $1, now(), $2, $2, $3, $4, 'fr', now())`, fmt.Sprintf("soak%05d@exemple.fr", i), fmt.Sprintf("Soak %05d", i), role, hash); err != nil {
			b.Fatal(err)
		}
	}
	clients := signInAll(b, users+mods, func(i int) string { return servers[i%nodes].url }, func(i int) string { return fmt.Sprintf("soak%05d@exemple.fr", i) })
	var wg sync.WaitGroup

	var next, submit, claim, decide latencies
	var requests, errs, submissions, decisions atomic.Int64
	start := time.Now()
	deadline := start.Add(time.Duration(seconds) * time.Second)
	samples := make([][]soakSample, nodes)
	sampleDone := make(chan struct{})
	go func() {
		defer close(sampleDone)
		for {
			for n, s := range servers {
				samples[n] = append(samples[n], soakSample{at: time.Since(start), rssMB: rssMB(s.cmd.Process.Pid), goroutines: goroutines(debugAddrs[n])})
			}
			if time.Now().After(deadline) {
				return
			}
			time.Sleep(min(30*time.Second, time.Until(deadline)+time.Second))
		}
	}()
	for i, s := range clients {
		wg.Add(1)
		if i >= users {
			go func() {
				defer wg.Done()
				for time.Now().Before(deadline) {
					var item struct {
						Question struct {
							ID int64 `json:"id"`
						} `json:"question"`
					}
					t0 := time.Now()
					st := s.postRaw("/api/v1/campaigns/1/review/next", "", &item)
					claim.add(time.Since(t0))
					requests.Add(1)
					if st == 404 { // nothing to review yet
						time.Sleep(time.Second)
						continue
					}
					if st != 200 {
						errs.Add(1)
						continue
					}
					t0 = time.Now()
					st = s.postRaw(fmt.Sprintf("/api/v1/review/questions/%d/decisions", item.Question.ID), `{"action":"accept"}`, nil)
					decide.add(time.Since(t0))
					requests.Add(1)
					if st != 200 {
						errs.Add(1)
					} else {
						decisions.Add(1)
					}
				}
			}()
			continue
		}
		go func() {
			defer wg.Done()
			for k := 0; time.Now().Before(deadline); k++ {
				r := contributorRound(s, fmt.Sprintf("soak-%p-%d", s, k))
				next.add(r.next)
				requests.Add(1)
				if r.nextStatus != 200 {
					errs.Add(1)
					continue
				}
				submit.add(r.submit)
				requests.Add(1)
				st := r.submitStatus
				if st == 201 {
					submissions.Add(1)
				} else {
					errs.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	<-sampleDone
	elapsed := time.Since(start).Seconds()

	var questions, dupAuthors, overfull int64
	db.QueryRow(`SELECT count(*) FROM questions WHERE source = 'web'`).Scan(&questions)
	db.QueryRow(`SELECT count(*) FROM (SELECT paragraph_id FROM questions WHERE source = 'web' GROUP BY paragraph_id HAVING count(DISTINCT author_id) > 1) x`).Scan(&dupAuthors)
	db.QueryRow(`SELECT count(*) FROM paragraphs WHERE questions_count > 5`).Scan(&overfull)
	if questions != 5*submissions.Load() || dupAuthors != 0 || overfull != 0 {
		b.Errorf("database holds %d questions for %d acknowledged submissions; %d paragraphs written by two people; %d over-full", questions, submissions.Load(), dupAuthors, overfull)
	}
	for n := range samples {
		var line []string
		for _, s := range samples[n] {
			line = append(line, fmt.Sprintf("%.0fs %.0fMB %dg", s.at.Seconds(), s.rssMB, s.goroutines))
		}
		b.Logf("node %d samples: %s", n+1, strings.Join(line, ", "))
		first, last := samples[n][0], samples[n][len(samples[n])-1]
		b.ReportMetric(first.rssMB, fmt.Sprintf("node%d-first-RSS-MB", n+1))
		b.ReportMetric(last.rssMB, fmt.Sprintf("node%d-last-RSS-MB", n+1))
		b.ReportMetric(float64(first.goroutines), fmt.Sprintf("node%d-first-goroutines", n+1))
		b.ReportMetric(float64(last.goroutines), fmt.Sprintf("node%d-last-goroutines", n+1))
	}
	b.Logf("soak: %d nodes, %d contributors + %d moderators, %.0f s: %d requests (%.1f/s), %d errors (%.3f %%), %d submissions, %d decisions; next %.0f/%.0f ms, submit %.0f/%.0f ms, review next %.0f/%.0f ms, decide %.0f/%.0f ms (p50/p99)",
		nodes, users, mods, elapsed, requests.Load(), float64(requests.Load())/elapsed, errs.Load(), 100*float64(errs.Load())/float64(max(1, requests.Load())),
		submissions.Load(), decisions.Load(), pct(next.d, 50), pct(next.d, 99), pct(submit.d, 50), pct(submit.d, 99), pct(claim.d, 50), pct(claim.d, 99), pct(decide.d, 50), pct(decide.d, 99))
	b.ReportMetric(float64(requests.Load())/elapsed, "requests/s")
	b.ReportMetric(float64(errs.Load()), "errors")
	b.ReportMetric(float64(submissions.Load()), "submissions")
	b.ReportMetric(float64(decisions.Load()), "decisions")
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// rssMB reads a process's resident memory from /proc.
func rssMB(pid int) float64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.Atoi(strings.Fields(rest)[0])
			return float64(kb) / 1024
		}
	}
	return 0
}

// goroutines reads the goroutine count from a node's profiler listener.
func goroutines(debugAddr string) int {
	res, err := http.Get("http://" + debugAddr + "/debug/pprof/goroutine?debug=1")
	if err != nil {
		return 0
	}
	defer res.Body.Close()
	line, _ := bufio.NewReader(res.Body).ReadString('\n')
	// "goroutine profile: total N"
	n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "goroutine profile: total ")))
	return n
}

// cpuSeconds sums user and system CPU time of the processes whose command
// name is comm (postgres: every backend), or of the one process pid when comm
// is empty, from /proc (clock ticks of 1/100 s). The time of children that
// have exited and been waited for counts too (their parent's cutime and
// cstime), so backends that PostgreSQL's postmaster started and reaped
// during the window are not lost.
func cpuSeconds(comm string, pid int) float64 {
	read := func(path string) float64 {
		b, err := os.ReadFile(path)
		if err != nil {
			return 0
		}
		s := string(b)
		// The command name is in parentheses and may hold spaces.
		end := strings.LastIndexByte(s, ')')
		if end < 0 || (comm != "" && s[strings.IndexByte(s, '(')+1:end] != comm) {
			return 0
		}
		f := strings.Fields(s[end+1:])
		// Fields after the name start at field 3 (state); utime, stime,
		// cutime and cstime are fields 14 to 17.
		if len(f) < 15 {
			return 0
		}
		var ticks float64
		for _, v := range f[11:15] {
			t, _ := strconv.ParseFloat(v, 64)
			ticks += t
		}
		return ticks / 100
	}
	if comm == "" {
		return read(fmt.Sprintf("/proc/%d/stat", pid))
	}
	paths, _ := filepath.Glob("/proc/[0-9]*/stat")
	var total float64
	for _, p := range paths {
		total += read(p)
	}
	return total
}
