package review_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"
	"sync"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/lab-ia/piaf/backend/internal/annotate"
	"github.com/lab-ia/piaf/backend/internal/app/apptest"
	"github.com/lab-ia/piaf/backend/internal/auth"
	"github.com/lab-ia/piaf/backend/internal/corpus"
	"github.com/lab-ia/piaf/backend/internal/database"
	"github.com/lab-ia/piaf/backend/internal/database/dbtest"
	"github.com/lab-ia/piaf/backend/internal/dataio"
	"github.com/lab-ia/piaf/backend/internal/identity"
	"github.com/lab-ia/piaf/backend/internal/review"
	"github.com/lab-ia/piaf/backend/shareddata"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// campaign makes an open campaign with n paragraphs, qpp questions each.
func campaign(t *testing.T, env *apptest.Env, n, qpp int) *corpus.Campaign {
	t.Helper()
	ctx := context.Background()
	var mod int64
	env.DB.Gorm.Raw(`SELECT id FROM users WHERE role = 'moderator' ORDER BY id LIMIT 1`).Scan(&mod)
	kind, status, title := corpus.KindQA, corpus.StatusOpen, fmt.Sprintf("Revue %d", n)
	svc := corpus.NewService(corpus.NewStore(env.DB))
	c, err := svc.Create(ctx, &identity.Principal{UserID: mod, Role: identity.RoleModerator}, corpus.CampaignInput{Kind: &kind, Title: &title, Status: &status, QuestionsPerParagraph: &qpp})
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for i := 0; i < n; i++ {
		texts = append(texts, fmt.Sprintf("Le paragraphe %d décrit la mairie de Villeneuve, ouverte du lundi au vendredi, qui délivre %d actes chaque année.", i, 100+i))
	}
	if _, err := svc.Store().AddDocument(ctx, &corpus.Document{CampaignID: c.ID, Title: "Mairie"}, texts); err != nil {
		t.Fatal(err)
	}
	return c
}

// write submits a paragraph with questions that trigger no flag.
func write(t *testing.T, c *apptest.Client, campaignID int64, qpp int, seq *int) []int64 {
	t.Helper()
	var task annotate.Task
	c.Must(200, "POST", fmt.Sprintf("/api/v1/campaigns/%d/tasks/next", campaignID), nil).JSON(t, &task)
	text := task.Paragraph.Text
	var pairs []annotate.Pair
	for i := 0; i < task.QuestionsNeeded; i++ {
		*seq++
		word := []string{"mairie", "Villeneuve", "lundi", "vendredi", "actes"}[i%5]
		at := strings.Index(text, word)
		pairs = append(pairs, annotate.Pair{Question: fmt.Sprintf("Question originale numéro %d portant sur cet élément ?", *seq),
			Answer: annotate.Span{Start: utf8.RuneCountInString(text[:at]), Text: word}})
	}
	var res annotate.SubmissionResult
	c.Must(201, "POST", fmt.Sprintf("/api/v1/paragraphs/%d/submissions", task.Paragraph.ID),
		map[string]any{"idempotency_key": fmt.Sprintf("submission-%d-%d", task.Paragraph.ID, *seq), "pairs": pairs}).JSON(t, &res)
	return res.QuestionIDs
}

func TestConcurrentDecisionsOnOneItem(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		env := apptest.Start(t, db)
		m1, _ := env.User(identity.RoleModerator, "Modératrice Une")
		m2, _ := env.User(identity.RoleModerator, "Modérateur Deux")
		c := campaign(t, env, 3, 1)
		writer, _ := env.User(identity.RoleContributor, "Autrice")
		seq := 0
		ids := write(t, writer, c.ID, 1, &seq)
		url := fmt.Sprintf("/api/v1/review/questions/%d/decisions", ids[0])
		var wg sync.WaitGroup
		statuses := make([]int, 2)
		for i, m := range []*apptest.Client{m1, m2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				body := map[string]any{"action": "accept"}
				if i == 1 {
					body = map[string]any{"action": "reject", "reason_code": "question_ambiguous"}
				}
				statuses[i] = m.Do("POST", url, body).Status
			}()
		}
		wg.Wait()
		ok, conflict := 0, 0
		for _, s := range statuses {
			switch s {
			case 200:
				ok++
			case 409:
				conflict++
			}
		}
		if ok != 1 || conflict != 1 {
			t.Fatalf("statuses %v: want exactly one 200 and one 409", statuses)
		}
		// A later decision on the decided item is a 409 naming the state.
		r := m1.Do("POST", url, map[string]any{"action": "accept"})
		var body struct {
			Error struct{ Details map[string]any } `json:"error"`
		}
		r.JSON(t, &body)
		if r.Status != 409 || (body.Error.Details["state"] != "accepted" && body.Error.Details["state"] != "rejected") {
			t.Fatalf("second decision: %d %s", r.Status, r.Body)
		}
		if n := env.Count("revisions", "question_id = ? AND source = 'moderation'", ids[0]); n != 1 {
			t.Fatalf("%d moderation revisions", n)
		}
	})
}

