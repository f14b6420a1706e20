package entities_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/lab-ia/piaf/backend/internal/app/apptest"
	"github.com/lab-ia/piaf/backend/internal/corpus"
	"github.com/lab-ia/piaf/backend/internal/database"
	"github.com/lab-ia/piaf/backend/internal/database/dbtest"
	"github.com/lab-ia/piaf/backend/internal/entities"
	"github.com/lab-ia/piaf/backend/internal/identity"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// passages of a court-style decision; the emoji makes UTF-16 and code
// point offsets differ.
var passages = []string{
	"😀 M. Jean-Marc Dubois, demeurant 12 rue des Lilas à Lyon, a saisi le tribunal ; son conseil, Maître Claire Fontaine, est joignable à claire.fontaine@avocats.fr.",
	"La société Durand et Fils a été condamnée à verser 3 000 euros à Mme Sophie Martin, née le 4 mars 1980 à Nantes.",
	"Le greffier, M. Paul Leroy, a notifié la décision aux parties le 2 juin 2024 par courrier recommandé.",
}

func nerCampaign(t *testing.T, env *apptest.Env, testShare int) *corpus.Campaign {
	t.Helper()
	ctx := context.Background()
	var mod int64
	env.DB.Gorm.Raw(`SELECT id FROM users WHERE role IN ('moderator', 'admin') ORDER BY id LIMIT 1`).Scan(&mod)
	kind, status, title := corpus.KindNER, corpus.StatusOpen, fmt.Sprintf("Décisions %d", testShare)
	svc := corpus.NewService(corpus.NewStore(env.DB))
	c, err := svc.Create(ctx, &identity.Principal{UserID: mod, Role: identity.RoleModerator}, corpus.CampaignInput{Kind: &kind, Title: &title, Status: &status, TestShare: &testShare})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Store().AddDocument(ctx, &corpus.Document{CampaignID: c.ID, Title: "Décision n° 1"}, passages); err != nil {
		t.Fatal(err)
	}
	return c
}

// at finds a substring's code-point span.
func at(text, s string) (int, int) {
	i := strings.Index(text, s)
	if i < 0 {
		panic(s)
	}
	start := utf8.RuneCountInString(text[:i])
	return start, start + utf8.RuneCountInString(s)
}

func span(text, s, label string) entities.Span {
	a, b := at(text, s)
	return entities.Span{Start: a, End: b, Label: label}
}

