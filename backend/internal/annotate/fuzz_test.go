package annotate

import (
	"testing"
	"unicode/utf8"
)

// FuzzCheckSpan checks that span validation never panics, whatever the
// offsets (negative, huge, past the end) and texts, and that a span it
// accepts is exactly the paragraph's code points at that offset.
func FuzzCheckSpan(f *testing.F) {
	f.Add("😀 L’hôpital d’Évry ouvre à 8 h.", 2, "L’hôpital")
	f.Add("e\u0301cole", 0, "e\u0301")
	f.Add("abc", -1, "a")
	f.Add("abc", int(^uint(0)>>1), "a")
	f.Fuzz(func(t *testing.T, context string, start int, text string) {
		runes := []rune(context)
		reason := CheckSpan(runes, Span{Start: start, Text: text})
		if reason != "" {
			return
		}
		n := utf8.RuneCountInString(text)
		if start < 0 || start+n > len(runes) || string(runes[start:start+n]) != text {
			t.Fatalf("accepted span %d %q in %q", start, text, context)
		}
	})
}
