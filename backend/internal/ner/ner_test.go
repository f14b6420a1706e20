package ner_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/lab-ia/piaf/backend/internal/app/apptest"
	"github.com/lab-ia/piaf/backend/internal/corpus"
	"github.com/lab-ia/piaf/backend/internal/database"
	"github.com/lab-ia/piaf/backend/internal/database/dbtest"
	"github.com/lab-ia/piaf/backend/internal/entities"
	"github.com/lab-ia/piaf/backend/internal/identity"
	"github.com/lab-ia/piaf/backend/internal/jobs"
	"github.com/lab-ia/piaf/backend/internal/ner"
	"github.com/lab-ia/piaf/backend/internal/release"
	"github.com/lab-ia/piaf/backend/pseudo"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// passage is a text with its entities (by text, first occurrence).
type passage struct {
	text     string
	entities [][2]string
}

func passages(n int) []passage {
	firsts := []string{"Jean-Marc", "Sophie", "Claire", "Paul", "Amélie", "Noël", "Hélène", "Yves"}
	lasts := []string{"Dubois", "Martin", "Fontaine", "Leroy", "Lefèvre", "Garçon", "Rivière"}
	var out []passage
	for i := 0; i < n; i++ {
		name := firsts[i%len(firsts)] + " " + lasts[(i/2)%len(lasts)]
		city := []string{"Lyon", "Nantes", "Évry", "Saint-Étienne", "Besançon"}[i%5]
		text := fmt.Sprintf("Le %d mars, M. %s, domicilié à %s, a écrit à la mairie ; l’adjoint au maire lui a répondu.", i%28+1, name, city)
		out = append(out, passage{text: text, entities: [][2]string{{name, "PER"}, {city, "LOC"}}})
	}
	return out
}

func spansOf(p passage) []entities.Span {
	var out []entities.Span
	for _, e := range p.entities {
		i := strings.Index(p.text, e[0])
		s := utf8.RuneCountInString(p.text[:i])
		out = append(out, entities.Span{Start: s, End: s + utf8.RuneCountInString(e[0]), Label: e[1]})
	}
	return out
}

// nerRelease makes a ner campaign whose passages are all annotated and
// accepted, and builds its release 1.0.0.
func nerRelease(t *testing.T, env *apptest.Env, mod *apptest.Client, n int) *corpus.Campaign {
	t.Helper()
	ctx := context.Background()
	var modID int64
	env.DB.Gorm.Raw(`SELECT id FROM users WHERE role = 'moderator' ORDER BY id LIMIT 1`).Scan(&modID)
	kind, status, title := corpus.KindNER, corpus.StatusOpen, "Courriers"
	svc := corpus.NewService(corpus.NewStore(env.DB))
	c, err := svc.Create(ctx, &identity.Principal{UserID: modID, Role: identity.RoleModerator}, corpus.CampaignInput{Kind: &kind, Title: &title, Status: &status})
	if err != nil {
		t.Fatal(err)
	}
	texts := passages(n)
	byText := map[string]passage{}
	for d := 0; d < n/2; d++ {
		doc := []string{texts[2*d].text, texts[2*d+1].text}
		byText[doc[0]], byText[doc[1]] = texts[2*d], texts[2*d+1]
		if _, err := svc.Store().AddDocument(ctx, &corpus.Document{CampaignID: c.ID, Title: fmt.Sprintf("Courrier %d", d)}, doc); err != nil {
			t.Fatal(err)
		}
	}
	a, _ := env.User(identity.RoleContributor, "Annotatrice")
	for {
		r := a.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/entity-tasks/next", c.ID), nil)
		if r.Status == 404 {
			break
		}
		var task entities.Task
		r.JSON(t, &task)
		a.Must(201, "POST", fmt.Sprintf("/api/v1/paragraphs/%d/entity-annotations", task.Paragraph.ID),
			map[string]any{"idempotency_key": fmt.Sprintf("ner-test-%d", task.Paragraph.ID), "spans": spansOf(byText[task.Paragraph.Text])})
	}
	var page struct{ Items []entities.ReviewItem }
	mod.Must(200, "GET", fmt.Sprintf("/api/v1/campaigns/%d/entity-annotations?per_page=200", c.ID), nil).JSON(t, &page)
	for _, it := range page.Items {
		mod.Must(200, "POST", fmt.Sprintf("/api/v1/entity-annotations/%d/decisions", it.ID), map[string]any{"action": "accept"})
	}
	var created release.Created
	mod.Must(201, "POST", fmt.Sprintf("/api/v1/campaigns/%d/releases", c.ID), map[string]any{"version": "1.0.0", "title": "Courriers"}).JSON(t, &created)
	if j := mod.WaitJob(created.JobID); j.State != jobs.StateSucceeded {
		t.Fatalf("release build %s: %s", j.State, j.Error)
	}
	return c
}

