package release_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/lab-ia/piaf/backend/internal/app/apptest"
	"github.com/lab-ia/piaf/backend/internal/corpus"
	"github.com/lab-ia/piaf/backend/internal/database"
	"github.com/lab-ia/piaf/backend/internal/database/dbtest"
	"github.com/lab-ia/piaf/backend/internal/dataio"
	"github.com/lab-ia/piaf/backend/internal/identity"
	"github.com/lab-ia/piaf/backend/internal/jobs"
	"github.com/lab-ia/piaf/backend/internal/release"
	"github.com/lab-ia/piaf/backend/qa/squad"
	"github.com/lab-ia/piaf/backend/shareddata"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// ---- fixtures ----

// fixture writes a SQuAD file of docs documents in French with the
// hard cases: typographic apostrophes, non-breaking spaces, an emoji
// (outside the BMP: offsets must count code points), elisions, answers
// that look like spreadsheet formulas, several answers per question.
func fixture(prefix string, first, docs int) squad.Dataset {
	var ds squad.Dataset
	ds.Version = "test"
	for d := first; d < first+docs; d++ {
		a := squad.Article{Title: fmt.Sprintf("%s document %d", prefix, d), Category: []string{"Société", "Travail", "Santé"}[d%3]}
		for p := 0; p < 2; p++ {
			ctx := fmt.Sprintf("L’hôpital d’Évry 😀 accueille\u00a0%d patients par jour ; le tarif est =SOMME(A1:A%d) selon l'ARS, soit -%d %% depuis 2019 (paragraphe %d.%d).", 100+d, d+2, d%7+1, d, p)
			para := squad.Paragraph{Context: ctx}
			for q := 0; q < 3; q++ {
				id := fmt.Sprintf("%s-%d-%d-%d", prefix, d, p, q)
				var ans []squad.Answer
				switch q {
				case 0:
					ans = []squad.Answer{span(ctx, fmt.Sprint(100+d))}
				case 1:
					ans = []squad.Answer{span(ctx, fmt.Sprintf("=SOMME(A1:A%d)", d+2)), span(ctx, fmt.Sprintf("=SOMME(A1:A%d) selon l'ARS", d+2))}
				case 2:
					ans = []squad.Answer{span(ctx, fmt.Sprintf("-%d %%", d%7+1)), span(ctx, fmt.Sprintf("-%d %%", d%7+1)), span(ctx, "d’Évry")}
				}
				para.QAs = append(para.QAs, squad.Question{ID: id, Question: fmt.Sprintf("Question %d sur l’hôpital d’Évry (%d.%d) ?", q, d, p), Answers: ans})
			}
			a.Paragraphs = append(a.Paragraphs, para)
		}
		ds.Data = append(ds.Data, a)
	}
	return ds
}

func span(ctx, text string) squad.Answer {
	i := strings.Index(ctx, text)
	if i < 0 {
		panic("fixture: " + text + " not in " + ctx)
	}
	return squad.Answer{Start: utf8.RuneCountInString(ctx[:i]), Text: text}
}

