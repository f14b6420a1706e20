package qaservice_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/lab-ia/piaf/backend/internal/app/apptest"
	"github.com/lab-ia/piaf/backend/internal/corpus"
	"github.com/lab-ia/piaf/backend/internal/database"
	"github.com/lab-ia/piaf/backend/internal/database/dbtest"
	"github.com/lab-ia/piaf/backend/internal/dataio"
	"github.com/lab-ia/piaf/backend/internal/identity"
	"github.com/lab-ia/piaf/backend/internal/jobs"
	"github.com/lab-ia/piaf/backend/internal/qaservice"
	"github.com/lab-ia/piaf/backend/qa/squad"
	"github.com/lab-ia/piaf/backend/shareddata"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// towns and founders make a French corpus whose questions follow a few
// patterns, so that a reader trained in a second on a handful of them
// answers the same patterns on unseen documents. Passages hold
// typographic apostrophes, accents and an emoji before the answers, so
// that byte, UTF-16 and code-point offsets all differ.
var (
	towns    = []string{"Évry", "Orléans", "Besançon", "Nîmes", "Angoulême", "Pontoise", "Sète", "Créteil", "Compiègne", "Châlons", "Épinal", "Mâcon", "Rodez", "Agen", "Alençon", "Évreux", "Périgueux", "Brest", "Montbéliard", "Béziers", "Thônes", "Gérardmer", "Aurillac", "Laval"}
	founders = []string{"Émile Durand", "Hélène Boucher", "Joséphine Marchand", "Léon Petit", "Françoise Lefèvre", "André Girard", "Cécile Moreau", "Jérôme Rivière"}
)

