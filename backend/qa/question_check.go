package qa

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// CheckQuestion validates a question before any work is done: not empty (or
// only spaces and punctuation), at most MaxQuestionRunes code points. It
// returns a *QuestionError.
func CheckQuestion(q string) error {
	n := utf8.RuneCountInString(q)
	if n > MaxQuestionRunes {
		return &QuestionError{Err: ErrQuestionTooLong, Length: n}
	}
	if strings.IndexFunc(q, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) < 0 {
		return &QuestionError{Err: ErrEmptyQuestion, Length: n}
	}
	return nil
}
