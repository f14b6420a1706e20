package rules

import (
	"strings"
	"unicode/utf8"
)

// The patterns below are costly to run over a whole document with Go's
// regexp engine, so each runs only on the small windows where it can match:
// around digit clusters, "@" signs, hexadecimal colons and birth keywords.
// Matches are then checked against the whole text (boundaries, context).

// window is a byte range of the text.
type window struct{ start, end int }

// expand widens [start, end) by pad bytes on each side, on rune boundaries.
func expand(text string, start, end, pad int) window {
	s, e := max(0, start-pad), min(len(text), end+pad)
	for s > 0 && !utf8.RuneStart(text[s]) {
		s--
	}
	for e < len(text) && !utf8.RuneStart(text[e]) {
		e++
	}
	return window{s, e}
}

// merge joins overlapping windows (sorted by start).
func merge(ws []window) []window {
	out := ws[:0]
	for _, w := range ws {
		if n := len(out); n > 0 && w.start <= out[n-1].end {
			out[n-1].end = max(out[n-1].end, w.end)
			continue
		}
		out = append(out, w)
	}
	return out
}

// numericWindows returns the windows around clusters of at least three
// digits (digits at most six bytes apart): every identifier, phone number
// and plate has that many.
func numericWindows(text string) []window {
	var ws []window
	first, last, count := -1, -1, 0
	flush := func() {
		if count >= 3 {
			ws = append(ws, expand(text, first, last+1, 10))
		}
		first, count = -1, 0
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c < '0' || c > '9' {
			continue
		}
		if first >= 0 && i-last > 6 {
			flush()
		}
		if first < 0 {
			first = i
		}
		last = i
		count++
	}
	flush()
	return merge(ws)
}

// byteWindows returns merged windows around each occurrence of b.
func byteWindows(text string, b byte, before, after int) []window {
	var ws []window
	for i := 0; ; {
		k := strings.IndexByte(text[i:], b)
		if k < 0 {
			break
		}
		i += k
		ws = append(ws, expand(text, max(0, i-before), min(len(text), i+1+after), 0))
		i++
	}
	return merge(ws)
}

// hexColonWindows returns the windows around colons that sit between
// hexadecimal digits or other colons, where an IPv6 address may be.
func hexColonWindows(text string) []window {
	var ws []window
	for i := 1; i+1 < len(text); i++ {
		if text[i] != ':' {
			continue
		}
		p, n := text[i-1], text[i+1]
		if (isHexByte(p) || p == ':') && (isHexByte(n) || n == ':') {
			ws = append(ws, expand(text, i, i+1, 45))
		}
	}
	return merge(ws)
}

// birthKeywords announce a date of birth; the birth pattern runs after
// them only.
var birthKeywords = []string{"né", "ne", "naissance", "ddn"}

func birthWindows(text string) []window {
	var ws []window
	for i := 0; ; {
		k := strings.IndexAny(text[i:], "nNdD")
		if k < 0 {
			break
		}
		i += k
		for _, kw := range birthKeywords {
			if len(text)-i >= len(kw) && strings.EqualFold(text[i:i+len(kw)], kw) {
				ws = append(ws, expand(text, max(0, i-24), min(len(text), i+160), 0))
				break
			}
		}
		i++
	}
	return merge(ws)
}

// findIn runs fn over each window, shifting the byte matches it returns to
// text offsets.
func findIn(text string, ws []window, ms []byteMatch, fn func(text string, base int, sub string, ms []byteMatch) []byteMatch) []byteMatch {
	for _, w := range ws {
		ms = fn(text, w.start, text[w.start:w.end], ms)
	}
	return ms
}