func newCampaign(t *testing.T, env *apptest.Env, title string) *corpus.Campaign {
	t.Helper()
	var mod int64
	env.DB.Gorm.Raw(`SELECT id FROM users WHERE role IN ('moderator', 'admin') ORDER BY id LIMIT 1`).Scan(&mod)
	kind, status, license := corpus.KindQA, corpus.StatusOpen, "CC BY-SA 4.0"
	c, err := corpus.NewService(corpus.NewStore(env.DB)).Create(context.Background(), &identity.Principal{UserID: mod, Role: identity.RoleModerator},
		corpus.CampaignInput{Kind: &kind, Title: &title, Status: &status, License: &license})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func importDataset(t *testing.T, env *apptest.Env, campaignID int64, ds squad.Dataset, preAccept bool) {
	t.Helper()
	b, err := json.Marshal(ds)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := env.App.Importer.Import(context.Background(), campaignID, bytes.NewReader(b), int64(len(b)), dataio.Options{Format: dataio.FormatSQuAD, PreAccept: preAccept}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.RejectedCount != 0 {
		t.Fatalf("fixture rejected: %+v", rep.Rejected)
	}
}

// createRelease builds a release and waits for its draft.
func createRelease(t *testing.T, mod *apptest.Client, campaignID int64, body map[string]any) release.View {
	t.Helper()
	var created release.Created
	mod.Must(201, "POST", fmt.Sprintf("/api/v1/campaigns/%d/releases", campaignID), body).JSON(t, &created)
	if created.Release.Status != release.StatusBuilding {
		t.Fatalf("new release status %s", created.Release.Status)
	}
	if j := mod.WaitJob(created.JobID); j.State != jobs.StateSucceeded {
		t.Fatalf("build job %s: %s", j.State, j.Error)
	}
	var v release.View
	mod.Must(200, "GET", fmt.Sprintf("/api/v1/campaigns/%d/releases/%s", campaignID, body["version"]), nil).JSON(t, &v)
	if v.Status != release.StatusDraft {
		t.Fatalf("built release status %s", v.Status)
	}
	return v
}

func publish(t *testing.T, mod *apptest.Client, campaignID int64, version string) {
	t.Helper()
	mod.Must(200, "POST", fmt.Sprintf("/api/v1/campaigns/%d/releases/%s/publish", campaignID, version), nil)
}

// rawGet downloads without Go's transparent gzip handling.
func rawGet(t *testing.T, env *apptest.Env, path string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, env.URL+path, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

type qaKey struct {
	Question string
	Answers  string
}

// squadContent maps question id → question and answers (with offsets).
func squadContent(t *testing.T, files ...[]byte) (map[string]qaKey, map[string]string) {
	t.Helper()
	out := map[string]qaKey{}
	docOf := map[string]string{}
	for _, b := range files {
		ds, err := squad.Read(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("release SQuAD file does not parse: %v", err)
		}
		for _, a := range ds.Data {
			for _, p := range a.Paragraphs {
				for _, q := range p.QAs {
					var sb strings.Builder
					for _, an := range q.Answers {
						r := []rune(p.Context)
						if an.Start+utf8.RuneCountInString(an.Text) > len(r) || string(r[an.Start:an.Start+utf8.RuneCountInString(an.Text)]) != an.Text {
							t.Fatalf("answer %q of %s is not at %d", an.Text, q.ID, an.Start)
						}
						fmt.Fprintf(&sb, "%d:%s|", an.Start, an.Text)
					}
					if _, dup := out[q.ID]; dup {
						t.Fatalf("question %s twice", q.ID)
					}
					out[q.ID] = qaKey{Question: q.Question, Answers: sb.String()}
					docOf[q.ID] = a.Title
				}
			}
		}
	}
	return out, docOf
}

func download(t *testing.T, c *apptest.Client, slug, version, name string) []byte {
	t.Helper()
	return c.Must(200, "GET", release.FileURL(slug, version, name), nil).Body
}

// ---- the tests ----

func TestReleaseFormatsRoundTripAndDownloads(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		env := apptest.Start(t, db)
		mod, _ := env.User(identity.RoleModerator, "Modératrice")
		admin, _ := env.User(identity.RoleAdmin, "Admin")
		anon := env.NewClient()
		c := newCampaign(t, env, "Santé publique")
		source := fixture("sante", 0, 30)
		importDataset(t, env, c.ID, source, true)

		// Bad versions are refused with the field named.
		for _, v := range []string{"1.0", "v1.0.0", "1.0.0+build", "01.0.0", ""} {
			r := mod.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/releases", c.ID), map[string]any{"version": v, "title": "x"})
			if r.Status != 422 || !strings.Contains(string(r.Body), "version") {
				t.Fatalf("version %q: %d %s", v, r.Status, r.Body)
			}
		}
		if r := mod.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/releases", c.ID), map[string]any{"version": "1.0.0", "title": "x",
			"proportions": map[string]int{"train": 50, "dev": 10, "test": 10}}); r.Status != 422 {
			t.Fatalf("proportions not summing to 100: %d", r.Status)
		}

		v := createRelease(t, mod, c.ID, map[string]any{"version": "1.0.0", "title": "PIAF santé", "changelog": "Première version.",
			"limitations": "- Textes synthétiques de test"})
		if v.Counts.Total.Questions != 30*2*3 || v.Counts.Total.Documents != 30 || len(v.Files) != 10 {
			t.Fatalf("counts %+v, %d files", v.Counts.Total, len(v.Files))
		}
		// A draft is invisible to visitors.
		if r := anon.Do("GET", release.FileURL(c.Slug, "1.0.0", "train.json"), nil); r.Status != 404 {
			t.Fatalf("draft downloaded anonymously: %d", r.Status)
		}
		var catalogue []release.View
		anon.Must(200, "GET", "/api/v1/releases", nil).JSON(t, &catalogue)
		if len(catalogue) != 0 {
			t.Fatalf("draft in the catalogue: %+v", catalogue)
		}
		publish(t, mod, c.ID, "1.0.0")
		if r := mod.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/releases/1.0.0/publish", c.ID), nil); r.Status != 409 {
			t.Fatalf("second publish: %d", r.Status)
		}
		if r := mod.Do("PATCH", fmt.Sprintf("/api/v1/campaigns/%d/releases/1.0.0", c.ID), map[string]any{"title": "autre"}); r.Status != 409 || r.ErrorCode() != "release_immutable" {
			t.Fatalf("edit of a published release: %d %s", r.Status, r.Body)
		}
		if r := admin.Do("DELETE", fmt.Sprintf("/api/v1/campaigns/%d/releases/1.0.0", c.ID), nil); r.Status != 409 {
			t.Fatalf("delete of a published release: %d", r.Status)
		}
		anon.Must(200, "GET", "/api/v1/releases", nil).JSON(t, &catalogue)
		if len(catalogue) != 1 || !catalogue[0].Latest || !catalogue[0].CanDownload {
			t.Fatalf("catalogue %+v", catalogue)
		}

		// SQuAD: exactly the imported questions, answers and offsets; no
		// document in two splits.
		var squadFiles [][]byte
		docSplit := map[string]string{}
		for _, sp := range release.Splits() {
			b := download(t, anon, c.Slug, "1.0.0", sp+".json")
			squadFiles = append(squadFiles, b)
			_, docs := squadContent(t, b)
			for _, d := range docs {
				if other, ok := docSplit[d]; ok && other != sp {
					t.Fatalf("document %q in %s and %s", d, other, sp)
				}
				docSplit[d] = sp
			}
		}
		got, _ := squadContent(t, squadFiles...)
		srcBytes, _ := json.Marshal(source)
		want, _ := squadContent(t, srcBytes)
		if len(got) != len(want) {
			t.Fatalf("release holds %d questions, source %d", len(got), len(want))
		}
		for id, w := range want {
			if got[id] != w {
				t.Fatalf("question %s: release %+v, source %+v", id, got[id], w)
			}
		}
		perSplit := map[string]int{}
		for _, s := range docSplit {
			perSplit[s]++
		}
		if perSplit["test"] == 0 || perSplit["dev"] == 0 || perSplit["train"] < perSplit["test"] {
			t.Fatalf("documents per split %v", perSplit)
		}

		// Re-imported into another campaign and released again: identical.
		c2 := newCampaign(t, env, "Réimport")
		for _, b := range squadFiles {
			rep, err := env.App.Importer.Import(context.Background(), c2.ID, bytes.NewReader(b), int64(len(b)), dataio.Options{Format: dataio.FormatSQuAD, PreAccept: true}, nil)
			if err != nil || rep.RejectedCount != 0 {
				t.Fatalf("re-import: %v %+v", err, rep)
			}
		}
		createRelease(t, mod, c2.ID, map[string]any{"version": "1.0.0", "title": "Réimport"})
		var again [][]byte
		for _, sp := range release.Splits() {
			again = append(again, download(t, mod, c2.Slug, "1.0.0", sp+".json"))
		}
		if reimported, _ := squadContent(t, again...); !mapsEqual(reimported, want) {
			t.Fatal("a release re-imported and released again differs from the original")
		}

		// JSONL: the columns of the Hugging Face SQuAD loader.
		features := loadFeatures(t)
		rows := 0
		for _, sp := range release.Splits() {
			b := download(t, anon, c.Slug, "1.0.0", sp+".jsonl")
			for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
				if line == "" {
					continue
				}
				var row any
				if err := json.Unmarshal([]byte(line), &row); err != nil {
					t.Fatalf("%s.jsonl line %d: %v", sp, i+1, err)
				}
				if err := conforms(row, features); err != nil {
					t.Fatalf("%s.jsonl line %d does not match the datasets SQuAD features: %v\n%s", sp, i+1, err, line)
				}
				var hf release.HFRow
				_ = json.Unmarshal([]byte(line), &hf)
				r := []rune(hf.Context)
				for k, s := range hf.Answers.AnswerStart {
					if string(r[s:s+utf8.RuneCountInString(hf.Answers.Text[k])]) != hf.Answers.Text[k] {
						t.Fatalf("JSONL answer offset wrong in %s", hf.ID)
					}
				}
				rows++
			}
		}
		if rows != len(want) {
			t.Fatalf("JSONL rows %d, want %d", rows, len(want))
		}

		// CSV: a standard reader gets every answer back; formulas are defused.
		b := download(t, anon, c.Slug, "1.0.0", "questions.csv")
		records, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
		if err != nil {
			t.Fatalf("CSV does not parse: %v", err)
		}
		if !slices.Equal(records[0], release.CSVHeader()) {
			t.Fatalf("CSV header %v", records[0])
		}
		defused := 0
		answers := map[string]string{}
		for _, rec := range records[1:] {
			for _, cell := range rec {
				if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
					t.Fatalf("formula cell left active: %q", cell)
				}
				if strings.HasPrefix(cell, "'=") || strings.HasPrefix(cell, "'-") {
					defused++
				}
			}
			id := release.RestoreCell(rec[0])
			answers[id] += rec[8] + ":" + release.RestoreCell(rec[9]) + "|"
		}
		for id, w := range want {
			if answers[id] != w.Answers {
				t.Fatalf("CSV answers of %s: %q, want %q", id, answers[id], w.Answers)
			}
		}
		if defused == 0 {
			t.Fatal("no formula cell was neutralised")
		}

		// Datasheet and provenance.
		var ds release.Datasheet
		if err := json.Unmarshal(download(t, anon, c.Slug, "1.0.0", "datasheet.json"), &ds); err != nil {
			t.Fatal(err)
		}
		if ds.Total.Questions != len(want) || ds.Agreement.Questions != 30*2*2 || ds.Agreement.F1 <= 0 || ds.License != "CC BY-SA 4.0" ||
			len(ds.Themes) != 3 || ds.ImportedQuestions != len(want) || !slices.Contains(ds.Limitations, "Textes synthétiques de test") {
			t.Fatalf("datasheet %+v", ds)
		}
		md := string(download(t, anon, c.Slug, "1.0.0", "datasheet.md"))
		for _, s := range []string{"# PIAF santé — version 1.0.0", "| train |", "Accord entre annotateurs", "train.jsonl"} {
			if !strings.Contains(md, s) {
				t.Fatalf("datasheet.md lacks %q:\n%s", s, md)
			}
		}
		prov := string(download(t, anon, c.Slug, "1.0.0", "provenance.jsonl"))
		if strings.Contains(prov, "@") || strings.Count(prov, "\n") != len(want) || !strings.Contains(prov, `"source":"import"`) {
			t.Fatalf("provenance: %d lines, emails? %v", strings.Count(prov, "\n"), strings.Contains(prov, "@"))
		}

		// HTTP: gzip, ETag, Range, HEAD, latest, download counts.
		path := release.FileURL(c.Slug, "1.0.0", "train.jsonl")
		res, plain := rawGet(t, env, path, nil)
		etag := res.Header.Get("ETag")
		if res.StatusCode != 200 || res.Header.Get("Content-Encoding") != "" || etag == "" || !strings.HasPrefix(res.Header.Get("Repr-Digest"), "sha-256=:") ||
			res.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" || !strings.Contains(res.Header.Get("Content-Disposition"), "piaf-"+c.Slug+"-1.0.0-train.jsonl") {
			t.Fatalf("plain download: %d %v", res.StatusCode, res.Header)
		}
		res, zipped := rawGet(t, env, path, map[string]string{"Accept-Encoding": "gzip, br"})
		if res.StatusCode != 200 || res.Header.Get("Content-Encoding") != "gzip" || len(zipped) >= len(plain) {
			t.Fatalf("gzip download: %d %v (%d vs %d bytes)", res.StatusCode, res.Header, len(zipped), len(plain))
		}
		zr, err := gzip.NewReader(bytes.NewReader(zipped))
		if err != nil {
			t.Fatal(err)
		}
		if unzipped, _ := io.ReadAll(zr); !bytes.Equal(unzipped, plain) {
			t.Fatal("the gzip copy differs from the file")
		}
		if res, _ := rawGet(t, env, path, map[string]string{"If-None-Match": etag}); res.StatusCode != 304 {
			t.Fatalf("If-None-Match: %d", res.StatusCode)
		}
		res, part := rawGet(t, env, path, map[string]string{"Range": "bytes=10-19"})
		if res.StatusCode != 206 || !bytes.Equal(part, plain[10:20]) {
			t.Fatalf("range: %d %q", res.StatusCode, part)
		}
		req, _ := http.NewRequest(http.MethodHead, env.URL+path, nil)
		if hr, err := http.DefaultClient.Do(req); err != nil || hr.StatusCode != 200 || hr.ContentLength != int64(len(plain)) {
			t.Fatalf("HEAD: %v %v", err, hr)
		}
		if res, _ := rawGet(t, env, release.FileURL(c.Slug, "latest", "train.jsonl"), nil); res.StatusCode != 302 || res.Header.Get("Location") != path {
			t.Fatalf("latest: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		if r := anon.Do("GET", release.FileURL(c.Slug, "1.0.0", "../../etc/passwd"), nil); r.Status != 404 {
			t.Fatalf("unknown file: %d", r.Status)
		}
		// A download is counted once its response is written, so the client
		// may ask before the last count lands: wait for the counts to settle.
		var after release.View
		counts := map[string]int64{}
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			anon.Must(200, "GET", fmt.Sprintf("/api/v1/campaigns/%d/releases/1.0.0", c.ID), nil).JSON(t, &after)
			for _, f := range after.Files {
				counts[f.Name] = f.Downloads
				if f.URL != release.FileURL(c.Slug, "1.0.0", f.Name) || len(f.SHA256) != 64 || f.Size == 0 || f.Rows == 0 {
					t.Fatalf("file %+v", f)
				}
			}
			if counts["train.jsonl"] >= 3 || time.Now().After(deadline) {
				break
			}
		}
		// train.jsonl: the JSONL pass, plain, gzip (not the 304, the range, the HEAD).
		if counts["train.jsonl"] != 3 || counts["questions.csv"] != 1 || after.Downloads < 12 {
			t.Fatalf("download counts %v (total %d)", counts, after.Downloads)
		}
	})
}

