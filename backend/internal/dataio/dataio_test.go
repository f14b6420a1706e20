package dataio_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/lab-ia/piaf/backend/internal/corpus"
	"github.com/lab-ia/piaf/backend/internal/database"
	"github.com/lab-ia/piaf/backend/internal/database/dbtest"
	"github.com/lab-ia/piaf/backend/internal/dataio"
	"github.com/lab-ia/piaf/backend/internal/identity"
	"github.com/lab-ia/piaf/backend/shareddata"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func newCampaign(t *testing.T, db *database.DB) int64 {
	t.Helper()
	ctx := context.Background()
	if err := db.Gorm.Exec(`INSERT INTO users (display_name, pseudonym, role, locale) VALUES ('Mod', 'Mod', 'moderator', 'fr')`).Error; err != nil {
		t.Fatal(err)
	}
	var uid int64
	db.Gorm.Raw(`SELECT id FROM users WHERE pseudonym = 'Mod'`).Scan(&uid)
	kind, title := corpus.KindQA, "Import de test"
	c, err := corpus.NewService(corpus.NewStore(db)).Create(ctx, &identity.Principal{UserID: uid, Role: identity.RoleModerator},
		corpus.CampaignInput{Kind: &kind, Title: &title})
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

func count(t *testing.T, db *database.DB, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := db.Gorm.Raw(q, args...).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// squadFile is the shape of a SQuAD file, read independently of the
// package under test.
type squadFile struct {
	Data []struct {
		Title      string `json:"title"`
		Paragraphs []struct {
			Context string `json:"context"`
			QAs     []struct {
				ID       string `json:"id"`
				Question string `json:"question"`
				Answers  []struct {
					Start int    `json:"answer_start"`
					Text  string `json:"text"`
				} `json:"answers"`
			} `json:"qas"`
		} `json:"paragraphs"`
	} `json:"data"`
}

type qaKey struct{ question, context, answers string }

// flatten indexes a SQuAD file by question id, and lists the ids whose
// answers do not match their context in code points.
func flatten(t *testing.T, b []byte) (map[string]qaKey, map[string]bool) {
	t.Helper()
	var f squadFile
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	out, bad := map[string]qaKey{}, map[string]bool{}
	for _, a := range f.Data {
		for _, p := range a.Paragraphs {
			ctx := []rune(p.Context)
			for _, q := range p.QAs {
				var ans []string
				for _, an := range q.Answers {
					n := utf8.RuneCountInString(an.Text)
					if an.Start+n > len(ctx) || string(ctx[an.Start:an.Start+n]) != an.Text {
						bad[q.ID] = true
					}
					b, _ := json.Marshal(an)
					ans = append(ans, string(b))
				}
				out[q.ID] = qaKey{question: strings.Join(strings.Fields(q.Question), " "), context: p.Context, answers: strings.Join(ans, "|")}
			}
		}
	}
	return out, bad
}

// TestPIAFRoundTrip imports PIAF v1.0 and exports it: every question whose
// answers match their context comes back with the same text, context,
// answers and offsets; the others are reported, not shifted.
func TestPIAFRoundTrip(t *testing.T) {
	path := shareddata.Require(t, "piaf/piaf-v1.0.json")
	original, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want, bad := flatten(t, original)
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		cid := newCampaign(t, db)
		im := dataio.NewImporter(db)
		rep, err := im.Import(ctx, cid, bytes.NewReader(original), int64(len(original)), dataio.Options{Format: dataio.FormatSQuAD, PreAccept: true}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Paragraphs != 761 || rep.Questions != 3835 || rep.QuestionsNew != 3835-len(bad) || rep.RejectedCount != len(bad) {
			t.Fatalf("report %+v (want 761 paragraphs, 3835 questions, %d rejected)", rep, len(bad))
		}
		var out bytes.Buffer
		counts, err := dataio.NewExporter(db).SQuAD(ctx, &out, cid, dataio.ExportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		got, _ := flatten(t, out.Bytes())
		if counts.Questions != len(want)-len(bad) || len(got) != len(want)-len(bad) {
			t.Fatalf("exported %d questions, want %d", len(got), len(want)-len(bad))
		}
		for id, w := range want {
			if bad[id] {
				continue
			}
			if g, ok := got[id]; !ok || g != w {
				t.Fatalf("question %s changed:\n got %+v\nwant %+v", id, g, w)
			}
		}
		// A second import adds nothing.
		rep2, err := im.Import(ctx, cid, bytes.NewReader(original), 0, dataio.Options{Format: dataio.FormatSQuAD}, nil)
		if err != nil || rep2.ParagraphsNew != 0 || rep2.QuestionsNew != 0 {
			t.Fatalf("re-import: %+v %v", rep2, err)
		}
		if n := count(t, db, `SELECT count(*) FROM questions WHERE campaign_id = ?`, cid); n != int64(len(want)-len(bad)) {
			t.Fatalf("%d questions after re-import", n)
		}
	})
}

func TestDocumentImportsReportRejectedRows(t *testing.T) {
	long := strings.Repeat("Le service public de l’emploi accompagne les demandeurs. ", 60)
	para := "La médiathèque prête des livres, des films et des jeux ; l’inscription y est gratuite pour les moins de 18 ans."
	cases := []struct {
		format   dataio.Format
		input    string
		docs     int
		minParas int
		rejected []string
	}{
		{dataio.FormatJSONL, `{"title":"Médiathèque","text":"` + para + `","source_url":"https://www.service-public.fr/x","license":"Licence Ouverte 2.0","theme":"Culture"}
{"title":"Sans texte","text":""}
pas du json
{"title":"Long","text":"` + long + `"}
{"title":"Inconnu","text":"` + para + ` bis","color":"red"}
{"title":"Piège","text":"` + para + ` ter","source_url":"javascript:alert(document.cookie)"}
{"title":"Relatif","text":"` + para + ` quater","source_url":"/vosdroits/F123"}
`, 2, 3, []string{"line 2", "line 3", "line 5", "line 6", "line 7"}},
		{dataio.FormatCSV, "title,text,theme\nMédiathèque,\"" + para + "\",Culture\n\"Cassée,\"x\"\nVide,,\n", 1, 1, []string{"row 3", "row 4"}},
		{dataio.FormatMarkdown, "# Guide de la médiathèque\n\n" + para + "\n\n## Horaires\n\nOuvert.\n\n- " + para + " (liste)\n", 1, 2, nil},
	}
	for _, tc := range cases {
		t.Run(string(tc.format), func(t *testing.T) {
			db := dbtest.SQLite(t)
			cid := newCampaign(t, db)
			rep, err := dataio.NewImporter(db).Import(context.Background(), cid, strings.NewReader(tc.input), 0,
				dataio.Options{Format: tc.format, Filename: "guide.md", Split: dataio.SplitOptions{MinLength: 40, MaxLength: 1000}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Documents != tc.docs || rep.ParagraphsNew < tc.minParas {
				t.Fatalf("report %+v", rep)
			}
			var locs []string
			for _, r := range rep.Rejected {
				locs = append(locs, r.Location)
			}
			if strings.Join(locs, ",") != strings.Join(tc.rejected, ",") {
				t.Fatalf("rejected %v, want %v (%+v)", locs, tc.rejected, rep.Rejected)
			}
			if n := count(t, db, `SELECT count(*) FROM paragraphs WHERE campaign_id = ? AND length(text) > 1100`, cid); n != 0 {
				t.Fatal("a paragraph longer than the maximum was kept whole")
			}
		})
	}
}

// failingReader breaks after some bytes, like a dropped upload.
type failingReader struct {
	r io.Reader
	n int
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("connection reset")
	}
	if len(p) > f.n {
		p = p[:f.n]
	}
	n, err := f.r.Read(p)
	f.n -= n
	return n, err
}

func TestAFailedImportLeavesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		cid := newCampaign(t, db)
		var b strings.Builder
		for i := 0; i < 200; i++ {
			b.WriteString(`{"title":"Document ` + string(rune('A'+i%26)) + `","text":"` + strings.Repeat("Un paragraphe assez long pour être gardé. ", 5) + `numéro ` + string(rune('0'+i%10)) + `"}` + "\n")
		}
		_, err := dataio.NewImporter(db).Import(context.Background(), cid, &failingReader{r: strings.NewReader(b.String()), n: b.Len() / 2}, 0,
			dataio.Options{Format: dataio.FormatJSONL}, nil)
		if err == nil {
			t.Fatal("the broken upload was accepted")
		}
		if n := count(t, db, `SELECT count(*) FROM paragraphs WHERE campaign_id = ?`, cid); n != 0 {
			t.Fatalf("%d paragraphs left by a failed import", n)
		}
		if n := count(t, db, `SELECT count(*) FROM documents WHERE campaign_id = ?`, cid); n != 0 {
			t.Fatalf("%d documents left by a failed import", n)
		}
	})
}

