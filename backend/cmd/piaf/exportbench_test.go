package main

import (
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// exportRows is the reference query: the same accepted questions and
// answers, with their paragraphs and documents, in the export's order.
const exportRows = `SELECT d.title, d.theme, d.source_url, p.text, q.id, q.external_id, q.text, a.start_offset, a.text
FROM answers a JOIN questions q ON q.id = a.question_id JOIN paragraphs p ON p.id = q.paragraph_id JOIN documents d ON d.id = p.document_id
WHERE q.campaign_id = 1 AND q.state = 'accepted' AND a.state = 'accepted' AND p.status <> 'excluded'
ORDER BY p.document_id, p.position, p.id, q.id, a.id`

// seedExport fills campaign 1 with docs documents of five paragraphs, five
// accepted questions per paragraph and one answer each (every tenth
// question has three), straight in SQL.
func seedExport(b *testing.B, dbURL string, docs int) {
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	stmts := []string{
		`INSERT INTO documents (campaign_id, title, source_url, license, theme, position, created_at)
		 SELECT 1, 'Commune synthétique n° ' || g, 'https://fr.wikipedia.org/wiki/Commune_' || g, 'CC BY-SA 4.0', 'Thème ' || (g % 12), 1000 + g, now()
		 FROM generate_series(1, ` + strconv.Itoa(docs) + `) g`,
		`INSERT INTO paragraphs (campaign_id, document_id, position, text, content_hash, status, questions_count, created_at)
		 SELECT 1, d.id, p, format('La commune de Saint-%s-sur-Loire compte %s habitants. Sa médiathèque ouvre le samedi de 9 h à 18 h et prête des livres, des films et des jeux. '
		   || 'En %s, le conseil municipal a voté un budget de %s euros pour rénover l’école primaire et agrandir la cantine scolaire, qui sert chaque jour %s repas aux élèves du quartier. '
		   || 'Le marché se tient le mercredi matin sur la place de l’église depuis %s ; on y trouve des producteurs de la vallée, des fromagers et un torréfacteur. '
		   || 'Paragraphe %s du document : la mairie, ouverte du lundi au vendredi, délivre les cartes d’identité sur rendez-vous.', d.id, 1000 + d.id * 7 % 90000, 1950 + p, 100000 + d.id, 200 + p, 1890 + d.id % 100, p),
		   md5(d.id || '/' || p), 'done', 5, now()
		 FROM documents d, generate_series(0, 4) p WHERE d.campaign_id = 1 AND d.position >= 1000`,
		`INSERT INTO questions (campaign_id, paragraph_id, author_id, text, state, source, guideline_version, answers_count, needs_review, created_at, updated_at)
		 SELECT 1, p.id, (SELECT min(id) FROM users), format('Combien d’habitants compte la commune décrite au paragraphe %s (question %s) ?', p.id, k), 'accepted', 'web', 1,
		   CASE WHEN k = 1 AND p.id % 2 = 0 THEN 3 ELSE 1 END, FALSE, now(), now()
		 FROM paragraphs p JOIN documents d ON d.id = p.document_id, generate_series(1, 5) k WHERE d.position >= 1000`,
		`INSERT INTO answers (question_id, author_id, start_offset, text, kind, state, guideline_version, created_at, updated_at)
		 SELECT q.id, q.author_id, 0, 'La commune', 'original', 'accepted', 1, now(), now() FROM questions q WHERE q.source = 'web' AND q.answers_count >= 1 AND q.guideline_version = 1`,
		`INSERT INTO answers (question_id, author_id, start_offset, text, kind, state, guideline_version, created_at, updated_at)
		 SELECT q.id, q.author_id, 3, 'commune', 'additional', 'accepted', 1, now(), now() FROM questions q, generate_series(1, 2) WHERE q.answers_count = 3 AND q.guideline_version = 1`,
		`ANALYZE`,
	}
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			b.Fatalf("seed: %v\n%s", err, s)
		}
	}
}

// BenchmarkExportSQuAD exports 100,000 accepted questions over 20,000
// paragraphs (PIAF_BENCH_EXPORT_DOCS documents of five paragraphs, five
// questions each) from PostgreSQL to SQuAD JSON with `piaf export`, and
// compares it with psql's COPY of the same rows to a file in the same run.
// It then builds a whole release (every format, gzip copies, datasheet,
// provenance) with `piaf release build`. Reported: peak RSS of each piaf
// process, elapsed times and the export/COPY ratio (target: at most 2).
//
//	go test ./backend/cmd/piaf -run '^$' -bench ExportSQuAD -benchtime 1x -timeout 30m
func BenchmarkExportSQuAD(b *testing.B) {
	docs := 4000
	if v, err := strconv.Atoi(os.Getenv("PIAF_BENCH_EXPORT_DOCS")); err == nil && v > 0 {
		docs = v
	}
	dir := b.TempDir()
	dbURL := postgresURL(b)
	env := []string{"PATH=" + os.Getenv("PATH"), "PIAF_DATA_DIR=" + dir, "PIAF_DATABASE_URL=" + dbURL, "PIAF_LOG_LEVEL=warn"}
	p := startServe(b, env[1:], "--demo")
	p.stop(b)
	seedExport(b, dbURL, docs)
	out := filepath.Join(dir, "export.json")
	copyOut := filepath.Join(dir, "copy.tsv")
	for i := 0; i < b.N; i++ {
		// The reference: COPY of the same rows, written to a file.
		f, err := os.Create(copyOut)
		if err != nil {
			b.Fatal(err)
		}
		psql := exec.Command("psql", dbURL, "-X", "-q", "-c", "COPY ("+exportRows+") TO STDOUT")
		psql.Stdout = f
		var stderr strings.Builder
		psql.Stderr = &stderr
		start := time.Now()
		if err := psql.Run(); err != nil {
			b.Fatalf("psql: %v %s", err, stderr.String())
		}
		copyTime := time.Since(start)
		f.Close()
		copyInfo, _ := os.Stat(copyOut)

		cmd := exec.Command(piafBinary(b), "export", "--campaign", "1", "--out", out)
		cmd.Env = env
		start = time.Now()
		if msg, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("export: %v %s", err, msg)
		} else if i == 0 {
			b.Logf("%s", strings.TrimSpace(string(msg)))
		}
		exportTime := time.Since(start)
		exportRSS := float64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) / 1024
		outInfo, _ := os.Stat(out)

		rel := exec.Command(piafBinary(b), "release", "build", "--campaign", "1", "--version", "1.0."+strconv.Itoa(i), "--title", "Banc d’essai")
		rel.Env = env
		start = time.Now()
		msg, err := rel.CombinedOutput()
		if err != nil {
			b.Fatalf("release: %v %s", err, msg)
		}
		releaseTime := time.Since(start)
		if i == 0 {
			b.Logf("%s", strings.TrimSpace(string(msg)))
		}
		b.ReportMetric(exportRSS, "MB-export-peak-RSS")
		b.ReportMetric(exportTime.Seconds(), "s-export")
		b.ReportMetric(copyTime.Seconds(), "s-psql-copy")
		b.ReportMetric(exportTime.Seconds()/copyTime.Seconds(), "ratio-export/copy")
		b.ReportMetric(float64(outInfo.Size())/(1<<20), "MB-squad")
		b.ReportMetric(float64(copyInfo.Size())/(1<<20), "MB-copy")
		b.ReportMetric(float64(rel.ProcessState.SysUsage().(*syscall.Rusage).Maxrss)/1024, "MB-release-peak-RSS")
		b.ReportMetric(releaseTime.Seconds(), "s-release")
	}
}
