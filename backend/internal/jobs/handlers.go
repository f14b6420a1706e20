package jobs

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/lab-ia/piaf/backend/internal/api"
	"github.com/lab-ia/piaf/backend/internal/apperr"
	"github.com/lab-ia/piaf/backend/internal/identity"
)

// Handlers exposes jobs over HTTP.
type Handlers struct{ svc *Service }

// NewHandlers binds the handlers.
func NewHandlers(svc *Service) *Handlers { return &Handlers{svc: svc} }

type listQuery struct {
	api.PageQuery
	State      string `query:"state" enum:"queued,running,succeeded,failed,cancelled"`
	Kind       string `query:"kind"`
	CampaignID int64  `query:"campaign_id" minimum:"1"`
}

// Routes lists the job routes. Everyone signed in may call them; what each
// caller sees is decided by the service (own jobs, campaigns' jobs for
// moderators, all for admins).
func (h *Handlers) Routes() []api.Route {
	tags := []string{"jobs"}
	access := api.Access{Authenticated: true, Note: "users see their own jobs, moderators also every campaign's, admins all"}
	return []api.Route{
		{Method: http.MethodGet, Path: "/api/v1/jobs", OperationID: "listJobs", Summary: "Jobs I may see, newest first", Tags: tags,
			Access: access, Request: listQuery{}, Responses: []api.Response{{Status: 200, Body: api.Page[View]{}}}, Handler: h.list},
		{Method: http.MethodGet, Path: "/api/v1/jobs/{id}", OperationID: "getJob", Summary: "A job's state and progress", Tags: tags,
			Access: access, Request: api.IDPath{}, Responses: []api.Response{{Status: 200, Body: View{}}}, Handler: h.get},
		{Method: http.MethodPost, Path: "/api/v1/jobs/{id}/cancel", OperationID: "cancelJob", Summary: "Cancel a queued or running job", Tags: tags,
			Access: access, Request: api.IDPath{}, Responses: []api.Response{{Status: 200, Body: View{}}}, Handler: h.cancel},
	}
}

func principal(c echo.Context) *identity.Principal {
	return identity.FromContext(c.Request().Context())
}

func (h *Handlers) list(c echo.Context) error {
	page, per, off, err := api.Paging(c)
	if err != nil {
		return err
	}
	f := Filter{State: State(c.QueryParam("state")), Kind: c.QueryParam("kind"), Limit: per, Offset: off}
	switch f.State {
	case "", StateQueued, StateRunning, StateSucceeded, StateFailed, StateCancelled:
	default:
		return apperr.New(apperr.Invalid, "invalid_parameter", "unknown state")
	}
	if raw := c.QueryParam("campaign_id"); raw != "" {
		if f.CampaignID, err = strconv.ParseInt(raw, 10, 64); err != nil || f.CampaignID < 1 {
			return apperr.New(apperr.Invalid, "invalid_parameter", "campaign_id must be a positive integer")
		}
	}
	jobs, total, err := h.svc.List(c.Request().Context(), principal(c), f)
	if err != nil {
		return err
	}
	out := api.Page[View]{Items: make([]View, 0, len(jobs)), Total: total, Page: page, PerPage: per}
	for i := range jobs {
		out.Items = append(out.Items, ViewOf(&jobs[i]))
	}
	return c.JSON(http.StatusOK, out)
}

func (h *Handlers) get(c echo.Context) error {
	id, err := api.PathID(c, "id")
	if err != nil {
		return err
	}
	j, err := h.svc.Get(c.Request().Context(), principal(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ViewOf(j))
}

func (h *Handlers) cancel(c echo.Context) error {
	id, err := api.PathID(c, "id")
	if err != nil {
		return err
	}
	j, err := h.svc.Cancel(c.Request().Context(), principal(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ViewOf(j))
}
