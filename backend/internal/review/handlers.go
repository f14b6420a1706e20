package review

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/lab-ia/piaf/backend/internal/annotate"
	"github.com/lab-ia/piaf/backend/internal/api"
	"github.com/lab-ia/piaf/backend/internal/apperr"
	"github.com/lab-ia/piaf/backend/internal/identity"
)

// Handlers exposes moderation over HTTP.
type Handlers struct{ svc *Service }

// NewHandlers binds the handlers.
func NewHandlers(svc *Service) *Handlers { return &Handlers{svc: svc} }

type queueQuery struct {
	api.IDPath
	api.PageQuery
	State       string `query:"state" enum:"submitted,accepted,rejected,needs_changes"`
	Contributor int64  `query:"contributor" minimum:"1"`
	Theme       string `query:"theme"`
	Trust       string `query:"trust" enum:"low,medium,high"`
	Flagged     bool   `query:"flagged"`
	Reported    bool   `query:"reported"`
	Sort        string `query:"sort" enum:"oldest,newest,agreement"`
}

type decisionBody struct {
	api.IDPath
	Action        string         `json:"action" required:"true" enum:"accept,reject,request_changes,edit,reopen"`
	ReasonCode    string         `json:"reason_code,omitempty"`
	Comment       string         `json:"comment,omitempty" maxLength:"1000"`
	Question      *string        `json:"question,omitempty" maxLength:"300"`
	Answer        *annotate.Span `json:"answer,omitempty"`
	ExpectedState string         `json:"expected_state,omitempty" description:"the state the moderator saw; a stale decision is refused with 409"`
}

type goldBody struct {
	api.IDPath
	Gold bool `json:"gold"`
}

type suspendBody struct {
	api.IDPath
	Reason string `json:"reason" required:"true" minLength:"3" maxLength:"500"`
}

type paragraphDecision struct {
	api.IDPath
	Action string `json:"action" required:"true" enum:"dismiss,exclude,restore"`
}

type agreementQuery struct {
	api.IDPath
	Worst int `query:"worst" minimum:"1" maximum:"500" default:"20"`
}

// Routes lists the moderation routes.
func (h *Handlers) Routes() []api.Route {
	tags := []string{"review"}
	return []api.Route{
		{Method: http.MethodGet, Path: "/api/v1/campaigns/{id}/review", OperationID: "reviewQueue", Summary: "The campaign's review queue, filtered and sorted",
			Tags: tags, Access: api.Moderators, Request: queueQuery{}, Responses: []api.Response{{Status: 200, Body: api.Page[Item]{}}}, Handler: h.queue},
		{Method: http.MethodPost, Path: "/api/v1/campaigns/{id}/review/next", OperationID: "reviewNext", Summary: "Claim the next item to review (5 minutes)",
			Tags: tags, Access: api.Moderators, Request: queueQuery{}, Responses: []api.Response{{Status: 200, Body: Item{}}}, Handler: h.next},
		{Method: http.MethodGet, Path: "/api/v1/campaigns/{id}/agreement", OperationID: "campaignAgreement", Summary: "Inter-annotator agreement (EM and F1, French normalisation)",
			Tags: tags, Access: api.Moderators, Request: agreementQuery{}, Responses: []api.Response{{Status: 200, Body: Agreement{}}}, Handler: h.agreement},
		{Method: http.MethodPost, Path: "/api/v1/review/questions/{id}/claim", OperationID: "claimQuestion", Summary: "Claim an item opened from the list",
			Tags: tags, Access: api.Moderators, Request: api.IDPath{}, Responses: []api.Response{{Status: 200, Body: Item{}}}, Handler: h.claim},
		{Method: http.MethodPost, Path: "/api/v1/review/questions/{id}/decisions", OperationID: "decideQuestion", Summary: "Accept, reject, request changes, edit or reopen",
			Tags: tags, Access: api.Moderators, Request: decisionBody{}, Responses: []api.Response{{Status: 200, Body: Item{}}}, Handler: h.decide},
		{Method: http.MethodPut, Path: "/api/v1/review/questions/{id}/gold", OperationID: "setGoldQuestion", Summary: "Mark an accepted question as gold (or not)",
			Tags: tags, Access: api.Moderators, Request: goldBody{}, Responses: []api.Response{{Status: 204}}, Handler: h.gold},
		{Method: http.MethodPost, Path: "/api/v1/review/paragraphs/{id}/decisions", OperationID: "decideParagraph", Summary: "Dismiss a report, exclude or restore a paragraph",
			Tags: tags, Access: api.Moderators, Request: paragraphDecision{}, Responses: []api.Response{{Status: 204}}, Handler: h.paragraph},
		{Method: http.MethodGet, Path: "/api/v1/questions/{id}/history", OperationID: "questionHistory", Summary: "Every change of a question and its answer",
			Tags: tags, Access: api.Access{Authenticated: true, Note: "the question's author or a moderator"}, Request: api.IDPath{},
			Responses: []api.Response{{Status: 200, Body: []HistoryEntry{}}}, Handler: h.history},
		{Method: http.MethodGet, Path: "/api/v1/me/feedback", OperationID: "myFeedback", Summary: "Moderators' decisions on my work",
			Tags: []string{"me"}, Access: api.SignedIn, Responses: []api.Response{{Status: 200, Body: []FeedbackItem{}}}, Handler: h.feedback},
		{Method: http.MethodPut, Path: "/api/v1/moderation/users/{id}/suspension", OperationID: "suspendContributor", Summary: "Suspend a contributor (their pending work leaves the queue)",
			Tags: tags, Access: api.Moderators, Request: suspendBody{}, Responses: []api.Response{{Status: 204}}, Handler: h.suspend},
		{Method: http.MethodDelete, Path: "/api/v1/moderation/users/{id}/suspension", OperationID: "reinstateContributor", Summary: "Lift a suspension",
			Tags: tags, Access: api.Moderators, Request: api.IDPath{}, Responses: []api.Response{{Status: 204}}, Handler: h.reinstate},
	}
}

