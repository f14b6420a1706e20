package release_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/lab-ia/piaf/backend/internal/app/apptest"
	"github.com/lab-ia/piaf/backend/internal/corpus"
	"github.com/lab-ia/piaf/backend/internal/database"
	"github.com/lab-ia/piaf/backend/internal/database/dbtest"
	"github.com/lab-ia/piaf/backend/internal/entities"
	"github.com/lab-ia/piaf/backend/internal/identity"
	"github.com/lab-ia/piaf/backend/internal/release"
	"github.com/lab-ia/piaf/backend/pseudo"
)

// nerText is a passage with its entities (by text, first occurrence).
type nerText struct {
	text     string
	entities [][2]string // text, label
}

func nerPassages(n int) []nerText {
	firsts := []string{"Jean-Marc", "Sophie", "Claire", "Paul", "Amélie", "Noël"}
	lasts := []string{"Dubois", "Martin", "Fontaine", "Leroy", "Lefèvre", "Garçon"}
	var out []nerText
	for i := 0; i < n; i++ {
		name := firsts[i%len(firsts)] + " " + lasts[(i/len(firsts))%len(lasts)]
		city := []string{"Lyon", "Nantes", "Évry", "Saint-Étienne"}[i%4]
		mail := fmt.Sprintf("contact%d@mairie-exemple.fr", i)
		text := fmt.Sprintf("😀 Le %d mars, M. %s, domicilié à %s, a écrit à la mairie (%s) ; l’adjoint au maire lui a répondu. Montant : 100 000 euros.", i%28+1, name, city, mail)
		out = append(out, nerText{text: text, entities: [][2]string{{name, "PER"}, {city, "LOC"}, {mail, "EMAIL"}}})
	}
	return out
}

func spansOf(t nerText) []entities.Span {
	var out []entities.Span
	for _, e := range t.entities {
		i := strings.Index(t.text, e[0])
		s := utf8.RuneCountInString(t.text[:i])
		out = append(out, entities.Span{Start: s, End: s + utf8.RuneCountInString(e[0]), Label: e[1]})
	}
	return out
}