func TestTrustRoutesWorkAndGoldChecksIt(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		env := apptest.Start(t, db)
		mod, _ := env.User(identity.RoleModerator, "Modé")
		c := campaign(t, env, 40, 1)
		env.DB.Gorm.Exec(`UPDATE campaigns SET review_sample = 0, gold_rate = 100, test_share = 0 WHERE id = ?`, c.ID)
		newbie, nu := env.User(identity.RoleContributor, "Nouveau")
		seq := 0
		var newbieIDs []int64
		for i := 0; i < 5; i++ {
			newbieIDs = append(newbieIDs, write(t, newbie, c.ID, 1, &seq)...)
		}
		// Low trust: every submission waits for review.
		if n := env.Count("questions", "author_id = ? AND state = 'submitted' AND needs_review", nu.ID); n != 5 {
			t.Fatalf("%d of 5 questions of a newcomer in the queue", n)
		}
		var page struct{ Total int64 }
		mod.Must(200, "GET", fmt.Sprintf("/api/v1/campaigns/%d/review?trust=low", c.ID), nil).JSON(t, &page)
		if page.Total != 5 {
			t.Fatalf("low-trust filter: %d", page.Total)
		}
		// Accepting 20 questions makes the contributor trusted: with a 0 %
		// sample, their next work is accepted without review.
		veteran, vu := env.User(identity.RoleContributor, "Vétéran")
		var accepted []int64
		for i := 0; i < 20; i++ {
			accepted = append(accepted, write(t, veteran, c.ID, 1, &seq)...)
		}
		for _, id := range accepted {
			mod.Must(200, "POST", fmt.Sprintf("/api/v1/review/questions/%d/decisions", id), map[string]any{"action": "accept"})
		}
		trust, _ := review.NewStore(env.DB).TrustOf(context.Background(), vu.ID)
		if trust < review.HighTrust {
			t.Fatalf("trust after 20 accepted: %.2f", trust)
		}
		auto := write(t, veteran, c.ID, 1, &seq)
		if n := env.Count("questions", "id = ? AND state = 'accepted' AND NOT needs_review", auto[0]); n != 1 {
			t.Fatal("a trusted contributor's unsampled work was not accepted automatically")
		}
		// Gold questions answered wrongly lower the trust.
		for _, id := range newbieIDs {
			mod.Must(200, "POST", fmt.Sprintf("/api/v1/review/questions/%d/decisions", id), map[string]any{"action": "accept"})
			mod.Must(204, "PUT", fmt.Sprintf("/api/v1/review/questions/%d/gold", id), map[string]bool{"gold": true})
		}
		env.DB.Gorm.Exec(`UPDATE users SET role = 'moderator' WHERE id = ?`, vu.ID) // level 2 is needed for answer mode
		before := trust
		answerer := env.SessionClient(mustUser(t, env, vu.ID))
		for i := 0; i < 3; i++ {
			var at annotate.AnswerTask
			r := answerer.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/answer-tasks/next", c.ID), nil)
			if r.Status != 200 {
				break
			}
			r.JSON(t, &at)
			// Always the first word: wrong for these questions.
			first := strings.Fields(at.Paragraph)[0]
			answerer.Must(201, "POST", fmt.Sprintf("/api/v1/questions/%d/answers", at.QuestionID), map[string]any{
				"idempotency_key": fmt.Sprintf("gold-%d-aaaaaa", i), "answer": map[string]any{"start": 0, "text": first}})
		}
		if n := env.Count("gold_results", "user_id = ? AND NOT correct", vu.ID); n == 0 {
			t.Fatal("no gold answer was scored")
		}
		after, _ := review.NewStore(env.DB).TrustOf(context.Background(), vu.ID)
		if after >= before {
			t.Fatalf("trust %.3f → %.3f: wrong gold answers must lower it", before, after)
		}
	})
}

