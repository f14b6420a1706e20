package release

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/lab-ia/piaf/backend/internal/blob"
	"github.com/lab-ia/piaf/backend/internal/corpus"
	"github.com/lab-ia/piaf/backend/internal/database/dbtest"
	"github.com/lab-ia/piaf/backend/internal/dataio"
	"github.com/lab-ia/piaf/backend/internal/identity"
	"github.com/lab-ia/piaf/backend/internal/jobs"
)

func TestVersions(t *testing.T) {
	for v, ok := range map[string]bool{"1.0.0": true, "0.1.0": true, "1.0.0-rc.1": true, "10.20.30": true,
		"1.0": false, "v1.0.0": false, "1.0.0+b1": false, "01.0.0": false, "": false, "1.0.0.0": false, "un.deux.trois": false} {
		if validVersion(v) != ok {
			t.Errorf("validVersion(%q) = %v", v, !ok)
		}
	}
	rs := []Release{{Version: "1.2.0"}, {Version: "1.10.0"}, {Version: "1.10.0-rc.1"}, {Version: "0.9.0"}}
	sortNewestFirst(rs)
	if rs[0].Version != "1.10.0" || rs[1].Version != "1.10.0-rc.1" || rs[3].Version != "0.9.0" {
		t.Fatalf("order %v", rs)
	}
}

func TestStateMachine(t *testing.T) {
	for _, from := range []Status{StatusBuilding, StatusDraft, StatusPublished} {
		for _, action := range []string{ActionBuilt, ActionAbandon, ActionEdit, ActionPublish, ActionDelete} {
			_, err := Next(from, action)
			allowed := false
			for _, tr := range Transitions {
				allowed = allowed || (tr.From == from && tr.Action == action)
			}
			if (err == nil) != allowed {
				t.Errorf("%s --%s--> err %v, allowed %v", from, action, err, allowed)
			}
			if from == StatusPublished && err == nil {
				t.Errorf("a published release accepted %s", action)
			}
		}
	}
}

func TestSplitAssignment(t *testing.T) {
	var docs []docStats
	for i := int64(1); i <= 200; i++ {
		d := docStats{DocumentID: i, Questions: int(5 + i%7)}
		if i%10 == 0 {
			d.MultiAnswer = d.Questions
		}
		docs = append(docs, d)
	}
	p := Proportions{Train: 80, Dev: 10, Test: 10}
	a := assignSplits(docs, nil, p, 42)
	b := assignSplits(docs, nil, p, 42)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatal("not deterministic")
	}
	if fmt.Sprint(a) == fmt.Sprint(assignSplits(docs, nil, p, 43)) {
		t.Fatal("the seed changes nothing")
	}
	share := map[string]int{}
	total := 0
	for _, d := range docs {
		share[a[d.DocumentID]] += d.Questions
		total += d.Questions
	}
	for sp, want := range map[string]int{SplitTrain: 80, SplitDev: 10, SplitTest: 10} {
		if got := 100 * share[sp] / total; got < want-2 || got > want+2 {
			t.Errorf("%s holds %d %% of questions, want about %d", sp, got, want)
		}
	}
	// Test prefers the documents whose questions have several answers.
	multi := 0
	for _, d := range docs {
		if d.MultiAnswer > 0 && a[d.DocumentID] == SplitTest {
			multi++
		}
	}
	if multi < 15 {
		t.Errorf("only %d of 20 multi-answer documents in test", multi)
	}
	// Stability: 50 new documents keep the old assignments and the global shares.
	for i := int64(201); i <= 250; i++ {
		docs = append(docs, docStats{DocumentID: i, Questions: 6})
	}
	fresh := assignSplits(docs, a, p, 42)
	if len(fresh) != 50 {
		t.Fatalf("%d new assignments, want 50", len(fresh))
	}
	for id := range fresh {
		if _, old := a[id]; old {
			t.Fatalf("document %d reassigned", id)
		}
	}
	// Proportions with no dev split.
	noDev := assignSplits(docs[:100], nil, Proportions{Train: 90, Test: 10}, 1)
	for _, s := range noDev {
		if s == SplitDev {
			t.Fatal("dev share 0 but a dev document")
		}
	}
}

