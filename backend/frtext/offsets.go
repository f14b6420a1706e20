package frtext

import "unicode/utf8"

// Offsets converts positions in one string between code points (the
// platform's unit), bytes (Go slicing) and UTF-16 code units (JavaScript
// strings in the browser). Build it once per text; lookups are O(1) or
// O(log n).
type Offsets struct {
	bytePos  []int // bytePos[cp] is the byte offset of code point cp; len n+1
	utf16Pos []int // utf16Pos[cp] is the UTF-16 offset of code point cp; len n+1
}

// NewOffsets indexes s. Invalid UTF-8 bytes count as one code point each,
// as range over a string does.
func NewOffsets(s string) *Offsets {
	n := utf8.RuneCountInString(s)
	o := &Offsets{bytePos: make([]int, 0, n+1), utf16Pos: make([]int, 0, n+1)}
	u := 0
	for b, r := range s {
		o.bytePos = append(o.bytePos, b)
		o.utf16Pos = append(o.utf16Pos, u)
		if r >= 0x10000 {
			u += 2
		} else {
			u++
		}
	}
	o.bytePos = append(o.bytePos, len(s))
	o.utf16Pos = append(o.utf16Pos, u)
	return o
}

// Len returns the number of code points of the text.
func (o *Offsets) Len() int { return len(o.bytePos) - 1 }

// Byte returns the byte offset of code point cp, clamped to the text.
func (o *Offsets) Byte(cp int) int { return o.bytePos[o.clamp(cp)] }

// UTF16 returns the UTF-16 offset of code point cp, clamped to the text.
func (o *Offsets) UTF16(cp int) int { return o.utf16Pos[o.clamp(cp)] }

// FromByte returns the code point that contains byte b (the one starting at
// or before b), clamped to the text.
func (o *Offsets) FromByte(b int) int { return search(o.bytePos, b) }

// FromUTF16 returns the code point that contains UTF-16 unit u (a low
// surrogate maps to its pair's code point), clamped to the text.
func (o *Offsets) FromUTF16(u int) int { return search(o.utf16Pos, u) }

func (o *Offsets) clamp(cp int) int {
	if cp < 0 {
		return 0
	}
	if cp > o.Len() {
		return o.Len()
	}
	return cp
}

// search returns the largest index i with pos[i] <= x, within [0, len-1].
func search(pos []int, x int) int {
	lo, hi := 0, len(pos)-1
	if x <= 0 {
		return 0
	}
	if x >= pos[hi] {
		return hi
	}
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if pos[mid] <= x {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo
}

// Slice returns the code points [start, end) of s, clamped to the text, so
// that callers can cut answers out of a passage with SQuAD offsets.
func Slice(s string, start, end int) string {
	if start < 0 {
		start = 0
	}
	b, cp := 0, 0
	for cp < start && b < len(s) {
		_, w := utf8.DecodeRuneInString(s[b:])
		b += w
		cp++
	}
	from := b
	for cp < end && b < len(s) {
		_, w := utf8.DecodeRuneInString(s[b:])
		b += w
		cp++
	}
	return s[from:b]
}