func mapsEqual(a, b map[string]qaKey) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func loadFeatures(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile("testdata/hf_squad_features.json")
	if err != nil {
		t.Fatal(err)
	}
	var f map[string]any
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	delete(f, "_comment")
	return f
}

// conforms checks a decoded JSON row against Hugging Face `datasets`
// features: Value(string|int32) and Sequence of a dict (stored, as
// `datasets` does, as a dict of equally long lists). Extra or missing
// columns are errors.
func conforms(v any, features map[string]any) error {
	row, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("not an object")
	}
	if len(row) != len(features) {
		return fmt.Errorf("columns %v, want %v", keys(row), keys(features))
	}
	for name, spec := range features {
		val, ok := row[name]
		if !ok {
			return fmt.Errorf("missing column %s", name)
		}
		if err := conformsFeature(val, spec.(map[string]any)); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

func conformsFeature(v any, spec map[string]any) error {
	switch spec["_type"] {
	case "Value":
		switch spec["dtype"] {
		case "string":
			if _, ok := v.(string); !ok {
				return fmt.Errorf("want a string, got %T", v)
			}
		case "int32":
			n, ok := v.(float64)
			if !ok || n != float64(int32(n)) {
				return fmt.Errorf("want an int32, got %v", v)
			}
		default:
			return fmt.Errorf("unknown dtype %v", spec["dtype"])
		}
	case "Sequence":
		inner := spec["feature"].(map[string]any)
		obj, ok := v.(map[string]any)
		if !ok || len(obj) != len(inner) {
			return fmt.Errorf("want a dict of lists %v, got %v", keys(inner), v)
		}
		length := -1
		for name, sub := range inner {
			list, ok := obj[name].([]any)
			if !ok {
				return fmt.Errorf("%s: want a list", name)
			}
			if length >= 0 && len(list) != length {
				return fmt.Errorf("%s: lists of different lengths", name)
			}
			length = len(list)
			for _, item := range list {
				if err := conformsFeature(item, sub.(map[string]any)); err != nil {
					return fmt.Errorf("%s: %w", name, err)
				}
			}
		}
	default:
		return fmt.Errorf("unknown feature type %v", spec["_type"])
	}
	return nil
}

func keys[M ~map[string]V, V any](m M) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestCreationRacesAndRefusals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		env := apptest.Start(t, db)
		mod, _ := env.User(identity.RoleModerator, "Modérateur")
		contributor, _ := env.User(identity.RoleContributor, "Bénévole")
		empty := newCampaign(t, env, "Vide")
		importDataset(t, env, empty.ID, fixture("vide", 0, 2), false) // submitted, not accepted
		if r := mod.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/releases", empty.ID), map[string]any{"version": "1.0.0", "title": "Vide"}); r.Status != 422 || r.ErrorCode() != "nothing_accepted" {
			t.Fatalf("release with nothing accepted: %d %s", r.Status, r.Body)
		}
		c := newCampaign(t, env, "Course")
		importDataset(t, env, c.ID, fixture("course", 0, 4), true)
		if r := contributor.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/releases", c.ID), map[string]any{"version": "1.0.0", "title": "x"}); r.Status != 403 {
			t.Fatalf("contributor creating a release: %d", r.Status)
		}
		// Two moderators ask for the same version at once: one wins.
		statuses := make([]int, 2)
		bodies := make([][]byte, 2)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range 2 {
			m := mod
			if i == 1 {
				m, _ = env.User(identity.RoleModerator, "Autre modérateur")
			}
			wg.Add(1)
			go func(i int, m *apptest.Client) {
				defer wg.Done()
				<-start
				r := m.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/releases", c.ID), map[string]any{"version": "2.0.0", "title": "Course"})
				statuses[i], bodies[i] = r.Status, r.Body
			}(i, m)
		}
		close(start)
		wg.Wait()
		slices.Sort(statuses)
		if statuses[0] != 201 || statuses[1] != 409 {
			t.Fatalf("concurrent creation: %v %s %s", statuses, bodies[0], bodies[1])
		}
		if n := env.Count("releases", "campaign_id = ? AND version = ?", c.ID, "2.0.0"); n != 1 {
			t.Fatalf("%d releases 2.0.0", n)
		}
		// Unknown campaign and unknown release.
		if r := mod.Do("POST", "/api/v1/campaigns/999999/releases", map[string]any{"version": "1.0.0", "title": "x"}); r.Status != 404 {
			t.Fatalf("unknown campaign: %d", r.Status)
		}
		if r := mod.Do("GET", fmt.Sprintf("/api/v1/campaigns/%d/releases/9.9.9", c.ID), nil); r.Status != 404 {
			t.Fatalf("unknown release: %d", r.Status)
		}
		// Unknown fields are refused, not ignored.
		if r := mod.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/releases", c.ID), map[string]any{"version": "3.0.0", "title": "x", "public": true}); r.Status != 400 {
			t.Fatalf("unknown field: %d", r.Status)
		}
	})
}

