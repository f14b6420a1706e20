package qaservice

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/lab-ia/piaf/backend/internal/api"
	"github.com/lab-ia/piaf/backend/internal/apperr"
	"github.com/lab-ia/piaf/backend/internal/identity"
)

// Handlers exposes collections, models, asking and feedback over HTTP.
type Handlers struct{ svc *Service }

// NewHandlers binds the handlers.
func NewHandlers(svc *Service) *Handlers { return &Handlers{svc: svc} }

// askAccess admits everyone at the door: anonymous visitors on public
// collections, signed-in users on any, API tokens with qa:ask; the
// collection-dependent part is checked by the service.
var askAccess = api.Access{Anonymous: true, Authenticated: true, Scopes: []identity.Scope{identity.ScopeQAAsk},
	Note: "anonymous callers: public collections only (401 otherwise); API tokens need the qa:ask scope (403 otherwise)"}

// askRate bounds, per caller and node, the questions (and the feedback):
// a person asks a few a minute; a script looping on the endpoint is slowed
// down before it monopolises the engine.
var askRate = &api.RateLimit{PerMinute: 60, Burst: 20}

// askBodyLimit bounds question and feedback bodies (a question is at most
// 1000 characters).
const askBodyLimit = 16 << 10

type setModelBody struct {
	api.IDPath
	SetModelInput
}

type updateBody struct {
	api.IDPath
	UpdateInput
}

type taskBody struct {
	api.IDPath
	TaskInput
}

type uploadForm struct {
	File        multipart.File `formData:"file" required:"true" description:"a .zip of UTF-8 .txt files (one document each; first line: title) or a SQuAD v1.1 .json file"`
	Name        string         `formData:"name" required:"true"`
	Description string         `formData:"description"`
	Public      bool           `formData:"public" description:"true: anonymous visitors may ask"`
	SourceURL   string         `formData:"source_url" description:"link of each text of a zip: {file} is its name without extension, {id} the part before the first underscore, e.g. https://www.service-public.fr/particuliers/vosdroits/{id}"`
}

