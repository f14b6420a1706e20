package qa

import (
	"errors"
	"fmt"
)

// Sentinel errors, for errors.Is: the API turns them into 4xx answers and
// jobs into readable failures.
var (
	// ErrEmptyQuestion means the question has no word to search for.
	ErrEmptyQuestion = errors.New("qa: empty question")
	// ErrQuestionTooLong means the question exceeds MaxQuestionRunes.
	ErrQuestionTooLong = errors.New("qa: question too long")
	// ErrBadModel means a model file is corrupt, truncated, of another
	// format version or not a model at all.
	ErrBadModel = errors.New("qa: bad model file")
	// ErrNoIndex means the directory holds no index (never built, or
	// removed); the caller should build one.
	ErrNoIndex = errors.New("qa: no index in directory")
	// ErrNoTrainingData means training got no usable example.
	ErrNoTrainingData = errors.New("qa: no usable training example")
)

// MaxQuestionRunes bounds the question length in code points: real questions
// are under 300, and a bound keeps one request from costing seconds.
const MaxQuestionRunes = 1000

// QuestionError tells which question check failed and why; it wraps
// ErrEmptyQuestion or ErrQuestionTooLong.
type QuestionError struct {
	// Err is the sentinel that applies.
	Err error
	// Length is the question length in code points.
	Length int
}

// Error gives a one-line reason fit for a user.
func (e *QuestionError) Error() string {
	if errors.Is(e.Err, ErrQuestionTooLong) {
		return fmt.Sprintf("%v: %d characters, at most %d", e.Err, e.Length, MaxQuestionRunes)
	}
	return e.Err.Error()
}

// Unwrap exposes the sentinel to errors.Is.
func (e *QuestionError) Unwrap() error { return e.Err }

// ModelError tells why a model file was rejected; it wraps ErrBadModel.
type ModelError struct {
	// Reason is a short explanation ("checksum mismatch", "format version
	// 3, this build reads 1").
	Reason string
}

// Error gives a one-line reason.
func (e *ModelError) Error() string { return "qa: bad model file: " + e.Reason }

// Unwrap exposes ErrBadModel to errors.Is.
func (e *ModelError) Unwrap() error { return ErrBadModel }
