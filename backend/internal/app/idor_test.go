package app_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/lab-ia/piaf/backend/internal/annotate"
	"github.com/lab-ia/piaf/backend/internal/app/apptest"
	"github.com/lab-ia/piaf/backend/internal/auth"
	"github.com/lab-ia/piaf/backend/internal/corpus"
	"github.com/lab-ia/piaf/backend/internal/database"
	"github.com/lab-ia/piaf/backend/internal/database/dbtest"
	"github.com/lab-ia/piaf/backend/internal/entities"
	"github.com/lab-ia/piaf/backend/internal/identity"
	"github.com/lab-ia/piaf/backend/internal/jobs"
)

// Reasons for which a route with an id in its path is not an ownership
// question: the object it names is shared with every caller the role
// matrix admits (TestRoleMatrix proves who those are).
const (
	sharedCampaign   = "campaigns are public to participants (drafts hidden from non-moderators in the service); per-user data behind them (tasks, leases) is the caller's own"
	sharedRelease    = "released datasets are published for download (restricted files: access check by role/scope, tested in the release package)"
	sharedModeration = "moderation objects belong to a campaign, not to a moderator: every moderator acts on them (role, not ownership)"
	sharedAdmin      = "administrators manage every account"
	sharedModels     = "models and QA collections are the lab's, managed by any moderator; collections are read by anyone (private ones refuse anonymous callers, tested in qaservice)"
	sharedProvider   = "{provider} names a configured sign-in provider, not an object"
	sharedAnswerMode = "answer mode: contributors answer other people's test questions by design; the answer stored is the caller's own, and the reply holds no one else's data"
	sharedReport     = "any participant may report a campaign paragraph to moderators (it leaves the pool until a moderator decides); the report is the caller's own"
)

// idorCase says how user B, of the same role as owner A, attacks A's
// object through one route, and what must hold.
type idorCase struct {
	// shared, when not empty, is why the route names no private object.
	shared string
	// attacker, method path and body: B's request on A's object.
	attacker func(fx *idorFixture) *apptest.Client
	path     func(fx *idorFixture) string
	body     any
	// allow lists the acceptable statuses (default 403 and 404).
	allow []int
	// intact checks afterwards that A's object is unchanged.
	intact func(t *testing.T, fx *idorFixture)
}

// idorFixture holds A's private objects and the two users of each role.
type idorFixture struct {
	env                      *apptest.Env
	alice, bob               *apptest.Client // contributors
	aliceUser, bobUser       *auth.User
	consA, consB             *apptest.Client // consumers
	consAUser                *auth.User
	questionID               int64 // Alice's question
	leasedParagraph          int64 // a QA paragraph Alice holds
	entityAnnotation         int64 // Alice's entity annotation
	leasedPassage            int64 // an entity passage Alice holds
	tokenID                  int64 // consumer A's API token
	batchJob                 int64 // consumer A's pseudonymisation batch
	markers                  []string
	aliceMarkers, consMarker []string
}

func (fx *idorFixture) leaseHolder(t *testing.T, paragraph int64) int64 {
	var holder *int64
	fx.env.DB.Gorm.Raw(`SELECT lease_user_id FROM paragraphs WHERE id = ?`, paragraph).Scan(&holder)
	if holder == nil {
		return 0
	}
	return *holder
}

func aliceStillHolds(field func(fx *idorFixture) int64) func(t *testing.T, fx *idorFixture) {
	return func(t *testing.T, fx *idorFixture) {
		t.Helper()
		if h := fx.leaseHolder(t, field(fx)); h != fx.aliceUser.ID {
			t.Errorf("paragraph %d: lease now held by user %d, not Alice (%d)", field(fx), h, fx.aliceUser.ID)
		}
	}
}

var (
	bobAttacks  = func(fx *idorFixture) *apptest.Client { return fx.bob }
	consBAttack = func(fx *idorFixture) *apptest.Client { return fx.consB }
	idPath      = func(format string, field func(fx *idorFixture) int64) func(fx *idorFixture) string {
		return func(fx *idorFixture) string { return fmt.Sprintf(format, field(fx)) }
	}
)

