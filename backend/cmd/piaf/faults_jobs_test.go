package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lab-ia/piaf/backend/internal/database"
)

// These tests kill `piaf serve` with SIGKILL in the middle of a long job
// (a release build, a reader training, an import) on PostgreSQL, start it again and
// check what users can see: never a half release or a half model, the job
// run again at once by the restarted server (its node is provably dead:
// same host, process gone), and the result complete.

// writeSQuAD writes a SQuAD file of docs documents, each of paras
// paragraphs holding qs questions, all answerable by a span.
func writeSQuAD(t *testing.T, path string, docs, paras, qs int) int {
	t.Helper()
	var data []any
	n := 0
	for d := range docs {
		var ps []any
		for p := range paras {
			text := fmt.Sprintf("La commune numéro %d compte %d habitants. Sa médiathèque ouvre le samedi de 9 h à 18 h et prête des livres. "+
				"En %d, le conseil municipal a voté un budget de %d euros pour rénover l’école primaire.", d*paras+p, 1000+d, 1950+p, 100000+d*7+p)
			var qas []any
			for q := range qs {
				answers := []string{"le samedi", "des livres", "l’école primaire"}
				a := answers[q%len(answers)]
				qas = append(qas, map[string]any{"id": fmt.Sprintf("q%d-%d-%d", d, p, q), "question": fmt.Sprintf("Question %d sur la commune %d ?", q, d*paras+p),
					"answers": []any{map[string]any{"answer_start": len([]rune(text[:strings.Index(text, a)])), "text": a}}})
				n++
			}
			ps = append(ps, map[string]any{"context": text, "qas": qas})
		}
		data = append(data, map[string]any{"title": fmt.Sprintf("Commune %d", d), "paragraphs": ps})
	}
	b, _ := json.Marshal(map[string]any{"version": "test", "data": data})
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return n
}

// jobInfo is what the tests read of a job.
type jobInfo struct {
	State   string `json:"state"`
	Stage   string `json:"stage"`
	Done    int64  `json:"done"`
	Total   int64  `json:"total"`
	Attempt int    `json:"attempt"`
	Error   string `json:"error"`
}

func (s *session) job(id int64) jobInfo {
	var j jobInfo
	s.get(fmt.Sprintf("/api/v1/jobs/%d", id), &j)
	return j
}

func (s *session) get(path string, out any) int {
	req, _ := http.NewRequest("GET", s.url+path, nil)
	return s.send(req, out)
}