func TestEntityReleaseFormats(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		env := apptest.Start(t, db)
		mod, _ := env.User(identity.RoleModerator, "Modé")
		a, _ := env.User(identity.RoleContributor, "Annotatrice")
		b, _ := env.User(identity.RoleContributor, "Annotateur")
		ctx := context.Background()
		var modID int64
		env.DB.Gorm.Raw(`SELECT id FROM users WHERE role = 'moderator' ORDER BY id LIMIT 1`).Scan(&modID)
		kind, status, title, share := corpus.KindNER, corpus.StatusOpen, "Courriers", 30
		svc := corpus.NewService(corpus.NewStore(env.DB))
		c, err := svc.Create(ctx, &identity.Principal{UserID: modID, Role: identity.RoleModerator}, corpus.CampaignInput{Kind: &kind, Title: &title, Status: &status, TestShare: &share})
		if err != nil {
			t.Fatal(err)
		}
		texts := nerPassages(24)
		byText := map[string]nerText{}
		for d := 0; d < 12; d++ {
			doc := []string{texts[2*d].text, texts[2*d+1].text}
			byText[doc[0]], byText[doc[1]] = texts[2*d], texts[2*d+1]
			if _, err := svc.Store().AddDocument(ctx, &corpus.Document{CampaignID: c.ID, Title: fmt.Sprintf("Courrier %d", d), SourceURL: "https://www.service-public.fr/particuliers/vosdroits/F1234"}, doc); err != nil {
				t.Fatal(err)
			}
		}
		if r := mod.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/releases", c.ID), map[string]any{"version": "1.0.0", "title": "Courriers"}); r.Status != 422 {
			t.Fatalf("NER release with nothing accepted: %d %s", r.Status, r.Body)
		}
		// Two annotators work until no passage is left; every annotation is accepted.
		for _, who := range []*apptest.Client{a, b} {
			for {
				r := who.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/entity-tasks/next", c.ID), nil)
				if r.Status == 404 {
					break
				}
				var task entities.Task
				r.JSON(t, &task)
				who.Must(201, "POST", fmt.Sprintf("/api/v1/paragraphs/%d/entity-annotations", task.Paragraph.ID),
					map[string]any{"idempotency_key": fmt.Sprintf("k-%d-%p", task.Paragraph.ID, who), "spans": spansOf(byText[task.Paragraph.Text])})
			}
		}
		var page struct{ Items []entities.ReviewItem }
		mod.Must(200, "GET", fmt.Sprintf("/api/v1/campaigns/%d/entity-annotations?per_page=200", c.ID), nil).JSON(t, &page)
		for _, it := range page.Items {
			mod.Must(200, "POST", fmt.Sprintf("/api/v1/entity-annotations/%d/decisions", it.ID), map[string]any{"action": "accept"})
		}
		v := createRelease(t, mod, c.ID, map[string]any{"version": "1.0.0", "title": "Courriers"})
		publish(t, mod, c.ID, "1.0.0")
		if v.Counts.Total.Paragraphs != 24 || v.Counts.Total.Entities != 72 || v.Counts.Total.MultiAnswer == 0 {
			t.Fatalf("counts %+v", v.Counts.Total)
		}
		names := map[string]bool{}
		for _, f := range v.Files {
			names[f.Name] = true
		}
		for _, n := range []string{"train.spans.jsonl", "dev.spans.jsonl", "test.spans.jsonl", "train.conll", "test.conll", "provenance.jsonl", "datasheet.md"} {
			if !names[n] {
				t.Fatalf("no %s in %v", n, names)
			}
		}
		anon := env.NewClient()
		// JSONL spans: exactly the annotations, readable by the engine's trainer.
		total := 0
		var allConll []byte
		for _, sp := range release.Splits() {
			body := download(t, anon, c.Slug, "1.0.0", sp+".spans.jsonl")
			docs, err := pseudo.ReadJSONL(bytes.NewReader(body))
			if err != nil {
				t.Fatalf("%s.spans.jsonl: %v", sp, err)
			}
			for _, d := range docs {
				want := spansOf(byText[d.Text])
				if len(d.Spans) != len(want) {
					t.Fatalf("%s: %+v, want %+v", d.ID, d.Spans, want)
				}
				for i := range want {
					if d.Spans[i].Start != want[i].Start || d.Spans[i].End != want[i].End || d.Spans[i].Label != want[i].Label {
						t.Fatalf("%s: %+v, want %+v", d.ID, d.Spans, want)
					}
				}
				total++
			}
			allConll = append(allConll, download(t, anon, c.Slug, "1.0.0", sp+".conll")...)
		}
		if total != 24 {
			t.Fatalf("%d passages in the JSONL files", total)
		}
		// CoNLL: read back by the engine's reader, the same entities.
		docs, err := pseudo.ReadCoNLL(bytes.NewReader(allConll))
		if err != nil {
			t.Fatalf("CoNLL: %v", err)
		}
		var got, want []string
		for _, d := range docs {
			r := []rune(d.Text)
			for _, s := range d.Spans {
				got = append(got, s.Label+":"+strings.ReplaceAll(string(r[s.Start:s.End]), " ", ""))
			}
		}
		for _, tx := range texts {
			for _, e := range tx.entities {
				want = append(want, e[1]+":"+strings.ReplaceAll(e[0], " ", ""))
			}
		}
		sort.Strings(got)
		sort.Strings(want)
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("CoNLL entities differ:\n%v\n%v", got, want)
		}
		if !strings.Contains(string(allConll), "100 I-") && !strings.Contains(string(allConll), "100 O\n000 O") {
			t.Fatalf("a number with a space must stay two CoNLL tokens:\n%.400s", allConll)
		}
		var ds release.Datasheet
		if err := json.Unmarshal(download(t, anon, c.Slug, "1.0.0", "datasheet.json"), &ds); err != nil {
			t.Fatal(err)
		}
		if ds.Kind != "ner" || ds.EntityLabels["PER"] != 24 || ds.Agreement.Questions == 0 || ds.Agreement.F1 != 100 {
			t.Fatalf("datasheet %+v", ds)
		}
		md := string(download(t, anon, c.Slug, "1.0.0", "datasheet.md"))
		if !strings.Contains(md, "| PER | 24 |") || !strings.Contains(md, "Passages") {
			t.Fatalf("datasheet.md:\n%s", md)
		}
		prov := string(download(t, anon, c.Slug, "1.0.0", "provenance.jsonl"))
		if strings.Contains(prov, "@exemple.fr") || strings.Count(prov, "\n") != 24 || !strings.Contains(prov, `"pre_model":"rules"`) {
			t.Fatalf("provenance:\n%.600s", prov)
		}
		// An edit shows in the next version's diff.
		it := page.Items[0]
		mod.Must(200, "POST", fmt.Sprintf("/api/v1/entity-annotations/%d/decisions", it.ID), map[string]any{"action": "edit", "spans": it.Spans[:2]})
		createRelease(t, mod, c.ID, map[string]any{"version": "1.1.0", "title": "Courriers"})
		var d release.Diff
		mod.Must(200, "GET", fmt.Sprintf("/api/v1/campaigns/%d/releases/1.1.0/diff?from=1.0.0", c.ID), nil).JSON(t, &d)
		if d.Total.Changed != 1 || d.Total.Added != 0 || d.Total.Removed != 0 || d.Total.Unchanged < 23 {
			t.Fatalf("diff %+v", d.Total)
		}
	})
}
