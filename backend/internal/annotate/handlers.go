package annotate

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lab-ia/piaf/backend/internal/api"
	"github.com/lab-ia/piaf/backend/internal/identity"
)

// Handlers exposes the annotation workflows over HTTP.
type Handlers struct{ svc *Service }

// NewHandlers binds the handlers.
func NewHandlers(svc *Service) *Handlers { return &Handlers{svc: svc} }

type nextTaskBody struct {
	api.IDPath
	Theme string `json:"theme,omitempty" maxLength:"60"`
}

type leaseView struct {
	LeaseExpiresAt time.Time `json:"lease_expires_at" required:"true"`
}

type skipBody struct {
	api.IDPath
	Reason string `json:"reason" required:"true" enum:"too_hard,not_interested,no_good_question,other"`
}

type reportBody struct {
	api.IDPath
	Reason  string `json:"reason" required:"true" enum:"offensive,not_french,too_short,list_or_table,other"`
	Comment string `json:"comment,omitempty" maxLength:"1000"`
}

type submitBody struct {
	api.IDPath
	IdempotencyKey string `json:"idempotency_key" required:"true" minLength:"8" maxLength:"100" description:"a fresh UUID per submission; a retry with the same key returns the first result"`
	Pairs          []Pair `json:"pairs" required:"true" minItems:"1" maxItems:"50"`
}

type answerBody struct {
	api.IDPath
	IdempotencyKey string `json:"idempotency_key" required:"true" minLength:"8" maxLength:"100"`
	Answer         Span   `json:"answer" required:"true"`
}

// contributors are everyone who may annotate (any signed-in role).
var contributors = api.Access{Authenticated: true, Note: "the campaign must be open; certified campaigns need level 3"}

// Routes lists the annotation routes.
func (h *Handlers) Routes() []api.Route {
	tags := []string{"annotation"}
	return []api.Route{
		{Method: http.MethodPost, Path: "/api/v1/campaigns/{id}/tasks/next", OperationID: "nextTask", Summary: "Reserve the next paragraph to annotate (or the one I hold)",
			Tags: tags, Access: contributors, Request: nextTaskBody{}, Responses: []api.Response{{Status: 200, Body: Task{}}}, Handler: h.nextTask},
		{Method: http.MethodPut, Path: "/api/v1/paragraphs/{id}/lease", OperationID: "renewLease", Summary: "Keep my reservation of a paragraph while I work",
			Tags: tags, Access: contributors, Request: api.IDPath{}, Responses: []api.Response{{Status: 200, Body: leaseView{}}}, Handler: h.renew},
		{Method: http.MethodDelete, Path: "/api/v1/paragraphs/{id}/lease", OperationID: "releaseLease", Summary: "Give a paragraph back",
			Tags: tags, Access: contributors, Request: api.IDPath{}, Responses: []api.Response{{Status: 204}}, Handler: h.release},
		{Method: http.MethodPost, Path: "/api/v1/paragraphs/{id}/skip", OperationID: "skipParagraph", Summary: "Pass on a paragraph (it will not come back)",
			Tags: tags, Access: contributors, Request: skipBody{}, Responses: []api.Response{{Status: 204}}, Handler: h.skip},
		{Method: http.MethodPost, Path: "/api/v1/paragraphs/{id}/reports", OperationID: "reportParagraph", Summary: "Report an unusable paragraph to moderators",
			Tags: tags, Access: contributors, Request: reportBody{}, Responses: []api.Response{{Status: 201}}, Handler: h.report},
		{Method: http.MethodPost, Path: "/api/v1/paragraphs/{id}/submissions", OperationID: "submitParagraph", Summary: "Submit a paragraph's questions and answers (all or nothing)",
			Tags: tags, Access: contributors, Request: submitBody{}, Responses: []api.Response{{Status: 201, Body: SubmissionResult{}}}, Handler: h.submit},
		{Method: http.MethodPost, Path: "/api/v1/campaigns/{id}/answer-tasks/next", OperationID: "nextAnswerTask", Summary: "Reserve a test question to answer (answer mode)",
			Tags: tags, Access: contributors, Request: api.IDPath{}, Responses: []api.Response{{Status: 200, Body: AnswerTask{}}}, Handler: h.nextAnswer},
		{Method: http.MethodPost, Path: "/api/v1/questions/{id}/answers", OperationID: "answerQuestion", Summary: "Answer a test question",
			Tags: tags, Access: contributors, Request: answerBody{}, Responses: []api.Response{{Status: 201, Body: AnswerResult{}}}, Handler: h.answer},
		{Method: http.MethodGet, Path: "/api/v1/me/progress", OperationID: "getMyProgress", Summary: "My level, counts and badges",
			Tags: []string{"me"}, Access: api.SignedIn, Responses: []api.Response{{Status: 200, Body: Progress{}}}, Handler: h.progress},
		{Method: http.MethodPost, Path: "/api/v1/me/tutorial", OperationID: "completeTutorial", Summary: "Record that I finished the tutorial",
			Tags: []string{"me"}, Access: api.SignedIn, Responses: []api.Response{{Status: 200, Body: Progress{}}}, Handler: h.tutorial},
	}
}