func TestMalformedSQuADIsRefusedWhole(t *testing.T) {
	db := dbtest.SQLite(t)
	cid := newCampaign(t, db)
	for _, in := range []string{`{"data": [{"title": "x", "paragraphs": [`, `[1,2,3]`, `{"version": "1.1"}`} {
		if _, err := dataio.NewImporter(db).Import(context.Background(), cid, strings.NewReader(in), 0, dataio.Options{Format: dataio.FormatSQuAD}, nil); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

func TestSQuADOffsetsAreCodePointsAndMismatchesAreReported(t *testing.T) {
	db := dbtest.SQLite(t)
	cid := newCampaign(t, db)
	// "🇫🇷" is two code points (four UTF-16 units, eight bytes) and "é"
	// written decomposed is two code points that NFC makes one.
	ctx := "Drapeau 🇫🇷 : la Re\u0301publique française fut proclamée en 1792, à Paris, après la chute de la monarchie."
	file := `{"version":"1.1","data":[{"title":"République","paragraphs":[{"context":` + jsonString(ctx) + `,"qas":[
		{"id":"ok","question":"Quand la République fut-elle proclamée ?","answers":[{"answer_start":` + itoa(strings.Index(ctx, "1792")) + `,"text":"1792"}]},
		{"id":"cp","question":"En quelle année ?","answers":[{"answer_start":` + itoa(utf8.RuneCountInString(ctx[:strings.Index(ctx, "1792")])) + `,"text":"1792"}]},
		{"id":"utf16","question":"Où ?","answers":[{"answer_start":` + itoa(utf8.RuneCountInString(ctx[:strings.Index(ctx, "Paris")])+2) + `,"text":"Paris"}]},
		{"id":"empty","question":"Rien ?","answers":[]}
	]}]}]}`
	rep, err := dataio.NewImporter(db).Import(context.Background(), cid, strings.NewReader(file), 0, dataio.Options{Format: dataio.FormatSQuAD}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Byte offsets ("ok") and UTF-16 offsets ("utf16") are wrong; code points ("cp") are right.
	if rep.QuestionsNew != 1 || rep.RejectedCount != 3 {
		t.Fatalf("report %+v", rep)
	}
	var out bytes.Buffer
	if _, err := dataio.NewExporter(db).SQuAD(context.Background(), &out, cid, dataio.ExportOptions{States: []string{"submitted"}}); err != nil {
		t.Fatal(err)
	}
	got, _ := flatten(t, out.Bytes())
	var exported struct {
		Data []struct {
			Paragraphs []struct {
				Context string
				QAs     []struct {
					Answers []struct {
						Start int `json:"answer_start"`
					}
				} `json:"qas"`
			}
		}
	}
	_ = json.Unmarshal(out.Bytes(), &exported)
	context := exported.Data[0].Paragraphs[0].Context
	start := exported.Data[0].Paragraphs[0].QAs[0].Answers[0].Start
	if string([]rune(context)[start:start+4]) != "1792" || !strings.Contains(context, "République") {
		t.Fatalf("offsets not mapped onto the NFC text: %q at %d (%v)", context, start, got)
	}
}

func jsonString(s string) string { b, _ := json.Marshal(s); return string(b) }

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }
