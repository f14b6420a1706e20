package annotate_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/lab-ia/piaf/backend/internal/annotate"
	"github.com/lab-ia/piaf/backend/internal/app/apptest"
	"github.com/lab-ia/piaf/backend/internal/auth"
	"github.com/lab-ia/piaf/backend/internal/corpus"
	"github.com/lab-ia/piaf/backend/internal/database"
	"github.com/lab-ia/piaf/backend/internal/database/dbtest"
	"github.com/lab-ia/piaf/backend/internal/identity"
	"github.com/lab-ia/piaf/backend/internal/live"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// setup makes an open campaign of n paragraphs (qpp questions each).
func setup(t testing.TB, env *apptest.Env, paragraphs, qpp int, texts ...string) *corpus.Campaign {
	t.Helper()
	ctx := context.Background()
	_, mod := env.User(identity.RoleModerator, fmt.Sprintf("Modé %d", time.Now().UnixNano()%100000))
	kind, status, title := corpus.KindQA, corpus.StatusOpen, "Campagne de test"
	svc := corpus.NewService(corpus.NewStore(env.DB))
	c, err := svc.Create(ctx, &identity.Principal{UserID: mod.ID, Role: identity.RoleModerator},
		corpus.CampaignInput{Kind: &kind, Title: &title, Status: &status, QuestionsPerParagraph: &qpp})
	if err != nil {
		t.Fatal(err)
	}
	for len(texts) < paragraphs {
		texts = append(texts, fmt.Sprintf("Paragraphe numéro %d : la commune de Saint-Étienne compte %d habitants et une médiathèque ouverte le samedi.", len(texts), 1000+len(texts)))
	}
	doc := &corpus.Document{CampaignID: c.ID, Title: "Article de test", License: "Licence Ouverte 2.0"}
	if _, err := svc.Store().AddDocument(ctx, doc, texts); err != nil {
		t.Fatal(err)
	}
	return c
}

func next(t testing.TB, c *apptest.Client, campaign int64) annotate.Task {
	t.Helper()
	var task annotate.Task
	c.Must(200, "POST", fmt.Sprintf("/api/v1/campaigns/%d/tasks/next", campaign), nil).JSON(t, &task)
	return task
}

func span(text, answer string) annotate.Span {
	i := strings.Index(text, answer)
	return annotate.Span{Start: utf8.RuneCountInString(text[:i]), Text: answer}
}

func TestAContributorAnnotatesAParagraph(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		env := apptest.Start(t, db)
		camp := setup(t, env, 3, 2)
		c, u := env.User(identity.RoleContributor, "Bénévole")
		watcher := c.Live()
		watcher.Subscribe(live.CampaignTopic(camp.ID), -1)
		watcher.Next(5 * time.Second)

		task := next(t, c, camp.ID)
		if task.QuestionsNeeded != 2 || task.Paragraph.Text == "" || task.Document.Title != "Article de test" {
			t.Fatalf("task %+v", task)
		}
		// Asking again gives the same paragraph (the lease is mine).
		if again := next(t, c, camp.ID); again.Paragraph.ID != task.Paragraph.ID {
			t.Fatal("a second request moved me to another paragraph")
		}
		c.Must(200, "PUT", fmt.Sprintf("/api/v1/paragraphs/%d/lease", task.Paragraph.ID), nil)
		text := task.Paragraph.Text
		body := map[string]any{"idempotency_key": "3f1c9a52-aaaa-4c1b-9e1e-000000000001", "pairs": []annotate.Pair{
			{Question: "Combien d’habitants compte la commune ?", Answer: span(text, "1000")},
			{Question: "Quel jour la médiathèque est-elle ouverte ?", Answer: span(text, "le samedi")},
		}}
		var res annotate.SubmissionResult
		c.Must(201, "POST", fmt.Sprintf("/api/v1/paragraphs/%d/submissions", task.Paragraph.ID), body).JSON(t, &res)
		if len(res.QuestionIDs) != 2 || !res.ParagraphDone || res.Replayed {
			t.Fatalf("result %+v", res)
		}
		// A retried request creates nothing and returns the first result.
		var replay annotate.SubmissionResult
		c.Must(201, "POST", fmt.Sprintf("/api/v1/paragraphs/%d/submissions", task.Paragraph.ID), body).JSON(t, &replay)
		if !replay.Replayed || replay.QuestionIDs[0] != res.QuestionIDs[0] {
			t.Fatalf("replay %+v", replay)
		}
		if n := env.Count("questions", "author_id = ?", u.ID); n != 2 {
			t.Fatalf("%d questions stored", n)
		}
		// The author's GDPR export holds their questions and answers.
		var export struct {
			QA struct {
				Questions []struct {
					Text string `json:"text"`
				} `json:"questions"`
				Answers []struct {
					Text string `json:"text"`
				} `json:"answers"`
			} `json:"qa_contributions"`
		}
		c.Must(200, "GET", "/api/v1/me/export", nil).JSON(t, &export)
		if len(export.QA.Questions) != 2 || export.QA.Questions[0].Text != "Combien d’habitants compte la commune ?" ||
			len(export.QA.Answers) != 2 || export.QA.Answers[1].Text != "le samedi" {
			t.Fatalf("export %+v", export.QA)
		}
		// The campaign counter moved live.
		for {
			m := watcher.Next(5 * time.Second)
			if m.Type == "stats" && strings.Contains(string(m.Data), `"questions":2`) {
				break
			}
		}
		// The next task is another paragraph.
		if n2 := next(t, c, camp.ID); n2.Paragraph.ID == task.Paragraph.ID {
			t.Fatal("a done paragraph was offered again")
		}
		var prog annotate.Progress
		c.Must(200, "GET", "/api/v1/me/progress", nil).JSON(t, &prog)
		if prog.Written != 2 || prog.Level != 1 || len(prog.Badges) == 0 {
			t.Fatalf("progress %+v", prog)
		}
	})
}

