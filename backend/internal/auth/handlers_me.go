package auth

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lab-ia/piaf/backend/internal/api"
	"github.com/lab-ia/piaf/backend/internal/apperr"
	"github.com/lab-ia/piaf/backend/internal/identity"
)

type profilePatch struct {
	Pseudonym   *string `json:"pseudonym,omitempty" minLength:"3" maxLength:"40"`
	DisplayName *string `json:"display_name,omitempty" maxLength:"80"`
	Locale      *string `json:"locale,omitempty" enum:"fr,en"`
	// LeaderboardOptOut hides my pseudonym from leaderboards.
	LeaderboardOptOut *bool `json:"leaderboard_opt_out,omitempty"`
}

type passwordChange struct {
	CurrentPassword string `json:"current_password" required:"true"`
	NewPassword     string `json:"new_password" required:"true" minLength:"10" maxLength:"256"`
}

type deleteAccount struct {
	// Confirm must be the user's pseudonym, typed again.
	Confirm string `query:"confirm" required:"true"`
}

// TokenView is a token as listed (never with its secret).
type TokenView struct {
	ID         int64      `json:"id" required:"true"`
	Name       string     `json:"name" required:"true"`
	Prefix     string     `json:"prefix" required:"true"`
	Scopes     []string   `json:"scopes" required:"true"`
	CreatedAt  time.Time  `json:"created_at" required:"true"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// NewTokenView is a created token with its secret, shown once.
type NewTokenView struct {
	TokenView
	Secret string `json:"secret" required:"true"`
}

type tokenCreate struct {
	Name          string   `json:"name" required:"true" maxLength:"80"`
	Scopes        []string `json:"scopes" required:"true" items.enum:"datasets:read,qa:ask,pseudo:run,admin"`
	ExpiresInDays int      `json:"expires_in_days,omitempty" minimum:"0" maximum:"366"`
}

// tokenHolders may manage API tokens.
var tokenHolders = api.RolesOnly(identity.RoleConsumer, identity.RoleAdmin)

// MeRoutes lists the routes of the signed-in user's own account.
func (h *Handlers) MeRoutes() []api.Route {
	tags := []string{"me"}
	return []api.Route{
		{Method: http.MethodGet, Path: "/api/v1/me", OperationID: "getMe", Summary: "My profile", Tags: tags, Access: api.SignedIn,
			Responses: []api.Response{{Status: 200, Body: Profile{}}}, Handler: h.me},
		{Method: http.MethodPatch, Path: "/api/v1/me", OperationID: "updateMe", Summary: "Change my pseudonym, name or language", Tags: tags, Access: api.SignedIn,
			Request: profilePatch{}, Responses: []api.Response{{Status: 200, Body: Profile{}}}, Handler: h.updateMe},
		{Method: http.MethodPut, Path: "/api/v1/me/password", OperationID: "changePassword", Summary: "Change my password (other sessions end)", Tags: tags, Access: api.SignedIn,
			Request: passwordChange{}, Responses: []api.Response{{Status: 204}}, Handler: h.changePassword},
		{Method: http.MethodGet, Path: "/api/v1/me/export", OperationID: "exportMyData", Summary: "Download everything PIAF holds about me (JSON)", Tags: tags, Access: api.SignedIn,
			Responses: []api.Response{{Status: 200, Body: map[string]any{}}}, Handler: h.export},
		{Method: http.MethodDelete, Path: "/api/v1/me", OperationID: "deleteMe", Summary: "Delete my account (my contributions stay, anonymised)", Tags: tags, Access: api.SignedIn,
			Request: deleteAccount{}, Responses: []api.Response{{Status: 204}}, Handler: h.deleteMe},
		{Method: http.MethodGet, Path: "/api/v1/me/tokens", OperationID: "listMyTokens", Summary: "My API tokens", Tags: tags, Access: tokenHolders,
			Responses: []api.Response{{Status: 200, Body: []TokenView{}}}, Handler: h.listTokens},
		{Method: http.MethodPost, Path: "/api/v1/me/tokens", OperationID: "createMyToken", Summary: "Create an API token (its secret is shown once)", Tags: tags, Access: tokenHolders,
			Request: tokenCreate{}, Responses: []api.Response{{Status: 201, Body: NewTokenView{}}}, Handler: h.createToken},
		{Method: http.MethodDelete, Path: "/api/v1/me/tokens/{id}", OperationID: "revokeMyToken", Summary: "Revoke one of my API tokens", Tags: tags, Access: tokenHolders,
			Request: api.IDPath{}, Responses: []api.Response{{Status: 204}}, Handler: h.revokeToken},
	}
}

func principal(c echo.Context) *identity.Principal {
	return identity.FromContext(c.Request().Context())
}

func (h *Handlers) me(c echo.Context) error {
	u, err := h.svc.store.UserByID(c.Request().Context(), principal(c).UserID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ProfileOf(u))
}

func (h *Handlers) updateMe(c echo.Context) error {
	var in profilePatch
	if err := api.BindJSON(c, &in); err != nil {
		return err
	}
	u, err := h.svc.UpdateProfile(c.Request().Context(), principal(c).UserID, ProfileUpdate{Pseudonym: in.Pseudonym, DisplayName: in.DisplayName, Locale: in.Locale, LeaderboardOptOut: in.LeaderboardOptOut})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ProfileOf(u))
}

func (h *Handlers) changePassword(c echo.Context) error {
	var in passwordChange
	if err := api.BindJSON(c, &in); err != nil {
		return err
	}
	p := principal(c)
	if err := h.svc.ChangePassword(c.Request().Context(), p.UserID, p.SessionID, in.CurrentPassword, in.NewPassword, meta(c)); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (h *Handlers) export(c echo.Context) error {
	data, err := h.svc.ExportData(c.Request().Context(), principal(c).UserID, h.sections)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Content-Disposition", `attachment; filename="piaf-mes-donnees.json"`)
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSONPretty(http.StatusOK, data, "  ")
}

func (h *Handlers) deleteMe(c echo.Context) error {
	in := deleteAccount{Confirm: c.QueryParam("confirm")}
	p := principal(c)
	ctx := c.Request().Context()
	u, err := h.svc.store.UserByID(ctx, p.UserID)
	if err != nil {
		return err
	}
	if in.Confirm != u.Pseudonym {
		var v apperr.Validation
		v.Add("confirm", "type your pseudonym to confirm")
		return v.Err()
	}
	if err := h.svc.DeleteAccount(ctx, p.UserID, meta(c)); err != nil {
		return err
	}
	h.web.clearSessionCookie(c)
	return c.NoContent(http.StatusNoContent)
}

func tokenView(t APIToken) TokenView {
	return TokenView{ID: t.ID, Name: t.Name, Prefix: t.Prefix, Scopes: append([]string{}, strings.Fields(t.Scopes)...), CreatedAt: t.CreatedAt,
		ExpiresAt: t.ExpiresAt, LastUsedAt: t.LastUsedAt, RevokedAt: t.RevokedAt}
}

func (h *Handlers) listTokens(c echo.Context) error {
	ts, err := h.svc.ListTokens(c.Request().Context(), principal(c).UserID)
	if err != nil {
		return err
	}
	out := make([]TokenView, 0, len(ts))
	for _, t := range ts {
		out = append(out, tokenView(t))
	}
	return c.JSON(http.StatusOK, out)
}

func (h *Handlers) createToken(c echo.Context) error {
	var in tokenCreate
	if err := api.BindJSON(c, &in); err != nil {
		return err
	}
	scopes := make([]identity.Scope, len(in.Scopes))
	for i, s := range in.Scopes {
		scopes[i] = identity.Scope(s)
	}
	ct, err := h.svc.CreateToken(c.Request().Context(), principal(c), TokenRequest{Name: in.Name, Scopes: scopes, ExpiresInDays: in.ExpiresInDays}, meta(c))
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusCreated, NewTokenView{TokenView: tokenView(ct.Token), Secret: ct.Secret})
}

func (h *Handlers) revokeToken(c echo.Context) error {
	id, err := api.PathID(c, "id")
	if err != nil {
		return err
	}
	if err := h.svc.RevokeToken(c.Request().Context(), principal(c).UserID, id, meta(c)); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