func principal(c echo.Context) *identity.Principal {
	return identity.FromContext(c.Request().Context())
}

func filterOf(c echo.Context) (Filter, int, int, error) {
	page, per, off, err := api.Paging(c)
	if err != nil {
		return Filter{}, 0, 0, err
	}
	f := Filter{State: c.QueryParam("state"), Theme: c.QueryParam("theme"), Trust: c.QueryParam("trust"), Sort: c.QueryParam("sort"),
		Flagged: c.QueryParam("flagged") == "true", Reported: c.QueryParam("reported") == "true", Limit: per, Offset: off}
	if raw := c.QueryParam("contributor"); raw != "" {
		if f.ContributorID, err = strconv.ParseInt(raw, 10, 64); err != nil || f.ContributorID < 1 {
			return f, 0, 0, apperr.New(apperr.Invalid, "invalid_parameter", "contributor must be a user id")
		}
	}
	return f, page, per, nil
}

func (h *Handlers) queue(c echo.Context) error {
	id, err := api.PathID(c, "id")
	if err != nil {
		return err
	}
	f, page, per, err := filterOf(c)
	if err != nil {
		return err
	}
	items, total, err := h.svc.Queue(c.Request().Context(), principal(c), id, f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, api.Page[Item]{Items: items, Total: total, Page: page, PerPage: per})
}

func (h *Handlers) next(c echo.Context) error {
	id, err := api.PathID(c, "id")
	if err != nil {
		return err
	}
	f, _, _, err := filterOf(c)
	if err != nil {
		return err
	}
	it, err := h.svc.Next(c.Request().Context(), principal(c), id, f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, it)
}

func (h *Handlers) agreement(c echo.Context) error {
	id, err := api.PathID(c, "id")
	if err != nil {
		return err
	}
	worst, err := api.QueryInt(c, "worst", 20, 1, 500)
	if err != nil {
		return err
	}
	a, err := h.svc.CampaignAgreement(c.Request().Context(), principal(c), id, worst)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a)
}

func (h *Handlers) claim(c echo.Context) error {
	id, err := api.PathID(c, "id")
	if err != nil {
		return err
	}
	it, err := h.svc.Claim(c.Request().Context(), principal(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, it)
}

func (h *Handlers) decide(c echo.Context) error {
	id, err := api.PathID(c, "id")
	if err != nil {
		return err
	}
	var in decisionBody
	if err := api.BindJSON(c, &in); err != nil {
		return err
	}
	it, err := h.svc.Decide(c.Request().Context(), principal(c), id, Decision{Action: in.Action, ReasonCode: in.ReasonCode, Comment: in.Comment,
		Question: in.Question, Answer: in.Answer, ExpectedState: in.ExpectedState})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, it)
}

func (h *Handlers) gold(c echo.Context) error {
	id, err := api.PathID(c, "id")
	if err != nil {
		return err
	}
	var in goldBody
	if err := api.BindJSON(c, &in); err != nil {
		return err
	}
	if err := h.svc.SetGold(c.Request().Context(), principal(c), id, in.Gold); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (h *Handlers) paragraph(c echo.Context) error {
	id, err := api.PathID(c, "id")
	if err != nil {
		return err
	}
	var in paragraphDecision
	if err := api.BindJSON(c, &in); err != nil {
		return err
	}
	if err := h.svc.DecideParagraph(c.Request().Context(), principal(c), id, in.Action); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
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

func (h *Handlers) feedback(c echo.Context) error {
	fs, err := h.svc.Feedback(c.Request().Context(), principal(c), 200)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, fs)
}

func (h *Handlers) suspend(c echo.Context) error {
	id, err := api.PathID(c, "id")
	if err != nil {
		return err
	}
	var in suspendBody
	if err := api.BindJSON(c, &in); err != nil {
		return err
	}
	if err := h.svc.Suspend(c.Request().Context(), principal(c), id, in.Reason); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (h *Handlers) reinstate(c echo.Context) error {
	id, err := api.PathID(c, "id")
	if err != nil {
		return err
	}
	if err := h.svc.Reinstate(c.Request().Context(), principal(c), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
