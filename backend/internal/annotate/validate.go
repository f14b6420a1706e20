package annotate

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/lab-ia/piaf/backend/internal/apperr"
)

// Limits of what a contributor may write.
const (
	MinQuestionRunes = 3
	MaxQuestionRunes = 300
	MaxAnswerRunes   = 300
)

// Span is an answer span as the API carries it.
type Span struct {
	Start int    `json:"start" required:"true" minimum:"0" description:"offset in Unicode code points"`
	Text  string `json:"text" required:"true" minLength:"1" maxLength:"300"`
}

// CheckSpan verifies that text is exactly context[start:start+len(text)]
// in code points (not bytes, not UTF-16 units), and that it is a clean
// span: non-empty, within limits, without surrounding spaces.
func CheckSpan(context []rune, sp Span) string {
	n := utf8.RuneCountInString(sp.Text)
	switch {
	case sp.Text == "":
		return "must not be empty"
	case n > MaxAnswerRunes:
		return fmt.Sprintf("must hold at most %d characters", MaxAnswerRunes)
	case strings.TrimSpace(sp.Text) != sp.Text:
		return "must not begin or end with spaces"
	case sp.Start < 0:
		return "start must not be negative"
	case sp.Start > len(context)-n: // not Start+n: a huge Start would overflow
		return "the span goes past the end of the paragraph"
	case string(context[sp.Start:sp.Start+n]) != sp.Text:
		return "text does not match the paragraph at this offset (offsets count Unicode code points)"
	}
	return ""
}

// CleanQuestion normalises a question (NFC, trimmed, inner spaces
// folded) and returns why it is refused, if it is.
func CleanQuestion(q string) (string, string) {
	q = norm.NFC.String(strings.Join(strings.Fields(q), " "))
	n := utf8.RuneCountInString(q)
	switch {
	case n < MinQuestionRunes:
		return q, fmt.Sprintf("must hold at least %d characters", MinQuestionRunes)
	case n > MaxQuestionRunes:
		return q, fmt.Sprintf("must hold at most %d characters", MaxQuestionRunes)
	case strings.IndexFunc(q, unicode.IsControl) >= 0:
		return q, "must not contain control characters"
	}
	return q, ""
}

// FoldQuestion folds a question for duplicate detection: lower case,
// letters and digits only.
func FoldQuestion(q string) string { return questionKey(q) }

// questionKey folds a question for duplicate detection.
func questionKey(q string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(q) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Pair is a question with its answer span.
type Pair struct {
	Question string `json:"question" required:"true" minLength:"3" maxLength:"300"`
	Answer   Span   `json:"answer" required:"true"`
}

// validatePairs checks a paragraph's submission and returns the cleaned
// questions; any refusal lists every faulty field (pairs[i].question,
// pairs[i].answer) and nothing is stored.
func validatePairs(text string, pairs []Pair, want int, existing []string) ([]string, error) {
	var v apperr.Validation
	if len(pairs) != want {
		v.Addf("pairs", "this paragraph needs %d question(s), %d were sent", want, len(pairs))
		return nil, v.Err()
	}
	context := []rune(text)
	seen := map[string]bool{}
	for _, q := range existing {
		seen[questionKey(q)] = true
	}
	out := make([]string, len(pairs))
	for i, p := range pairs {
		q, problem := CleanQuestion(p.Question)
		if problem != "" {
			v.Add(fmt.Sprintf("pairs[%d].question", i), problem)
		} else if k := questionKey(q); seen[k] {
			v.Add(fmt.Sprintf("pairs[%d].question", i), "duplicates another question on this paragraph")
		} else {
			seen[k] = true
		}
		out[i] = q
		if problem := CheckSpan(context, p.Answer); problem != "" {
			v.Add(fmt.Sprintf("pairs[%d].answer", i), problem)
		}
	}
	return out, v.Err()
}
