package annotate_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/lab-ia/piaf/backend/internal/app/apptest"
	"github.com/lab-ia/piaf/backend/internal/corpus"
	"github.com/lab-ia/piaf/backend/internal/database"
	"github.com/lab-ia/piaf/backend/internal/database/dbtest"
	"github.com/lab-ia/piaf/backend/internal/identity"
)

// The annotation screen of entity campaigns skips, keeps and reports
// passages through the same routes as question campaigns: the skipped
// passage never comes back in the entity tasks.
func TestEntityPassagesCanBeSkipped(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		env := apptest.Start(t, db)
		ctx := context.Background()
		_, mod := env.User(identity.RoleModerator, "Modé entités")
		kind, status, title := corpus.KindNER, corpus.StatusOpen, "Décisions"
		svc := corpus.NewService(corpus.NewStore(env.DB))
		c, err := svc.Create(ctx, &identity.Principal{UserID: mod.ID, Role: identity.RoleModerator}, corpus.CampaignInput{Kind: &kind, Title: &title, Status: &status})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Store().AddDocument(ctx, &corpus.Document{CampaignID: c.ID, Title: "Décision"}, []string{
			"Le greffier, M. Paul Leroy, a notifié la décision aux parties le 2 juin 2024 par courrier recommandé.",
			"La société Durand et Fils a été condamnée à verser 3 000 euros à Mme Sophie Martin, née à Nantes.",
		}); err != nil {
			t.Fatal(err)
		}
		annotator, _ := env.User(identity.RoleContributor, "Annotatrice")
		type task struct {
			Paragraph struct{ ID int64 } `json:"paragraph"`
		}
		var first, second task
		annotator.Must(200, "POST", fmt.Sprintf("/api/v1/campaigns/%d/entity-tasks/next", c.ID), nil).JSON(t, &first)
		annotator.Must(204, "POST", fmt.Sprintf("/api/v1/paragraphs/%d/skip", first.Paragraph.ID), map[string]string{"reason": "too_hard"})
		annotator.Must(200, "POST", fmt.Sprintf("/api/v1/campaigns/%d/entity-tasks/next", c.ID), nil).JSON(t, &second)
		if second.Paragraph.ID == first.Paragraph.ID {
			t.Fatal("a skipped passage came back")
		}
		// The screen keeps its passage reserved and may report it, as for
		// question campaigns.
		annotator.Must(200, "PUT", fmt.Sprintf("/api/v1/paragraphs/%d/lease", second.Paragraph.ID), nil)
		annotator.Must(201, "POST", fmt.Sprintf("/api/v1/paragraphs/%d/reports", second.Paragraph.ID), map[string]string{"reason": "other", "comment": "texte illisible"})
		if n := env.Count("paragraphs", "id = ? AND status = 'reported'", second.Paragraph.ID); n != 1 {
			t.Fatalf("the reported passage is not marked reported")
		}
		// Question campaigns' own rules still hold for their routes.
		annotator.Must(409, "POST", fmt.Sprintf("/api/v1/campaigns/%d/tasks/next", c.ID), nil)
	})
}