func fixture(first, n int) squad.Dataset {
	ds := squad.Dataset{Version: "test"}
	for d := first; d < first+n; d++ {
		town := towns[d%len(towns)]
		year := fmt.Sprint(1801 + d*7)
		founder := founders[d%len(founders)]
		beds := fmt.Sprint(120 + d*11)
		ctx := fmt.Sprintf("L’hôpital d’%s 🏥 est l’établissement de santé de la ville. Il a été fondé en %s par %s, qui l’a dirigé pendant vingt ans. Aujourd’hui, l’hôpital compte %s lits et accueille des patients de toute la région.",
			town, year, founder, beds)
		para := squad.Paragraph{Context: ctx}
		add := func(q, ans string, k int) {
			i := strings.Index(ctx, ans)
			para.QAs = append(para.QAs, squad.Question{ID: fmt.Sprintf("q%d-%d", d, k), Question: q,
				Answers: []squad.Answer{{Start: utf8.RuneCountInString(ctx[:i]), Text: ans}}})
		}
		add(fmt.Sprintf("En quelle année l’hôpital d’%s a-t-il été fondé ?", town), year, 0)
		add(fmt.Sprintf("Qui a fondé l’hôpital d’%s ?", town), founder, 1)
		add(fmt.Sprintf("Combien de lits compte l’hôpital d’%s ?", town), beds, 2)
		ds.Data = append(ds.Data, squad.Article{Title: "Hôpital d’" + town, Paragraphs: []squad.Paragraph{para}})
	}
	return ds
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

func importDataset(t *testing.T, env *apptest.Env, campaignID int64, ds squad.Dataset) {
	t.Helper()
	b, err := json.Marshal(ds)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := env.App.Importer.Import(context.Background(), campaignID, bytes.NewReader(b), int64(len(b)), dataio.Options{Format: dataio.FormatSQuAD, PreAccept: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.RejectedCount != 0 {
		t.Fatalf("fixture rejected: %+v", rep.Rejected)
	}
}

func mustSucceed(t *testing.T, c *apptest.Client, id int64) {
	t.Helper()
	if j := c.WaitJob(id); j.State != jobs.StateSucceeded {
		t.Fatalf("job %d %s: %s", id, j.State, j.Error)
	}
}

func ask(c *apptest.Client, collection, question string) *apptest.Response {
	return c.Do("POST", "/api/v1/qa/ask", map[string]any{"question": question, "collection": collection, "top_k": 3})
}

// checkOffsets verifies that every answer's code-point offsets select its
// text in its passage.
func checkOffsets(t *testing.T, res qaservice.AskResult) {
	t.Helper()
	for _, a := range res.Answers {
		r := []rune(a.Passage)
		if a.Start < 0 || a.End > len(r) || a.Start >= a.End || string(r[a.Start:a.End]) != a.Text {
			t.Fatalf("answer %q at [%d,%d) does not match its passage %q", a.Text, a.Start, a.End, a.Passage)
		}
	}
}

// TestCollectionModelAndAsk goes through the whole life: a collection of a
// campaign indexed by a job, a model trained from a release, chosen for
// the collection, questions asked with every kind of caller, bad inputs,
// feedback and its annotation task.
func TestCollectionModelAndAsk(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		env := apptest.Start(t, db)
		mod, _ := env.User(identity.RoleModerator, "Modératrice")
		contrib, _ := env.User(identity.RoleContributor, "Contributrice")
		_, consumerUser := env.User(identity.RoleConsumer, "Administration")
		anon := env.NewClient()
		c := newCampaign(t, env, "Hôpitaux de France")
		importDataset(t, env, c.ID, fixture(0, 24))

		// A collection of the campaign's paragraphs, indexed by a job.
		var created qaservice.Creation
		mod.Must(201, "POST", "/api/v1/qa/collections", map[string]any{"name": "Hôpitaux", "campaign_id": c.ID}).JSON(t, &created)
		if created.Collection.Status != qaservice.StatusBuilding || created.Collection.Slug != "hopitaux" {
			t.Fatalf("created %+v", created.Collection)
		}
		mustSucceed(t, mod, created.JobID)
		var col qaservice.CollectionView
		mod.Must(200, "GET", fmt.Sprintf("/api/v1/qa/collections/%d", created.Collection.ID), nil).JSON(t, &col)
		if col.Status != qaservice.StatusReady || col.Passages != 24 || col.Documents != 24 {
			t.Fatalf("indexed collection %+v", col)
		}
		// Not a qa campaign, or no such campaign.
		if r := mod.Do("POST", "/api/v1/qa/collections", map[string]any{"name": "x", "campaign_id": 999999}); r.Status != 404 {
			t.Fatalf("unknown campaign: %d %s", r.Status, r.Body)
		}

		// No model yet: a clear refusal.
		if r := ask(contrib, "hopitaux", "Qui a fondé l’hôpital d’Évry ?"); r.Status != 409 || r.ErrorCode() != "no_active_model" {
			t.Fatalf("without model: %d %s", r.Status, r.Body)
		}

		// A model trained from a release of the campaign.
		var rel struct {
			JobID int64 `json:"job_id"`
		}
		mod.Must(201, "POST", fmt.Sprintf("/api/v1/campaigns/%d/releases", c.ID), map[string]any{"version": "1.0.0", "title": "Hôpitaux"}).JSON(t, &rel)
		mustSucceed(t, mod, rel.JobID)
		if r := mod.Do("POST", "/api/v1/qa/models", map[string]any{"campaign_id": c.ID, "version": "9.9.9"}); r.Status != 404 {
			t.Fatalf("unknown release: %d %s", r.Status, r.Body)
		}
		var tr qaservice.Training
		mod.Must(201, "POST", "/api/v1/qa/models", map[string]any{"campaign_id": c.ID, "version": "1.0.0", "epochs": 3}).JSON(t, &tr)
		if tr.Model.Status != qaservice.StatusTraining {
			t.Fatalf("training %+v", tr.Model)
		}
		// A model still training cannot be chosen.
		if r := mod.Do("PUT", fmt.Sprintf("/api/v1/qa/collections/%d/model", col.ID), map[string]any{"model_id": tr.Model.ID}); r.Status != 409 {
			t.Logf("choosing a training model: %d (the job may already have finished)", r.Status)
		}
		mustSucceed(t, mod, tr.JobID)
		var m qaservice.ModelView
		mod.Must(200, "GET", fmt.Sprintf("/api/v1/qa/models/%d", tr.Model.ID), nil).JSON(t, &m)
		if m.Status != qaservice.StatusReady || m.Metrics == nil || m.Metrics.Test == nil || m.Metrics.Dev == nil || len(m.Curve) != 3 || m.Curve[0].DevF1 == nil || m.Size == 0 {
			t.Fatalf("trained model %+v", m)
		}
		if m.Metrics.TestQuestions == 0 || m.Metrics.Test.Count != m.Metrics.TestQuestions || m.Metrics.Test.F1Fr < 50 {
			t.Fatalf("test metrics %+v %+v", m.Metrics, m.Metrics.Test)
		}
		// The blob garbage collection keeps the model file.
		env.App.Releases.CollectGarbage(context.Background(), 0)
		var key string
		env.DB.Gorm.Raw(`SELECT blob_key FROM qa_models WHERE id = ?`, m.ID).Scan(&key)
		if obj, err := env.App.Blobs.Open(context.Background(), key); err != nil {
			t.Fatalf("model blob collected: %v", err)
		} else {
			obj.Close()
		}
		var models []qaservice.ModelView
		mod.Must(200, "GET", "/api/v1/qa/models", nil).JSON(t, &models)
		if len(models) != 1 {
			t.Fatalf("registry %+v", models)
		}

		// Chosen for the collection: the next question uses it.
		mod.Must(200, "PUT", fmt.Sprintf("/api/v1/qa/collections/%d/model", col.ID), map[string]any{"model_id": m.ID})
		r := ask(contrib, "hopitaux", "En quelle année l’hôpital d’Évreux a-t-il été fondé ?")
		if r.Status != 200 {
			t.Fatalf("ask: %d %s", r.Status, r.Body)
		}
		var res qaservice.AskResult
		r.JSON(t, &res)
		checkOffsets(t, res)
		d := 15 // Évreux
		want := fmt.Sprint(1801 + d*7)
		if len(res.Answers) == 0 || res.Answers[0].Text != want || res.Answers[0].Title != "Hôpital d’Évreux" || res.Model.ID != m.ID {
			t.Fatalf("answers %+v", res)
		}
		a := res.Answers[0]
		if wantStart := utf8.RuneCountInString(a.Passage[:strings.Index(a.Passage, want)]); a.Start != wantStart || a.End != wantStart+4 {
			t.Fatalf("offsets [%d,%d), want [%d,%d)", a.Start, a.End, wantStart, wantStart+4)
		}
		// By id too.
		if r := ask(contrib, fmt.Sprint(col.ID), "Qui a fondé l’hôpital d’Orléans ?"); r.Status != 200 {
			t.Fatalf("ask by id: %d %s", r.Status, r.Body)
		}

		// Bad inputs.
		for _, tc := range []struct {
			question, collection string
			status               int
			code                 string
		}{
			{"", "hopitaux", 422, "validation_failed"},
			{"   ", "hopitaux", 422, "validation_failed"},
			{strings.Repeat("é", 1001), "hopitaux", 422, "validation_failed"},
			{"Qui ?", "inconnue", 404, "collection_not_found"},
			{"Qui ?", "", 422, "validation_failed"},
		} {
			if r := ask(contrib, tc.collection, tc.question); r.Status != tc.status || r.ErrorCode() != tc.code {
				t.Fatalf("%q on %q: %d %s", tc.question, tc.collection, r.Status, r.Body)
			}
		}
		if r := contrib.Do("POST", "/api/v1/qa/ask", map[string]any{"question": "Qui ?", "collection": "hopitaux", "top_k": 50}); r.Status != 422 {
			t.Fatalf("top_k 50: %d", r.Status)
		}
		if r := contrib.Do("POST", "/api/v1/qa/ask", map[string]any{"question": "Qui ?", "collection": "hopitaux", "extra": 1}); r.Status != 400 {
			t.Fatalf("unknown field: %d", r.Status)
		}
		// Still building: refused with a clear code.
		env.DB.Gorm.Exec(`UPDATE qa_collections SET status = 'building' WHERE id = ?`, col.ID)
		if r := ask(contrib, "hopitaux", "Qui a fondé l’hôpital d’Évry ?"); r.Status != 409 || r.ErrorCode() != "collection_building" {
			t.Fatalf("building: %d %s", r.Status, r.Body)
		}
		env.DB.Gorm.Exec(`UPDATE qa_collections SET status = 'ready' WHERE id = ?`, col.ID)

		// Private collection: anonymous visitors are refused, even by id,
		// and do not see it listed; tokens need qa:ask.
		if r := ask(anon, "hopitaux", "Qui a fondé l’hôpital d’Évry ?"); r.Status != 401 {
			t.Fatalf("anonymous on a private collection: %d %s", r.Status, r.Body)
		}
		if r := anon.Do("GET", fmt.Sprintf("/api/v1/qa/collections/%d", col.ID), nil); r.Status != 404 {
			t.Fatalf("anonymous get private: %d", r.Status)
		}
		var listed []qaservice.CollectionView
		anon.Must(200, "GET", "/api/v1/qa/collections", nil).JSON(t, &listed)
		if len(listed) != 0 {
			t.Fatalf("anonymous list %+v", listed)
		}
		if r := ask(env.TokenClient(consumerUser, identity.ScopeDatasetsRead), "hopitaux", "Qui a fondé l’hôpital d’Évry ?"); r.Status != 403 || r.ErrorCode() != "insufficient_scope" {
			t.Fatalf("token without qa:ask: %d %s", r.Status, r.Body)
		}
		if r := ask(env.TokenClient(consumerUser, identity.ScopeQAAsk), "hopitaux", "Qui a fondé l’hôpital d’Évry ?"); r.Status != 200 {
			t.Fatalf("token with qa:ask: %d %s", r.Status, r.Body)
		}

		// A public collection uploaded as a SQuAD file: anonymous visitors
		// may ask there.
		b, _ := json.Marshal(fixture(100, 3))
		var up qaservice.Creation
		mod.Upload("/api/v1/qa/collections/upload", map[string]string{"name": "Hôpitaux publics", "public": "true"}, "hopitaux.json", b).JSON(t, &up)
		if up.JobID == 0 || up.Collection.Passages != 3 || !up.Collection.Public {
			t.Fatalf("upload %+v", up)
		}
		mustSucceed(t, mod, up.JobID)
		mod.Must(200, "PUT", fmt.Sprintf("/api/v1/qa/collections/%d/model", up.Collection.ID), map[string]any{"model_id": m.ID})
		r = ask(anon, up.Collection.Slug, "Qui a fondé l’hôpital d’Alençon ?")
		if r.Status != 200 {
			t.Fatalf("anonymous on a public collection: %d %s", r.Status, r.Body)
		}
		r.JSON(t, &res)
		checkOffsets(t, res)
		if len(res.Answers) == 0 {
			t.Fatal("no answer on the public collection")
		}
		anon.Must(200, "GET", "/api/v1/qa/collections", nil).JSON(t, &listed)
		if len(listed) != 1 || listed[0].Slug != up.Collection.Slug {
			t.Fatalf("anonymous list %+v", listed)
		}
		// Anonymous feedback on the public collection.
		anon.Must(201, "POST", "/api/v1/qa/feedback", map[string]any{"collection": up.Collection.Slug, "question": res.Question,
			"answer": res.Answers[0].Text, "passage_id": res.Answers[0].PassageID, "useful": true})
		if r := anon.Do("POST", "/api/v1/qa/feedback", map[string]any{"collection": "hopitaux", "question": "x", "useful": false}); r.Status != 401 {
			t.Fatalf("anonymous feedback on a private collection: %d", r.Status)
		}

		// Feedback: not useful, then sent to the campaign as a paragraph.
		r = ask(contrib, "hopitaux", "Combien de lits compte l’hôpital de Brest ?")
		r.JSON(t, &res)
		if r := contrib.Do("POST", "/api/v1/qa/feedback", map[string]any{"collection": "hopitaux", "question": res.Question,
			"answer": "x", "passage_id": "p-inexistant", "useful": false}); r.Status != 422 {
			t.Fatalf("unknown passage: %d", r.Status)
		}
		contrib.Must(201, "POST", "/api/v1/qa/feedback", map[string]any{"collection": "hopitaux", "question": res.Question,
			"answer": res.Answers[0].Text, "passage_id": res.Answers[0].PassageID, "useful": false})
		// A question with no word of the collection gets no answer and is
		// recorded for the moderators.
		r = ask(contrib, "hopitaux", "Xylophone quantique ?")
		r.JSON(t, &res)
		if r.Status != 200 || len(res.Answers) != 0 {
			t.Fatalf("nonsense question: %d %+v", r.Status, res)
		}
		if r := contrib.Do("GET", "/api/v1/qa/feedback", nil); r.Status != 403 {
			t.Fatalf("contributor lists feedback: %d", r.Status)
		}
		var fb []qaservice.FeedbackView
		mod.Must(200, "GET", fmt.Sprintf("/api/v1/qa/feedback?collection_id=%d", col.ID), nil).JSON(t, &fb)
		if len(fb) != 2 || fb[0].Answer != "" || fb[0].Question != "Xylophone quantique ?" || fb[1].Passage == "" || fb[1].Title != "Hôpital de Brest" && !strings.Contains(fb[1].Passage, "Brest") {
			t.Fatalf("feedback %+v", fb)
		}
		mod.Must(200, "GET", "/api/v1/qa/feedback?useful=true", nil).JSON(t, &fb)
		if len(fb) != 1 || !fb[0].Useful {
			t.Fatalf("useful feedback %+v", fb)
		}
		mod.Must(200, "GET", fmt.Sprintf("/api/v1/qa/feedback?collection_id=%d", col.ID), nil).JSON(t, &fb)
		if r := mod.Do("POST", fmt.Sprintf("/api/v1/qa/feedback/%d/task", fb[0].ID), map[string]any{"campaign_id": c.ID}); r.Status != 422 {
			t.Fatalf("task from an unanswered question: %d %s", r.Status, r.Body)
		}
		target := newCampaign(t, env, "Passages à reprendre")
		before := env.Count("paragraphs", "campaign_id = ?", target.ID)
		var task qaservice.TaskResult
		mod.Must(200, "POST", fmt.Sprintf("/api/v1/qa/feedback/%d/task", fb[1].ID), map[string]any{"campaign_id": target.ID}).JSON(t, &task)
		if !task.Created || env.Count("paragraphs", "campaign_id = ?", target.ID) != before+1 {
			t.Fatalf("task %+v", task)
		}

		// Reindexing keeps the collection answering with its model.
		var re qaservice.Creation
		mod.Must(202, "POST", fmt.Sprintf("/api/v1/qa/collections/%d/reindex", col.ID), nil).JSON(t, &re)
		mustSucceed(t, mod, re.JobID)
		if r := ask(contrib, "hopitaux", "Qui a fondé l’hôpital d’Évry ?"); r.Status != 200 {
			t.Fatalf("after reindexing: %d %s", r.Status, r.Body)
		}
		// A node without the index rebuilds it from the database.
		var version int
		env.DB.Gorm.Raw(`SELECT index_version FROM qa_collections WHERE id = ?`, col.ID).Scan(&version)
		env.DB.Gorm.Exec(`UPDATE qa_collections SET index_version = index_version + 1 WHERE id = ?`, col.ID)
		if r := ask(mod, "hopitaux", "Qui a fondé l’hôpital d’Évry ?"); r.Status != 200 {
			t.Fatalf("rebuilt index: %d %s", r.Status, r.Body)
		}

		// Made public, the collection opens to anonymous visitors; renamed
		// with a bad name, it is refused.
		var upd qaservice.CollectionView
		mod.Must(200, "PATCH", fmt.Sprintf("/api/v1/qa/collections/%d", col.ID), map[string]any{"public": true, "description": "Établissements"}).JSON(t, &upd)
		if !upd.Public || upd.Description != "Établissements" || upd.Name != "Hôpitaux" {
			t.Fatalf("updated %+v", upd)
		}
		if r := ask(anon, "hopitaux", "Qui a fondé l’hôpital d’Évry ?"); r.Status != 200 {
			t.Fatalf("anonymous on a collection made public: %d %s", r.Status, r.Body)
		}
		if r := mod.Do("PATCH", fmt.Sprintf("/api/v1/qa/collections/%d", col.ID), map[string]any{"name": " "}); r.Status != 422 {
			t.Fatalf("blank name: %d", r.Status)
		}
		if r := contrib.Do("PATCH", fmt.Sprintf("/api/v1/qa/collections/%d", col.ID), map[string]any{"public": false}); r.Status != 403 {
			t.Fatalf("contributor updates: %d", r.Status)
		}

		// Unchoosing the model stops answering.
		mod.Must(200, "PUT", fmt.Sprintf("/api/v1/qa/collections/%d/model", col.ID), map[string]any{"model_id": nil})
		if r := ask(contrib, "hopitaux", "Qui a fondé l’hôpital d’Évry ?"); r.Status != 409 {
			t.Fatalf("without model: %d", r.Status)
		}

		// Deleted with its passages and feedback; the model stays.
		mod.Must(204, "DELETE", fmt.Sprintf("/api/v1/qa/collections/%d", col.ID), nil)
		if r := ask(contrib, "hopitaux", "Qui ?"); r.Status != 404 {
			t.Fatalf("deleted collection: %d", r.Status)
		}
		if n := env.Count("qa_passages", "collection_id = ?", col.ID) + env.Count("qa_feedback", "collection_id = ?", col.ID); n != 0 {
			t.Fatalf("%d rows left", n)
		}
		mod.Must(200, "GET", fmt.Sprintf("/api/v1/qa/models/%d", m.ID), nil)
		mod.Must(404, "DELETE", fmt.Sprintf("/api/v1/qa/collections/%d", col.ID), nil)
	})
}

// TestRateLimit checks that a user asking too often is told to wait, and
// that others are not.
func TestRateLimit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		env := apptest.Start(t, db)
		c, _ := env.User(identity.RoleContributor, "Pressée")
		other, _ := env.User(identity.RoleContributor, "Patiente")
		limited := false
		for i := 0; i < 40 && !limited; i++ {
			r := ask(c, "inconnue", "Qui ?")
			switch {
			case r.Status == 429:
				if r.ErrorCode() != "rate_limited" || r.Header.Get("Retry-After") == "" {
					t.Fatalf("429 without its code or Retry-After: %s %v", r.Body, r.Header)
				}
				if i < 10 {
					t.Fatalf("limited after %d questions", i)
				}
				limited = true
			case r.Status != 404:
				t.Fatalf("ask %d: %d %s", i, r.Status, r.Body)
			}
		}
		if !limited {
			t.Fatal("40 questions in a row were never limited")
		}
		if r := ask(other, "inconnue", "Qui ?"); r.Status != 404 {
			t.Fatalf("another user: %d", r.Status)
		}
	})
}

