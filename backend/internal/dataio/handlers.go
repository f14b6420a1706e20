package dataio

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/lab-ia/piaf/backend/internal/annotate"
	"github.com/lab-ia/piaf/backend/internal/api"
	"github.com/lab-ia/piaf/backend/internal/apperr"
	"github.com/lab-ia/piaf/backend/internal/corpus"
	"github.com/lab-ia/piaf/backend/internal/identity"
	"github.com/lab-ia/piaf/backend/internal/jobs"
)

// Handlers exposes imports and exports over HTTP.
type Handlers struct {
	jobs      *jobs.Service
	campaigns *corpus.Service
	exporter  *Exporter
	uploadDir string
	maxUpload int64
}

// NewHandlers binds the handlers; uploads are kept in uploadDir until
// their import job ends.
func NewHandlers(j *jobs.Service, campaigns *corpus.Service, exporter *Exporter, uploadDir string, maxUpload int64) *Handlers {
	return &Handlers{jobs: j, campaigns: campaigns, exporter: exporter, uploadDir: uploadDir, maxUpload: maxUpload}
}

type importForm struct {
	api.IDPath
	File      multipart.File `formData:"file" required:"true" description:"SQuAD .json, .jsonl, .csv, .txt or .md"`
	Format    string         `formData:"format" enum:"squad,jsonl,csv,text,markdown" description:"default: from the file name"`
	PreAccept bool           `formData:"pre_accept" description:"mark imported questions accepted"`
	MinLength int            `formData:"min_length" description:"shortest paragraph kept, in characters (default 80)"`
	MaxLength int            `formData:"max_length" description:"longer paragraphs are cut at sentence ends (default 2000)"`
}

type exportQuery struct {
	api.IDPath
	States string `query:"states" description:"comma-separated question states (default: accepted)"`
}

// Routes lists the import and export routes.
func (h *Handlers) Routes() []api.Route {
	tags := []string{"campaigns"}
	return []api.Route{
		{Method: http.MethodPost, Path: "/api/v1/campaigns/{id}/imports", OperationID: "importCorpus",
			Summary: "Upload a corpus to import (a job; follow its progress on job:{id})", Tags: tags, Access: api.Moderators,
			Request: importForm{}, RequestContentType: "multipart/form-data", BodyLimit: h.maxUpload,
			Responses: []api.Response{{Status: 202, Body: jobs.View{}}}, Handler: h.upload},
		{Method: http.MethodGet, Path: "/api/v1/campaigns/{id}/export", OperationID: "exportCampaign",
			Summary: "Download the campaign's annotations as SQuAD v1.1 JSON (streamed)", Tags: tags, Access: api.Moderators,
			Request: exportQuery{}, Responses: []api.Response{{Status: 200, Body: map[string]any{}}}, Handler: h.export},
	}
}

func (h *Handlers) upload(c echo.Context) error {
	id, err := api.PathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	p := identity.FromContext(ctx)
	if _, err := h.campaigns.Get(ctx, p, id); err != nil {
		return err
	}
	mr, err := c.Request().MultipartReader()
	if err != nil {
		return apperr.New(apperr.Invalid, "invalid_upload", "send the file as multipart/form-data")
	}
	params := ImportParams{CampaignID: id}
	var v apperr.Validation
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return uploadError(err)
		}
		switch part.FormName() {
		case "file":
			if params.Path != "" {
				v.Add("file", "send one file per import")
				continue
			}
			params.Filename = filepath.Base(part.FileName())
			params.Path, err = h.save(part)
			if err != nil {
				return uploadError(err)
			}
		case "format":
			params.Format = Format(strings.TrimSpace(readField(part)))
		case "pre_accept":
			params.PreAccept = readField(part) == "true"
		case "min_length":
			params.MinLength, _ = strconv.Atoi(readField(part))
		case "max_length":
			params.MaxLength, _ = strconv.Atoi(readField(part))
		default:
			v.Addf(part.FormName(), "unknown field")
		}
	}
	if params.Path == "" {
		v.Add("file", "is required")
	}
	if params.Format == "" && params.Filename != "" {
		f, err := DetectFormat(params.Filename)
		if err != nil {
			v.Add("format", "cannot tell the format from the file name; choose one")
		}
		params.Format = f
	} else if params.Format != "" && !validFormat(params.Format) {
		v.Add("format", "must be squad, jsonl, csv, text or markdown")
	}
	if params.MinLength < 0 || params.MinLength > 10000 || params.MaxLength < 0 || params.MaxLength > 100000 {
		v.Add("min_length", "lengths must be between 0 and 10000 (min) and 100000 (max)")
	}
	if err := v.Err(); err != nil {
		if params.Path != "" {
			_ = os.Remove(params.Path)
		}
		return err
	}
	job, err := h.jobs.Enqueue(ctx, p, ImportJobKind, &id, params)
	if err != nil {
		_ = os.Remove(params.Path)
		return err
	}
	return c.JSON(http.StatusAccepted, jobs.ViewOf(job))
}

// save streams an uploaded file to the upload directory.
func (h *Handlers) save(r io.Reader) (string, error) {
	if err := os.MkdirAll(h.uploadDir, 0o750); err != nil {
		return "", err
	}
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	path := filepath.Join(h.uploadDir, "import-"+hex.EncodeToString(b))
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		_ = os.Remove(path)
		return "", err
	}
	return path, f.Close()
}

func readField(r io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(r, 100))
	return strings.TrimSpace(string(b))
}

func uploadError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return apperr.New(apperr.TooLarge, "upload_too_large", "the file exceeds the upload limit of "+strconv.FormatInt(mbe.Limit, 10)+" bytes")
	}
	return apperr.Wrap(apperr.Invalid, "invalid_upload", "the upload was interrupted or malformed", err)
}

func validFormat(f Format) bool {
	for _, x := range Formats {
		if x == f {
			return true
		}
	}
	return false
}

func (h *Handlers) export(c echo.Context) error {
	id, err := api.PathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	camp, err := h.campaigns.Get(ctx, identity.FromContext(ctx), id)
	if err != nil {
		return err
	}
	var states []string
	for _, s := range strings.Split(c.QueryParam("states"), ",") {
		s = strings.TrimSpace(s)
		switch s {
		case "":
		case annotate.StateSubmitted, annotate.StateAccepted, annotate.StateRejected, annotate.StateNeedsChanges:
			states = append(states, s)
		default:
			return apperr.New(apperr.Invalid, "invalid_parameter", "unknown state "+s)
		}
	}
	res := c.Response()
	res.Header().Set(echo.HeaderContentType, "application/json; charset=utf-8")
	res.Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+camp.Slug+`.squad.json"`)
	res.WriteHeader(http.StatusOK)
	_, err = h.exporter.SQuAD(ctx, res, id, ExportOptions{States: states})
	return err
}