// idorCases lists every route with a parameter in its path. A route
// missing from it fails TestNoAccessToOtherUsersObjects, so a new route is
// classified (private object attacked, or shared with a reason) when it is
// added.
var idorCases = map[string]idorCase{
	// Private objects: B must get 403/404 (or a refusal that changes nothing).
	"getJob": {attacker: consBAttack, path: idPath("/api/v1/jobs/%d", func(fx *idorFixture) int64 { return fx.batchJob })},
	"cancelJob": {attacker: consBAttack, path: idPath("/api/v1/jobs/%d/cancel", func(fx *idorFixture) int64 { return fx.batchJob }), body: "{}",
		intact: func(t *testing.T, fx *idorFixture) {
			var v jobs.View
			fx.consA.Must(200, "GET", fmt.Sprintf("/api/v1/jobs/%d", fx.batchJob), nil).JSON(t, &v)
			var cancelAsked int64
			fx.env.DB.Gorm.Raw(`SELECT count(*) FROM jobs WHERE id = ? AND cancel_requested_at IS NOT NULL`, fx.batchJob).Scan(&cancelAsked)
			if v.State != jobs.StateSucceeded || cancelAsked != 0 {
				t.Errorf("consumer A's job after B's cancel: %s, cancel requested %d", v.State, cancelAsked)
			}
		}},
	"downloadPseudoBatch": {attacker: consBAttack, path: idPath("/api/v1/pseudonymize/batches/%d/result", func(fx *idorFixture) int64 { return fx.batchJob })},
	"revokeMyToken": {attacker: consBAttack, path: idPath("/api/v1/me/tokens/%d", func(fx *idorFixture) int64 { return fx.tokenID }),
		intact: func(t *testing.T, fx *idorFixture) {
			if n := fx.env.Count("api_tokens", "id = ? AND revoked_at IS NULL", fx.tokenID); n != 1 {
				t.Errorf("consumer A's token revoked by B")
			}
		}},
	"questionHistory":         {attacker: bobAttacks, path: idPath("/api/v1/questions/%d/history", func(fx *idorFixture) int64 { return fx.questionID })},
	"entityAnnotationHistory": {attacker: bobAttacks, path: idPath("/api/v1/entity-annotations/%d/history", func(fx *idorFixture) int64 { return fx.entityAnnotation })},
	// Alice's leases: B may not take over, renew, release or submit on them.
	"renewLease": {attacker: bobAttacks, path: idPath("/api/v1/paragraphs/%d/lease", func(fx *idorFixture) int64 { return fx.leasedParagraph }),
		allow: []int{403, 404, 409}, intact: aliceStillHolds(func(fx *idorFixture) int64 { return fx.leasedParagraph })},
	// Releasing acts on the caller's own lease only: 204 and nothing changes.
	"releaseLease": {attacker: bobAttacks, path: idPath("/api/v1/paragraphs/%d/lease", func(fx *idorFixture) int64 { return fx.leasedParagraph }),
		allow: []int{204, 403, 404, 409}, intact: aliceStillHolds(func(fx *idorFixture) int64 { return fx.leasedParagraph })},
	// Skipping records the caller's own skip; Alice's lease stays.
	"skipParagraph": {attacker: bobAttacks, path: idPath("/api/v1/paragraphs/%d/skip", func(fx *idorFixture) int64 { return fx.leasedParagraph }),
		body: map[string]any{"reason": "too_hard"}, allow: []int{204, 403, 404, 409},
		intact: aliceStillHolds(func(fx *idorFixture) int64 { return fx.leasedParagraph })},
	"submitParagraph": {attacker: bobAttacks, path: idPath("/api/v1/paragraphs/%d/submissions", func(fx *idorFixture) int64 { return fx.leasedParagraph }),
		body: map[string]any{"idempotency_key": "bob-takes-alice-lease", "pairs": []map[string]any{
			{"question": "Quelle mairie est ouverte du lundi au vendredi ?", "answer": map[string]any{"start": 0, "text": "Le"}}}},
		allow: []int{403, 404, 409},
		intact: func(t *testing.T, fx *idorFixture) {
			aliceStillHolds(func(fx *idorFixture) int64 { return fx.leasedParagraph })(t, fx)
			if n := fx.env.Count("questions", "paragraph_id = ? AND author_id = ?", fx.leasedParagraph, fx.bobUser.ID); n != 0 {
				t.Errorf("B wrote %d questions on the paragraph Alice holds", n)
			}
		}},
	"submitEntities": {attacker: bobAttacks, path: idPath("/api/v1/paragraphs/%d/entity-annotations", func(fx *idorFixture) int64 { return fx.leasedPassage }),
		body: map[string]any{"idempotency_key": "bob-takes-alice-passage", "spans": []entities.Span{}}, allow: []int{403, 404, 409},
		intact: aliceStillHolds(func(fx *idorFixture) int64 { return fx.leasedPassage })},

	// Shared objects, with the reason.
	"getCampaign": {shared: sharedCampaign}, "updateCampaign": {shared: sharedModeration},
	"campaignAgreement": {shared: sharedModeration}, "nextAnswerTask": {shared: sharedCampaign},
	"entityAgreement": {shared: sharedModeration}, "listEntityAnnotations": {shared: sharedModeration},
	"nextEntityTask": {shared: sharedCampaign}, "exportCampaign": {shared: sharedModeration},
	"importCorpus": {shared: sharedModeration}, "getLeaderboard": {shared: sharedCampaign},
	"listReleases": {shared: sharedRelease}, "createRelease": {shared: sharedModeration},
	"getRelease": {shared: sharedRelease}, "deleteRelease": {shared: sharedAdmin},
	"editRelease": {shared: sharedModeration}, "getDatasheet": {shared: sharedRelease},
	"diffRelease": {shared: sharedRelease}, "publishRelease": {shared: sharedModeration},
	"reviewQueue": {shared: sharedModeration}, "reviewNext": {shared: sharedModeration},
	"getCampaignStats": {shared: sharedCampaign}, "nextTask": {shared: sharedCampaign},
	"downloadReleaseFile": {shared: sharedRelease}, "headReleaseFile": {shared: sharedRelease},
	"decideEntityAnnotation": {shared: sharedModeration}, "decideParagraph": {shared: sharedModeration},
	"claimQuestion": {shared: sharedModeration}, "decideQuestion": {shared: sharedModeration},
	"setGoldQuestion": {shared: sharedModeration}, "suspendContributor": {shared: sharedModeration},
	"reinstateContributor": {shared: sharedModeration}, "createQAFeedbackTask": {shared: sharedModeration},
	"setUserRole": {shared: sharedAdmin}, "revokeUserSessions": {shared: sharedAdmin},
	"oidcLogin": {shared: sharedProvider}, "oidcCallback": {shared: sharedProvider}, "oidcLogoutCallback": {shared: sharedProvider},
	"getNerModel": {shared: sharedModels}, "activateNerModel": {shared: sharedModels}, "deactivateNerModel": {shared: sharedModels},
	"getQACollection": {shared: sharedModels}, "deleteQACollection": {shared: sharedModels}, "updateQACollection": {shared: sharedModels},
	"setQACollectionModel": {shared: sharedModels}, "reindexQACollection": {shared: sharedModels}, "getQAModel": {shared: sharedModels},
	"answerQuestion":  {shared: sharedAnswerMode},
	"reportParagraph": {shared: sharedReport},
}

