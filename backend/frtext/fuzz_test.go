package frtext

import (
	"testing"
	"unicode/utf8"
)

var fuzzSeeds = []string{
	"L’hôpital d’Évry ouvre jusqu’à 18 h ; il a coûté 14,2 milliards et 100 000 €.",
	"aujourd'hui, qu'il vienne : «\u00a0Jean-Marc\u00a0» — M. Dubois.",
	"😀 e\u0301cole \xff\xfe c'est-à-dire",
	"",
}

// FuzzTokenize checks the tokeniser's contract on any input: tokens in
// order, inside the text, non-empty, their Text the covered code points.
func FuzzTokenize(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			// Invalid bytes count as one code point each, as range does.
			s = string([]rune(s))
		}
		runes := []rune(s)
		last := 0
		for _, tok := range Tokenize(s) {
			if tok.Start < last || tok.End <= tok.Start || tok.End > len(runes) {
				t.Fatalf("token %+v out of order or range (last end %d, %d code points)", tok, last, len(runes))
			}
			if string(runes[tok.Start:tok.End]) != tok.Text {
				t.Fatalf("token text %q, covered %q", tok.Text, string(runes[tok.Start:tok.End]))
			}
			last = tok.End
		}
		for _, sn := range Sentences(s) {
			if sn.Start < 0 || sn.End > len(runes) || sn.Start > sn.End {
				t.Fatalf("sentence %+v out of range", sn)
			}
		}
		_ = Stem(Fold(s))
	})
}

// FuzzOffsets checks that code points, bytes and UTF-16 units convert
// back and forth on any input.
func FuzzOffsets(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s, 3)
	}
	f.Fuzz(func(t *testing.T, s string, cp int) {
		o := NewOffsets(s)
		if o.Len() != utf8.RuneCountInString(s) {
			t.Fatalf("Len %d, want %d", o.Len(), utf8.RuneCountInString(s))
		}
		c := o.clamp(cp)
		if got := o.FromByte(o.Byte(c)); got != c {
			t.Fatalf("byte round trip of %d gives %d", c, got)
		}
		if got := o.FromUTF16(o.UTF16(c)); got != c {
			t.Fatalf("UTF-16 round trip of %d gives %d", c, got)
		}
		if want := string([]rune(s)[c:]); Slice(s, c, o.Len()+5) != want && utf8.ValidString(s) {
			t.Fatalf("Slice(%d, end) = %q, want %q", c, Slice(s, c, o.Len()+5), want)
		}
	})
}