func TestCSVNeutralisation(t *testing.T) {
	for in, want := range map[string]string{"=SOMME(A1)": "'=SOMME(A1)", "+33 1 23": "'+33 1 23", "-5 %": "'-5 %", "@cmd": "'@cmd",
		"\tx": "'\tx", "l’hôpital": "l’hôpital", "'quoted": "'quoted", "": ""} {
		if got := NeutralizeCell(in); got != want {
			t.Errorf("NeutralizeCell(%q) = %q", in, got)
		}
		if back := RestoreCell(NeutralizeCell(in)); back != in {
			t.Errorf("RestoreCell(NeutralizeCell(%q)) = %q", in, back)
		}
	}
}

func TestAcceptsGzip(t *testing.T) {
	for h, want := range map[string]bool{"gzip": true, "br, gzip;q=0.5": true, "GZIP": true, "gzip;q=0": false, "identity": false, "": false, "x-gzip": false} {
		if acceptsGzip(h) != want {
			t.Errorf("acceptsGzip(%q) = %v", h, !want)
		}
	}
}

// failingBlobs refuses every write, as a full disk or a lost bucket would.
type failingBlobs struct{}

func (failingBlobs) Put(context.Context, string, io.Reader, int64) error {
	return errors.New("disk full")
}

type nopProgress struct{}

func (nopProgress) Stage(context.Context, string, int64) {}
func (nopProgress) Add(context.Context, int64)           {}

// TestFailedBuildLeavesNothing: a build that cannot store its files fails,
// and the job's end removes the release: no half release is ever listed.
func TestFailedBuildLeavesNothing(t *testing.T) {
	db := dbtest.SQLite(t)
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	store := corpus.NewStore(db)
	kind, title, status := corpus.KindQA, "Échec", corpus.StatusOpen
	var admin int64
	db.Gorm.Raw(`INSERT INTO users (display_name, pseudonym, role, locale, created_at, updated_at) VALUES ('A', 'A', 'admin', 'fr', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) RETURNING id`).Scan(&admin)
	c, err := corpus.NewService(store).Create(ctx, &identity.Principal{UserID: admin, Role: identity.RoleAdmin}, corpus.CampaignInput{Kind: &kind, Title: &title, Status: &status})
	if err != nil {
		t.Fatal(err)
	}
	doc := map[string]any{"version": "t", "data": []any{map[string]any{"title": "Doc", "paragraphs": []any{map[string]any{
		"context": "La mairie ouvre à neuf heures du lundi au vendredi, sauf les jours fériés, pour tous les habitants.",
		"qas":     []any{map[string]any{"id": "q1", "question": "À quelle heure la mairie ouvre-t-elle ?", "answers": []any{map[string]any{"answer_start": 18, "text": "neuf heures"}}}}}}}}}
	b, _ := json.Marshal(doc)
	if rep, err := dataio.NewImporter(db).Import(ctx, c.ID, bytes.NewReader(b), int64(len(b)), dataio.Options{Format: dataio.FormatSQuAD, PreAccept: true}, nil); err != nil || rep.QuestionsNew != 1 {
		t.Fatal(err, rep)
	}
	dir, err := blob.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	svc := NewService(db, store, nil, NewBuilder(db, failingBlobs{}, t.TempDir(), "", log), dir, log)
	in := CreateInput{Version: "1.0.0", Title: "Échec"}
	if err := in.Validate(); err != nil {
		t.Fatal(err)
	}
	r := svc.newRelease(c, nil, in, OriginCampaign)
	if err := svc.store.insert(ctx, r); err != nil {
		t.Fatal(err)
	}
	err = svc.builder.build(ctx, r, campaignSource{db: db, reader: svc.builder.reader, campaignID: c.ID}, nopProgress{})
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("build with a failing store: %v", err)
	}
	var files int64
	db.Gorm.Raw(`SELECT COUNT(*) FROM release_files`).Scan(&files)
	if files != 0 {
		t.Fatalf("%d file rows after a failed build", files)
	}
	job := &jobs.Job{Params: fmt.Sprintf(`{"release_id": %d}`, r.ID)}
	BuildJob{Service: svc}.Finished(ctx, job, jobs.StateFailed)
	if _, err := svc.store.byID(ctx, r.ID); !errors.Is(err, ErrReleaseNotFound) {
		t.Fatalf("the failed release remains: %v", err)
	}
	// The version is free again.
	if err := svc.store.insert(ctx, svc.newRelease(c, nil, in, OriginCampaign)); err != nil {
		t.Fatalf("version not reusable after a failed build: %v", err)
	}
	// A succeeded job never removes its release.
	BuildJob{Service: svc}.Finished(ctx, &jobs.Job{Params: `{"release_id": 999}`}, jobs.StateSucceeded)
}