// killWhen polls the job until ready says so, then kills the server with
// SIGKILL and returns the job as last seen.
func killWhen(t *testing.T, p *serverProcess, s *session, id int64, ready func(jobInfo) bool) jobInfo {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		j := s.job(id)
		if ready(j) {
			_ = p.cmd.Process.Signal(syscall.SIGKILL)
			<-p.done
			return j
		}
		if j.State == "succeeded" || j.State == "failed" || time.Now().After(deadline) {
			t.Fatalf("the job is %+v before it could be killed: give it more work\n%s", j, p.logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitJob polls the job until it has ended and returns it with the time
// it took.
func waitJob(t *testing.T, s *session, id int64, limit time.Duration) (jobInfo, time.Duration) {
	t.Helper()
	start := time.Now()
	for {
		j := s.job(id)
		if j.State == "succeeded" || j.State == "failed" || j.State == "cancelled" {
			return j, time.Since(start)
		}
		if time.Since(start) > limit {
			t.Fatalf("job still %+v after %s", j, limit)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func openDB(t *testing.T, env []string, dir string) *database.DB {
	t.Helper()
	db, err := database.Open(context.Background(), database.Options{URL: databaseURLOf(env), DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// blobsMissing lists the release files whose blob is not in the store.
func blobsMissing(t *testing.T, db *database.DB, blobDir string) []string {
	t.Helper()
	var files []struct {
		ReleaseID int64
		Name      string
		SHA256    string `gorm:"column:sha256"`
	}
	if err := db.Gorm.Raw(`SELECT release_id, name, sha256 FROM release_files`).Scan(&files).Error; err != nil {
		t.Fatal(err)
	}
	var missing []string
	for _, f := range files {
		if _, err := os.Stat(filepath.Join(blobDir, f.SHA256[0:2], f.SHA256[2:4], f.SHA256)); err != nil {
			missing = append(missing, fmt.Sprintf("release %d %s", f.ReleaseID, f.Name))
		}
	}
	return missing
}

// prepareCampaign seeds the demo accounts and imports an accepted SQuAD
// corpus of the given size into the demo campaign (id 1).
func prepareCampaign(t *testing.T, env []string, dir string, docs, paras, qs int) int {
	t.Helper()
	p := startServe(t, env, "--demo")
	p.stop(t)
	file := filepath.Join(dir, "corpus.json")
	n := writeSQuAD(t, file, docs, paras, qs)
	if code, out, stderr := runCLI(t, env, "import", "--campaign", "1", "--pre-accept", file); code != 0 {
		t.Fatalf("import: %d %s %s", code, out, stderr)
	}
	return n
}

// TestServeKilledDuringAReleaseBuild kills the server while its job writes
// a release of a large campaign, and restarts it. A release of 6,000
// questions takes half a second on a fast machine, too quick to be caught
// by polling; PIAF_TEST_JOB_STEP_DELAY (test builds only) makes each
// document written take 5 ms more, so that the job is killed mid-write.
func TestServeKilledDuringAReleaseBuild(t *testing.T) {
	t.Parallel() // its own database, data directory and server processes
	dir := t.TempDir()
	env := []string{"PIAF_DATA_DIR=" + dir, "PIAF_DATABASE_URL=" + postgresURL(t), "PIAF_JOB_WORKERS=1", "PIAF_JOB_RESCUE_AFTER=1s",
		"PIAF_TEST_JOB_STEP_DELAY=5ms"}
	questions := prepareCampaign(t, env, dir, 500, 4, 3)
	db := openDB(t, env, dir)
	blobDir := filepath.Join(dir, "blobs")

	a := startServe(t, env)
	s := signIn(t, a.url, demoAdminEmail, demoAdminPassword)
	var created struct {
		JobID int64 `json:"job_id"`
	}
	if status := s.post("/api/v1/campaigns/1/releases", `{"version":"1.0.0","title":"Communes"}`, &created); status != 201 {
		t.Fatalf("create release: %d", status)
	}
	// Killed while it writes the files, once some documents are written.
	seen := killWhen(t, a, s, created.JobID, func(j jobInfo) bool { return j.State == "running" && j.Stage == "write" && j.Done > 0 })
	killed := time.Now()
	t.Logf("killed during %q at %d/%d", seen.Stage, seen.Done, seen.Total)

	// While no server runs: the release is still building, without a file;
	// no file row anywhere points to a missing blob.
	var rel struct {
		ID     int64
		Status string
	}
	db.Gorm.Raw(`SELECT id, status FROM releases WHERE campaign_id = 1 AND version = '1.0.0'`).Scan(&rel)
	if rel.Status != "building" {
		t.Fatalf("release after the kill: %+v", rel)
	}
	var files int64
	db.Gorm.Raw(`SELECT count(*) FROM release_files WHERE release_id = ?`, rel.ID).Scan(&files)
	if files != 0 {
		t.Fatalf("%d file rows recorded for a release being built", files)
	}
	if missing := blobsMissing(t, db, blobDir); len(missing) > 0 {
		t.Fatalf("file rows without their blob: %v", missing)
	}

	b := startServe(t, env)
	restarted := time.Since(killed)
	anon := &session{t: t, url: b.url, client: &http.Client{Timeout: 10 * time.Second}}
	checkInvisible := func(when string) {
		var cat []struct {
			Version string `json:"version"`
			Status  string `json:"status"`
		}
		anon.get("/api/v1/releases", &cat)
		for _, r := range cat {
			if r.Status != "published" {
				t.Errorf("%s: the public catalogue lists a %s release %s", when, r.Status, r.Version)
			}
		}
		var list []struct {
			Version string `json:"version"`
			Status  string `json:"status"`
		}
		anon.get("/api/v1/campaigns/1/releases", &list)
		for _, r := range list {
			if r.Status != "published" {
				t.Errorf("%s: anonymous listing shows a %s release %s", when, r.Status, r.Version)
			}
		}
		if status := anon.get("/datasets/demo-services-publics/1.0.0/train.json", nil); status != 404 {
			t.Errorf("%s: anonymous download of the unpublished release: %d", when, status)
		}
	}
	checkInvisible("right after the restart")

	sb := s.on(b.url)
	j, took := waitJob(t, sb, created.JobID, 45*time.Second)
	t.Logf("restart ready %s after the kill; job %s on attempt %d, %s after the restart (%s after the kill)",
		restarted.Round(time.Millisecond), j.State, j.Attempt, took.Round(time.Millisecond), time.Since(killed).Round(time.Millisecond))
	if j.State != "succeeded" {
		t.Fatalf("the build after the restart: %+v\n%s", j, b.logs)
	}
	if j.Attempt < 2 {
		t.Errorf("attempt %d: the build was not run again", j.Attempt)
	}
	checkInvisible("once built (draft)")

	var view struct {
		Status string `json:"status"`
		Counts struct {
			Total struct {
				Questions int `json:"questions"`
			} `json:"total"`
		} `json:"counts"`
		Files []struct {
			Name string `json:"name"`
		} `json:"files"`
	}
	if status := sb.get("/api/v1/campaigns/1/releases/1.0.0", &view); status != 200 || view.Status != "draft" || len(view.Files) == 0 {
		t.Fatalf("release after the rebuild: %d %+v", status, view)
	}
	if view.Counts.Total.Questions < questions {
		t.Errorf("the rebuilt release holds %d questions, %d were imported accepted", view.Counts.Total.Questions, questions)
	}
	if missing := blobsMissing(t, db, blobDir); len(missing) > 0 {
		t.Fatalf("file rows without their blob: %v", missing)
	}
	var n int64
	db.Gorm.Raw(`SELECT count(*) FROM releases WHERE campaign_id = 1`).Scan(&n)
	if n != 1 {
		t.Errorf("%d releases after the rebuild, want 1", n)
	}
	if status := sb.post("/api/v1/campaigns/1/releases/1.0.0/publish", `{}`, nil); status != 200 {
		t.Fatalf("publish: %d", status)
	}
	// The published release downloads whole.
	res, err := anon.client.Get(b.url + "/datasets/demo-services-publics/1.0.0/train.json")
	if err != nil {
		t.Fatal(err)
	}
	var train struct {
		Data []struct {
			Paragraphs []struct {
				QAS []json.RawMessage `json:"qas"`
			} `json:"paragraphs"`
		} `json:"data"`
	}
	err = json.NewDecoder(res.Body).Decode(&train)
	res.Body.Close()
	if res.StatusCode != 200 || err != nil || len(train.Data) == 0 {
		t.Fatalf("download of the published release: %d %v", res.StatusCode, err)
	}
	// The version is taken now; the next one builds.
	if status := sb.post("/api/v1/campaigns/1/releases", `{"version":"1.0.0","title":"Communes"}`, nil); status != 409 {
		t.Errorf("the same version again: %d, want 409", status)
	}
	var next struct {
		JobID int64 `json:"job_id"`
	}
	if status := sb.post("/api/v1/campaigns/1/releases", `{"version":"1.0.1","title":"Communes"}`, &next); status != 201 {
		t.Fatalf("next version: %d", status)
	}
	if j, _ := waitJob(t, sb, next.JobID, 45*time.Second); j.State != "succeeded" {
		t.Fatalf("next build: %+v", j)
	}
	b.stop(t)
}

// TestServeKilledDuringATraining kills the server while a qa.train job
// trains a reader, and restarts it: the model is never ready (nor chosen
// by a collection) before a complete training has stored it.
func TestServeKilledDuringATraining(t *testing.T) {
	t.Parallel() // its own database, data directory and server processes
	dir := t.TempDir()
	env := []string{"PIAF_DATA_DIR=" + dir, "PIAF_DATABASE_URL=" + postgresURL(t), "PIAF_JOB_WORKERS=1", "PIAF_JOB_RESCUE_AFTER=1s"}
	prepareCampaign(t, env, dir, 200, 4, 3)
	db := openDB(t, env, dir)
	blobDir := filepath.Join(dir, "blobs")

	a := startServe(t, env)
	s := signIn(t, a.url, demoAdminEmail, demoAdminPassword)
	var created struct {
		JobID int64 `json:"job_id"`
	}
	if status := s.post("/api/v1/campaigns/1/releases", `{"version":"1.0.0","title":"Communes"}`, &created); status != 201 {
		t.Fatalf("create release: %d", status)
	}
	if j, _ := waitJob(t, s, created.JobID, 30*time.Second); j.State != "succeeded" {
		t.Fatalf("release build: %+v", j)
	}
	var training struct {
		Model struct {
			ID int64 `json:"id"`
		} `json:"model"`
		JobID int64 `json:"job_id"`
	}
	if status := s.post("/api/v1/qa/models", `{"campaign_id":1,"version":"1.0.0","epochs":2}`, &training); status != 201 && status != 202 {
		t.Fatalf("train: %d", status)
	}
	seen := killWhen(t, a, s, training.JobID, func(j jobInfo) bool { return j.State == "running" && j.Stage == "train" && j.Done > 0 })
	killed := time.Now()
	t.Logf("killed during %q at %d/%d", seen.Stage, seen.Done, seen.Total)

	type modelRow struct {
		Status  string
		BlobKey string
	}
	var m modelRow
	db.Gorm.Raw(`SELECT status, blob_key FROM qa_models WHERE id = ?`, training.Model.ID).Scan(&m)
	if m.Status != "training" || m.BlobKey != "" {
		t.Fatalf("model after the kill: %+v", m)
	}
	var using int64
	db.Gorm.Raw(`SELECT count(*) FROM qa_collections WHERE model_id = ?`, training.Model.ID).Scan(&using)
	if using != 0 {
		t.Fatalf("%d collections answer with a model being trained", using)
	}

	b := startServe(t, env)
	restarted := time.Since(killed)
	sb := s.on(b.url)
	// Until the job has ended, the model is not ready.
	var view struct {
		Status string `json:"status"`
	}
	if status := sb.get(fmt.Sprintf("/api/v1/qa/models/%d", training.Model.ID), &view); status != 200 || view.Status == "ready" {
		t.Fatalf("model right after the restart: %d %+v", status, view)
	}
	j, took := waitJob(t, sb, training.JobID, 50*time.Second)
	t.Logf("restart ready %s after the kill; training %s on attempt %d, %s after the restart (%s after the kill)",
		restarted.Round(time.Millisecond), j.State, j.Attempt, took.Round(time.Millisecond), time.Since(killed).Round(time.Millisecond))
	if j.State != "succeeded" || j.Attempt < 2 {
		t.Fatalf("training after the restart: %+v\n%s", j, b.logs)
	}
	db.Gorm.Raw(`SELECT status, blob_key FROM qa_models WHERE id = ?`, training.Model.ID).Scan(&m)
	if m.Status != "ready" || m.BlobKey == "" {
		t.Fatalf("model after the retried training: %+v", m)
	}
	if _, err := os.Stat(filepath.Join(blobDir, m.BlobKey[0:2], m.BlobKey[2:4], m.BlobKey)); err != nil {
		t.Fatalf("the ready model's file: %v", err)
	}
	var models int64
	db.Gorm.Raw(`SELECT count(*) FROM qa_models`).Scan(&models)
	if models != 1 {
		t.Errorf("%d models registered, want 1", models)
	}
	b.stop(t)
}

// upload posts a file as multipart/form-data with the given extra fields.
func (s *session) upload(path, field, filename string, content []byte, fields map[string]string, out any) int {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile(field, filename)
	_, _ = fw.Write(content)
	_ = mw.Close()
	req, _ := http.NewRequest("POST", s.url+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return s.send(req, out)
}

// TestServeKilledDuringAnImport kills the server while an uploaded corpus
// is being imported by its job, and restarts it: the campaign holds none of
// the file while nobody runs it (one transaction), and the restarted server
// imports it whole, once.
func TestServeKilledDuringAnImport(t *testing.T) {
	t.Parallel() // its own database, data directory and server processes
	dir := t.TempDir()
	env := []string{"PIAF_DATA_DIR=" + dir, "PIAF_DATABASE_URL=" + postgresURL(t), "PIAF_JOB_WORKERS=1", "PIAF_JOB_RESCUE_AFTER=1s"}
	seed := startServe(t, env, "--demo")
	seed.stop(t)
	db := openDB(t, env, dir)
	paragraphs := func() int64 {
		var n int64
		db.Gorm.Raw(`SELECT count(*) FROM paragraphs WHERE campaign_id = 1`).Scan(&n)
		return n
	}
	before := paragraphs()
	file := filepath.Join(dir, "corpus.jsonl")
	docs := writeCorpus(t, file, 3<<20)
	content, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}

	a := startServe(t, env)
	s := signIn(t, a.url, demoAdminEmail, demoAdminPassword)
	var job struct {
		ID int64 `json:"id"`
	}
	if status := s.upload("/api/v1/campaigns/1/imports", "file", "communes.jsonl", content, map[string]string{"min_length": "50"}, &job); status != 202 {
		t.Fatalf("upload: %d", status)
	}
	seen := killWhen(t, a, s, job.ID, func(j jobInfo) bool { return j.State == "running" && j.Done > 0 })
	killed := time.Now()
	t.Logf("killed during %q at %d/%d bytes", seen.Stage, seen.Done, seen.Total)
	if n := paragraphs(); n != before {
		t.Fatalf("%d paragraphs of the file are in the campaign while nobody imports it (a half import)", n-before)
	}

	b := startServe(t, env)
	j, took := waitJob(t, s.on(b.url), job.ID, 90*time.Second)
	t.Logf("job %s on attempt %d, %s after the restart (%s after the kill)", j.State, j.Attempt, took.Round(time.Millisecond), time.Since(killed).Round(time.Millisecond))
	if j.State != "succeeded" {
		t.Fatalf("the import after the restart: %+v\n%s", j, b.logs)
	}
	if j.Attempt < 2 {
		t.Errorf("attempt %d: the import was not run again", j.Attempt)
	}
	if n := paragraphs(); n != before+int64(docs) {
		t.Errorf("%d paragraphs imported, want %d (each document once)", n-before, docs)
	}
	b.stop(t)
}