// zipOf builds a zip archive of named texts.
func zipOf(t *testing.T, files map[string]string, method uint16) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, text := range files {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(text))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestUploads checks the upload formats and the refusals.
func TestUploads(t *testing.T) {
	ps, err := qaservice.ParseUpload("fiches.zip", zipOf(t, map[string]string{
		"fiches/F1.txt":      "Carte d’identité\n\nLa carte d’identité est gratuite.\nElle est valable quinze ans.",
		"fiches/F2.txt":      "\n\nPasseport\nLe passeport coûte 86 €.",
		"fiches/image.png":   "not text",
		"__MACOSX/._F1.txt":  "junk",
		"fiches/vide.txt":    "   \n",
		"fiches/sans-titre/": "",
	}, zip.Deflate), "https://www.service-public.fr/particuliers/vosdroits/{id}")
	if err != nil {
		t.Fatal(err)
	}
	titles := map[string]string{}
	for _, p := range ps {
		titles[p.DocumentID] = p.Title + " " + p.SourceURL
	}
	if len(ps) != 2 || titles["fiches/F1"] != "Carte d’identité https://www.service-public.fr/particuliers/vosdroits/F1" || titles["fiches/F2"] != "Passeport https://www.service-public.fr/particuliers/vosdroits/F2" {
		t.Fatalf("passages %+v", ps)
	}
	if got := qaservice.SourceURLFor("https://exemple.fr/{file}", "a/F10009_apa à domicile.txt"); got != "https://exemple.fr/F10009_apa%20%C3%A0%20domicile" {
		t.Fatalf("source url %q", got)
	}
	for tpl, ok := range map[string]bool{"": true, "https://a.fr/{id}": true, "javascript:alert(1)": false, "/relatif/{id}": false} {
		if qaservice.CheckSourceURL(tpl) != ok {
			t.Fatalf("CheckSourceURL(%q) != %v", tpl, ok)
		}
	}
	if _, err := qaservice.ParseUpload("notes.txt", []byte("du texte"), ""); err == nil {
		t.Fatal("a .txt file was accepted")
	}
	if _, err := qaservice.ParseUpload("vide.zip", zipOf(t, map[string]string{"a.png": "x"}, zip.Deflate), ""); err == nil {
		t.Fatal("an archive without text was accepted")
	}
	// A zip bomb: a megabyte of zeros per kilobyte.
	bomb := zipOf(t, map[string]string{"bombe.txt": strings.Repeat("0", 4<<20)}, zip.Deflate)
	if _, err := qaservice.ParseUpload("bombe.zip", bomb, ""); err == nil || !strings.Contains(err.Error(), "archive_refused") {
		t.Fatalf("zip bomb: %v", err)
	}
	if _, err := qaservice.ParseUpload("faux.json", []byte(`{"data": 3}`), ""); err == nil {
		t.Fatal("a bad SQuAD file was accepted")
	}
}