func TestRestrictedReleaseNeedsConsumerOrToken(t *testing.T) {
	env := apptest.Start(t, dbtest.Postgres(t))
	mod, _ := env.User(identity.RoleModerator, "Modé")
	contributor, _ := env.User(identity.RoleContributor, "Contrib")
	consumer, consumerUser := env.User(identity.RoleConsumer, "Préfecture")
	c := newCampaign(t, env, "Restreinte")
	importDataset(t, env, c.ID, fixture("r", 0, 3), true)
	createRelease(t, mod, c.ID, map[string]any{"version": "1.0.0", "title": "Restreinte", "visibility": "restricted"})
	publish(t, mod, c.ID, "1.0.0")
	path := release.FileURL(c.Slug, "1.0.0", "train.json")

	r := env.NewClient().Do("GET", path, nil)
	if r.Status != 401 || !strings.Contains(r.Header.Get("WWW-Authenticate"), "datasets:read") {
		t.Fatalf("anonymous: %d %v", r.Status, r.Header)
	}
	if r := contributor.Do("GET", path, nil); r.Status != 403 || r.ErrorCode() != "restricted_release" {
		t.Fatalf("contributor: %d %s", r.Status, r.Body)
	}
	consumer.Must(200, "GET", path, nil)
	mod.Must(200, "GET", path, nil)
	if r := env.TokenClient(consumerUser, identity.ScopeQAAsk).Do("GET", path, nil); r.Status != 403 || r.ErrorCode() != "insufficient_scope" {
		t.Fatalf("token without datasets:read: %d %s", r.Status, r.Body)
	}
	env.TokenClient(consumerUser, identity.ScopeDatasetsRead).Must(200, "GET", path, nil)
	// Listed for everyone (so administrations know it exists), downloadable by some.
	var list []release.View
	env.NewClient().Must(200, "GET", "/api/v1/releases", nil).JSON(t, &list)
	if len(list) != 1 || list[0].CanDownload || list[0].Visibility != release.VisibilityRestricted {
		t.Fatalf("anonymous catalogue %+v", list)
	}
	if res, _ := rawGet(t, env, path, map[string]string{"Authorization": "Bearer " + "nope"}); res.StatusCode != 401 {
		t.Fatalf("bad token: %d", res.StatusCode)
	}
}