func TestAnnotateFromPreAnnotationsReviewAndAgree(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		env := apptest.Start(t, db)
		mod, _ := env.User(identity.RoleModerator, "Modératrice")
		alice, _ := env.User(identity.RoleContributor, "Alice")
		bob, _ := env.User(identity.RoleContributor, "Bob")
		c := nerCampaign(t, env, 100) // every passage annotated twice

		var task entities.Task
		alice.Must(200, "POST", fmt.Sprintf("/api/v1/campaigns/%d/entity-tasks/next", c.ID), nil).JSON(t, &task)
		text := task.Paragraph.Text
		if text != passages[0] || task.Model != "rules" || len(task.Labels) < 10 {
			t.Fatalf("task %+v", task)
		}
		// The rules find the e-mail at its code-point offsets.
		foundEmail := false
		for _, p := range task.PreAnnotations {
			if p.Label == "EMAIL" {
				s, e := at(text, "claire.fontaine@avocats.fr")
				foundEmail = p.Start == s && p.End == e && p.Text == "claire.fontaine@avocats.fr"
			}
		}
		if !foundEmail {
			t.Fatalf("pre-annotations %+v", task.PreAnnotations)
		}
		url := fmt.Sprintf("/api/v1/paragraphs/%d/entity-annotations", task.Paragraph.ID)
		// Bad spans are refused with the field named.
		for name, spans := range map[string][]entities.Span{
			"overlap":      {span(text, "Jean-Marc Dubois", "PER"), span(text, "Dubois", "PER")},
			"out of range": {{Start: 5, End: 500, Label: "PER"}},
			"label":        {{Start: 5, End: 9, Label: "PERSONNE"}},
			"space":        {{Start: 4, End: 9, Label: "PER"}},
		} {
			if r := alice.Do("POST", url, map[string]any{"idempotency_key": "cle-invalide-" + name, "spans": spans}); r.Status != 422 {
				t.Fatalf("%s: %d %s", name, r.Status, r.Body)
			}
		}
		// Alice keeps the e-mail, corrects a label, adds a name the rules missed.
		mine := []entities.Span{span(text, "Jean-Marc Dubois", "PER"), span(text, "12 rue des Lilas à Lyon", "ADDRESS"),
			span(text, "Claire Fontaine", "PER"), span(text, "claire.fontaine@avocats.fr", "EMAIL")}
		mine[3].Origin = "model"
		var sub entities.Submitted
		alice.Must(201, "POST", url, map[string]any{"idempotency_key": "alice-passage-1", "spans": mine}).JSON(t, &sub)
		alice.Must(200, "POST", url, map[string]any{"idempotency_key": "alice-passage-1", "spans": mine})
		if r := alice.Do("POST", url, map[string]any{"idempotency_key": "alice-passage-1-bis", "spans": mine}); r.Status != 409 || r.ErrorCode() != "already_annotated" {
			t.Fatalf("second annotation: %d %s", r.Status, r.Body)
		}
		// Alice's GDPR export holds her annotation and its spans.
		var export struct {
			Entities []struct {
				ParagraphID int64           `json:"paragraph_id"`
				Spans       []entities.Span `json:"spans"`
			} `json:"entity_annotations"`
		}
		alice.Must(200, "GET", "/api/v1/me/export", nil).JSON(t, &export)
		if len(export.Entities) != 1 || export.Entities[0].ParagraphID != task.Paragraph.ID || len(export.Entities[0].Spans) != len(mine) {
			t.Fatalf("export %+v", export.Entities)
		}
		// Bob is given the passage Alice started (double annotation) and
		// marks the same entities but misses the address.
		var task2 entities.Task
		bob.Must(200, "POST", fmt.Sprintf("/api/v1/campaigns/%d/entity-tasks/next", c.ID), nil).JSON(t, &task2)
		if task2.Paragraph.ID != task.Paragraph.ID {
			t.Fatalf("Bob got passage %d, not the started one %d", task2.Paragraph.ID, task.Paragraph.ID)
		}
		bobs := []entities.Span{mine[0], mine[2], mine[3]}
		bob.Must(201, "POST", url, map[string]any{"idempotency_key": "bob-passage-1", "spans": bobs})
		// The passage is done: nobody else gets it.
		var task3 entities.Task
		alice.Must(200, "POST", fmt.Sprintf("/api/v1/campaigns/%d/entity-tasks/next", c.ID), nil).JSON(t, &task3)
		if task3.Paragraph.ID == task.Paragraph.ID {
			t.Fatal("a done passage was served again")
		}

		var ag entities.Agreement
		mod.Must(200, "GET", fmt.Sprintf("/api/v1/campaigns/%d/entity-agreement", c.ID), nil).JSON(t, &ag)
		// Alice 4 spans, Bob 3, 3 in common: P 3/3, R 3/4 → F1 6/7.
		if ag.Passages != 1 || ag.Pairs != 1 || ag.F1 < 0.857 || ag.F1 > 0.858 {
			t.Fatalf("agreement %+v", ag)
		}

		// Review: the queue shows corrections against the model.
		var page struct {
			Items []entities.ReviewItem
			Total int64
		}
		mod.Must(200, "GET", fmt.Sprintf("/api/v1/campaigns/%d/entity-annotations", c.ID), nil).JSON(t, &page)
		if page.Total != 2 || page.Items[0].Author != "Alice" || page.Items[0].Corrections.Kept < 1 || page.Items[0].Corrections.Added < 1 {
			t.Fatalf("queue %+v", page)
		}
		if r := alice.Do("GET", fmt.Sprintf("/api/v1/campaigns/%d/entity-annotations", c.ID), nil); r.Status != 403 {
			t.Fatalf("contributor reading the queue: %d", r.Status)
		}
		first, second := page.Items[0].ID, page.Items[1].ID
		dec := fmt.Sprintf("/api/v1/entity-annotations/%d/decisions", first)
		if r := mod.Do("POST", dec, map[string]any{"action": "reject"}); r.Status != 422 {
			t.Fatalf("rejection without a reason: %d", r.Status)
		}
		mod.Must(200, "POST", dec, map[string]any{"action": "accept", "expected_state": "submitted"})
		if r := mod.Do("POST", dec, map[string]any{"action": "accept", "expected_state": "submitted"}); r.Status != 409 {
			t.Fatalf("stale decision: %d", r.Status)
		}
		edited := append([]entities.Span{}, bobs...)
		edited = append(edited, span(text, "12 rue des Lilas à Lyon", "ADDRESS"))
		var it entities.ReviewItem
		mod.Must(200, "POST", fmt.Sprintf("/api/v1/entity-annotations/%d/decisions", second), map[string]any{"action": "edit", "spans": edited}).JSON(t, &it)
		if it.State != "accepted" || len(it.Spans) != 4 {
			t.Fatalf("edited %+v", it)
		}
		var hist []entities.HistoryEntry
		bob.Must(200, "GET", fmt.Sprintf("/api/v1/entity-annotations/%d/history", second), nil).JSON(t, &hist)
		if len(hist) != 2 || hist[0].Action != "submit" || hist[1].Action != "edit" || hist[1].Actor != "Modératrice" {
			t.Fatalf("history %+v", hist)
		}
		if r := alice.Do("GET", fmt.Sprintf("/api/v1/entity-annotations/%d/history", second), nil); r.Status != 404 {
			t.Fatalf("someone else's history: %d", r.Status)
		}
	})
}

