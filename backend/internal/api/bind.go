package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/lab-ia/piaf/backend/internal/apperr"
)

// BindJSON decodes the request body into dst strictly: one JSON value,
// no unknown fields, within the body limit. Errors are typed for the
// error handler (400 for malformed JSON, 413 for an oversized body).
func BindJSON(c echo.Context, dst any) error {
	req := c.Request()
	ct := req.Header.Get(echo.HeaderContentType)
	if ct != "" && !strings.HasPrefix(strings.ToLower(ct), echo.MIMEApplicationJSON) {
		return apperr.New(apperr.Invalid, "unsupported_media_type", "the body must be JSON (Content-Type: application/json)")
	}
	dec := json.NewDecoder(req.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return jsonError(err)
			}
		}
		return apperr.New(apperr.Invalid, "invalid_json", "the body must hold a single JSON value")
	}
	return nil
}

func jsonError(err error) error {
	var mbe *http.MaxBytesError
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &mbe):
		return apperr.New(apperr.TooLarge, "body_too_large", "the request body exceeds "+strconv.FormatInt(mbe.Limit, 10)+" bytes")
	case errors.Is(err, io.EOF):
		return apperr.New(apperr.Invalid, "invalid_json", "the request body is empty")
	case errors.As(err, &syn):
		return apperr.New(apperr.Invalid, "invalid_json", "malformed JSON at byte "+strconv.FormatInt(syn.Offset, 10))
	case errors.As(err, &typ):
		return &apperr.Error{Kind: apperr.Invalid, Code: "invalid_json", Message: "field " + typ.Field + " must be " + typ.Type.String(),
			Details: map[string]any{"field": typ.Field}}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &apperr.Error{Kind: apperr.Invalid, Code: "unknown_field", Message: "unknown field " + field,
			Details: map[string]any{"field": field}}
	default:
		return apperr.Wrap(apperr.Invalid, "invalid_json", "the request body is not valid JSON", err)
	}
}

// PathID reads a positive integer path parameter.
func PathID(c echo.Context, name string) (int64, error) {
	v, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || v <= 0 {
		return 0, &apperr.Error{Kind: apperr.NotFound, Code: "not_found", Message: "no such " + name,
			Details: map[string]any{"parameter": name}}
	}
	return v, nil
}

// QueryInt reads an optional integer query parameter within [lo, hi].
func QueryInt(c echo.Context, name string, def, lo, hi int) (int, error) {
	raw := c.QueryParam(name)
	if raw == "" {
		return def, nil
	}
	v, err := strconv.Atoi(raw)
	if err != nil || v < lo || v > hi {
		return 0, &apperr.Error{Kind: apperr.Invalid, Code: "invalid_parameter",
			Message: name + " must be an integer between " + strconv.Itoa(lo) + " and " + strconv.Itoa(hi),
			Details: map[string]any{"parameter": name}}
	}
	return v, nil
}

// JSON writes v with the given status.
func JSON(c echo.Context, status int, v any) error { return c.JSON(status, v) }

// ErrorBody is the JSON shape of every error response.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail carries a stable code for programs and a message for people.
type ErrorDetail struct {
	Code      string         `json:"code" required:"true"`
	Message   string         `json:"message" required:"true"`
	Details   map[string]any `json:"details,omitempty"`
	RequestID string         `json:"request_id,omitempty"`
}

// IDPath documents the {id} path parameter of a route's Request.
type IDPath struct {
	ID int64 `path:"id" json:"-" minimum:"1"`
}

// Page is one page of a list.
type Page[T any] struct {
	Items   []T   `json:"items" required:"true"`
	Total   int64 `json:"total" required:"true"`
	Page    int   `json:"page" required:"true"`
	PerPage int   `json:"per_page" required:"true"`
}

// PageQuery documents the page and per_page query parameters.
type PageQuery struct {
	Page    int `query:"page" minimum:"1" default:"1"`
	PerPage int `query:"per_page" minimum:"1" maximum:"200" default:"50"`
}

// Paging reads page and per_page (1-based, per_page at most 200).
func Paging(c echo.Context) (page, perPage, offset int, err error) {
	if page, err = QueryInt(c, "page", 1, 1, 1_000_000); err != nil {
		return
	}
	if perPage, err = QueryInt(c, "per_page", 50, 1, 200); err != nil {
		return
	}
	return page, perPage, (page - 1) * perPage, nil
}