func batchArchive(t *testing.T, text string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("courriers/a.txt")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = w.Write([]byte(text))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func newIDORFixture(t *testing.T, env *apptest.Env) *idorFixture {
	t.Helper()
	ctx := context.Background()
	fx := &idorFixture{env: env}
	_, modUser := env.User(identity.RoleModerator, "Modératrice IDOR")
	fx.alice, fx.aliceUser = env.User(identity.RoleContributor, "Alice IDOR")
	fx.bob, fx.bobUser = env.User(identity.RoleContributor, "Bob IDOR")
	fx.consA, fx.consAUser = env.User(identity.RoleConsumer, "Prefecture IDOR")
	fx.consB, _ = env.User(identity.RoleConsumer, "Mairie IDOR")
	mod := &identity.Principal{UserID: modUser.ID, Role: identity.RoleModerator}
	svc := corpus.NewService(corpus.NewStore(env.DB))

	// A QA campaign: Alice writes a paragraph's questions, then holds the next.
	kind, status, title, qpp := corpus.KindQA, corpus.StatusOpen, "Mairies IDOR", 2
	qa, err := svc.Create(ctx, mod, corpus.CampaignInput{Kind: &kind, Title: &title, Status: &status, QuestionsPerParagraph: &qpp})
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for i := range 3 {
		texts = append(texts, fmt.Sprintf("Le paragraphe %d décrit la mairie de Villeneuve, ouverte du lundi au vendredi, qui délivre %d actes chaque année.", i, 100+i))
	}
	if _, err := svc.Store().AddDocument(ctx, &corpus.Document{CampaignID: qa.ID, Title: "Mairie"}, texts); err != nil {
		t.Fatal(err)
	}
	var task annotate.Task
	fx.alice.Must(200, "POST", fmt.Sprintf("/api/v1/campaigns/%d/tasks/next", qa.ID), nil).JSON(t, &task)
	var pairs []annotate.Pair
	for i, word := range []string{"mairie", "vendredi"}[:task.QuestionsNeeded] {
		at := strings.Index(task.Paragraph.Text, word)
		pairs = append(pairs, annotate.Pair{Question: fmt.Sprintf("Question privée Zéphyrine numéro %d sur cet élément ?", i),
			Answer: annotate.Span{Start: utf8.RuneCountInString(task.Paragraph.Text[:at]), Text: word}})
	}
	var sub annotate.SubmissionResult
	fx.alice.Must(201, "POST", fmt.Sprintf("/api/v1/paragraphs/%d/submissions", task.Paragraph.ID),
		map[string]any{"idempotency_key": "alice-idor-submission", "pairs": pairs}).JSON(t, &sub)
	fx.questionID = sub.QuestionIDs[0]
	fx.alice.Must(200, "POST", fmt.Sprintf("/api/v1/campaigns/%d/tasks/next", qa.ID), nil).JSON(t, &task)
	fx.leasedParagraph = task.Paragraph.ID

	// An entity campaign: Alice annotates a passage, then holds the next.
	kind, title = corpus.KindNER, "Décisions IDOR"
	testShare := 0
	ner, err := svc.Create(ctx, mod, corpus.CampaignInput{Kind: &kind, Title: &title, Status: &status, TestShare: &testShare})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Store().AddDocument(ctx, &corpus.Document{CampaignID: ner.ID, Title: "Décision"}, []string{
		"M. Jean-Marc Dubois, demeurant 12 rue des Lilas à Lyon, a saisi le tribunal.",
		"La société Durand et Fils a été condamnée à verser 3 000 euros à Mme Sophie Martin.",
	}); err != nil {
		t.Fatal(err)
	}
	var et entities.Task
	fx.alice.Must(200, "POST", fmt.Sprintf("/api/v1/campaigns/%d/entity-tasks/next", ner.ID), nil).JSON(t, &et)
	var es entities.Submitted
	fx.alice.Must(201, "POST", fmt.Sprintf("/api/v1/paragraphs/%d/entity-annotations", et.Paragraph.ID),
		map[string]any{"idempotency_key": "alice-idor-entities", "spans": []entities.Span{}}).JSON(t, &es)
	fx.entityAnnotation = es.ID
	fx.alice.Must(200, "POST", fmt.Sprintf("/api/v1/campaigns/%d/entity-tasks/next", ner.ID), nil).JSON(t, &et)
	fx.leasedPassage = et.Paragraph.ID

	// Consumer A: an API token and a pseudonymisation batch.
	var tok auth.NewTokenView
	fx.consA.Must(201, "POST", "/api/v1/me/tokens", map[string]any{"name": "jeton Quetzalcoatl", "scopes": []string{"datasets:read"}}).JSON(t, &tok)
	fx.tokenID = tok.ID
	r := fx.consA.Upload("/api/v1/pseudonymize/batches", nil, "lot.zip", batchArchive(t, "Madame Sophie Leroy habite à Paris ; dossier Ornithorynque."))
	if r.Status != 202 {
		t.Fatalf("batch: %d %s", r.Status, r.Body)
	}
	var j jobs.View
	r.JSON(t, &j)
	fx.batchJob = j.ID
	if v := fx.consA.WaitJob(j.ID); v.State != jobs.StateSucceeded {
		t.Fatalf("batch job %s: %s", v.State, v.Error)
	}
	// Strings only A's objects hold: none may appear in B's answers.
	fx.aliceMarkers = []string{"Zéphyrine", fx.aliceUser.EmailValue()}
	fx.consMarker = []string{"Quetzalcoatl", "Ornithorynque", "lot.zip", fx.consAUser.EmailValue()}
	fx.markers = append(append([]string{}, fx.aliceMarkers...), fx.consMarker...)
	return fx
}

// TestNoAccessToOtherUsersObjects is the IDOR sweep: for every route with a
// parameter in its path (enumerated from the router, like TestRoleMatrix),
// user B, of the same role as owner A, tries A's private object and is
// refused without seeing it; routes naming shared objects are listed with
// the reason. Listing routes and the live feed are checked too: B's lists,
// GDPR export and subscriptions never hold A's objects.
func TestNoAccessToOtherUsersObjects(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		env := apptest.Start(t, db)
		fx := newIDORFixture(t, env)
		seen := map[string]bool{}
		for _, r := range env.App.Server.Routes() {
			if !strings.Contains(r.Path, "{") {
				continue
			}
			seen[r.OperationID] = true
			c, ok := idorCases[r.OperationID]
			if !ok {
				t.Errorf("%s %s (%s) has an id in its path but is not in the IDOR sweep: say whose object it names (idorCases)", r.Method, r.Path, r.OperationID)
				continue
			}
			if c.shared != "" {
				continue
			}
			path := c.path(fx)
			body := c.body
			if body == nil && r.Method != "GET" && r.Method != "DELETE" && r.Method != "HEAD" {
				body = "{}"
			}
			res := c.attacker(fx).Do(r.Method, path, body)
			allow := c.allow
			if allow == nil {
				allow = []int{403, 404}
			}
			t.Logf("%s %s by another user of the same role: %d %s", r.Method, path, res.Status, res.ErrorCode())
			if !slices.Contains(allow, res.Status) {
				t.Errorf("%s %s by another user of the same role: %d %s, want one of %v", r.Method, path, res.Status, res.Body, allow)
			}
			for _, m := range fx.markers {
				if strings.Contains(string(res.Body), m) {
					t.Errorf("%s %s by another user: the answer holds the owner's %q", r.Method, path, m)
				}
			}
			if c.intact != nil {
				c.intact(t, fx)
			}
		}
		for op := range idorCases {
			if !seen[op] {
				t.Errorf("the IDOR sweep lists %s, which no route with a path parameter serves", op)
			}
		}

		// Lists and exports of B's own things never hold A's.
		for _, c := range []struct {
			who  *apptest.Client
			path string
		}{
			{fx.bob, "/api/v1/me/export"}, {fx.bob, "/api/v1/me"}, {fx.bob, "/api/v1/me/progress"}, {fx.bob, "/api/v1/me/feedback"},
			{fx.bob, "/api/v1/jobs"}, {fx.consB, "/api/v1/me/export"}, {fx.consB, "/api/v1/me/tokens"}, {fx.consB, "/api/v1/jobs"},
		} {
			res := c.who.Must(200, "GET", c.path, nil)
			for _, m := range fx.markers {
				if strings.Contains(string(res.Body), m) {
					t.Errorf("GET %s by another user holds the owner's %q", c.path, m)
				}
			}
			if c.path == "/api/v1/jobs" && strings.Contains(string(res.Body), fmt.Sprintf(`"id":%d,`, fx.batchJob)) {
				t.Errorf("GET /api/v1/jobs by another user lists job %d", fx.batchJob)
			}
		}
		// The owner's own export does hold them (the check above is not vacuous).
		if res := fx.consA.Must(200, "GET", "/api/v1/me/export", nil); !strings.Contains(string(res.Body), "Quetzalcoatl") {
			t.Errorf("consumer A's export lacks A's own token: the sweep's markers are wrong")
		}

		// The live feed: B may not follow A's job or A's personal topic.
		conn := fx.consB.Live()
		for _, topic := range []string{fmt.Sprintf("job:%d", fx.batchJob), fmt.Sprintf("user:%d", fx.consAUser.ID)} {
			conn.Subscribe(topic, 0)
			m := conn.Next(5 * time.Second)
			if m.Type != "error" || m.Code != "forbidden" {
				t.Errorf("another consumer subscribing to %s: %+v", topic, m)
			}
		}
		t.Logf("%d routes with a path parameter: %d private objects attacked, %d shared (reasons in idorCases)", len(seen), countPrivate(seen), len(seen)-countPrivate(seen))
	})
}

func countPrivate(seen map[string]bool) int {
	n := 0
	for op := range seen {
		if c, ok := idorCases[op]; ok && c.shared == "" {
			n++
		}
	}
	return n
}