// Routes lists the question-answering routes.
func (h *Handlers) Routes() []api.Route {
	tags := []string{"question answering"}
	return []api.Route{
		{Method: http.MethodPost, Path: "/api/v1/qa/ask", OperationID: "askQuestion",
			Summary: "Ask a question on a collection: answers with their passage and code-point offsets", Tags: tags, Access: askAccess,
			Request: AskInput{}, BodyLimit: askBodyLimit, Responses: []api.Response{{Status: 200, Body: AskResult{}}}, RateLimit: askRate, Handler: h.ask},
		{Method: http.MethodPost, Path: "/api/v1/qa/feedback", OperationID: "sendQAFeedback",
			Summary: "Say whether an answer was useful", Tags: tags, Access: askAccess,
			Request: FeedbackInput{}, BodyLimit: askBodyLimit, Responses: []api.Response{{Status: 201, Body: FeedbackResult{}}}, RateLimit: askRate, Handler: h.feedback},
		{Method: http.MethodGet, Path: "/api/v1/qa/feedback", OperationID: "listQAFeedback",
			Summary: "The answers judged not useful and the questions without answer (or the useful ones), newest first", Tags: tags,
			Access: api.Moderators, Request: FeedbackQuery{}, Responses: []api.Response{{Status: 200, Body: []FeedbackView{}}}, Handler: h.listFeedback},
		{Method: http.MethodPost, Path: "/api/v1/qa/feedback/{id}/task", OperationID: "createQAFeedbackTask",
			Summary: "Send the passage of a feedback to a question-answering campaign as a paragraph to annotate", Tags: tags,
			Access: api.Moderators, Request: taskBody{}, Responses: []api.Response{{Status: 200, Body: TaskResult{}}}, Handler: h.task},

		{Method: http.MethodGet, Path: "/api/v1/qa/collections", OperationID: "listQACollections",
			Summary: "The collections one may ask questions on (anonymous visitors: the public ones)", Tags: tags, Access: api.Public,
			Responses: []api.Response{{Status: 200, Body: []CollectionView{}}}, Handler: h.listCollections},
		{Method: http.MethodGet, Path: "/api/v1/qa/collections/{id}", OperationID: "getQACollection",
			Summary: "One collection", Tags: tags, Access: api.Access{Anonymous: true, Note: "private collections are hidden from anonymous visitors (404)"},
			Request: api.IDPath{}, Responses: []api.Response{{Status: 200, Body: CollectionView{}}}, Handler: h.getCollection},
		{Method: http.MethodPost, Path: "/api/v1/qa/collections", OperationID: "createQACollection",
			Summary: "Make a collection of a campaign's paragraphs (indexed by a job; follow it on job:{id})", Tags: tags, Access: api.Moderators,
			Request: CollectionInput{}, Responses: []api.Response{{Status: 201, Body: Creation{}}}, Handler: h.createCollection},
		{Method: http.MethodPost, Path: "/api/v1/qa/collections/upload", OperationID: "uploadQACollection",
			Summary: "Make a collection of an uploaded zip of .txt files or SQuAD file (indexed by a job)", Tags: tags, Access: api.Moderators,
			Request: uploadForm{}, RequestContentType: "multipart/form-data", BodyLimit: h.svc.maxUpload,
			Responses: []api.Response{{Status: 201, Body: Creation{}}}, Handler: h.upload},
		{Method: http.MethodPatch, Path: "/api/v1/qa/collections/{id}", OperationID: "updateQACollection",
			Summary: "Rename a collection, change its description, make it public or private", Tags: tags, Access: api.Moderators,
			Request: updateBody{}, Responses: []api.Response{{Status: 200, Body: CollectionView{}}}, Handler: h.updateCollection},
		{Method: http.MethodDelete, Path: "/api/v1/qa/collections/{id}", OperationID: "deleteQACollection",
			Summary: "Delete a collection with its passages and feedback", Tags: tags, Access: api.Moderators,
			Request: api.IDPath{}, Responses: []api.Response{{Status: 204}}, Handler: h.deleteCollection},
		{Method: http.MethodPost, Path: "/api/v1/qa/collections/{id}/reindex", OperationID: "reindexQACollection",
			Summary: "Index a collection again (a campaign's new paragraphs join it)", Tags: tags, Access: api.Moderators,
			Request: api.IDPath{}, Responses: []api.Response{{Status: 202, Body: Creation{}}}, Handler: h.reindex},
		{Method: http.MethodPut, Path: "/api/v1/qa/collections/{id}/model", OperationID: "setQACollectionModel",
			Summary: "Choose the model answering on a collection (at once, on every node)", Tags: tags, Access: api.Moderators,
			Request: setModelBody{}, Responses: []api.Response{{Status: 200, Body: CollectionView{}}}, Handler: h.setModel},

		{Method: http.MethodGet, Path: "/api/v1/qa/models", OperationID: "listQAModels",
			Summary: "The question-answering models with their scores, newest first", Tags: tags, Access: api.Moderators,
			Responses: []api.Response{{Status: 200, Body: []ModelView{}}}, Handler: h.listModels},
		{Method: http.MethodPost, Path: "/api/v1/qa/models", OperationID: "trainQAModel",
			Summary: "Train a model from a release of a question-answering campaign (a job; follow it on job:{id})", Tags: tags,
			Access: api.Moderators, Request: TrainInput{}, Responses: []api.Response{{Status: 201, Body: Training{}}}, Handler: h.train},
		{Method: http.MethodGet, Path: "/api/v1/qa/models/{id}", OperationID: "getQAModel",
			Summary: "One model with its scores and learning curve", Tags: tags, Access: api.Moderators,
			Request: api.IDPath{}, Responses: []api.Response{{Status: 200, Body: ModelView{}}}, Handler: h.getModel},
	}
}

func principal(c echo.Context) *identity.Principal {
	return identity.FromContext(c.Request().Context())
}

func (h *Handlers) ask(c echo.Context) error {
	var in AskInput
	if err := api.BindJSON(c, &in); err != nil {
		return err
	}
	res, err := h.svc.Ask(c.Request().Context(), principal(c), in)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.JSON(http.StatusOK, res)
}

func (h *Handlers) feedback(c echo.Context) error {
	var in FeedbackInput
	if err := api.BindJSON(c, &in); err != nil {
		return err
	}
	res, err := h.svc.SendFeedback(c.Request().Context(), principal(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, res)
}

func (h *Handlers) listFeedback(c echo.Context) error {
	var q FeedbackQuery
	if s := c.QueryParam("collection_id"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return apperr.New(apperr.Invalid, "invalid_parameter", "collection_id must be a positive integer")
		}
		q.CollectionID = id
	}
	if s := c.QueryParam("useful"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return apperr.New(apperr.Invalid, "invalid_parameter", "useful must be true or false")
		}
		q.Useful = &b
	}
	vs, err := h.svc.ListFeedback(c.Request().Context(), q)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, vs)
}

