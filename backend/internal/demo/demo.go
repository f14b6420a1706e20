// Package demo seeds a fresh installation with a demo campaign and demo
// accounts, so that `make run` shows a working product at once. Seeding is
// idempotent: a second start finds what the first created.
package demo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/lab-ia/piaf/backend/internal/apperr"
	"github.com/lab-ia/piaf/backend/internal/auth"
	"github.com/lab-ia/piaf/backend/internal/corpus"
	"github.com/lab-ia/piaf/backend/internal/identity"
)

// CampaignSlug identifies the demo campaign.
const CampaignSlug = "demo-services-publics"

// Account is a demo login, printed in the log at start-up.
type Account struct {
	Email, Password, Pseudonym string
	Role                       identity.Role
}

// Accounts are the demo logins. Their passwords are public by design: demo
// mode is refused in production.
var Accounts = []Account{
	{Email: "admin@demo.piaf.local", Password: "demo-admin-mot-de-passe", Pseudonym: "Admin démo", Role: identity.RoleAdmin},
	{Email: "moderation@demo.piaf.local", Password: "demo-moderation-mot-de-passe", Pseudonym: "Modération démo", Role: identity.RoleModerator},
	{Email: "benevole@demo.piaf.local", Password: "demo-benevole-mot-de-passe", Pseudonym: "Bénévole démo", Role: identity.RoleContributor},
	{Email: "administration@demo.piaf.local", Password: "demo-administration-mot-de-passe", Pseudonym: "Administration démo", Role: identity.RoleConsumer},
}

// Seed creates the demo accounts and campaign when missing.
func Seed(ctx context.Context, users *auth.Store, campaigns *corpus.Service, log *slog.Logger) error {
	var adminID int64
	for _, a := range Accounts {
		u, err := users.UserByEmail(ctx, a.Email)
		if errors.Is(err, auth.ErrUserNotFound) {
			hash, herr := auth.HashPassword(a.Password)
			if herr != nil {
				return herr
			}
			email := a.Email
			u = &auth.User{Email: &email, DisplayName: a.Pseudonym, Pseudonym: a.Pseudonym, Role: a.Role, PasswordHash: &hash, Locale: "fr"}
			err = users.CreateUser(ctx, u)
			if err == nil {
				err = users.MarkEmailVerified(ctx, u.ID)
			}
		}
		if err != nil {
			return fmt.Errorf("demo account %s: %w", a.Email, err)
		}
		if a.Role == identity.RoleAdmin {
			adminID = u.ID
		}
		log.Info("demo account", "email", a.Email, "password", a.Password, "role", a.Role)
	}

	if _, err := campaigns.Store().CampaignBySlug(ctx, CampaignSlug); err == nil {
		return nil
	} else if !apperr.Is(err, apperr.NotFound) {
		return err
	}
	kind, status := corpus.KindQA, corpus.StatusOpen
	title := "Démo — Services publics du quotidien"
	description := "Campagne de démonstration : écrivez des questions sur de courts textes consacrés aux services publics et surlignez leurs réponses."
	guidelines := demoGuidelines
	license := "Licence Ouverte 2.0"
	c, err := campaigns.Create(ctx, &identity.Principal{UserID: adminID, Role: identity.RoleAdmin}, corpus.CampaignInput{
		Kind: &kind, Title: &title, Description: &description, Guidelines: &guidelines, License: &license, Status: &status,
		Themes: []string{"Papiers", "Culture", "Environnement", "Citoyenneté"}})
	if err != nil {
		return fmt.Errorf("demo campaign: %w", err)
	}
	if c.Slug != CampaignSlug {
		if err := campaigns.Store().SetSlug(ctx, c.ID, CampaignSlug); err != nil {
			return err
		}
	}
	total := 0
	for i, d := range demoDocuments {
		doc := &corpus.Document{CampaignID: c.ID, Title: d.Title, Theme: d.Theme, License: license, Position: i}
		n, err := campaigns.Store().AddDocument(ctx, doc, d.Paragraphs)
		if err != nil {
			return fmt.Errorf("demo document %q: %w", d.Title, err)
		}
		total += n
	}
	log.Info("demo campaign created", "campaign", CampaignSlug, "paragraphs", total)
	return nil
}
