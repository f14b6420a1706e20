package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lab-ia/piaf/backend/internal/database"
)

// TestBackupWhileServing copies the embedded database with `piaf backup`
// while the server takes writes, restores the copy into a new data
// directory and finds every annotation imported before, every write
// acknowledged before the backup started, and a server that starts on it.
func TestBackupWhileServing(t *testing.T) {
	t.Parallel() // its own database, data directory and server processes
	dir := t.TempDir()
	env := []string{"PIAF_DATA_DIR=" + dir}
	p := startServe(t, env, "--demo")

	// Annotations: 60 questions with code-point offsets after an accent.
	ctxText := "L’hôpital d’Évry accueille les urgences jour et nuit ; la maternité ouvre à 8 h."
	var qas []map[string]any
	for i := range 60 {
		qas = append(qas, map[string]any{"id": fmt.Sprintf("sauvegarde-%d", i), "question": fmt.Sprintf("Question %d : quand la maternité ouvre-t-elle ?", i),
			"answers": []map[string]any{{"answer_start": len([]rune(ctxText[:strings.Index(ctxText, "à 8 h")])), "text": "à 8 h"}}})
	}
	ds := map[string]any{"version": "1", "data": []any{map[string]any{"title": "Hôpital", "paragraphs": []any{map[string]any{"context": ctxText, "qas": qas}}}}}
	b, _ := json.Marshal(ds)
	file := filepath.Join(dir, "import.json")
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, stderr := runCLI(t, env, "import", "--campaign", "1", file); code != 0 {
		t.Fatalf("import: %d %s %s", code, out, stderr)
	}

	// Writers keep creating API tokens while the backup runs.
	client, csrf := demoClient(t, p.url)
	var mu sync.Mutex
	var acked []int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				req, _ := http.NewRequest("POST", p.url+"/api/v1/me/tokens", strings.NewReader(fmt.Sprintf(`{"name":"sauvegarde %d-%d","scopes":["datasets:read"]}`, w, i)))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Origin", p.url)
				req.Header.Set("X-CSRF-Token", csrf)
				res, err := client.Do(req)
				if err != nil {
					continue
				}
				var tok struct {
					ID int64 `json:"id"`
				}
				_ = json.NewDecoder(res.Body).Decode(&tok)
				res.Body.Close()
				if res.StatusCode == 201 {
					mu.Lock()
					acked = append(acked, tok.ID)
					mu.Unlock()
				}
			}
		}()
	}
	time.Sleep(300 * time.Millisecond)
	mu.Lock()
	before := append([]int64(nil), acked...)
	mu.Unlock()
	backup := filepath.Join(t.TempDir(), "piaf-sauvegarde.db")
	code, out, stderr := runCLI(t, env, "backup", "--out", backup)
	close(stop)
	wg.Wait()
	if code != 0 || !strings.Contains(out, "backup written") {
		t.Fatalf("backup: %d %s %s", code, out, stderr)
	}
	if len(before) == 0 {
		t.Fatal("no write was acknowledged before the backup")
	}
	if code, _, stderr := runCLI(t, env, "backup", "--out", backup); code != 1 || !strings.Contains(stderr, "already exists") {
		t.Fatalf("backup over an existing file: %d %s", code, stderr)
	}
	if code, _, _ := runCLI(t, env, "backup"); code != 2 {
		t.Fatalf("backup without --out: %d", code)
	}
	p.stop(t)

	// Restore into a new data directory.
	restored := t.TempDir()
	data, err := os.ReadFile(backup)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(restored, "piaf.db"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	db, err := database.Open(ctx, database.Options{DataDir: restored})
	if err != nil {
		t.Fatal(err)
	}
	var questions int64
	var answers, found int64
	for _, q := range []struct {
		dst  *int64
		sql  string
		args []any
	}{
		{&questions, `SELECT count(*) FROM questions WHERE text LIKE 'Question % : quand la maternité ouvre-t-elle ?'`, nil},
		{&answers, `SELECT count(*) FROM answers a JOIN questions q ON q.id = a.question_id WHERE a.text = 'à 8 h' AND q.text LIKE 'Question %'`, nil},
		{&found, `SELECT count(*) FROM api_tokens WHERE id IN ?`, []any{before}},
	} {
		if err := db.Gorm.Raw(q.sql, q.args...).Scan(q.dst).Error; err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	if questions != 60 || answers != 60 {
		t.Fatalf("restored database holds %d questions and %d answers of 60", questions, answers)
	}
	if found != int64(len(before)) {
		t.Fatalf("restored database holds %d of the %d writes acknowledged before the backup", found, len(before))
	}
	p2 := startServe(t, []string{"PIAF_DATA_DIR=" + restored})
	p2.stop(t)

	if code, _, stderr := runCLI(t, []string{"PIAF_DATA_DIR=" + t.TempDir(), "PIAF_DATABASE_URL=" + postgresURL(t)}, "backup", "--out", filepath.Join(t.TempDir(), "x")); code != 1 || !strings.Contains(stderr, "pg_dump") {
		t.Fatalf("backup on PostgreSQL: %d %s", code, stderr)
	}
}
