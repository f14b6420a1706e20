package release

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/lab-ia/piaf/backend/internal/api"
	"github.com/lab-ia/piaf/backend/internal/apperr"
	"github.com/lab-ia/piaf/backend/internal/identity"
)

// Handlers exposes releases and the dataset catalogue over HTTP.
type Handlers struct{ svc *Service }

// NewHandlers binds the handlers.
func NewHandlers(svc *Service) *Handlers { return &Handlers{svc: svc} }

type versionPath struct {
	api.IDPath
	Version string `path:"version" required:"true" description:"semantic version, e.g. 1.0.0"`
}

type createBody struct {
	api.IDPath
	CreateInput
}

type editBody struct {
	versionPath
	EditInput
}

type diffQuery struct {
	versionPath
	From   string `query:"from" required:"true" description:"the older version"`
	Format string `query:"format" enum:"json,jsonl" description:"json (summary, default) or jsonl (every difference, one per line)"`
}

type filePath struct {
	Campaign string `path:"campaign" required:"true" description:"campaign slug"`
	Version  string `path:"version" required:"true" description:"semantic version, or latest"`
	File     string `path:"file" required:"true" example:"train.jsonl"`
}

// Created is the answer to a release creation: the release (building) and
// the job to follow on job:{id}.
type Created struct {
	Release View  `json:"release" required:"true"`
	JobID   int64 `json:"job_id" required:"true"`
}

var downloadNote = "public releases: anyone; restricted releases: consumers, moderators and administrators, or a token with datasets:read (401 anonymous, 403 otherwise); drafts: moderators"

// Routes lists the release routes.
func (h *Handlers) Routes() []api.Route {
	tags := []string{"releases"}
	readable := api.Access{Anonymous: true, Scopes: []identity.Scope{identity.ScopeDatasetsRead}, Note: "drafts and builds are listed to moderators only"}
	download := api.Access{Anonymous: true, Scopes: []identity.Scope{identity.ScopeDatasetsRead}, Note: downloadNote}
	fileResponses := []api.Response{{Status: 200, ContentType: "application/octet-stream", Description: "the file (or its gzip encoding when accepted); ETag, Range and If-None-Match supported"},
		{Status: 206, ContentType: "application/octet-stream", Description: "the requested range"}, {Status: 304, Description: "not modified"}}
	return []api.Route{
		{Method: http.MethodGet, Path: "/api/v1/releases", OperationID: "listCatalogue", Summary: "The dataset catalogue: every published release, newest first",
			Tags: tags, Access: readable, Responses: []api.Response{{Status: 200, Body: []View{}}}, Handler: h.catalogue},
		{Method: http.MethodGet, Path: "/api/v1/campaigns/{id}/releases", OperationID: "listReleases", Summary: "A campaign's releases, newest version first",
			Tags: tags, Access: readable, Request: api.IDPath{}, Responses: []api.Response{{Status: 200, Body: []View{}}}, Handler: h.list},
		{Method: http.MethodPost, Path: "/api/v1/campaigns/{id}/releases", OperationID: "createRelease",
			Summary: "Build a release of the campaign's accepted annotations (a job; follow it on job:{id})", Tags: tags, Access: api.Moderators,
			Request: createBody{}, Responses: []api.Response{{Status: 201, Body: Created{}}}, Handler: h.create},
		{Method: http.MethodGet, Path: "/api/v1/campaigns/{id}/releases/{version}", OperationID: "getRelease", Summary: "One release with its files",
			Tags: tags, Access: readable, Request: versionPath{}, Responses: []api.Response{{Status: 200, Body: View{}}}, Handler: h.get},
		{Method: http.MethodPatch, Path: "/api/v1/campaigns/{id}/releases/{version}", OperationID: "editRelease", Summary: "Change a draft's title, changelog, visibility or limitations",
			Tags: tags, Access: api.Moderators, Request: editBody{}, Responses: []api.Response{{Status: 200, Body: View{}}}, Handler: h.edit},
		{Method: http.MethodPost, Path: "/api/v1/campaigns/{id}/releases/{version}/publish", OperationID: "publishRelease", Summary: "Publish a draft: frozen for good and listed in the catalogue",
			Tags: tags, Access: api.Moderators, Request: versionPath{}, Responses: []api.Response{{Status: 200, Body: View{}}}, Handler: h.publish},
		{Method: http.MethodDelete, Path: "/api/v1/campaigns/{id}/releases/{version}", OperationID: "deleteRelease", Summary: "Discard a draft (published releases are never deleted)",
			Tags: tags, Access: api.Admins, Request: versionPath{}, Responses: []api.Response{{Status: 204}}, Handler: h.delete},
		{Method: http.MethodGet, Path: "/api/v1/campaigns/{id}/releases/{version}/datasheet", OperationID: "getDatasheet", Summary: "The release's datasheet",
			Tags: tags, Access: readable, Request: versionPath{}, Responses: []api.Response{{Status: 200, Body: Datasheet{}}}, Handler: h.datasheet},
		{Method: http.MethodGet, Path: "/api/v1/campaigns/{id}/releases/{version}/diff", OperationID: "diffRelease", Summary: "What changed since another release, per split",
			Tags: tags, Access: download, Request: diffQuery{}, Responses: []api.Response{{Status: 200, Body: Diff{}, Description: "the summary; with format=jsonl, every difference as application/jsonl, one per line"}}, Handler: h.diff},
		{Method: http.MethodGet, Path: "/datasets/{campaign}/{version}/{file}", OperationID: "downloadReleaseFile", Summary: "Download a release file (stable address for scripts)",
			Tags: tags, Access: download, Request: filePath{}, Responses: fileResponses, Handler: h.download},
		{Method: http.MethodHead, Path: "/datasets/{campaign}/{version}/{file}", OperationID: "headReleaseFile", Summary: "A release file's size, type and ETag",
			Tags: tags, Access: download, Request: filePath{}, Responses: fileResponses, Handler: h.download},
	}
}

