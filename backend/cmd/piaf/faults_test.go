package main

import (
	"context"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/lab-ia/piaf/backend/internal/database"
)

// TestImportKilledMidwayLeavesNothing kills `piaf import` with SIGKILL
// while it writes a large corpus: the campaign holds none of it afterwards
// (one transaction), and the next import runs to the end.
func TestImportKilledMidwayLeavesNothing(t *testing.T) {
	t.Parallel() // its own database, data directory and server processes
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			dir := t.TempDir()
			env := []string{"PIAF_DATA_DIR=" + dir}
			if dialect == "postgres" {
				env = append(env, "PIAF_DATABASE_URL="+postgresURL(t))
			}
			p := startServe(t, env, "--demo")
			p.stop(t)
			file := filepath.Join(dir, "corpus.jsonl")
			writeCorpus(t, file, 12<<20)
			count := func() int64 {
				db, err := database.Open(context.Background(), database.Options{URL: databaseURLOf(env), DataDir: dir})
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				var n int64
				if err := db.Gorm.Raw(`SELECT count(*) FROM paragraphs WHERE campaign_id = 1`).Scan(&n).Error; err != nil {
					t.Fatal(err)
				}
				return n
			}
			before := count()
			cmd := exec.Command(piafBinary(t), "import", "--campaign", "1", "--min-length", "50", file)
			cmd.Env = append([]string{"PATH=/usr/bin:/bin"}, env...)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				t.Fatalf("the import finished (%v) before it could be killed: make the corpus larger", err)
			case <-time.After(1500 * time.Millisecond):
			}
			_ = cmd.Process.Signal(syscall.SIGKILL)
			<-done
			if after := count(); after != before {
				t.Fatalf("a killed import left %d paragraphs behind", after-before)
			}
			// The database is usable at once: a (smaller) import runs to the end.
			small := filepath.Join(dir, "small.jsonl")
			n := writeCorpus(t, small, 100<<10)
			again := exec.Command(piafBinary(t), "import", "--campaign", "1", "--min-length", "50", small)
			again.Env = cmd.Env
			if out, err := again.CombinedOutput(); err != nil {
				t.Fatalf("import after the kill: %v %s", err, out)
			}
			if after := count(); after != before+int64(n) {
				t.Fatalf("%d paragraphs after the complete import, want %d", after-before, n)
			}
		})
	}
}

func databaseURLOf(env []string) string {
	for _, e := range env {
		if len(e) > len("PIAF_DATABASE_URL=") && e[:len("PIAF_DATABASE_URL=")] == "PIAF_DATABASE_URL=" {
			return e[len("PIAF_DATABASE_URL="):]
		}
	}
	return ""
}