func TestSubmissionsAreValidatedWholeAndStoreNothingOnError(t *testing.T) {
	// Before the answer: an emoji (2 UTF-16 units, 4 bytes, 1 code point)
	// and a decomposed accent (2 code points).
	text := "Le 🎉 festival de Montre\u0301al a lieu en juillet au parc Jean-Drapeau, au bord du fleuve."
	env := apptest.Start(t, dbtest.SQLite(t))
	camp := setup(t, env, 1, 1, text)
	c, _ := env.User(identity.RoleContributor, "Testeuse")
	task := next(t, c, camp.ID)
	url := fmt.Sprintf("/api/v1/paragraphs/%d/submissions", task.Paragraph.ID)
	good := span(task.Paragraph.Text, "en juillet")
	cp := good.Start
	byteOffset := strings.Index(task.Paragraph.Text, "en juillet")
	utf16Offset := cp + 1 // the emoji counts twice in UTF-16
	cases := map[string]annotate.Pair{
		"past the end":   {Question: "Quand a lieu le festival ?", Answer: annotate.Span{Start: 500, Text: "en juillet"}},
		"negative":       {Question: "Quand a lieu le festival ?", Answer: annotate.Span{Start: -1, Text: "en juillet"}},
		"text mismatch":  {Question: "Quand a lieu le festival ?", Answer: annotate.Span{Start: cp, Text: "en août"}},
		"byte offset":    {Question: "Quand a lieu le festival ?", Answer: annotate.Span{Start: byteOffset, Text: "en juillet"}},
		"UTF-16 offset":  {Question: "Quand a lieu le festival ?", Answer: annotate.Span{Start: utf16Offset, Text: "en juillet"}},
		"empty answer":   {Question: "Quand a lieu le festival ?", Answer: annotate.Span{Start: cp, Text: ""}},
		"spaces":         {Question: "Quand a lieu le festival ?", Answer: annotate.Span{Start: cp - 1, Text: " en juillet"}},
		"short question": {Question: "Q?", Answer: good},
	}
	for name, pair := range cases {
		r := c.Do("POST", url, map[string]any{"idempotency_key": "key-" + strings.ReplaceAll(name, " ", "-"), "pairs": []annotate.Pair{pair}})
		if r.Status != 422 || !strings.Contains(string(r.Body), "pairs[0]") {
			t.Errorf("%s: %d %s", name, r.Status, r.Body)
		}
	}
	if r := c.Do("POST", url, map[string]any{"idempotency_key": "key-huge", "pairs": []annotate.Pair{{Question: strings.Repeat("a", 10<<20), Answer: good}}}); r.Status != 413 {
		t.Errorf("10 MB question: %d", r.Status)
	}
	if n := env.Count("questions", ""); n != 0 {
		t.Fatalf("%d questions stored by refused submissions", n)
	}
	// HTML is text: stored as written, never interpreted.
	xss := `<script>alert("x")</script> Quand a lieu le festival ?`
	c.Must(201, "POST", url, map[string]any{"idempotency_key": "key-good", "pairs": []annotate.Pair{{Question: xss, Answer: good}}})
	var stored string
	env.DB.Gorm.Raw(`SELECT text FROM questions`).Scan(&stored)
	if stored != xss {
		t.Fatalf("stored %q", stored)
	}
}