func mustUser(t *testing.T, env *apptest.Env, id int64) *auth.User {
	u, err := env.App.Auth.Store().UserByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestBurstAndCopyAreFlagged(t *testing.T) {
	env := apptest.Start(t, dbtest.SQLite(t))
	env.User(identity.RoleModerator, "Modé")
	c := campaign(t, env, 12, 5)
	w, u := env.User(identity.RoleContributor, "Pressé")
	seq := 0
	for i := 0; i < 11; i++ {
		write(t, w, c.ID, 5, &seq)
	}
	if n := env.Count("questions", "author_id = ? AND flags LIKE '%burst%'", u.ID); n == 0 {
		t.Fatal("55 questions in a minute raised no burst flag")
	}
	if review.CopiesText("La mairie de Villeneuve ouverte du lundi ?", "Le paragraphe décrit la mairie de Villeneuve, ouverte du lundi au vendredi.") != true {
		t.Fatal("a copied question is not detected")
	}
}

func TestRejectEditHistoryFeedbackAndSuspension(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		env := apptest.Start(t, db)
		mod, _ := env.User(identity.RoleModerator, "Modé")
		c := campaign(t, env, 5, 1)
		w, u := env.User(identity.RoleContributor, "Corrigée")
		seq := 0
		a := write(t, w, c.ID, 1, &seq)
		b := write(t, w, c.ID, 1, &seq)
		if r := mod.Do("POST", fmt.Sprintf("/api/v1/review/questions/%d/decisions", a[0]), map[string]any{"action": "reject", "reason_code": "not-a-reason"}); r.Status != 422 {
			t.Fatalf("unknown reason: %d", r.Status)
		}
		mod.Must(200, "POST", fmt.Sprintf("/api/v1/review/questions/%d/decisions", a[0]), map[string]any{"action": "reject", "reason_code": "answer_not_in_text", "comment": "La réponse n’est pas la bonne."})
		var item review.Item
		mod.Must(200, "POST", fmt.Sprintf("/api/v1/review/questions/%d/claim", b[0]), nil).JSON(t, &item)
		text := item.Paragraph.Text
		newStart := utf8.RuneCountInString(text[:strings.Index(text, "lundi au vendredi")])
		mod.Must(200, "POST", fmt.Sprintf("/api/v1/review/questions/%d/decisions", b[0]), map[string]any{"action": "edit",
			"question": "Quels jours la mairie est-elle ouverte ?", "answer": map[string]any{"start": newStart, "text": "lundi au vendredi"}})
		var hist []review.HistoryEntry
		w.Must(200, "GET", fmt.Sprintf("/api/v1/questions/%d/history", b[0]), nil).JSON(t, &hist)
		if len(hist) != 2 || hist[1].Action != "edit" || hist[1].After["question"] != "Quels jours la mairie est-elle ouverte ?" || hist[1].Before["question"] == hist[1].After["question"] {
			t.Fatalf("history %+v", hist)
		}
		var fb []review.FeedbackItem
		w.Must(200, "GET", "/api/v1/me/feedback", nil).JSON(t, &fb)
		if len(fb) != 2 || fb[1].ReasonCode != "answer_not_in_text" || fb[0].Action != "edit" {
			t.Fatalf("feedback %+v", fb)
		}
		// Another contributor cannot read this history.
		other, _ := env.User(identity.RoleContributor, "Curieuse")
		if r := other.Do("GET", fmt.Sprintf("/api/v1/questions/%d/history", b[0]), nil); r.Status != 404 {
			t.Fatalf("someone else's history: %d", r.Status)
		}
		// Suspension: pending work leaves the queue, and no more tasks.
		write(t, w, c.ID, 1, &seq)
		var page struct{ Total int64 }
		mod.Must(200, "GET", fmt.Sprintf("/api/v1/campaigns/%d/review", c.ID), nil).JSON(t, &page)
		if page.Total != 1 {
			t.Fatalf("queue before suspension: %d", page.Total)
		}
		mod.Must(204, "PUT", fmt.Sprintf("/api/v1/moderation/users/%d/suspension", u.ID), map[string]string{"reason": "Copies répétées du texte"})
		mod.Must(200, "GET", fmt.Sprintf("/api/v1/campaigns/%d/review", c.ID), nil).JSON(t, &page)
		if page.Total != 0 {
			t.Fatalf("queue after suspension: %d", page.Total)
		}
		if r := w.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/tasks/next", c.ID), nil); r.Status != 403 || r.ErrorCode() != "suspended" {
			t.Fatalf("task for a suspended contributor: %d %s", r.Status, r.Body)
		}
		mod.Must(204, "DELETE", fmt.Sprintf("/api/v1/moderation/users/%d/suspension", u.ID), nil)
		w.Must(200, "POST", fmt.Sprintf("/api/v1/campaigns/%d/tasks/next", c.ID), nil)
	})
}

// ---- agreement against an independent reference ----

var articles = map[string]bool{"le": true, "la": true, "les": true, "un": true, "une": true, "des": true, "du": true, "de": true}