func principal(c echo.Context) *identity.Principal {
	return identity.FromContext(c.Request().Context())
}

func (h *Handlers) nextTask(c echo.Context) error {
	id, err := api.PathID(c, "id")
	if err != nil {
		return err
	}
	var in nextTaskBody
	if c.Request().ContentLength != 0 {
		if err := api.BindJSON(c, &in); err != nil {
			return err
		}
	}
	t, err := h.svc.NextTask(c.Request().Context(), principal(c), id, in.Theme)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, t)
}

func (h *Handlers) renew(c echo.Context) error {
	id, err := api.PathID(c, "id")
	if err != nil {
		return err
	}
	until, err := h.svc.RenewLease(c.Request().Context(), principal(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, leaseView{LeaseExpiresAt: until})
}

func (h *Handlers) release(c echo.Context) error {
	id, err := api.PathID(c, "id")
	if err != nil {
		return err
	}
	if err := h.svc.ReleaseLease(c.Request().Context(), principal(c), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (h *Handlers) skip(c echo.Context) error {
	id, err := api.PathID(c, "id")
	if err != nil {
		return err
	}
	var in skipBody
	if err := api.BindJSON(c, &in); err != nil {
		return err
	}
	if err := h.svc.Skip(c.Request().Context(), principal(c), id, in.Reason); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (h *Handlers) report(c echo.Context) error {
	id, err := api.PathID(c, "id")
	if err != nil {
		return err
	}
	var in reportBody
	if err := api.BindJSON(c, &in); err != nil {
		return err
	}
	if err := h.svc.Report(c.Request().Context(), principal(c), id, in.Reason, in.Comment); err != nil {
		return err
	}
	return c.NoContent(http.StatusCreated)
}

func (h *Handlers) submit(c echo.Context) error {
	id, err := api.PathID(c, "id")
	if err != nil {
		return err
	}
	var in submitBody
	if err := api.BindJSON(c, &in); err != nil {
		return err
	}
	res, err := h.svc.Submit(c.Request().Context(), principal(c), id, in.IdempotencyKey, in.Pairs)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, res)
}

func (h *Handlers) nextAnswer(c echo.Context) error {
	id, err := api.PathID(c, "id")
	if err != nil {
		return err
	}
	t, err := h.svc.NextAnswerTask(c.Request().Context(), principal(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, t)
}

func (h *Handlers) answer(c echo.Context) error {
	id, err := api.PathID(c, "id")
	if err != nil {
		return err
	}
	var in answerBody
	if err := api.BindJSON(c, &in); err != nil {
		return err
	}
	res, err := h.svc.SubmitAnswer(c.Request().Context(), principal(c), id, in.IdempotencyKey, in.Answer)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, res)
}

func (h *Handlers) progress(c echo.Context) error {
	p, err := h.svc.Progress(c.Request().Context(), principal(c).UserID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

func (h *Handlers) tutorial(c echo.Context) error {
	uid := principal(c).UserID
	if err := h.svc.CompleteTutorial(c.Request().Context(), uid); err != nil {
		return err
	}
	return h.progress(c)
}
