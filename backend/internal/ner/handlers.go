package ner

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lab-ia/piaf/backend/internal/api"
	"github.com/lab-ia/piaf/backend/internal/apperr"
	"github.com/lab-ia/piaf/backend/internal/identity"
	"github.com/lab-ia/piaf/backend/internal/jobs"
	"github.com/lab-ia/piaf/backend/pseudo"
)

// Handlers exposes the model registry and the pseudonymisation API over
// HTTP.
type Handlers struct{ svc *Service }

// NewHandlers binds the handlers.
func NewHandlers(svc *Service) *Handlers { return &Handlers{svc: svc} }

// pseudoAccess admits administrations (consumers), moderators and
// administrators, and API tokens carrying pseudo:run.
var pseudoAccess = api.Access{Roles: []identity.Role{identity.RoleConsumer, identity.RoleModerator, identity.RoleAdmin},
	Scopes: []identity.Scope{identity.ScopePseudoRun}}

// Rate limits per caller and node: the engine costs CPU per request, so
// one caller must not monopolise it (batches queue as jobs instead).
var (
	engineRate = &api.RateLimit{PerMinute: 120, Burst: 30}
	batchRate  = &api.RateLimit{PerMinute: 10, Burst: 5}
)

// maxFieldBytes bounds the options field of a form.
const maxFieldBytes = 64 << 10

type documentForm struct {
	File     multipart.File `formData:"file" required:"true" description:".txt (UTF-8), .docx or .odt"`
	Entities string         `formData:"entities" description:"JSON array of the reviewed entities (offsets in the text /detect returned for this file); absent: detected"`
	Options  string         `formData:"options" description:"JSON object: default_operator, operators (include_mapping is ignored for documents)"`
}

type detectForm struct {
	File multipart.File `formData:"file" required:"true" description:".txt (UTF-8), .docx or .odt"`
}

type batchForm struct {
	File    multipart.File `formData:"file" required:"true" description:".zip of .txt, .docx and .odt files"`
	Options string         `formData:"options" description:"JSON object: default_operator, operators"`
}

// Routes lists the model registry and pseudonymisation routes.
func (h *Handlers) Routes() []api.Route {
	models := []string{"models"}
	tags := []string{"pseudonymisation"}
	maxUpload := h.svc.maxUpload
	fileResponse := []api.Response{{Status: 200, ContentType: "application/octet-stream",
		Description: "the rewritten document (.docx, .odt or text/plain), formatting kept, as an attachment named after the original (…-pseudonymise.docx)"}}
	return []api.Route{
		{Method: http.MethodGet, Path: "/api/v1/ner/models", OperationID: "listNerModels", Summary: "The entity-recognition models, newest first",
			Tags: models, Access: api.Moderators, Responses: []api.Response{{Status: 200, Body: []View{}}}, Handler: h.list},
		{Method: http.MethodPost, Path: "/api/v1/ner/models", OperationID: "trainNerModel",
			Summary: "Train a model from a release of a named-entity campaign (a job; follow it on job:{id})", Tags: models, Access: api.Moderators,
			Request: TrainInput{}, Responses: []api.Response{{Status: 201, Body: Training{}}}, Handler: h.train},
		{Method: http.MethodGet, Path: "/api/v1/ner/models/{id}", OperationID: "getNerModel", Summary: "One model with its scores",
			Tags: models, Access: api.Moderators, Request: api.IDPath{}, Responses: []api.Response{{Status: 200, Body: View{}}}, Handler: h.get},
		{Method: http.MethodPost, Path: "/api/v1/ner/models/{id}/activate", OperationID: "activateNerModel",
			Summary: "Make a ready model the one the pseudonymisation engine uses (every node within 10 s)", Tags: models, Access: api.Moderators,
			Request: api.IDPath{}, Responses: []api.Response{{Status: 200, Body: View{}}}, Handler: h.activate},
		{Method: http.MethodPost, Path: "/api/v1/ner/models/{id}/deactivate", OperationID: "deactivateNerModel",
			Summary: "Stop using the model: the engine goes back to rules and gazetteers", Tags: models, Access: api.Moderators,
			Request: api.IDPath{}, Responses: []api.Response{{Status: 200, Body: View{}}}, Handler: h.deactivate},

		{Method: http.MethodGet, Path: "/api/v1/pseudonymize/info", OperationID: "getPseudonymizeInfo",
			Summary: "Labels, operators, limits and the model in use", Tags: tags, Access: pseudoAccess,
			Responses: []api.Response{{Status: 200, Body: Info{}}}, Handler: h.info},
		{Method: http.MethodPost, Path: "/api/v1/pseudonymize/detect", OperationID: "detectEntities",
			Summary:     "Find the personal data of a text (JSON) or of a .txt, .docx or .odt file (multipart/form-data, field file)",
			Description: "Send JSON {text} (at most 1 MiB), or multipart/form-data with a file field. The answer holds the text the offsets refer to (a document's text, paragraphs separated by line breaks).",
			Tags:        tags, Access: pseudoAccess, Request: DetectInput{}, BodyLimit: maxUpload,
			Responses: []api.Response{{Status: 200, Body: Detection{}}}, RateLimit: engineRate, Handler: h.detect},
		{Method: http.MethodPost, Path: "/api/v1/pseudonymize", OperationID: "pseudonymizeText",
			Summary: "Pseudonymise a text: the reviewed entities when given, else those detected", Tags: tags, Access: pseudoAccess,
			Request: PseudonymizeInput{}, BodyLimit: MaxJSONBytes, Responses: []api.Response{{Status: 200, Body: Pseudonymized{}}}, RateLimit: engineRate, Handler: h.pseudonymize},
		{Method: http.MethodPost, Path: "/api/v1/pseudonymize/document", OperationID: "pseudonymizeDocument",
			Summary: "Pseudonymise a .docx, .odt or .txt file, keeping its formatting", Tags: tags, Access: pseudoAccess,
			Request: documentForm{}, RequestContentType: "multipart/form-data", BodyLimit: maxUpload, Responses: fileResponse, RateLimit: engineRate, Handler: h.document},
		{Method: http.MethodPost, Path: "/api/v1/pseudonymize/batches", OperationID: "createPseudoBatch",
			Summary: "Pseudonymise a zip of documents in the background (a job; follow it on job:{id})", Tags: tags, Access: pseudoAccess,
			Request: batchForm{}, RequestContentType: "multipart/form-data", BodyLimit: maxUpload,
			Responses: []api.Response{{Status: 202, Body: jobs.View{}}}, RateLimit: batchRate, Handler: h.batch},
		{Method: http.MethodGet, Path: "/api/v1/pseudonymize/batches/{id}/result", OperationID: "downloadPseudoBatch",
			Summary: "Download a finished batch: the pseudonymised files and report.json", Tags: tags,
			Access:  api.Access{Roles: pseudoAccess.Roles, Scopes: pseudoAccess.Scopes, Note: "the batch's owner or an administrator (404 otherwise)"},
			Request: api.IDPath{}, Responses: []api.Response{{Status: 200, ContentType: "application/zip", Description: "the result archive"}}, Handler: h.batchResult},
	}
}