func TestOnlyNERCampaignsAndOpenOnes(t *testing.T) {
	env := apptest.Start(t, dbtest.SQLite(t))
	w, _ := env.User(identity.RoleContributor, "Claude")
	_, admin := env.User(identity.RoleAdmin, "Admin")
	kind, status, title := corpus.KindQA, corpus.StatusOpen, "Questions"
	c, err := corpus.NewService(corpus.NewStore(env.DB)).Create(context.Background(), &identity.Principal{UserID: admin.ID, Role: identity.RoleAdmin},
		corpus.CampaignInput{Kind: &kind, Title: &title, Status: &status})
	if err != nil {
		t.Fatal(err)
	}
	if r := w.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/entity-tasks/next", c.ID), nil); r.Status != 422 || r.ErrorCode() != "not_ner_campaign" {
		t.Fatalf("QA campaign: %d %s", r.Status, r.Body)
	}
	n := nerCampaign(t, env, 0)
	for range passages {
		var task entities.Task
		w.Must(200, "POST", fmt.Sprintf("/api/v1/campaigns/%d/entity-tasks/next", n.ID), nil).JSON(t, &task)
		w.Must(201, "POST", fmt.Sprintf("/api/v1/paragraphs/%d/entity-annotations", task.Paragraph.ID), map[string]any{"idempotency_key": fmt.Sprintf("claude-%d", task.Paragraph.ID), "spans": []any{}})
	}
	if r := w.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/entity-tasks/next", n.ID), nil); r.Status != 404 || r.ErrorCode() != "no_task" {
		t.Fatalf("after the last passage: %d %s", r.Status, r.Body)
	}
	if r := env.NewClient().Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/entity-tasks/next", n.ID), nil); r.Status != 401 {
		t.Fatalf("anonymous: %d", r.Status)
	}
}

// TestASuspendedContributorGetsNoEntityTask: a suspension stops entity
// annotation as it stops question writing, from the next request of the
// same session, and reinstating restores it.
func TestASuspendedContributorGetsNoEntityTask(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		env := apptest.Start(t, db)
		mod, _ := env.User(identity.RoleModerator, "Modératrice")
		alice, u := env.User(identity.RoleContributor, "Alice")
		c := nerCampaign(t, env, 0)
		next := fmt.Sprintf("/api/v1/campaigns/%d/entity-tasks/next", c.ID)
		var task entities.Task
		alice.Must(200, "POST", next, nil).JSON(t, &task)
		submit := fmt.Sprintf("/api/v1/paragraphs/%d/entity-annotations", task.Paragraph.ID)
		body := map[string]any{"idempotency_key": "alice-suspendue", "spans": []any{}}
		mod.Must(204, "PUT", fmt.Sprintf("/api/v1/moderation/users/%d/suspension", u.ID), map[string]string{"reason": "Étiquettes au hasard"})
		if r := alice.Do("POST", next, nil); r.Status != 403 || r.ErrorCode() != "suspended" {
			t.Fatalf("entity task for a suspended contributor: %d %s", r.Status, r.Body)
		}
		if r := alice.Do("POST", submit, body); r.Status != 403 || r.ErrorCode() != "suspended" {
			t.Fatalf("entity submission of a suspended contributor: %d %s", r.Status, r.Body)
		}
		if n := env.Count("entity_annotations", "1 = 1"); n != 0 {
			t.Fatalf("%d entity annotations stored while suspended", n)
		}
		mod.Must(204, "DELETE", fmt.Sprintf("/api/v1/moderation/users/%d/suspension", u.ID), nil)
		alice.Must(200, "POST", next, nil)
		alice.Must(201, "POST", submit, body)
	})
}
