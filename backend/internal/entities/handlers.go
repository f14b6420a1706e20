package entities

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/lab-ia/piaf/backend/internal/api"
	"github.com/lab-ia/piaf/backend/internal/apperr"
	"github.com/lab-ia/piaf/backend/internal/identity"
)

// Handlers exposes entity annotation over HTTP.
type Handlers struct{ svc *Service }

// NewHandlers binds the handlers.
func NewHandlers(svc *Service) *Handlers { return &Handlers{svc: svc} }

type submitBody struct {
	api.IDPath
	SubmitInput
}

type decisionBody struct {
	api.IDPath
	Decision
}

type listQuery struct {
	api.IDPath
	api.PageQuery
	State string `query:"state" enum:"submitted,accepted,rejected,needs_changes"`
}

// Routes lists the entity annotation routes.
func (h *Handlers) Routes() []api.Route {
	tags := []string{"entities"}
	return []api.Route{
		{Method: http.MethodPost, Path: "/api/v1/campaigns/{id}/entity-tasks/next", OperationID: "nextEntityTask",
			Summary: "Reserve the next passage to annotate, with the model's proposals", Tags: tags, Access: api.SignedIn,
			Request: api.IDPath{}, Responses: []api.Response{{Status: 200, Body: Task{}}}, Handler: h.next},
		{Method: http.MethodPost, Path: "/api/v1/paragraphs/{id}/entity-annotations", OperationID: "submitEntities",
			Summary: "Submit the entities of a passage (idempotent)", Tags: tags, Access: api.SignedIn,
			Request: submitBody{}, Responses: []api.Response{{Status: 201, Body: Submitted{}}, {Status: 200, Body: Submitted{}, Description: "a replay of the same idempotency key"}}, Handler: h.submit},
		{Method: http.MethodGet, Path: "/api/v1/campaigns/{id}/entity-annotations", OperationID: "listEntityAnnotations",
			Summary: "The campaign's entity annotations in a state (review queue)", Tags: tags, Access: api.Moderators,
			Request: listQuery{}, Responses: []api.Response{{Status: 200, Body: api.Page[ReviewItem]{}}}, Handler: h.list},
		{Method: http.MethodPost, Path: "/api/v1/entity-annotations/{id}/decisions", OperationID: "decideEntityAnnotation",
			Summary: "Accept, reject, request changes, edit or reopen an entity annotation", Tags: tags, Access: api.Moderators,
			Request: decisionBody{}, Responses: []api.Response{{Status: 200, Body: ReviewItem{}}}, Handler: h.decide},
		{Method: http.MethodGet, Path: "/api/v1/entity-annotations/{id}/history", OperationID: "entityAnnotationHistory",
			Summary: "Every change of an entity annotation", Tags: tags, Access: api.Access{Authenticated: true, Note: "the annotation's author or a moderator"},
			Request: api.IDPath{}, Responses: []api.Response{{Status: 200, Body: []HistoryEntry{}}}, Handler: h.history},
		{Method: http.MethodGet, Path: "/api/v1/campaigns/{id}/entity-agreement", OperationID: "entityAgreement",
			Summary: "Span agreement between annotators of the same passages", Tags: tags, Access: api.Moderators,
			Request: api.IDPath{}, Responses: []api.Response{{Status: 200, Body: Agreement{}}}, Handler: h.agreement},
	}
}

func principal(c echo.Context) *identity.Principal {
	return identity.FromContext(c.Request().Context())
}

func (h *Handlers) next(c echo.Context) error {
	id, err := api.PathID(c, "id")
	if err != nil {
		return err
	}
	t, err := h.svc.NextTask(c.Request().Context(), principal(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, t)
}

func (h *Handlers) submit(c echo.Context) error {
	id, err := api.PathID(c, "id")
	if err != nil {
		return err
	}
	var in SubmitInput
	if err := api.BindJSON(c, &in); err != nil {
		return err
	}
	if in.Spans == nil {
		var v apperr.Validation
		v.Add("spans", "is required (an empty list when the passage holds no entity)")
		return v.Err()
	}
	out, err := h.svc.Submit(c.Request().Context(), principal(c), id, in)
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if out.Replayed {
		status = http.StatusOK
	}
	return c.JSON(status, out)
}

func (h *Handlers) list(c echo.Context) error {
	id, err := api.PathID(c, "id")
	if err != nil {
		return err
	}
	page, per, off, err := api.Paging(c)
	if err != nil {
		return err
	}
	state := c.QueryParam("state")
	switch state {
	case "", "submitted", "accepted", "rejected", "needs_changes":
	default:
		return apperr.New(apperr.Invalid, "invalid_parameter", "state must be submitted, accepted, rejected or needs_changes").WithDetails("parameter", "state")
	}
	items, total, err := h.svc.List(c.Request().Context(), principal(c), id, state, off, per)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, api.Page[ReviewItem]{Items: items, Total: total, Page: page, PerPage: per})
}

func (h *Handlers) decide(c echo.Context) error {
	id, err := api.PathID(c, "id")
	if err != nil {
		return err
	}
	var d Decision
	if err := api.BindJSON(c, &d); err != nil {
		return err
	}
	it, err := h.svc.Decide(c.Request().Context(), principal(c), id, d)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, it)
}

func (h *Handlers) history(c echo.Context) error {
	id, err := api.PathID(c, "id")
	if err != nil {
		return err
	}
	hs, err := h.svc.History(c.Request().Context(), principal(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, hs)
}

func (h *Handlers) agreement(c echo.Context) error {
	id, err := api.PathID(c, "id")
	if err != nil {
		return err
	}
	a, err := h.svc.CampaignAgreement(c.Request().Context(), principal(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a)
}