// TestTrainActivateAndServe trains a model from a release by a job,
// activates it, and checks that detection and pre-annotation use it and
// that deactivating goes back to the rules.
func TestTrainActivateAndServe(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		env := apptest.Start(t, db)
		mod, _ := env.User(identity.RoleModerator, "Modé")
		c := nerRelease(t, env, mod, 40)

		// Bad requests: nothing registered.
		if r := mod.Do("POST", "/api/v1/ner/models", map[string]any{"campaign_id": c.ID}); r.Status != 422 {
			t.Fatalf("no version: %d %s", r.Status, r.Body)
		}
		if r := mod.Do("POST", "/api/v1/ner/models", map[string]any{"campaign_id": c.ID, "version": "9.9.9"}); r.Status != 404 {
			t.Fatalf("unknown release: %d %s", r.Status, r.Body)
		}
		if n := env.Count("ner_models", "1=1"); n != 0 {
			t.Fatalf("%d models after refused requests", n)
		}

		var tr ner.Training
		mod.Must(201, "POST", "/api/v1/ner/models", map[string]any{"campaign_id": c.ID, "version": "1.0.0", "epochs": 3, "synthetic": false}).JSON(t, &tr)
		if tr.Model.Status != ner.StatusTraining {
			t.Fatalf("new model %+v", tr.Model)
		}
		if j := mod.WaitJob(tr.JobID); j.State != jobs.StateSucceeded {
			t.Fatalf("training job %s: %s", j.State, j.Error)
		}
		var m ner.View
		mod.Must(200, "GET", fmt.Sprintf("/api/v1/ner/models/%d", tr.Model.ID), nil).JSON(t, &m)
		if m.Status != ner.StatusReady || m.Size == 0 || m.Metrics == nil || m.Report == nil || m.Active {
			t.Fatalf("trained model %+v", m)
		}
		if m.Metrics.Labels["PER"].F1 < 0.5 {
			t.Fatalf("PER on the test split of a regular corpus: %+v", m.Metrics.Labels["PER"])
		}

		var info ner.Info
		mod.Must(200, "GET", "/api/v1/pseudonymize/info", nil).JSON(t, &info)
		if info.Model != ner.RulesOnly || info.ModelID != 0 {
			t.Fatalf("before activation: %+v", info)
		}
		mod.Must(200, "POST", fmt.Sprintf("/api/v1/ner/models/%d/activate", m.ID), nil)
		var d ner.Detection
		mod.Must(200, "POST", "/api/v1/pseudonymize/detect", map[string]string{"text": "Le 3 mai, M. Paul Rivière, domicilié à Lyon, a écrit."}).JSON(t, &d)
		if d.Model != m.Name || d.ModelID != m.ID {
			t.Fatalf("detection after activation used %q", d.Model)
		}
		if !hasEntity(d.Text, d.Entities, "PER", "Paul Rivière") {
			t.Fatalf("entities %+v", d.Entities)
		}
		// A new ner campaign is pre-annotated by the active model.
		kind, status, title := corpus.KindNER, corpus.StatusOpen, "Nouvelle"
		svc := corpus.NewService(corpus.NewStore(env.DB))
		var modID int64
		env.DB.Gorm.Raw(`SELECT id FROM users WHERE role = 'moderator' ORDER BY id LIMIT 1`).Scan(&modID)
		c2, err := svc.Create(context.Background(), &identity.Principal{UserID: modID, Role: identity.RoleModerator}, corpus.CampaignInput{Kind: &kind, Title: &title, Status: &status})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Store().AddDocument(context.Background(), &corpus.Document{CampaignID: c2.ID, Title: "Lettre"}, []string{"Mme Hélène Dubois habite à Nantes."}); err != nil {
			t.Fatal(err)
		}
		b, _ := env.User(identity.RoleContributor, "Annotateur")
		var task entities.Task
		b.Must(200, "POST", fmt.Sprintf("/api/v1/campaigns/%d/entity-tasks/next", c2.ID), nil).JSON(t, &task)
		raw, _ := json.Marshal(task)
		if !strings.Contains(string(raw), m.Name) {
			t.Fatalf("pre-annotations do not name the active model %q: %s", m.Name, raw)
		}

		// A second activation of the same model is harmless; deactivating
		// goes back to the rules.
		mod.Must(200, "POST", fmt.Sprintf("/api/v1/ner/models/%d/activate", m.ID), nil)
		mod.Must(200, "POST", fmt.Sprintf("/api/v1/ner/models/%d/deactivate", m.ID), nil)
		mod.Must(200, "POST", "/api/v1/pseudonymize/detect", map[string]string{"text": "M. Paul Rivière."}).JSON(t, &d)
		if d.Model != ner.RulesOnly {
			t.Fatalf("after deactivation: %q", d.Model)
		}
		if r := mod.Do("POST", "/api/v1/ner/models/999999/activate", nil); r.Status != 404 {
			t.Fatalf("unknown model: %d", r.Status)
		}
	})
}