func TestSplitsStayPutAndDiffs(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		env := apptest.Start(t, db)
		mod, _ := env.User(identity.RoleModerator, "Modé")
		c := newCampaign(t, env, "Versions")
		importDataset(t, env, c.ID, fixture("v", 0, 20), true)
		createRelease(t, mod, c.ID, map[string]any{"version": "1.0.0", "title": "Versions", "seed": 7})
		publish(t, mod, c.ID, "1.0.0")
		splitsOf := func(version string) map[string]string {
			out := map[string]string{}
			for _, sp := range release.Splits() {
				_, docs := squadContent(t, download(t, mod, c.Slug, version, sp+".json"))
				for _, d := range docs {
					out[d] = sp
				}
			}
			return out
		}
		before := splitsOf("1.0.0")

		// Version 1.1.0: ten more documents, one question edited, one rejected.
		importDataset(t, env, c.ID, fixture("v", 20, 10), true)
		var edited, rejected int64
		env.DB.Gorm.Raw(`SELECT id FROM questions WHERE external_id = 'v-3-0-0'`).Scan(&edited)
		env.DB.Gorm.Raw(`SELECT id FROM questions WHERE external_id = 'v-4-1-2'`).Scan(&rejected)
		mod.Must(200, "POST", fmt.Sprintf("/api/v1/review/questions/%d/decisions", edited), map[string]any{"action": "reopen"})
		mod.Must(200, "POST", fmt.Sprintf("/api/v1/review/questions/%d/decisions", edited), map[string]any{"action": "edit", "question": "Combien de patients l’hôpital accueille-t-il ?"})
		mod.Must(200, "POST", fmt.Sprintf("/api/v1/review/questions/%d/decisions", rejected), map[string]any{"action": "reopen"})
		mod.Must(200, "POST", fmt.Sprintf("/api/v1/review/questions/%d/decisions", rejected), map[string]any{"action": "reject", "reason_code": "question_ambiguous"})
		// A different seed for the new release changes nothing for old documents.
		createRelease(t, mod, c.ID, map[string]any{"version": "1.1.0", "title": "Versions", "seed": 99})
		after := splitsOf("1.1.0")
		for doc, sp := range before {
			if after[doc] != sp {
				t.Fatalf("document %q moved from %s to %s", doc, sp, after[doc])
			}
		}
		if len(after) != 30 {
			t.Fatalf("1.1.0 has %d documents", len(after))
		}

		var d release.Diff
		mod.Must(200, "GET", fmt.Sprintf("/api/v1/campaigns/%d/releases/1.1.0/diff?from=1.0.0", c.ID), nil).JSON(t, &d)
		if d.Total.Added != 10*6 || d.Total.Changed != 1 || d.Total.Removed != 1 || d.Total.Unchanged != 20*6-2 {
			t.Fatalf("diff %+v", d.Total)
		}
		sum := 0
		for _, sp := range release.Splits() {
			sum += d.Splits[sp].Added
		}
		if sum != d.Total.Added {
			t.Fatalf("per split %+v", d.Splits)
		}
		var changed *release.DiffEntry
		for i := range d.Examples {
			if d.Examples[i].Change == "changed" {
				changed = &d.Examples[i]
			}
		}
		if changed == nil || changed.ID != "v-3-0-0" || changed.After.Question != "Combien de patients l’hôpital accueille-t-il ?" || changed.Before.Question == changed.After.Question {
			t.Fatalf("changed entry %+v", changed)
		}
		body := mod.Must(200, "GET", fmt.Sprintf("/api/v1/campaigns/%d/releases/1.1.0/diff?from=1.0.0&format=jsonl", c.ID), nil).Body
		if n := strings.Count(string(body), "\n"); n != 10*6+2 {
			t.Fatalf("JSONL diff has %d lines", n)
		}
		if r := mod.Do("GET", fmt.Sprintf("/api/v1/campaigns/%d/releases/1.1.0/diff?from=0.9.0", c.ID), nil); r.Status != 404 {
			t.Fatalf("diff from an unknown version: %d", r.Status)
		}
		// A draft is not visible to visitors, nor diffable by them.
		if r := env.NewClient().Do("GET", fmt.Sprintf("/api/v1/campaigns/%d/releases/1.1.0/diff?from=1.0.0", c.ID), nil); r.Status != 404 {
			t.Fatalf("anonymous diff with a draft: %d", r.Status)
		}
		// An administrator discards the draft; its files go, 1.0.0's stay.
		if r := mod.Do("DELETE", fmt.Sprintf("/api/v1/campaigns/%d/releases/1.1.0", c.ID), nil); r.Status != 403 {
			t.Fatalf("moderator deleting a draft: %d", r.Status)
		}
		admin, _ := env.User(identity.RoleAdmin, "Admin")
		admin.Must(204, "DELETE", fmt.Sprintf("/api/v1/campaigns/%d/releases/1.1.0", c.ID), nil)
		if n, _ := env.App.Releases.CollectGarbage(context.Background(), 0); n == 0 {
			t.Fatal("the deleted draft's files were not collected")
		}
		for _, sp := range release.Splits() {
			download(t, env.NewClient(), c.Slug, "1.0.0", sp+".jsonl")
		}
		if n, _ := env.App.Releases.CollectGarbage(context.Background(), 0); n != 0 {
			t.Fatalf("garbage collection deleted %d files still in use", n)
		}
	})
}

