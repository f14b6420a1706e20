package frtext

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Normalize returns s in Unicode NFC form, so that "é" written as "e" plus a
// combining acute accent compares equal to the precomposed "é". Offsets
// computed on the result differ from offsets on s when s was not NFC.
func Normalize(s string) string {
	return norm.NFC.String(s)
}

// IsApostrophe reports whether r is one of the apostrophes found in French
// text: the ASCII one and the typographic ones (’ U+2019, ʼ U+02BC,
// ‘ U+2018, ´ U+00B4 and ` used by mistake), so that "l’homme" is read like
// "l'homme".
func IsApostrophe(r rune) bool {
	switch r {
	case '\'', '’', 'ʼ', '‘', '`', '´', '′':
		return true
	}
	return false
}

// IsHyphen reports whether r joins the parts of a compound word
// ("arc-en-ciel", "Jean‑Paul" with a non-breaking hyphen).
func IsHyphen(r rune) bool {
	switch r {
	case '-', '‐', '‑':
		return true
	}
	return false
}

// Fold returns the matching key of a word: NFC, lower case, every apostrophe
// turned into the ASCII one. Accents are kept because they carry meaning in
// French ("où" and "ou", "a" and "à").
func Fold(s string) string {
	s = Normalize(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if IsApostrophe(r) {
			r = '\''
		} else if IsHyphen(r) {
			r = '-'
		} else {
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Unaccent returns s without its diacritics ("été" gives "ete"), for fuzzy
// matching of text typed without accents. It keeps the case: combine
// Unaccent(Fold(s)) to get both.
func Unaccent(s string) string {
	d := norm.NFD.String(s)
	var b strings.Builder
	b.Grow(len(d))
	for _, r := range d {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		b.WriteRune(r)
	}
	return norm.NFC.String(b.String())
}