// TestServicePublicFiches indexes the service-public.fr fiches of the
// shared corpora as an uploaded collection and searches them.
func TestServicePublicFiches(t *testing.T) {
	path := shareddata.Require(t, "service_public_fiches/service_public_fr_fiches_txt_v2.zip")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	db := dbtest.SQLite(t)
	env := apptest.Start(t, db)
	mod, _ := env.User(identity.RoleModerator, "Modérateur")
	c := newCampaign(t, env, "Hôpitaux")
	importDataset(t, env, c.ID, fixture(0, 16))
	var rel struct {
		JobID int64 `json:"job_id"`
	}
	mod.Must(201, "POST", fmt.Sprintf("/api/v1/campaigns/%d/releases", c.ID), map[string]any{"version": "1.0.0", "title": "Hôpitaux"}).JSON(t, &rel)
	mustSucceed(t, mod, rel.JobID)
	var tr qaservice.Training
	mod.Must(201, "POST", "/api/v1/qa/models", map[string]any{"campaign_id": c.ID, "version": "1.0.0", "epochs": 1}).JSON(t, &tr)
	mustSucceed(t, mod, tr.JobID)

	var up qaservice.Creation
	r := mod.Upload("/api/v1/qa/collections/upload", map[string]string{"name": "Fiches service-public.fr", "source_url": "https://www.service-public.fr/particuliers/vosdroits/{id}"}, "service_public_fr_fiches_txt_v2.zip", data)
	if r.Status != 201 {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &up)
	if up.Collection.Documents < 3000 || up.Collection.Passages < up.Collection.Documents {
		t.Fatalf("upload %+v", up.Collection)
	}
	mustSucceed(t, mod, up.JobID)
	mod.Must(200, "PUT", fmt.Sprintf("/api/v1/qa/collections/%d/model", up.Collection.ID), map[string]any{"model_id": tr.Model.ID})
	var res qaservice.AskResult
	mod.Must(200, "POST", "/api/v1/qa/ask", map[string]any{"question": "Combien coûte un passeport pour un adulte ?", "collection": up.Collection.Slug}).JSON(t, &res)
	checkOffsets(t, res)
	if len(res.Answers) == 0 {
		t.Fatal("no answer from the fiches")
	}
	found := false
	for _, a := range res.Answers {
		found = found || strings.Contains(strings.ToLower(a.Title+a.Passage), "passeport")
		if !strings.HasPrefix(a.SourceURL, "https://www.service-public.fr/particuliers/vosdroits/F") {
			t.Fatalf("source link %q", a.SourceURL)
		}
	}
	if !found {
		t.Fatalf("no passage about passports: %+v", res.Answers)
	}
}