func principal(c echo.Context) *identity.Principal {
	return identity.FromContext(c.Request().Context())
}

func (h *Handlers) list(c echo.Context) error {
	vs, err := h.svc.List(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, vs)
}

func (h *Handlers) get(c echo.Context) error {
	id, err := api.PathID(c, "id")
	if err != nil {
		return err
	}
	v, err := h.svc.Get(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
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

func (h *Handlers) activate(c echo.Context) error {
	id, err := api.PathID(c, "id")
	if err != nil {
		return err
	}
	v, err := h.svc.Activate(c.Request().Context(), principal(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

func (h *Handlers) deactivate(c echo.Context) error {
	id, err := api.PathID(c, "id")
	if err != nil {
		return err
	}
	v, err := h.svc.Deactivate(c.Request().Context(), principal(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

func (h *Handlers) info(c echo.Context) error {
	in, err := h.svc.Info(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, in)
}

// mediaType returns the request's content type without parameters.
func mediaType(c echo.Context) string {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return strings.ToLower(strings.TrimSpace(ct))
	}
	return mt
}

var errNotMultipart = apperr.New(apperr.Unsupported, "unsupported_media_type", "send the file as multipart/form-data")

func (h *Handlers) detect(c echo.Context) error {
	ctx := c.Request().Context()
	switch mediaType(c) {
	case echo.MIMEApplicationJSON, "":
		req := c.Request()
		req.Body = http.MaxBytesReader(c.Response(), req.Body, MaxJSONBytes)
		var in DetectInput
		if err := api.BindJSON(c, &in); err != nil {
			return err
		}
		d, err := h.svc.Detect(ctx, in)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, d)
	case echo.MIMEMultipartForm:
		f, err := h.readForm(c, map[string]bool{})
		if err != nil {
			return err
		}
		d, err := h.svc.DetectDocument(ctx, f.doc)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, d)
	}
	return apperr.New(apperr.Unsupported, "unsupported_media_type", "send JSON {\"text\": …} or a file as multipart/form-data")
}

func (h *Handlers) pseudonymize(c echo.Context) error {
	if mt := mediaType(c); mt != echo.MIMEApplicationJSON && mt != "" {
		return apperr.New(apperr.Unsupported, "unsupported_media_type", "the body must be JSON (Content-Type: application/json)")
	}
	var in PseudonymizeInput
	if err := api.BindJSON(c, &in); err != nil {
		return err
	}
	res, err := h.svc.Pseudonymize(c.Request().Context(), in)
	if err != nil {
		return err
	}
	// The answer may hold the mapping back to real names: never cached.
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.JSON(http.StatusOK, res)
}

func (h *Handlers) document(c echo.Context) error {
	if mediaType(c) != echo.MIMEMultipartForm {
		return errNotMultipart
	}
	f, err := h.readForm(c, map[string]bool{"entities": true, "options": true})
	if err != nil {
		return err
	}
	out, err := h.svc.PseudonymizeDocument(c.Request().Context(), f.doc, f.entities, f.options)
	if err != nil {
		return err
	}
	hd := c.Response().Header()
	hd.Set(echo.HeaderContentDisposition, mime.FormatMediaType("attachment", map[string]string{"filename": out.Name}))
	hd.Set(echo.HeaderCacheControl, "no-store")
	hd.Set("X-PIAF-Model", out.Model)
	hd.Set("X-PIAF-Entities", strconv.Itoa(out.Entities))
	return c.Blob(http.StatusOK, out.MediaType, out.Data)
}

func (h *Handlers) batch(c echo.Context) error {
	if mediaType(c) != echo.MIMEMultipartForm {
		return errNotMultipart
	}
	mr, err := c.Request().MultipartReader()
	if err != nil {
		return errNotMultipart
	}
	var (
		uploadPath, filename string
		opts                 Options
		v                    apperr.Validation
	)
	cleanup := func() {
		if uploadPath != "" {
			_ = os.Remove(uploadPath)
		}
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			cleanup()
			return uploadError(err)
		}
		switch part.FormName() {
		case "file":
			if uploadPath != "" {
				v.Add("file", "send one archive per batch")
				continue
			}
			filename = filepath.Base(part.FileName())
			if uploadPath, err = h.svc.SaveUpload(part); err != nil {
				uploadPath = ""
				cleanup()
				return uploadError(err)
			}
		case "options":
			if err := readJSONField(part, "options", maxFieldBytes, &opts); err != nil {
				cleanup()
				return err
			}
		default:
			v.Add(part.FormName(), "unknown field")
		}
	}
	if uploadPath == "" {
		v.Add("file", "is required")
	}
	if err := v.Err(); err != nil {
		cleanup()
		return err
	}
	j, err := h.svc.StartBatch(c.Request().Context(), principal(c), uploadPath, filename, opts)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, jobs.ViewOf(j))
}

func (h *Handlers) batchResult(c echo.Context) error {
	id, err := api.PathID(c, "id")
	if err != nil {
		return err
	}
	d, err := h.svc.OpenBatchResult(c.Request().Context(), principal(c), id)
	if err != nil {
		return err
	}
	defer d.Object.Close()
	hd := c.Response().Header()
	hd.Set(echo.HeaderContentType, "application/zip")
	hd.Set(echo.HeaderContentDisposition, mime.FormatMediaType("attachment", map[string]string{"filename": d.Filename}))
	hd.Set(echo.HeaderCacheControl, "private, no-store")
	http.ServeContent(c.Response(), c.Request(), "", time.Time{}, d.Object)
	return nil
}

// form is a decoded multipart document request.
type form struct {
	doc      Document
	entities *[]pseudo.Entity
	options  Options
}

// readForm reads a document upload in memory (within the route's body
// limit) and the allowed JSON fields.
func (h *Handlers) readForm(c echo.Context, allowed map[string]bool) (*form, error) {
	mr, err := c.Request().MultipartReader()
	if err != nil {
		return nil, errNotMultipart
	}
	var (
		f    form
		have bool
		v    apperr.Validation
	)
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, uploadError(err)
		}
		name := part.FormName()
		switch {
		case name == "file":
			if have {
				v.Add("file", "send one file")
				continue
			}
			have = true
			f.doc.Name = filepath.Base(strings.ReplaceAll(part.FileName(), "\\", "/"))
			if f.doc.Data, err = io.ReadAll(io.LimitReader(part, h.svc.maxUpload+1)); err != nil {
				return nil, uploadError(err)
			}
			if int64(len(f.doc.Data)) > h.svc.maxUpload {
				return nil, uploadError(&http.MaxBytesError{Limit: h.svc.maxUpload})
			}
		case name == "entities" && allowed[name]:
			var ents []pseudo.Entity
			if err := readJSONField(part, name, MaxJSONBytes, &ents); err != nil {
				return nil, err
			}
			if ents == nil {
				ents = []pseudo.Entity{}
			}
			f.entities = &ents
		case name == "options" && allowed[name]:
			if err := readJSONField(part, name, maxFieldBytes, &f.options); err != nil {
				return nil, err
			}
		default:
			v.Add(name, "unknown field")
		}
	}
	if !have {
		v.Add("file", "is required")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return &f, nil
}

// readJSONField decodes a form field holding JSON, strictly.
func readJSONField(r io.Reader, name string, limit int64, dst any) error {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return uploadError(err)
	}
	if int64(len(b)) > limit {
		return apperr.New(apperr.TooLarge, "field_too_large", "the field "+name+" exceeds "+strconv.FormatInt(limit, 10)+" bytes").WithDetails("field", name)
	}
	if strings.TrimSpace(string(b)) == "" {
		return nil
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return apperr.Wrap(apperr.Invalid, "invalid_json", "the field "+name+" must be valid JSON of the documented shape", err).WithDetails("field", name)
	}
	return nil
}

// uploadError types a failed upload: over the limit (413) or broken.
func uploadError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return apperr.New(apperr.TooLarge, "upload_too_large", "the file exceeds the upload limit of "+strconv.FormatInt(mbe.Limit, 10)+" bytes")
	}
	return apperr.Wrap(apperr.Invalid, "invalid_upload", "the upload was interrupted or malformed", err)
}