func hasEntity(text string, ents []pseudo.Entity, label, surface string) bool {
	r := []rune(text)
	for _, e := range ents {
		if e.Label == label && e.Start >= 0 && e.End <= len(r) && string(r[e.Start:e.End]) == surface {
			return true
		}
	}
	return false
}

// TestPseudonymizeText checks reviewed entities, offsets in code points,
// the mapping on request only, and clear refusals.
func TestPseudonymizeText(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		env := apptest.Start(t, db)
		consumer, cu := env.User(identity.RoleConsumer, "Mairie")
		text := "😀 Objet : courrier de M.\u00a0Jean-Marc Dubois, né le 12/03/1980, joignable au 06 12 34 56 78 ; l’agent Amazon l’a reçu."
		var d ner.Detection
		consumer.Must(200, "POST", "/api/v1/pseudonymize/detect", map[string]string{"text": text}).JSON(t, &d)
		if !hasEntity(text, d.Entities, "PER", "Jean-Marc Dubois") || !hasEntity(text, d.Entities, "PHONE", "06 12 34 56 78") {
			t.Fatalf("detected %+v", d.Entities)
		}
		// The reviewer drops the phone number: it stays in the output.
		var kept []pseudo.Entity
		for _, e := range d.Entities {
			if e.Label != "PHONE" {
				kept = append(kept, e)
			}
		}
		var out ner.Pseudonymized
		consumer.Must(200, "POST", "/api/v1/pseudonymize", map[string]any{"text": text, "entities": kept}).JSON(t, &out)
		if strings.Contains(out.Text, "Dubois") || !strings.Contains(out.Text, "06 12 34 56 78") || !strings.Contains(out.Text, "M.\u00a0") || out.Mapping != nil {
			t.Fatalf("output %q (mapping %v)", out.Text, out.Mapping)
		}
		if out.Model != "reviewed" {
			t.Fatalf("model %q", out.Model)
		}
		// Output spans are code-point offsets into the output text.
		or := []rune(out.Text)
		for _, s := range out.Spans {
			if s.Start < 0 || s.End > len(or) || s.Start >= s.End {
				t.Fatalf("span %+v outside %q", s, out.Text)
			}
		}
		consumer.Must(200, "POST", "/api/v1/pseudonymize", map[string]any{"text": text, "include_mapping": true, "default_operator": "typed"}).JSON(t, &out)
		if len(out.Mapping) == 0 || !strings.Contains(out.Text, "[") {
			t.Fatalf("typed with mapping: %q %v", out.Text, out.Mapping)
		}
		// Refusals.
		for _, c := range []struct {
			body   any
			status int
			code   string
		}{
			{map[string]any{"text": text, "entities": []map[string]any{{"start": 5, "end": 500, "label": "PER"}}}, 422, "validation_failed"},
			{map[string]any{"text": text, "entities": []map[string]any{{"start": 2, "end": 6, "label": "NOPE"}}}, 422, "validation_failed"},
			{map[string]any{"text": text, "default_operator": "shred"}, 422, "validation_failed"},
			{map[string]any{"text": strings.Repeat("a", ner.MaxTextBytes+1)}, 413, ""},
		} {
			r := consumer.Do("POST", "/api/v1/pseudonymize", c.body)
			if r.Status != c.status || (c.code != "" && r.ErrorCode() != c.code) {
				t.Fatalf("%.80v: %d %s", c.body, r.Status, r.Body)
			}
		}
		if r := consumer.DoType("POST", "/api/v1/pseudonymize", "text/plain", strings.NewReader(text)); r.Status != 415 {
			t.Fatalf("text/plain body: %d %s", r.Status, r.Body)
		}
		// An API token with pseudo:run opens the route; one without does not.
		tok := env.TokenClient(cu, identity.ScopePseudoRun)
		tok.Must(200, "POST", "/api/v1/pseudonymize", map[string]any{"text": text})
		if r := env.TokenClient(cu, identity.ScopeDatasetsRead).Do("POST", "/api/v1/pseudonymize", map[string]any{"text": text}); r.Status != 403 {
			t.Fatalf("token without pseudo:run: %d", r.Status)
		}
		// One caller cannot monopolise the engine: past the burst, 429 with
		// Retry-After; another caller is not affected.
		limited := false
		for i := 0; i < 40 && !limited; i++ {
			r := consumer.Do("POST", "/api/v1/pseudonymize/detect", map[string]string{"text": "M. Paul Martin."})
			if r.Status == 429 {
				limited = r.ErrorCode() == "rate_limited" && r.Header.Get("Retry-After") != ""
				if !limited {
					t.Fatalf("429 without its code or Retry-After: %s %v", r.Body, r.Header)
				}
			} else if r.Status != 200 {
				t.Fatalf("detect %d: %d %s", i, r.Status, r.Body)
			}
		}
		if !limited {
			t.Fatal("40 detections in a row were never limited")
		}
		other, _ := env.User(identity.RoleConsumer, "Autre")
		other.Must(200, "POST", "/api/v1/pseudonymize/detect", map[string]string{"text": "M. Paul Martin."})
	})
}

