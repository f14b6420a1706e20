package dataio_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/lab-ia/piaf/backend/internal/database"
	"github.com/lab-ia/piaf/backend/internal/dataio"
)

// FuzzImport feeds arbitrary files to the SQuAD, JSONL and CSV importers
// on a real (SQLite) database: an import either fails and leaves the
// campaign as it was, or succeeds; it never panics (a panic here would be
// one upload crashing a request or a job).
func FuzzImport(f *testing.F) {
	f.Add(uint8(0), []byte(`{"version":"1.1","data":[{"title":"Évry","paragraphs":[{"context":"L’hôpital d’Évry ouvre à 8 h, tous les jours de la semaine.","qas":[{"id":"q1","question":"Quand l’hôpital ouvre-t-il ?","answers":[{"answer_start":24,"text":"à 8 h"}]}]}]}]}`))
	f.Add(uint8(0), []byte(`{"data":[{"paragraphs":[{"context":"Un texte assez long pour être importé sans refus.","qas":[{"id":"q","question":"Quelle est la question posée ?","answers":[{"answer_start":9223372036854775807,"text":"a"}]}]}]}]}`))
	f.Add(uint8(1), []byte(`{"title":"Mairie","text":"La mairie ouvre du lundi au vendredi de 8 h 30 à 17 h.","theme":"Démarches"}`+"\n"+`{"text":""}`+"\n"+`not json`))
	f.Add(uint8(2), []byte("title,text\n\"Mairie\",\"La mairie ouvre du lundi au vendredi de 8 h 30 à 17 h.\"\n\"=cmd\",\"x\"\n\"unterminated"))
	ctx := context.Background()
	db, err := database.OpenSQLiteFile(ctx, filepath.Join(f.TempDir(), "fuzz.db"), nil)
	if err != nil {
		f.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx, nil); err != nil {
		f.Fatal(err)
	}
	campaign := fuzzCampaign(f, db)
	im := dataio.NewImporter(db)
	formats := []dataio.Format{dataio.FormatSQuAD, dataio.FormatJSONL, dataio.FormatCSV}
	f.Fuzz(func(t *testing.T, format uint8, data []byte) {
		var before, after int64
		db.Gorm.Raw(`SELECT (SELECT count(*) FROM paragraphs) + (SELECT count(*) FROM questions) + (SELECT count(*) FROM answers)`).Scan(&before)
		_, err := im.Import(ctx, campaign, bytes.NewReader(data), int64(len(data)), dataio.Options{Format: formats[int(format)%len(formats)]}, nil)
		db.Gorm.Raw(`SELECT (SELECT count(*) FROM paragraphs) + (SELECT count(*) FROM questions) + (SELECT count(*) FROM answers)`).Scan(&after)
		if err != nil && after != before {
			t.Fatalf("a failed import left %d rows behind: %v", after-before, err)
		}
	})
}

func fuzzCampaign(f *testing.F, db *database.DB) int64 {
	f.Helper()
	var id int64
	if err := db.Gorm.Exec(`INSERT INTO users (display_name, pseudonym, role, locale) VALUES ('Mod', 'Mod', 'moderator', 'fr')`).Error; err != nil {
		f.Fatal(err)
	}
	if err := db.Gorm.Raw(`INSERT INTO campaigns (slug, kind, title, status, created_at, updated_at) VALUES ('fuzz', 'qa', 'Fuzz', 'open', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) RETURNING id`).Scan(&id).Error; err != nil {
		f.Fatal(err)
	}
	return id
}
