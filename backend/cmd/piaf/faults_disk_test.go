package main

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/lab-ia/piaf/backend/internal/corpus"
	"github.com/lab-ia/piaf/backend/internal/database"
	"github.com/lab-ia/piaf/backend/internal/identity"
)

// mountSmallDisk mounts a tmpfs of size bytes on dir, or skips the test
// when this process may not mount (not root, no CAP_SYS_ADMIN).
func mountSmallDisk(t *testing.T, dir, size string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size+",mode=0750", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small tmpfs to simulate a full disk (needs root or CAP_SYS_ADMIN): %v %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", dir).Run() })
}

// fillDisk writes a file on dir's file system until no space is left.
func fillDisk(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "filler")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 4096)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			return p
		}
	}
}

// TestReleaseBuildOnAFullDiskFailsCleanly builds a release while the blob
// store's disk is full (a real file system: a small tmpfs, filled): the
// build fails with a clear error, no release is left, no partial file is
// left in the store, and once space is freed the same version builds.
func TestReleaseBuildOnAFullDiskFailsCleanly(t *testing.T) {
	dir := t.TempDir()
	blobs := filepath.Join(dir, "blobs")
	mountSmallDisk(t, blobs, "512k")
	env := []string{"PIAF_DATA_DIR=" + dir, "PIAF_BLOB_DIR=" + blobs}
	if code, _, stderr := runCLI(t, env, "migrate", "up"); code != 0 {
		t.Fatalf("migrate: %s", stderr)
	}
	ctx := context.Background()
	db, err := database.Open(ctx, database.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	kind, title, status := corpus.KindQA, "Jeu", corpus.StatusOpen
	var admin int64
	db.Gorm.Raw(`INSERT INTO users (display_name, pseudonym, role, locale, created_at, updated_at) VALUES ('A', 'A', 'admin', 'fr', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) RETURNING id`).Scan(&admin)
	if _, err := corpus.NewService(corpus.NewStore(db)).Create(ctx, &identity.Principal{UserID: admin, Role: identity.RoleAdmin}, corpus.CampaignInput{Kind: &kind, Title: &title, Status: &status}); err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "in.json")
	ctxText := "La bibliothèque municipale prête des livres, des disques et des jeux ; l’inscription est gratuite pour les moins de 18 ans."
	ds := map[string]any{"version": "x", "data": []any{map[string]any{"title": "Bibliothèque", "paragraphs": []any{map[string]any{
		"context": ctxText, "qas": []any{map[string]any{"id": "b1", "question": "L’inscription est-elle payante ?", "answers": []any{map[string]any{"answer_start": 89, "text": "gratuite"}}}}}}}}}
	b, _ := json.Marshal(ds)
	if err := os.WriteFile(in, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, stderr := runCLI(t, env, "import", "--campaign", "1", "--pre-accept", in); code != 0 {
		t.Fatalf("import: %d %s %s", code, out, stderr)
	}

	filler := fillDisk(t, blobs)
	code, out, stderr := runCLI(t, env, "release", "build", "--campaign", "1", "--version", "1.0.0", "--title", "Bibliothèque", "--publish")
	t.Logf("build on a full disk: exit %d: %s", code, strings.TrimSpace(stderr))
	if code == 0 {
		t.Fatalf("the build succeeded on a full disk: %s", out)
	}
	if !strings.Contains(stderr, "no space left on device") || !strings.Contains(stderr, "no release was made") {
		t.Errorf("the error does not say the disk is full: %s", stderr)
	}
	for table, n := range map[string]int64{"releases": count(t, db, "releases"), "release_files": count(t, db, "release_files")} {
		if n != 0 {
			t.Errorf("%d rows left in %s after the failed build", n, table)
		}
	}
	if code, out, _ := runCLI(t, env, "release", "list", "--campaign", "1"); code != 0 || strings.Contains(out, "1.0.0") {
		t.Errorf("release list after the failed build: %d %s", code, out)
	}
	// No blob, whole or partial, stays in the store (tmp included).
	_ = filepath.WalkDir(blobs, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && p != filler {
			t.Errorf("file left in the blob store: %s", strings.TrimPrefix(p, blobs))
		}
		return nil
	})

	// Space is freed: the same version builds.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	code, out, stderr = runCLI(t, env, "release", "build", "--campaign", "1", "--version", "1.0.0", "--title", "Bibliothèque", "--publish")
	if code != 0 || !strings.Contains(out, "release 1.0.0 (published)") {
		t.Fatalf("build after freeing space: %d %s %s", code, out, stderr)
	}
}

func count(t *testing.T, db *database.DB, table string) int64 {
	t.Helper()
	var n int64
	if err := db.Gorm.Raw("SELECT count(*) FROM " + table).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}