// TestConcurrentContributorsNeverShareAParagraph has 200 contributors ask
// for tasks at once: no paragraph is leased to two of them.
func TestConcurrentContributorsNeverShareAParagraph(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		env := apptest.Start(t, db)
		camp := setup(t, env, 150, 5)
		const n = 200
		users := make([]*auth.User, n)
		for i := range users {
			u := &auth.User{DisplayName: fmt.Sprintf("C%d", i), Pseudonym: fmt.Sprintf("Contributeur %03d", i), Role: identity.RoleContributor, Locale: "fr"}
			if err := env.App.Auth.Store().CreateUser(context.Background(), u); err != nil {
				t.Fatal(err)
			}
			users[i] = u
		}
		clients := make([]*apptest.Client, n)
		for i, u := range users {
			clients[i] = env.SessionClient(u)
		}
		var mu sync.Mutex
		holder := map[int64]int64{}
		noTask := 0
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				r := clients[i].Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/tasks/next", camp.ID), nil)
				mu.Lock()
				defer mu.Unlock()
				switch r.Status {
				case 200:
					var task annotate.Task
					r.JSON(t, &task)
					if other, taken := holder[task.Paragraph.ID]; taken {
						t.Errorf("paragraph %d leased to users %d and %d", task.Paragraph.ID, other, users[i].ID)
					}
					holder[task.Paragraph.ID] = users[i].ID
				case 404:
					noTask++
				default:
					t.Errorf("status %d: %s", r.Status, r.Body)
				}
			}()
		}
		close(start)
		wg.Wait()
		if len(holder) != 150 || noTask != 50 {
			t.Fatalf("%d paragraphs leased, %d contributors without a task (want 150 and 50)", len(holder), noTask)
		}
		if leased := env.Count("paragraphs", "campaign_id = ? AND lease_user_id IS NOT NULL", camp.ID); leased != 150 {
			t.Fatalf("%d leases in the database", leased)
		}
	})
}

func TestSkipReportAndAnswerMode(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		env := apptest.Start(t, db)
		camp := setup(t, env, 3, 1)
		// Every question is a test question in this campaign.
		env.DB.Gorm.Exec(`UPDATE campaigns SET test_share = 100 WHERE id = ?`, camp.ID)
		writer, _ := env.User(identity.RoleContributor, "Rédactrice")
		answerer, _ := env.User(identity.RoleModerator, "Répondeur")

		first := next(t, writer, camp.ID)
		writer.Must(204, "POST", fmt.Sprintf("/api/v1/paragraphs/%d/skip", first.Paragraph.ID), map[string]string{"reason": "too_hard"})
		second := next(t, writer, camp.ID)
		if second.Paragraph.ID == first.Paragraph.ID {
			t.Fatal("a skipped paragraph came back")
		}
		writer.Must(201, "POST", fmt.Sprintf("/api/v1/paragraphs/%d/reports", second.Paragraph.ID), map[string]string{"reason": "not_french", "comment": "en anglais"})
		if n := env.Count("paragraphs", "id = ? AND status = 'reported'", second.Paragraph.ID); n != 1 {
			t.Fatal("a reported paragraph stays in the pool")
		}
		if r := writer.Do("POST", fmt.Sprintf("/api/v1/paragraphs/%d/reports", second.Paragraph.ID), map[string]string{"reason": "boring"}); r.Status != 422 {
			t.Fatalf("unknown reason: %d", r.Status)
		}
		third := next(t, writer, camp.ID)
		writer.Must(201, "POST", fmt.Sprintf("/api/v1/paragraphs/%d/submissions", third.Paragraph.ID), map[string]any{
			"idempotency_key": "write-1-aaaaaaaa", "pairs": []annotate.Pair{{Question: "Combien d’habitants ?", Answer: span(third.Paragraph.Text, "habitants")}}})

		// A contributor at level 1 cannot answer yet; the author never gets their own question.
		if r := writer.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/answer-tasks/next", camp.ID), nil); r.Status != 403 {
			t.Fatalf("level 1 answer mode: %d", r.Status)
		}
		var at annotate.AnswerTask
		answerer.Must(200, "POST", fmt.Sprintf("/api/v1/campaigns/%d/answer-tasks/next", camp.ID), nil).JSON(t, &at)
		if at.Question != "Combien d’habitants ?" || strings.Contains(string(mustJSON(at)), "answer_start") {
			t.Fatalf("answer task %+v", at)
		}
		url := fmt.Sprintf("/api/v1/questions/%d/answers", at.QuestionID)
		answerer.Must(201, "POST", url, map[string]any{"idempotency_key": "answer-1-aaaaaaa", "answer": span(at.Paragraph, "habitants")})
		if r := answerer.Do("POST", url, map[string]any{"idempotency_key": "answer-2-aaaaaaa", "answer": span(at.Paragraph, "habitants")}); r.Status != 409 {
			t.Fatalf("second answer by the same person: %d", r.Status)
		}
		if n := env.Count("answers", "kind = 'additional'"); n != 1 {
			t.Fatalf("%d additional answers", n)
		}
	})
}

func mustJSON(v any) []byte {
	b, _ := jsonMarshal(v)
	return b
}
