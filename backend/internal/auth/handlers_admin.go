package auth

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lab-ia/piaf/backend/internal/api"
	"github.com/lab-ia/piaf/backend/internal/apperr"
	"github.com/lab-ia/piaf/backend/internal/identity"
)

type userListQuery struct {
	api.PageQuery
	Query string `query:"q" maxLength:"100"`
	Role  string `query:"role" enum:"contributor,consumer,moderator,admin"`
}

type roleChange struct {
	api.IDPath
	Role string `json:"role" required:"true" enum:"contributor,consumer,moderator,admin"`
}

// RevokedSessions reports how many sessions an admin ended.
type RevokedSessions struct {
	Revoked int64 `json:"revoked" required:"true"`
}

// AuditView is a security event as admins read it.
type AuditView struct {
	ID      int64     `json:"id" required:"true"`
	At      time.Time `json:"at" required:"true"`
	Action  string    `json:"action" required:"true"`
	ActorID *int64    `json:"actor_id,omitempty"`
	// ActorName and TargetName are the accounts' current pseudonyms (absent
	// when the event names no account or the account is gone).
	ActorName    string         `json:"actor_name,omitempty"`
	TargetUserID *int64         `json:"target_user_id,omitempty"`
	TargetName   string         `json:"target_name,omitempty"`
	IP           string         `json:"ip"`
	UserAgent    string         `json:"user_agent"`
	Details      map[string]any `json:"details,omitempty"`
}

type auditQuery struct {
	api.PageQuery
	UserID int64 `query:"user_id" minimum:"1"`
}

// AdminRoutes lists the administrators' routes.
func (h *Handlers) AdminRoutes() []api.Route {
	tags := []string{"admin"}
	return []api.Route{
		{Method: http.MethodGet, Path: "/api/v1/admin/users", OperationID: "listUsers", Summary: "Accounts, searchable by e-mail or pseudonym", Tags: tags,
			Access: api.Admins, Request: userListQuery{}, Responses: []api.Response{{Status: 200, Body: api.Page[Profile]{}}}, Handler: h.listUsers},
		{Method: http.MethodPatch, Path: "/api/v1/admin/users/{id}", OperationID: "setUserRole", Summary: "Change a user's role", Tags: tags,
			Access: api.Admins, Request: roleChange{}, Responses: []api.Response{{Status: 200, Body: Profile{}}}, Handler: h.setRole},
		{Method: http.MethodPost, Path: "/api/v1/admin/users/{id}/revoke-sessions", OperationID: "revokeUserSessions", Summary: "Sign a user out everywhere", Tags: tags,
			Access: api.Admins, Request: api.IDPath{}, Responses: []api.Response{{Status: 200, Body: RevokedSessions{}}}, Handler: h.revokeSessions},
		{Method: http.MethodGet, Path: "/api/v1/admin/audit", OperationID: "listAuditEvents", Summary: "Security events, newest first", Tags: tags,
			Access: api.Admins, Request: auditQuery{}, Responses: []api.Response{{Status: 200, Body: api.Page[AuditView]{}}}, Handler: h.audit},
	}
}

func (h *Handlers) listUsers(c echo.Context) error {
	page, per, off, err := api.Paging(c)
	if err != nil {
		return err
	}
	q := strings.TrimSpace(c.QueryParam("q"))
	if len(q) > 100 {
		return apperr.New(apperr.Invalid, "invalid_parameter", "q must hold at most 100 characters")
	}
	users, total, err := h.svc.ListUsers(c.Request().Context(), UserFilter{Query: q, Role: identity.Role(c.QueryParam("role")), Limit: per, Offset: off})
	if err != nil {
		return err
	}
	out := api.Page[Profile]{Items: make([]Profile, 0, len(users)), Total: total, Page: page, PerPage: per}
	for i := range users {
		out.Items = append(out.Items, ProfileOf(&users[i]))
	}
	return c.JSON(http.StatusOK, out)
}

func (h *Handlers) setRole(c echo.Context) error {
	id, err := api.PathID(c, "id")
	if err != nil {
		return err
	}
	var in roleChange
	if err := api.BindJSON(c, &in); err != nil {
		return err
	}
	actor := principal(c).UserID
	u, err := h.svc.SetRole(c.Request().Context(), &actor, id, identity.Role(in.Role), meta(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ProfileOf(u))
}

func (h *Handlers) revokeSessions(c echo.Context) error {
	id, err := api.PathID(c, "id")
	if err != nil {
		return err
	}
	actor := principal(c).UserID
	n, err := h.svc.RevokeSessions(c.Request().Context(), &actor, id, meta(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, RevokedSessions{Revoked: n})
}

func (h *Handlers) audit(c echo.Context) error {
	page, per, off, err := api.Paging(c)
	if err != nil {
		return err
	}
	var userID int64
	if raw := c.QueryParam("user_id"); raw != "" {
		if userID, err = strconv.ParseInt(raw, 10, 64); err != nil || userID < 1 {
			return apperr.New(apperr.Invalid, "invalid_parameter", "user_id must be a positive integer")
		}
	}
	events, total, err := h.svc.ListAudit(c.Request().Context(), userID, per, off)
	if err != nil {
		return err
	}
	out := api.Page[AuditView]{Items: make([]AuditView, 0, len(events)), Total: total, Page: page, PerPage: per}
	for _, e := range events {
		v := AuditView{ID: e.ID, At: e.CreatedAt, Action: e.Action, ActorID: e.ActorID, ActorName: e.ActorName,
			TargetUserID: e.TargetUserID, TargetName: e.TargetName, IP: e.IP, UserAgent: e.UserAgent}
		_ = json.Unmarshal([]byte(e.Details), &v.Details)
		out.Items = append(out.Items, v)
	}
	return c.JSON(http.StatusOK, out)
}