// refNormalize is written here, independently of the metric package: lower
// case, elided articles (l', d') dropped, punctuation removed, articles
// removed, spaces collapsed; accents are kept.
func refNormalize(s string) []string {
	s = strings.ToLower(norm.NFC.String(s))
	var b strings.Builder
	runes := []rune(s)
	for i := 0; i < len(runes); i++ {
		r := runes[i]
		if (r == 'l' || r == 'd') && i+1 < len(runes) && (runes[i+1] == '\'' || runes[i+1] == '’') && (i == 0 || !unicode.IsLetter(runes[i-1])) {
			b.WriteRune(' ')
			i++
			continue
		}
		if unicode.IsPunct(r) || unicode.IsSymbol(r) {
			b.WriteRune(' ')
			continue
		}
		b.WriteRune(r)
	}
	var out []string
	for _, w := range strings.Fields(b.String()) {
		if !articles[w] {
			out = append(out, w)
		}
	}
	return out
}

func refF1(a, b []string) float64 {
	if len(a) == 0 || len(b) == 0 {
		if len(a) == len(b) {
			return 1
		}
		return 0
	}
	counts := map[string]int{}
	for _, w := range b {
		counts[w]++
	}
	common := 0
	for _, w := range a {
		if counts[w] > 0 {
			common++
			counts[w]--
		}
	}
	if common == 0 {
		return 0
	}
	p, r := float64(common)/float64(len(a)), float64(common)/float64(len(b))
	return 2 * p * r / (p + r)
}

func refEM(a, b []string) float64 {
	if strings.Join(a, " ") == strings.Join(b, " ") {
		return 1
	}
	return 0
}

// TestAgreementOnPIAFMatchesAnIndependentComputation imports the PIAF
// v1.1 training file (many questions with 2 or 3 answers) and compares
// the campaign's agreement with the reference computed above.
func TestAgreementOnPIAFMatchesAnIndependentComputation(t *testing.T) {
	path := shareddata.Require(t, "piaf/piaf-v1.1-train.json")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Data []struct {
			Paragraphs []struct {
				Context string `json:"context"`
				QAs     []struct {
					Answers []struct {
						Start int    `json:"answer_start"`
						Text  string `json:"text"`
					} `json:"answers"`
				} `json:"qas"`
			} `json:"paragraphs"`
		} `json:"data"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	var sumEM, sumF1 float64
	questions := 0
	for _, a := range file.Data {
		for _, p := range a.Paragraphs {
			ctx := []rune(p.Context)
			for _, q := range p.QAs {
				ok := len(q.Answers) >= 2
				for _, an := range q.Answers {
					n := utf8.RuneCountInString(an.Text)
					if an.Start+n > len(ctx) || string(ctx[an.Start:an.Start+n]) != an.Text {
						ok = false // the importer rejects this question
					}
				}
				if !ok {
					continue
				}
				var qem, qf1 float64
				for i, ai := range q.Answers {
					var bestEM, bestF1 float64
					for j, aj := range q.Answers {
						if i != j {
							bestEM = math.Max(bestEM, refEM(refNormalize(ai.Text), refNormalize(aj.Text)))
							bestF1 = math.Max(bestF1, refF1(refNormalize(ai.Text), refNormalize(aj.Text)))
						}
					}
					qem += bestEM
					qf1 += bestF1
				}
				sumEM += 100 * qem / float64(len(q.Answers))
				sumF1 += 100 * qf1 / float64(len(q.Answers))
				questions++
			}
		}
	}
	wantEM, wantF1 := sumEM/float64(questions), sumF1/float64(questions)

	env := apptest.Start(t, dbtest.SQLite(t))
	mod, _ := env.User(identity.RoleModerator, "Modé")
	c := campaign(t, env, 0, 5)
	if _, err := dataio.NewImporter(env.DB).Import(context.Background(), c.ID, bytes.NewReader(raw), 0, dataio.Options{Format: dataio.FormatSQuAD, PreAccept: true}, nil); err != nil {
		t.Fatal(err)
	}
	var got review.Agreement
	mod.Must(200, "GET", fmt.Sprintf("/api/v1/campaigns/%d/agreement?worst=5", c.ID), nil).JSON(t, &got)
	if got.Questions != questions || math.Abs(got.ExactMatch-wantEM) > 1e-6 || math.Abs(got.F1-wantF1) > 1e-6 {
		t.Fatalf("agreement: %d questions EM %.4f F1 %.4f; reference: %d questions EM %.4f F1 %.4f", got.Questions, got.ExactMatch, got.F1, questions, wantEM, wantF1)
	}
	total := 0
	for _, b := range got.Distribution {
		total += b.Count
	}
	if total != questions || len(got.Worst) != 5 || got.Worst[0].F1 > got.Worst[4].F1 {
		t.Fatalf("distribution %v, worst %+v", got.Distribution, got.Worst)
	}
	t.Logf("PIAF v1.1 train: %d questions with several answers, EM %.2f, F1 %.2f", questions, got.ExactMatch, got.F1)
}