// buildZip writes an archive of the given entries.
func buildZip(t *testing.T, entries [][2]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		w, err := zw.Create(e[0])
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(e[1]))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func docx(t *testing.T, body string) []byte {
	return buildZip(t, [][2]string{
		{"[Content_Types].xml", `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>`},
		{"word/document.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>` + body + `</w:body></w:document>`},
	})
}

func entry(t *testing.T, archive []byte, name string) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(archive), int64(len(archive)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name == name {
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			return string(b)
		}
	}
	t.Fatalf("no %s in the archive", name)
	return ""
}

// TestPseudonymizeDocument rewrites a .docx keeping its formatting, with
// detected and with reviewed entities, and refuses what is not one.
func TestPseudonymizeDocument(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		env := apptest.Start(t, db)
		mod, _ := env.User(identity.RoleModerator, "Modé")
		doc := docx(t, `<w:p><w:r><w:t xml:space="preserve">Décision concernant Mme </w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>Claire Fontaine</w:t></w:r><w:r><w:t xml:space="preserve">, demeurant à Besançon.</w:t></w:r></w:p>`+
			`<w:p><w:r><w:t>Contact : claire.fontaine@exemple.fr</w:t></w:r></w:p>`)
		r := mod.Upload("/api/v1/pseudonymize/document", nil, "décision.docx", doc)
		if r.Status != 200 {
			t.Fatalf("document: %d %s", r.Status, r.Body)
		}
		if !strings.Contains(r.Header.Get("Content-Disposition"), "pseudonymise.docx") || r.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("headers %v", r.Header)
		}
		xml := entry(t, r.Body, "word/document.xml")
		if strings.Contains(xml, "Fontaine") || strings.Contains(xml, "claire.fontaine") || !strings.Contains(xml, "<w:b/>") || !strings.Contains(xml, "Mme ") {
			t.Fatalf("rewritten document.xml:\n%s", xml)
		}
		// Detect on the file, then send back the reviewed entities without
		// the city: it stays.
		var d ner.Detection
		mod.Upload("/api/v1/pseudonymize/detect", nil, "décision.docx", doc).JSON(t, &d)
		if d.Format != ner.FormatDOCX || !hasEntity(d.Text, d.Entities, "PER", "Claire Fontaine") {
			t.Fatalf("detection %+v", d)
		}
		var kept []pseudo.Entity
		for _, e := range d.Entities {
			if e.Label != "LOC" {
				kept = append(kept, e)
			}
		}
		ents, _ := json.Marshal(kept)
		r = mod.Upload("/api/v1/pseudonymize/document", map[string]string{"entities": string(ents), "options": `{"default_operator":"redact"}`}, "décision.docx", doc)
		if r.Status != 200 {
			t.Fatalf("reviewed document: %d %s", r.Status, r.Body)
		}
		xml = entry(t, r.Body, "word/document.xml")
		if strings.Contains(xml, "Fontaine") || !strings.Contains(xml, "Besançon") {
			t.Fatalf("reviewed rewrite:\n%s", xml)
		}
		// Refusals: not a document, a damaged one, an unknown field, JSON.
		for _, c := range []struct {
			name   string
			data   []byte
			fields map[string]string
			status int
		}{
			{"photo.png", []byte("\x89PNG\r\n"), nil, 415},
			{"faux.docx", []byte("PK\x03\x04 broken"), nil, 422},
			{"faux.docx", []byte("not a zip"), nil, 422},
			{"texte.txt", []byte("\xff\xfe invalid utf-8 \xc3"), nil, 415},
			{"ok.txt", []byte("M. Paul Martin"), map[string]string{"surprise": "1"}, 422},
			{"ok.txt", []byte("M. Paul Martin"), map[string]string{"options": "{not json"}, 400},
		} {
			if r := mod.Upload("/api/v1/pseudonymize/document", c.fields, c.name, c.data); r.Status != c.status {
				t.Fatalf("%s %v: %d %s", c.name, c.fields, r.Status, r.Body)
			}
		}
		if r := mod.Do("POST", "/api/v1/pseudonymize/document", map[string]string{"text": "x"}); r.Status != 415 {
			t.Fatalf("JSON to the document route: %d", r.Status)
		}
		r = mod.Upload("/api/v1/pseudonymize/document", nil, "note.txt", []byte("Rendez-vous avec M. Paul Martin à Lyon."))
		if r.Status != 200 || strings.Contains(string(r.Body), "Martin") || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain") {
			t.Fatalf("txt: %d %q", r.Status, r.Body)
		}
	})
}

