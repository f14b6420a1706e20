package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/lab-ia/piaf/backend/internal/auth"
)

// writeCorpus writes a JSONL corpus of about size bytes: documents of
// distinct French-like paragraphs.
func writeCorpus(tb testing.TB, path string, size int64) int {
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	var written int64
	n := 0
	for written < size {
		text := fmt.Sprintf("La commune numéro %d compte %d habitants. Sa médiathèque ouvre le samedi de 9 h à 18 h et prête des livres, des films et des jeux. "+
			"En %d, le conseil municipal a voté un budget de %d euros pour rénover l’école primaire et agrandir la cantine scolaire, qui sert chaque jour %d repas.",
			n, 1000+n%50000, 1950+n%70, 100000+n, 200+n%300)
		b, _ := json.Marshal(map[string]string{"title": fmt.Sprintf("Commune %d", n), "text": text, "theme": "Communes"})
		b = append(b, '\n')
		k, _ := w.Write(b)
		written += int64(k)
		n++
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	return n
}

// BenchmarkImportMemory imports a 100 MB JSONL file (PIAF_BENCH_IMPORT_MB to
// change) with `piaf import` on PostgreSQL and reports the process's peak
// resident memory and the elapsed time.
//
//	go test ./backend/cmd/piaf -run '^$' -bench ImportMemory -benchtime 1x -timeout 30m
func BenchmarkImportMemory(b *testing.B) {
	mb := 100
	if v, err := strconv.Atoi(os.Getenv("PIAF_BENCH_IMPORT_MB")); err == nil && v > 0 {
		mb = v
	}
	dir := b.TempDir()
	file := filepath.Join(dir, "corpus.jsonl")
	docs := writeCorpus(b, file, int64(mb)<<20)
	env := []string{"PATH=" + os.Getenv("PATH"), "PIAF_DATA_DIR=" + dir, "PIAF_DATABASE_URL=" + postgresURL(b), "PIAF_LOG_LEVEL=warn"}
	p := startServe(b, env[1:], "--demo")
	p.stop(b)
	for i := 0; i < b.N; i++ {
		cmd := exec.Command(piafBinary(b), "import", "--campaign", "1", "--min-length", "50", file)
		cmd.Env = env
		start := time.Now()
		out, err := cmd.Output()
		if err != nil {
			b.Fatalf("import: %v %s", err, out)
		}
		elapsed := time.Since(start)
		var rep struct {
			ParagraphsNew int `json:"paragraphs_new"`
		}
		_ = json.Unmarshal(out, &rep)
		if i == 0 && rep.ParagraphsNew != docs {
			b.Fatalf("%d paragraphs imported, want %d", rep.ParagraphsNew, docs)
		}
		ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		b.ReportMetric(float64(ru.Maxrss)/1024, "MB-peak-RSS")
		b.ReportMetric(elapsed.Seconds(), "s-elapsed")
		b.ReportMetric(float64(mb), "MB-file")
		b.ReportMetric(float64(docs), "paragraphs")
	}
}

var wordRE = regexp.MustCompile(`[\p{L}\p{N}]+`)

// pairsFor builds five valid pairs on a paragraph (distinct words as
// answers, distinct questions).
func pairsFor(text string, n int) []map[string]any {
	locs := wordRE.FindAllStringIndex(text, -1)
	var out []map[string]any
	for i := 0; i < n && i < len(locs); i++ {
		loc := locs[(i*7+3)%len(locs)]
		word := text[loc[0]:loc[1]]
		out = append(out, map[string]any{
			"question": fmt.Sprintf("Question de charge numéro %d sur « %s » ?", i+1, word),
			"answer":   map[string]any{"start": utf8.RuneCountInString(text[:loc[0]]), "text": word},
		})
	}
	return out
}

type timing struct {
	mu   sync.Mutex
	next []time.Duration
	sub  []time.Duration
}

func pct(d []time.Duration, p int) float64 {
	if len(d) == 0 {
		return 0
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return float64(d[(len(d)-1)*p/100].Microseconds()) / 1000
}

// BenchmarkAnnotationLoad runs 500 simulated contributors (PIAF_BENCH_USERS)
// for 60 s (PIAF_BENCH_SECONDS) against one node on PostgreSQL, each
// looping next-task → submit 5 pairs; then counts the annotations in the
// database, and measures pgbench's single-row insert throughput in the same
// run for the ratio.
//
//	go test ./backend/cmd/piaf -run '^$' -bench AnnotationLoad -benchtime 1x -timeout 30m
func BenchmarkAnnotationLoad(b *testing.B) {
	users, seconds := 500, 60
	if v, err := strconv.Atoi(os.Getenv("PIAF_BENCH_USERS")); err == nil && v > 0 {
		users = v
	}
	if v, err := strconv.Atoi(os.Getenv("PIAF_BENCH_SECONDS")); err == nil && v > 0 {
		seconds = v
	}
	raiseOpenFiles(b, uint64(users+1000))
	dir := b.TempDir()
	dbURL := postgresURL(b)
	env := []string{"PIAF_DATA_DIR=" + dir, "PIAF_DATABASE_URL=" + dbURL, "PIAF_LOG_LEVEL=warn", "PIAF_DB_MAX_OPEN_CONNS=40"}
	// PIAF_BENCH_PROFILE=FILE saves a 20 s CPU profile of the server taken
	// during the load (go tool pprof -top FILE).
	profileFile := os.Getenv("PIAF_BENCH_PROFILE")
	debugAddr := freeAddr(b)
	if profileFile != "" {
		env = append(env, "PIAF_DEBUG_ADDR="+debugAddr)
	}
	p := startServe(b, env, "--demo")
	defer p.stop(b)

	// A campaign large enough that nobody runs out of paragraphs.
	corpusFile := filepath.Join(dir, "corpus.jsonl")
	// About three paragraphs per contributor and second, more than they can write.
	writeCorpus(b, corpusFile, int64(users*seconds)*3*450)
	cmd := exec.Command(piafBinary(b), "import", "--campaign", "1", "--min-length", "50", corpusFile)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("import: %v %s", err, out)
	}
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	hash, _ := auth.HashPassword("charge-benevole-mot-de-passe")
	for i := 0; i < users; i++ {
		if _, err := db.Exec(`INSERT INTO users (email, email_key, email_verified_at, display_name, pseudonym, role, password_hash, locale, tutorial_done_at)
			VALUES ($1, $1, now(), $2, $2, 'contributor', $3, 'fr', now())`, fmt.Sprintf("charge%04d@exemple.fr", i), fmt.Sprintf("Charge %04d", i), hash); err != nil {
			b.Fatal(err)
		}
	}
	clients := signInAll(b, users, func(int) string { return p.url }, func(i int) string { return fmt.Sprintf("charge%04d@exemple.fr", i) })
	var wg sync.WaitGroup

	var tm timing
	var errs, submissions, requests int64
	var cmu sync.Mutex
	deadline := time.Now().Add(time.Duration(seconds) * time.Second)
	start := time.Now()
	// Where the CPU goes during the load: the server, PostgreSQL's
	// processes, and this process (the simulated contributors).
	serverCPU0, pgCPU0, clientsCPU0 := cpuSeconds("", p.cmd.Process.Pid), cpuSeconds("postgres", 0), cpuSeconds("", os.Getpid())
	if profileFile != "" {
		go func() {
			time.Sleep(5 * time.Second)
			// Where goroutines wait, then where the CPU goes.
			if res, err := http.Get("http://" + debugAddr + "/debug/pprof/goroutine?debug=1"); err == nil {
				if f, err := os.Create(profileFile + ".goroutines.txt"); err == nil {
					_, _ = io.Copy(f, res.Body)
					f.Close()
				}
				res.Body.Close()
			}
			res, err := http.Get("http://" + debugAddr + "/debug/pprof/profile?seconds=20")
			if err != nil {
				b.Logf("profile: %v", err)
				return
			}
			defer res.Body.Close()
			f, err := os.Create(profileFile)
			if err != nil {
				b.Logf("profile: %v", err)
				return
			}
			defer f.Close()
			_, _ = io.Copy(f, res.Body)
		}()
	}
	for _, s := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; time.Now().Before(deadline); k++ {
				r := contributorRound(s, fmt.Sprintf("load-%p-%d", s, k))
				tm.mu.Lock()
				tm.next = append(tm.next, r.next)
				tm.mu.Unlock()
				cmu.Lock()
				requests++
				if r.nextStatus != 200 {
					errs++
					if errs < 5 {
						b.Logf("next task: status %d", r.nextStatus)
					}
				}
				cmu.Unlock()
				if r.nextStatus != 200 {
					continue
				}
				st := r.submitStatus
				tm.mu.Lock()
				tm.sub = append(tm.sub, r.submit)
				tm.mu.Unlock()
				cmu.Lock()
				requests++
				if st == 201 {
					submissions++
				} else {
					errs++
					if errs < 5 {
						b.Logf("submit: status %d", st)
					}
				}
				cmu.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	serverCPU, pgCPU, clientsCPU := cpuSeconds("", p.cmd.Process.Pid)-serverCPU0, cpuSeconds("postgres", 0)-pgCPU0, cpuSeconds("", os.Getpid())-clientsCPU0

	// Count what the database holds.
	var questions, dupAuthors, overfull int64
	db.QueryRow(`SELECT count(*) FROM questions WHERE source = 'web'`).Scan(&questions)
	db.QueryRow(`SELECT count(*) FROM (SELECT paragraph_id FROM questions WHERE source = 'web' GROUP BY paragraph_id HAVING count(DISTINCT author_id) > 1) x`).Scan(&dupAuthors)
	db.QueryRow(`SELECT count(*) FROM paragraphs WHERE questions_count > 5`).Scan(&overfull)
	if questions != 5*submissions || dupAuthors != 0 || overfull != 0 {
		b.Errorf("database holds %d questions for %d acknowledged submissions; %d paragraphs written by two people; %d over-full", questions, submissions, dupAuthors, overfull)
	}

	// 50 moderators review with the keyboard flow: claim the next item,
	// decide with one request.
	mods := min(50, users)
	if _, err := db.Exec(`UPDATE users SET role = 'moderator' WHERE email LIKE 'charge%' AND CAST(substr(email, 7, 4) AS INTEGER) < $1`, mods); err != nil {
		b.Fatal(err)
	}
	var decisions []time.Duration
	var dmu sync.Mutex
	var derrs int64
	reviewDeadline := time.Now().Add(time.Duration(min(seconds, 30)) * time.Second)
	for _, s := range clients[:mods] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(reviewDeadline) {
				var item struct {
					Question struct {
						ID int64 `json:"id"`
					} `json:"question"`
				}
				if st := s.postRaw("/api/v1/campaigns/1/review/next", "", &item); st != 200 {
					if st != 404 {
						dmu.Lock()
						derrs++
						dmu.Unlock()
					}
					continue
				}
				t0 := time.Now()
				st := s.postRaw(fmt.Sprintf("/api/v1/review/questions/%d/decisions", item.Question.ID), `{"action":"accept"}`, nil)
				d := time.Since(t0)
				dmu.Lock()
				decisions = append(decisions, d)
				if st != 200 {
					derrs++
				}
				dmu.Unlock()
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(len(decisions)), "decisions")
	b.ReportMetric(float64(derrs), "review-errors")
	b.ReportMetric(pct(decisions, 50), "decide-p50-ms")
	b.ReportMetric(pct(decisions, 99), "decide-p99-ms")

	rps := float64(requests) / elapsed
	b.Logf("load: %d requests (%.1f/s), %d submissions, %d errors; next p50/p99 %.1f/%.1f ms, submit p50/p99 %.1f/%.1f ms; review %d decisions, p50/p99 %.1f/%.1f ms",
		requests, rps, submissions, errs, pct(tm.next, 50), pct(tm.next, 99), pct(tm.sub, 50), pct(tm.sub, 99), len(decisions), pct(decisions, 50), pct(decisions, 99))

	// pgbench, single-row inserts, same database server, at the server's
	// own concurrency towards PostgreSQL (its pool of 40 connections: the
	// 500 contributors share them), within the connections left free.
	var maxConns, usedConns int
	db.QueryRow(`SELECT current_setting('max_connections')::int, (SELECT count(*) FROM pg_stat_activity)`).Scan(&maxConns, &usedConns)
	pgConc := max(1, min(users, 40, maxConns-usedConns-10))
	pgBenchCPU0 := cpuSeconds("postgres", 0)
	tps := pgbenchInserts(b, dbURL, pgConc, 15)
	// PostgreSQL's own CPU per pgbench insert, to compare with its CPU per
	// PIAF request above.
	b.ReportMetric((cpuSeconds("postgres", 0)-pgBenchCPU0)*1000/(tps*15), "pgbench-postgres-cpu-ms/insert")

	if requests > 0 {
		b.ReportMetric(serverCPU*1000/float64(requests), "server-cpu-ms/request")
		b.ReportMetric(pgCPU*1000/float64(requests), "postgres-cpu-ms/request")
		b.ReportMetric(clientsCPU*1000/float64(requests), "clients-cpu-ms/request")
	}
	b.ReportMetric(float64(errs), "errors")
	b.ReportMetric(float64(submissions)/elapsed, "submissions/s")
	b.ReportMetric(rps, "requests/s")
	b.ReportMetric(pct(tm.next, 50), "next-p50-ms")
	b.ReportMetric(pct(tm.next, 99), "next-p99-ms")
	b.ReportMetric(pct(tm.sub, 50), "submit-p50-ms")
	b.ReportMetric(pct(tm.sub, 99), "submit-p99-ms")
	b.ReportMetric(tps, "pgbench-insert-tps")
	b.ReportMetric(rps/tps, "ratio-requests/pgbench")
	b.ReportMetric(float64(pgConc), "pgbench-clients")
}

// signInAll signs in n benchmark accounts (password
// "charge-benevole-mot-de-passe"), eight at a time, each on the node urlOf
// gives, and returns their sessions.
func signInAll(b *testing.B, n int, urlOf, emailOf func(int) string) []*session {
	clients := make([]*session, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := range clients {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			jar, _ := cookiejar.New(nil)
			s := &session{url: urlOf(i), client: &http.Client{Jar: jar, Timeout: 60 * time.Second}}
			var info struct {
				CSRFToken string `json:"csrf_token"`
			}
			if st := s.postRaw("/api/v1/auth/login", fmt.Sprintf(`{"email":%q,"password":"charge-benevole-mot-de-passe"}`, emailOf(i)), &info); st != 200 {
				b.Errorf("login %d: %d", i, st)
			}
			s.csrf = info.CSRFToken
			clients[i] = s
		}()
	}
	wg.Wait()
	return clients
}

// round is what one contributor cycle gave: each call's status and
// duration (no submission when the task request failed).
type round struct {
	nextStatus, submitStatus int
	next, submit             time.Duration
}

// contributorRound is one contributor's cycle: ask for a task, then submit
// five pairs on it with the idempotency key, sending the same submission
// again when no answer came (as a real client does to learn the outcome).
func contributorRound(s *session, key string) round {
	var task struct {
		Paragraph struct {
			ID   int64  `json:"id"`
			Text string `json:"text"`
		} `json:"paragraph"`
		Needed int `json:"questions_needed"`
	}
	var r round
	t0 := time.Now()
	r.nextStatus = s.postRaw("/api/v1/campaigns/1/tasks/next", "", &task)
	r.next = time.Since(t0)
	if r.nextStatus != 200 {
		return r
	}
	body, _ := json.Marshal(map[string]any{"idempotency_key": key, "pairs": pairsFor(task.Paragraph.Text, task.Needed)})
	url := fmt.Sprintf("/api/v1/paragraphs/%d/submissions", task.Paragraph.ID)
	t0 = time.Now()
	r.submitStatus = s.postRaw(url, string(body), nil)
	r.submit = time.Since(t0)
	for retry := 0; r.submitStatus == 0 && retry < 3; retry++ {
		r.submitStatus = s.postRaw(url, string(body), nil)
	}
	return r
}

// pgbenchInserts measures single-row insert transactions per second with
// pgbench at the given concurrency.
func pgbenchInserts(b *testing.B, url string, clients, seconds int) float64 {
	bin, err := exec.LookPath("pgbench")
	if err != nil {
		matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pgbench")
		if len(matches) == 0 {
			b.Skip("pgbench not installed")
		}
		bin = matches[len(matches)-1]
	}
	db, err := sql.Open("pgx", url)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE IF NOT EXISTS bench_inserts (id BIGSERIAL PRIMARY KEY, payload TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL DEFAULT now())`); err != nil {
		b.Fatal(err)
	}
	script := filepath.Join(b.TempDir(), "insert.sql")
	_ = os.WriteFile(script, []byte("INSERT INTO bench_inserts (payload) VALUES ('Une question de charge sur un paragraphe ?');\n"), 0o644)
	out, err := exec.Command(bin, "-n", "-c", strconv.Itoa(clients), "-j", "2", "-T", strconv.Itoa(seconds), "-f", script, url).CombinedOutput()
	if err != nil {
		b.Fatalf("pgbench: %v %s", err, out)
	}
	m := regexp.MustCompile(`tps = ([0-9.]+)`).FindSubmatch(out)
	if m == nil {
		b.Fatalf("pgbench output: %s", out)
	}
	tps, _ := strconv.ParseFloat(string(m[1]), 64)
	return tps
}

func (s *session) postRaw(path, body string, out any) int {
	req, _ := http.NewRequestWithContext(context.Background(), "POST", s.url+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Origin", s.url)
	req.Header.Set("X-CSRF-Token", s.csrf)
	res, err := s.client.Do(req)
	if err != nil {
		return 0
	}
	defer res.Body.Close()
	if out != nil {
		_ = json.NewDecoder(res.Body).Decode(out)
	}
	return res.StatusCode
}