// TestPIAFVersionsImportedAsReleases loads PIAF v1.0 then v1.1 (train) as
// two releases of one campaign and diffs them.
func TestPIAFVersionsImportedAsReleases(t *testing.T) {
	v10 := shareddata.Require(t, "piaf/piaf-v1.0.json")
	v11 := shareddata.Require(t, "piaf/piaf-v1.1-train.json")
	env := apptest.Start(t, dbtest.Postgres(t))
	mod, _ := env.User(identity.RoleModerator, "Modé")
	c := newCampaign(t, env, "PIAF")
	ctx := context.Background()
	var counts []release.Counts
	for _, f := range []struct{ path, version string }{{v10, "1.0.0"}, {v11, "1.1.0"}} {
		fh, err := os.Open(f.path)
		if err != nil {
			t.Fatal(err)
		}
		st, _ := fh.Stat()
		rep, err := env.App.Importer.Import(ctx, c.ID, fh, st.Size(), dataio.Options{Format: dataio.FormatSQuAD, PreAccept: true, UpdateExisting: true}, nil)
		fh.Close()
		if err != nil {
			t.Fatal(err)
		}
		r, err := env.App.Releases.ImportFile(ctx, c.ID, f.path, release.CreateInput{Version: f.version, Title: "PIAF " + f.version}, true, nopProgress{})
		if err != nil {
			t.Fatal(err)
		}
		cnt := r.DecodedCounts()
		counts = append(counts, cnt)
		t.Logf("PIAF %s: imported %d questions (%d new, %d updated, %d retired, %d rejected); release %+v", f.version, rep.Questions, rep.QuestionsNew,
			rep.QuestionsUpdated, rep.QuestionsRetired, rep.RejectedCount, cnt.Total)
		if cnt.Total.Questions != rep.Questions-rep.RejectedCount {
			t.Fatalf("release %s holds %d questions, the file %d importable", f.version, cnt.Total.Questions, rep.Questions-rep.RejectedCount)
		}
	}
	var d release.Diff
	mod.Must(200, "GET", fmt.Sprintf("/api/v1/campaigns/%d/releases/1.1.0/diff?from=1.0.0", c.ID), nil).JSON(t, &d)
	t.Logf("PIAF 1.0.0 → 1.1.0: %+v (per split %+v)", d.Total, d.Splits)
	if d.Total.Added+d.Total.Changed+d.Total.Unchanged != counts[1].Total.Questions || d.Total.Removed+d.Total.Changed+d.Total.Unchanged != counts[0].Total.Questions {
		t.Fatalf("diff %+v does not add up to %d and %d questions", d.Total, counts[0].Total.Questions, counts[1].Total.Questions)
	}
	// The campaign itself now holds v1.1: a release of its accepted
	// annotations differs from the imported 1.1.0 only by questions of
	// paragraphs that v1.1 dropped altogether.
	createRelease(t, mod, c.ID, map[string]any{"version": "1.2.0", "title": "PIAF depuis la campagne"})
	mod.Must(200, "GET", fmt.Sprintf("/api/v1/campaigns/%d/releases/1.2.0/diff?from=1.1.0", c.ID), nil).JSON(t, &d)
	t.Logf("PIAF 1.1.0 (file) → 1.2.0 (campaign): %+v", d.Total)
	if d.Total.Changed != 0 || d.Total.Removed != 0 || d.Total.Added > 33 {
		b, _ := json.Marshal(d.Examples[:min(3, len(d.Examples))])
		t.Fatalf("the campaign is not in step with v1.1: %+v, e.g. %s", d.Total, b)
	}
}

type nopProgress struct{}

func (nopProgress) Stage(context.Context, string, int64) {}
func (nopProgress) Add(context.Context, int64)           {}
