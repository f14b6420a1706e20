package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lab-ia/piaf/backend/internal/corpus"
	"github.com/lab-ia/piaf/backend/internal/database"
	"github.com/lab-ia/piaf/backend/internal/identity"
)

// TestImportAsRelease runs `piaf import --release` twice, as the lab loads
// PIAF v1.0 then v1.1: two published releases, the second updating the
// campaign's questions.
func TestImportAsRelease(t *testing.T) {
	dir := t.TempDir()
	env := []string{"PIAF_DATA_DIR=" + dir}
	if code, _, stderr := runCLI(t, env, "migrate", "up"); code != 0 {
		t.Fatalf("migrate: %s", stderr)
	}
	ctx := context.Background()
	db, err := database.Open(ctx, database.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	kind, title, status := corpus.KindQA, "Jeu importé", corpus.StatusOpen
	var admin int64
	db.Gorm.Raw(`INSERT INTO users (display_name, pseudonym, role, locale, created_at, updated_at) VALUES ('A', 'A', 'admin', 'fr', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) RETURNING id`).Scan(&admin)
	c, err := corpus.NewService(corpus.NewStore(db)).Create(ctx, &identity.Principal{UserID: admin, Role: identity.RoleAdmin}, corpus.CampaignInput{Kind: &kind, Title: &title, Status: &status})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	ctxText := "Le musée d’Orsay, à Paris, ouvre du mardi au dimanche de 9 h 30 à 18 h ; il ferme le lundi."
	write := func(name string, answers ...string) string {
		var as []map[string]any
		for _, a := range answers {
			as = append(as, map[string]any{"answer_start": len([]rune(ctxText[:strings.Index(ctxText, a)])), "text": a})
		}
		ds := map[string]any{"version": "x", "data": []any{map[string]any{"title": "Musée d’Orsay", "paragraphs": []any{map[string]any{
			"context": ctxText, "qas": []any{map[string]any{"id": "q1", "question": "Quel jour le musée ferme-t-il ?", "answers": as}}}}}}}
		b, _ := json.Marshal(ds)
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	id := "1"
	if c.ID != 1 {
		t.Fatalf("campaign id %d", c.ID)
	}
	code, out, stderr := runCLI(t, env, "import", "--campaign", id, "--release", "1.0.0", "--title", "Orsay", "--publish", write("v1.json", "le lundi"))
	if code != 0 || !strings.Contains(stderr, "release 1.0.0 (published): 1 documents, 1 questions") || !strings.Contains(out, `"questions_new": 1`) {
		t.Fatalf("first import: %d\n%s\n%s", code, out, stderr)
	}
	code, out, stderr = runCLI(t, env, "import", "--campaign", id, "--release", "1.1.0", write("v2.json", "lundi", "le lundi"))
	if code != 0 || !strings.Contains(stderr, "release 1.1.0 (draft)") || !strings.Contains(out, `"questions_updated": 1`) {
		t.Fatalf("second import: %d\n%s\n%s", code, out, stderr)
	}
	if code, _, stderr := runCLI(t, env, "import", "--campaign", id, "--release", "1.1.0", write("v3.json", "lundi")); code != 1 || !strings.Contains(stderr, "already exists") || !strings.Contains(stderr, "nothing was imported") {
		t.Fatalf("same version again: %d %s", code, stderr)
	}
	if code, _, stderr := runCLI(t, env, "import", "--campaign", id, "--release", "1.2", write("v4.json", "lundi")); code != 1 || !strings.Contains(stderr, "semantic version") || !strings.Contains(stderr, "nothing was imported") {
		t.Fatalf("bad version: %d %s", code, stderr)
	}
	if code, _, stderr := runCLI(t, env, "import", "--campaign", id, "--release", "2.0.0", "--format", "csv", write("v5.json", "lundi")); code != 2 || !strings.Contains(stderr, "SQuAD") {
		t.Fatalf("release of a CSV: %d %s", code, stderr)
	}
}

// TestReleaseCommands builds a release of a campaign from the command line,
// lists it and collects garbage.
func TestReleaseCommands(t *testing.T) {
	dir := t.TempDir()
	env := []string{"PIAF_DATA_DIR=" + dir}
	if code, _, stderr := runCLI(t, env, "migrate", "up"); code != 0 {
		t.Fatalf("migrate: %s", stderr)
	}
	ctx := context.Background()
	db, err := database.Open(ctx, database.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	kind, title, status := corpus.KindQA, "Jeu", corpus.StatusOpen
	var admin int64
	db.Gorm.Raw(`INSERT INTO users (display_name, pseudonym, role, locale, created_at, updated_at) VALUES ('A', 'A', 'admin', 'fr', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) RETURNING id`).Scan(&admin)
	if _, err := corpus.NewService(corpus.NewStore(db)).Create(ctx, &identity.Principal{UserID: admin, Role: identity.RoleAdmin}, corpus.CampaignInput{Kind: &kind, Title: &title, Status: &status}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if code, _, stderr := runCLI(t, env, "release", "build", "--campaign", "1", "--version", "1.0.0", "--title", "Vide"); code != 1 || !strings.Contains(stderr, "no accepted annotation") {
		t.Fatalf("empty campaign: %d %s", code, stderr)
	}
	p := filepath.Join(dir, "in.json")
	ctxText := "La bibliothèque municipale prête des livres, des disques et des jeux ; l’inscription est gratuite pour les moins de 18 ans."
	ds := map[string]any{"version": "x", "data": []any{map[string]any{"title": "Bibliothèque", "paragraphs": []any{map[string]any{
		"context": ctxText, "qas": []any{map[string]any{"id": "b1", "question": "L’inscription est-elle payante ?", "answers": []any{map[string]any{"answer_start": 89, "text": "gratuite"}}}}}}}}}
	b, _ := json.Marshal(ds)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, stderr := runCLI(t, env, "import", "--campaign", "1", "--pre-accept", p); code != 0 || !strings.Contains(out, `"questions_new": 1`) {
		t.Fatalf("import: %d %s %s", code, out, stderr)
	}
	code, out, stderr := runCLI(t, env, "release", "build", "--campaign", "1", "--version", "1.0.0", "--title", "Bibliothèque", "--publish")
	if code != 0 || !strings.Contains(out, "release 1.0.0 (published)") || !strings.Contains(out, "1 questions") {
		t.Fatalf("build: %d %s %s", code, out, stderr)
	}
	if code, out, _ := runCLI(t, env, "release", "list", "--campaign", "1"); code != 0 || !strings.Contains(out, "1.0.0") || !strings.Contains(out, "published") {
		t.Fatalf("list: %d %s", code, out)
	}
	if code, out, _ := runCLI(t, env, "release", "gc", "--grace", "0s"); code != 0 || !strings.HasPrefix(out, "0 unused files") {
		t.Fatalf("gc deleted files of a published release: %d %s", code, out)
	}
	if code, _, _ := runCLI(t, env, "release", "frobnicate"); code != 2 {
		t.Fatal("unknown subcommand accepted")
	}
}