func principal(c echo.Context) *identity.Principal {
	return identity.FromContext(c.Request().Context())
}

func (h *Handlers) catalogue(c echo.Context) error {
	vs, err := h.svc.Catalogue(c.Request().Context(), principal(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, vs)
}

func (h *Handlers) list(c echo.Context) error {
	id, err := api.PathID(c, "id")
	if err != nil {
		return err
	}
	vs, err := h.svc.List(c.Request().Context(), principal(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, vs)
}

func (h *Handlers) create(c echo.Context) error {
	id, err := api.PathID(c, "id")
	if err != nil {
		return err
	}
	var in CreateInput
	if err := api.BindJSON(c, &in); err != nil {
		return err
	}
	ctx := c.Request().Context()
	r, err := h.svc.Create(ctx, principal(c), id, in)
	if err != nil {
		return err
	}
	v, _, err := h.svc.Get(ctx, principal(c), id, r.Version)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, Created{Release: *v, JobID: *r.JobID})
}

func versionParams(c echo.Context) (int64, string, error) {
	id, err := api.PathID(c, "id")
	if err != nil {
		return 0, "", err
	}
	return id, c.Param("version"), nil
}

func (h *Handlers) get(c echo.Context) error {
	id, version, err := versionParams(c)
	if err != nil {
		return err
	}
	v, _, err := h.svc.Get(c.Request().Context(), principal(c), id, version)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

func (h *Handlers) edit(c echo.Context) error {
	id, version, err := versionParams(c)
	if err != nil {
		return err
	}
	var in EditInput
	if err := api.BindJSON(c, &in); err != nil {
		return err
	}
	v, err := h.svc.Edit(c.Request().Context(), principal(c), id, version, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

func (h *Handlers) publish(c echo.Context) error {
	id, version, err := versionParams(c)
	if err != nil {
		return err
	}
	v, err := h.svc.Publish(c.Request().Context(), principal(c), id, version)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

func (h *Handlers) delete(c echo.Context) error {
	id, version, err := versionParams(c)
	if err != nil {
		return err
	}
	if err := h.svc.Delete(c.Request().Context(), principal(c), id, version); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (h *Handlers) datasheet(c echo.Context) error {
	id, version, err := versionParams(c)
	if err != nil {
		return err
	}
	_, r, err := h.svc.Get(c.Request().Context(), principal(c), id, version)
	if err != nil {
		return err
	}
	if r.Status == StatusBuilding {
		return ErrStillBuilding
	}
	return c.JSONBlob(http.StatusOK, []byte(r.Datasheet))
}

func (h *Handlers) diff(c echo.Context) error {
	id, version, err := versionParams(c)
	if err != nil {
		return err
	}
	from := c.QueryParam("from")
	if from == "" {
		return apperr.New(apperr.Invalid, "missing_parameter", "from (the older version) is required").WithDetails("parameter", "from")
	}
	ctx := c.Request().Context()
	switch c.QueryParam("format") {
	case "", "json":
		d, err := h.svc.Diff(ctx, principal(c), id, from, version, nil)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, d)
	case "jsonl":
		// Check access and existence before the first byte is sent.
		older, newer, err := h.svc.DiffPair(ctx, principal(c), id, from, version)
		if err != nil {
			return err
		}
		res := c.Response()
		res.Header().Set(echo.HeaderContentType, "application/jsonl; charset=utf-8")
		res.Header().Set(echo.HeaderContentDisposition, `attachment; filename="diff-`+safeName(from)+`-`+safeName(version)+`.jsonl"`)
		res.WriteHeader(http.StatusOK)
		enc := json.NewEncoder(res)
		enc.SetEscapeHTML(false)
		_, err = h.svc.DiffReleases(ctx, older, newer, func(e DiffEntry) error { return enc.Encode(e) })
		return err
	}
	return apperr.New(apperr.Invalid, "invalid_parameter", "format must be json or jsonl").WithDetails("parameter", "format")
}

// download serves a release file: the gzip copy when the client accepts
// it, ranges and conditional requests through http.ServeContent, ETags
// that are the content's SHA-256 (a file never changes).
func (h *Handlers) download(c echo.Context) error {
	ctx := c.Request().Context()
	p := principal(c)
	cam, r, err := h.svc.Resolve(ctx, p, c.Param("campaign"), c.Param("version"))
	if err != nil {
		return err
	}
	name := c.Param("file")
	if c.Param("version") == "latest" {
		return c.Redirect(http.StatusFound, FileURL(cam.Slug, r.Version, name))
	}
	req := c.Request()
	gz := acceptsGzip(req.Header.Get(echo.HeaderAcceptEncoding))
	f, obj, err := h.svc.OpenFile(ctx, p, r, name, gz)
	if err != nil {
		if ae, ok := err.(*apperr.Error); ok && ae.Kind == apperr.Unauthenticated {
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="piaf", scope="datasets:read"`)
		}
		return err
	}
	defer obj.Close()
	hd := c.Response().Header()
	hd.Set(echo.HeaderContentType, f.MediaType)
	hd.Set(echo.HeaderVary, echo.HeaderAcceptEncoding)
	hd.Set(echo.HeaderContentDisposition, `attachment; filename="`+safeName("piaf-"+cam.Slug+"-"+r.Version+"-"+f.Name)+`"`)
	etag := f.SHA256
	if gz && f.GzipSHA256 != "" {
		etag = f.GzipSHA256
		hd.Set(echo.HeaderContentEncoding, "gzip")
	} else if sum, err := hex.DecodeString(f.SHA256); err == nil {
		hd.Set("Repr-Digest", "sha-256=:"+base64.StdEncoding.EncodeToString(sum)+":")
	}
	hd.Set("ETag", `"`+etag+`"`)
	switch {
	case r.Status != StatusPublished:
		hd.Set(echo.HeaderCacheControl, "no-store")
	case r.Visibility == VisibilityPublic:
		hd.Set(echo.HeaderCacheControl, "public, max-age=31536000, immutable")
	default:
		hd.Set(echo.HeaderCacheControl, "private, max-age=0, must-revalidate")
	}
	modtime := r.CreatedAt
	if r.BuiltAt != nil {
		modtime = *r.BuiltAt
	}
	http.ServeContent(c.Response(), req, "", modtime, obj)
	if req.Method == http.MethodGet && firstByteServed(c.Response().Status, req.Header.Get("Range")) {
		h.svc.CountDownload(ctx, r, f.Name)
	}
	return nil
}

// firstByteServed tells a download from the continuation of one: a full
// response, or a range starting at byte 0, counts.
func firstByteServed(status int, rangeHeader string) bool {
	switch status {
	case http.StatusOK:
		return true
	case http.StatusPartialContent:
		return strings.HasPrefix(strings.TrimSpace(rangeHeader), "bytes=0-")
	}
	return false
}

// acceptsGzip reads Accept-Encoding: gzip with a non-zero quality.
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		fields := strings.Split(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(fields[0]), "gzip") {
			continue
		}
		for _, f := range fields[1:] {
			if q, ok := strings.CutPrefix(strings.TrimSpace(f), "q="); ok {
				if v, err := strconv.ParseFloat(q, 64); err == nil && v == 0 {
					return false
				}
			}
		}
		return true
	}
	return false
}

// safeName keeps a file name usable in a Content-Disposition header.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '"' || r == '\\' || r < 0x20 || r == 0x7f || r == '/' {
			return '_'
		}
		return r
	}, s)
}
