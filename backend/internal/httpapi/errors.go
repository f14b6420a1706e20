package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/lab-ia/piaf/backend/internal/api"
	"github.com/lab-ia/piaf/backend/internal/apperr"
	"github.com/lab-ia/piaf/backend/internal/database"
)

// statusOf maps a domain error kind to its HTTP status.
var statusOf = map[apperr.Kind]int{
	apperr.Internal:        http.StatusInternalServerError,
	apperr.Invalid:         http.StatusBadRequest,
	apperr.Unauthenticated: http.StatusUnauthorized,
	apperr.Forbidden:       http.StatusForbidden,
	apperr.NotFound:        http.StatusNotFound,
	apperr.Conflict:        http.StatusConflict,
	apperr.TooLarge:        http.StatusRequestEntityTooLarge,
	apperr.Unprocessable:   http.StatusUnprocessableEntity,
	apperr.RateLimited:     http.StatusTooManyRequests,
	apperr.Unavailable:     http.StatusServiceUnavailable,
	apperr.Unsupported:     http.StatusUnsupportedMediaType,
}

// codeOfStatus names errors raised by Echo itself (unknown route, wrong
// method, body limit) with stable codes.
var codeOfStatus = map[int]string{
	http.StatusBadRequest:            "bad_request",
	http.StatusUnauthorized:          "unauthenticated",
	http.StatusForbidden:             "forbidden",
	http.StatusNotFound:              "not_found",
	http.StatusMethodNotAllowed:      "method_not_allowed",
	http.StatusRequestEntityTooLarge: "body_too_large",
	http.StatusUnsupportedMediaType:  "unsupported_media_type",
	http.StatusTooManyRequests:       "rate_limited",
	http.StatusServiceUnavailable:    "unavailable",
}

// errorHandler is the only place where errors become HTTP responses:
// {"error": {"code", "message", "details", "request_id"}} with the status of
// the error's kind. Internal errors are logged with their cause and shown
// to the user without it.
func (s *Server) errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, body := s.describe(err, c)
	if c.Request().Method == http.MethodHead {
		err = c.NoContent(status)
	} else {
		err = c.JSON(status, body)
	}
	if err != nil {
		s.log.Debug("writing error response", "err", err)
	}
}

func (s *Server) describe(err error, c echo.Context) (int, api.ErrorBody) {
	reqID := c.Response().Header().Get(echo.HeaderXRequestID)
	var ae *apperr.Error
	var he *echo.HTTPError
	if apperr.KindOf(err) == apperr.Internal && database.IsUnavailable(err) {
		// The database is down or restarting: not a bug, and retrying soon
		// may work. Answer at once instead of a 500, so that clients and
		// load balancers back off (the pool reconnects by itself).
		s.log.WarnContext(c.Request().Context(), "database unavailable", "err", err, "request_id", reqID, "route", c.Path())
		c.Response().Header().Set("Retry-After", "5")
		return http.StatusServiceUnavailable, api.ErrorBody{Error: api.ErrorDetail{Code: "database_unavailable",
			Message: "the database cannot be reached at the moment; try again in a few seconds", RequestID: reqID}}
	}
	switch {
	case errors.As(err, &ae):
		status := statusOf[ae.Kind]
		if ae.Kind == apperr.Internal {
			s.log.ErrorContext(c.Request().Context(), "internal error", "err", err, "request_id", reqID, "route", c.Path())
			return status, api.ErrorBody{Error: api.ErrorDetail{Code: "internal", Message: "an internal error occurred; quote the request id when reporting it", RequestID: reqID}}
		}
		if ae.Kind == apperr.RateLimited {
			if ra, ok := ae.Details["retry_after_seconds"]; ok {
				c.Response().Header().Set("Retry-After", toString(ra))
			}
		}
		return status, api.ErrorBody{Error: api.ErrorDetail{Code: ae.Code, Message: ae.Message, Details: ae.Details, RequestID: reqID}}
	case errors.As(err, &he):
		code := codeOfStatus[he.Code]
		if code == "" {
			code = "http_error"
		}
		msg := http.StatusText(he.Code)
		if m, ok := he.Message.(string); ok && m != "" {
			msg = m
		}
		if he.Code >= 500 {
			s.log.ErrorContext(c.Request().Context(), "http error", "err", err, "request_id", reqID)
		}
		return he.Code, api.ErrorBody{Error: api.ErrorDetail{Code: code, Message: msg, RequestID: reqID}}
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable, api.ErrorBody{Error: api.ErrorDetail{Code: "timeout", Message: "the request took too long; try again", RequestID: reqID}}
	default:
		s.log.ErrorContext(c.Request().Context(), "unhandled error", "err", err, "request_id", reqID, "route", c.Path())
		return http.StatusInternalServerError, api.ErrorBody{Error: api.ErrorDetail{Code: "internal", Message: "an internal error occurred; quote the request id when reporting it", RequestID: reqID}}
	}
}

func toString(v any) string { return fmt.Sprint(v) }