func (h *Handlers) task(c echo.Context) error {
	id, err := api.PathID(c, "id")
	if err != nil {
		return err
	}
	var in TaskInput
	if err := api.BindJSON(c, &in); err != nil {
		return err
	}
	res, err := h.svc.CreateTask(c.Request().Context(), id, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}

func (h *Handlers) listCollections(c echo.Context) error {
	vs, err := h.svc.ListCollections(c.Request().Context(), principal(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, vs)
}

func (h *Handlers) getCollection(c echo.Context) error {
	id, err := api.PathID(c, "id")
	if err != nil {
		return err
	}
	v, err := h.svc.GetCollection(c.Request().Context(), principal(c), strconv.FormatInt(id, 10))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

func (h *Handlers) createCollection(c echo.Context) error {
	var in CollectionInput
	if err := api.BindJSON(c, &in); err != nil {
		return err
	}
	res, err := h.svc.CreateFromCampaign(c.Request().Context(), principal(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, res)
}

func (h *Handlers) updateCollection(c echo.Context) error {
	id, err := api.PathID(c, "id")
	if err != nil {
		return err
	}
	var in UpdateInput
	if err := api.BindJSON(c, &in); err != nil {
		return err
	}
	v, err := h.svc.UpdateCollection(c.Request().Context(), principal(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

func (h *Handlers) deleteCollection(c echo.Context) error {
	id, err := api.PathID(c, "id")
	if err != nil {
		return err
	}
	if err := h.svc.DeleteCollection(c.Request().Context(), principal(c), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

var errNotMultipart = apperr.New(apperr.Unsupported, "unsupported_media_type", "send the file as multipart/form-data")

// maxFieldBytes bounds the text fields of the upload form.
const maxFieldBytes = 8 << 10

func (h *Handlers) upload(c echo.Context) error {
	mt, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	if mt != echo.MIMEMultipartForm {
		return errNotMultipart
	}
	mr, err := c.Request().MultipartReader()
	if err != nil {
		return errNotMultipart
	}
	var (
		in       UploadInput
		filename string
		data     []byte
		have     bool
		v        apperr.Validation
	)
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return uploadError(err)
		}
		switch name := part.FormName(); name {
		case "file":
			if have {
				v.Add("file", "send one file")
				continue
			}
			have = true
			filename = filepath.Base(strings.ReplaceAll(part.FileName(), "\\", "/"))
			if data, err = io.ReadAll(io.LimitReader(part, h.svc.maxUpload+1)); err != nil {
				return uploadError(err)
			}
			if int64(len(data)) > h.svc.maxUpload {
				return uploadError(&http.MaxBytesError{Limit: h.svc.maxUpload})
			}
		case "name", "description", "public", "source_url":
			b, err := io.ReadAll(io.LimitReader(part, maxFieldBytes+1))
			if err != nil {
				return uploadError(err)
			}
			if len(b) > maxFieldBytes {
				v.Add(name, "is too long")
				continue
			}
			switch name {
			case "name":
				in.Name = string(b)
			case "description":
				in.Description = string(b)
			case "source_url":
				in.SourceURL = string(b)
			case "public":
				pub, err := strconv.ParseBool(strings.TrimSpace(string(b)))
				if err != nil && strings.TrimSpace(string(b)) != "" {
					v.Add("public", "must be true or false")
				}
				in.Public = pub
			}
		default:
			v.Add(name, "unknown field")
		}
	}
	if !have {
		v.Add("file", "is required")
	}
	if err := v.Err(); err != nil {
		return err
	}
	res, err := h.svc.CreateFromUpload(c.Request().Context(), principal(c), in, filename, data)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, res)
}

// uploadError types a failed upload: over the limit (413) or broken.
func uploadError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return apperr.New(apperr.TooLarge, "upload_too_large", "the file exceeds the upload limit of "+strconv.FormatInt(mbe.Limit, 10)+" bytes")
	}
	return apperr.Wrap(apperr.Invalid, "invalid_upload", "the upload was interrupted or malformed", err)
}

func (h *Handlers) reindex(c echo.Context) error {
	id, err := api.PathID(c, "id")
	if err != nil {
		return err
	}
	res, err := h.svc.Reindex(c.Request().Context(), principal(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, res)
}

func (h *Handlers) setModel(c echo.Context) error {
	id, err := api.PathID(c, "id")
	if err != nil {
		return err
	}
	var in SetModelInput
	if err := api.BindJSON(c, &in); err != nil {
		return err
	}
	v, err := h.svc.SetModel(c.Request().Context(), principal(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

func (h *Handlers) listModels(c echo.Context) error {
	vs, err := h.svc.ListModels(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, vs)
}

func (h *Handlers) train(c echo.Context) error {
	var in TrainInput
	if err := api.BindJSON(c, &in); err != nil {
		return err
	}
	t, err := h.svc.StartTraining(c.Request().Context(), principal(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, t)
}

func (h *Handlers) getModel(c echo.Context) error {
	id, err := api.PathID(c, "id")
	if err != nil {
		return err
	}
	v, err := h.svc.GetModel(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}