// TestBatch pseudonymises a zip in a job: supported files rewritten,
// others skipped and reported; only the owner downloads the result.
func TestBatch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		env := apptest.Start(t, db)
		owner, _ := env.User(identity.RoleConsumer, "Préfecture")
		other, _ := env.User(identity.RoleConsumer, "Autre mairie")
		archive := buildZip(t, [][2]string{
			{"courriers/a.txt", "Madame Sophie Leroy, 12 rue de la Paix, 75002 Paris."},
			{"courriers/b.docx", string(docx(t, `<w:p><w:r><w:t>M. Yves Garçon</w:t></w:r></w:p>`))},
			{"image.png", "\x89PNG"},
			{"../evil.txt", "M. Paul Martin"},
		})
		r := owner.Upload("/api/v1/pseudonymize/batches", map[string]string{"options": `{"default_operator":"placeholder"}`}, "lot.zip", archive)
		if r.Status != 202 {
			t.Fatalf("batch: %d %s", r.Status, r.Body)
		}
		var j jobs.View
		r.JSON(t, &j)
		if v := owner.WaitJob(j.ID); v.State != jobs.StateSucceeded {
			t.Fatalf("batch job %s: %s", v.State, v.Error)
		}
		if r := other.Do("GET", fmt.Sprintf("/api/v1/pseudonymize/batches/%d/result", j.ID), nil); r.Status != 404 {
			t.Fatalf("another consumer got %d", r.Status)
		}
		res := owner.Must(200, "GET", fmt.Sprintf("/api/v1/pseudonymize/batches/%d/result", j.ID), nil)
		if a := entry(t, res.Body, "courriers/a.txt"); strings.Contains(a, "Leroy") || !strings.Contains(a, "Madame") {
			t.Fatalf("a.txt: %q", a)
		}
		if b := entry(t, res.Body, "courriers/b.docx"); !strings.Contains(b, "PK") {
			t.Fatalf("b.docx is not an archive")
		} else if x := entry(t, []byte(b), "word/document.xml"); strings.Contains(x, "Garçon") {
			t.Fatalf("b.docx: %s", x)
		}
		var rep ner.BatchReport
		if err := json.Unmarshal([]byte(entry(t, res.Body, "report.json")), &rep); err != nil {
			t.Fatal(err)
		}
		if rep.Done != 2 || rep.Skipped+rep.Failed != 2 {
			t.Fatalf("report %+v", rep)
		}
		zr, _ := zip.NewReader(bytes.NewReader(res.Body), int64(len(res.Body)))
		for _, f := range zr.File {
			if strings.Contains(f.Name, "..") || strings.HasPrefix(f.Name, "/") {
				t.Fatalf("unsafe entry %q in the result", f.Name)
			}
		}
		// Not a zip: refused at once, nothing queued.
		before := env.Count("jobs", "kind = ?", ner.BatchJobKind)
		if r := owner.Upload("/api/v1/pseudonymize/batches", nil, "lot.zip", []byte("not a zip")); r.Status != 415 {
			t.Fatalf("not a zip: %d %s", r.Status, r.Body)
		}
		if r := owner.Upload("/api/v1/pseudonymize/batches", nil, "", nil); r.Status != 422 {
			t.Fatalf("no file: %d %s", r.Status, r.Body)
		}
		if after := env.Count("jobs", "kind = ?", ner.BatchJobKind); after != before {
			t.Fatalf("refused batches queued jobs: %d → %d", before, after)
		}
	})
}
