// Package apperr holds the typed errors that domain code returns. Domains
// say what went wrong (not found, invalid, conflict…) without knowing about
// HTTP; the one error handler of the web layer turns a Kind into a status
// code and the JSON body {"error": {"code", "message", "details"}}.
package apperr

import (
	"errors"
	"fmt"
)

// Kind classifies an error the way a caller must react to it.
type Kind int

// The kinds a domain may return. Internal is the zero value so that an
// unclassified error is never mistaken for the caller's fault.
const (
	Internal        Kind = iota // a bug or an unexpected failure: 500, details hidden
	Invalid                     // the request is malformed (bad JSON, bad parameter): 400
	Unauthenticated             // no or bad credentials: 401
	Forbidden                   // authenticated but not allowed: 403
	NotFound                    // the resource does not exist or is hidden from the caller: 404
	Conflict                    // the resource's state forbids the change: 409
	TooLarge                    // the body or upload exceeds a limit: 413
	Unprocessable               // well-formed but fails validation: 422
	RateLimited                 // too many attempts: 429
	Unavailable                 // a dependency is down; retrying later may work: 503
	Unsupported                 // the content or file type is not one the route takes: 415
)

// Error is a domain error with a stable machine-readable code, a message
// meant for people, and optional structured details (e.g. per-field reasons).
type Error struct {
	Kind    Kind
	Code    string
	Message string
	Details map[string]any
	Err     error // the cause, logged but never shown to users
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return e.Code + ": " + e.Message
}

// Unwrap exposes the cause to errors.Is and errors.As.
func (e *Error) Unwrap() error { return e.Err }

// WithDetails returns a copy of e carrying one more detail; handy for adding
// the current state to a conflict.
func (e *Error) WithDetails(key string, value any) *Error {
	c := *e
	c.Details = make(map[string]any, len(e.Details)+1)
	for k, v := range e.Details {
		c.Details[k] = v
	}
	c.Details[key] = value
	return &c
}

// New builds an error of the given kind.
func New(kind Kind, code, message string) *Error {
	return &Error{Kind: kind, Code: code, Message: message}
}

// Wrap builds an error of the given kind that keeps cause for the logs.
func Wrap(kind Kind, code, message string, cause error) *Error {
	return &Error{Kind: kind, Code: code, Message: message, Err: cause}
}

// FieldError describes why one input field was refused.
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// Validation collects field errors so that a form can show them all at once.
type Validation struct {
	fields []FieldError
}

// Add records a refused field.
func (v *Validation) Add(field, reason string) {
	v.fields = append(v.fields, FieldError{Field: field, Reason: reason})
}

// Addf records a refused field with a formatted reason.
func (v *Validation) Addf(field, format string, args ...any) {
	v.Add(field, fmt.Sprintf(format, args...))
}

// Err returns nil when nothing was refused, or an Unprocessable error listing
// every refused field under details.fields.
func (v *Validation) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	msg := "the request has invalid fields"
	if len(v.fields) == 1 {
		msg = v.fields[0].Field + ": " + v.fields[0].Reason
	}
	return &Error{Kind: Unprocessable, Code: "validation_failed", Message: msg,
		Details: map[string]any{"fields": v.fields}}
}

// KindOf returns the kind of err, Internal when it carries none.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// Is reports whether err is a domain error of the given kind.
func Is(err error, kind Kind) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == kind
}

// NotFoundf is a shortcut for the most common error.
func NotFoundf(code, format string, args ...any) *Error {
	return New(NotFound, code, fmt.Sprintf(format, args...))
}
