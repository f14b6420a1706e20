package qa

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/lab-ia/piaf/backend/frtext"
)

// shape is the orthographic class of a token: what the reader sees of a
// content word besides its letters (a capitalised name, a year, a number).
type shape uint8

const (
	shapeLower shape = iota
	shapeCap
	shapeAllCaps
	shapeNumber
	shapeYear
	shapeAlnum
	shapeRoman
	shapeMonth
	shapePunct
	shapeSymbol
	shapeElision
	shapeUnit
	numShapes
)

// months are lower-case in French, so their shape must be told apart from
// ordinary words: they make dates.
var months = map[string]bool{
	"janvier": true, "février": true, "mars": true, "avril": true, "mai": true, "juin": true, "juillet": true,
	"août": true, "septembre": true, "octobre": true, "novembre": true, "décembre": true,
}

// numberWords are numbers written in letters: they answer "combien" like
// digits do.
var numberWords = map[string]bool{
	"deux": true, "trois": true, "quatre": true, "cinq": true, "six": true, "sept": true, "huit": true,
	"neuf": true, "dix": true, "onze": true, "douze": true, "treize": true, "quatorze": true, "quinze": true,
	"seize": true, "vingt": true, "trente": true, "quarante": true, "cinquante": true, "soixante": true,
	"cent": true, "cents": true, "mille": true, "dizaine": true, "douzaine": true, "vingtaine": true,
	"centaine": true, "centaines": true, "milliers": true, "dizaines": true, "plusieurs": true,
}

// units follow numbers in quantities ("400 mètres", "14,2 milliards"); an
// answer to "combien" usually keeps them.
var units = map[string]bool{
	"mètres": true, "mètre": true, "m": true, "km": true, "kilomètres": true, "kilomètre": true, "cm": true,
	"mm": true, "km2": true, "m2": true, "hectares": true, "ha": true, "kg": true, "kilos": true,
	"tonnes": true, "grammes": true, "litres": true, "ans": true, "an": true, "années": true, "mois": true,
	"jours": true, "semaines": true, "heures": true, "minutes": true, "secondes": true, "siècles": true,
	"siècle": true, "euros": true, "euro": true, "dollars": true, "francs": true, "livres": true, "%": true,
	"millions": true, "million": true, "milliards": true, "milliard": true, "habitants": true,
	"personnes": true, "fois": true, "degrés": true, "°c": true, "€": true, "$": true,
}

// tokenInfo is a token with everything the reader's features use, computed
// once per text.
type tokenInfo struct {
	start, end int
	kind       frtext.Kind
	fold       string
	stem       string
	foldID     uint64
	stemID     uint64
	// lexID is the fold for function words, punctuation and elisions, and
	// the shape for content words: the context a boundary feature sees.
	lexID  uint64
	suffix uint64 // last three letters of a content word, for part of speech
	// prefix is the hash of the first five letters (without accents) of a
	// content word of at least six letters, a looser match than the stem
	// ("construction", "construit"); 0 otherwise.
	prefix uint64
	// parts are the stem hashes of the parts of a hyphenated word
	// ("Roubaix-Tourcoing" matches a question about "Tourcoing").
	parts []uint64
	stop  bool
	shape shape
	sent  int
}

// content reports a token that can match a question word: not a function
// word, not punctuation.
func (t *tokenInfo) content() bool {
	return !t.stop && t.kind != frtext.Punct && t.kind != frtext.Symbol && t.kind != frtext.Elision
}

// textAnalysis is a tokenised text with its sentences.
type textAnalysis struct {
	text  string
	toks  []tokenInfo
	sents []frtext.Sentence
	// positions maps a stem hash to the token positions where it occurs.
	positions map[uint64][]int
}

// analyzeText tokenises and annotates a passage or question.
func analyzeText(s string) *textAnalysis {
	raw := frtext.Tokenize(s)
	a := &textAnalysis{text: s, toks: make([]tokenInfo, len(raw)), positions: make(map[uint64][]int, len(raw))}
	a.sents = frtext.SentencesOf(s, raw)
	for si, se := range a.sents {
		for i := se.FirstToken; i < se.EndToken; i++ {
			a.toks[i].sent = si
		}
	}
	for i, t := range raw {
		ti := &a.toks[i]
		ti.start, ti.end, ti.kind = t.Start, t.End, t.Kind
		ti.fold = frtext.Fold(t.Text)
		ti.stop = frtext.IsStopWord(ti.fold)
		ti.shape = shapeOf(t, ti.fold)
		if t.Kind == frtext.Word {
			// stemmed, then without accents, so that a question typed
			// without accents ("thyroide") matches the passage ("thyroïde")
			ti.stem = frtext.Unaccent(frtext.Stem(ti.fold))
		} else {
			ti.stem = ti.fold
		}
		if t.Kind == frtext.Word && !ti.stop {
			ti.prefix = prefixKey(ti.fold)
			ti.parts = partKeys(ti.fold)
		}
		ti.foldID = hashString(ti.fold)
		ti.stemID = hashString(ti.stem)
		a.positions[ti.stemID] = append(a.positions[ti.stemID], i)
		if ti.stop || t.Kind == frtext.Punct || t.Kind == frtext.Elision {
			ti.lexID = ti.foldID
		} else {
			ti.lexID = mix(hashString("#shape"), uint64(ti.shape))
			ti.suffix = hashString(lastRunes(ti.fold, 3))
		}
	}
	return a
}

// shapeOf classifies a token.
func shapeOf(t frtext.Token, fold string) shape {
	switch t.Kind {
	case frtext.Punct:
		return shapePunct
	case frtext.Symbol:
		return shapeSymbol
	case frtext.Elision:
		return shapeElision
	case frtext.Number:
		if len(t.Text) == 4 && t.Text[0] >= '1' && t.Text[0] <= '2' {
			return shapeYear
		}
		return shapeNumber
	}
	if months[fold] {
		return shapeMonth
	}
	if numberWords[fold] {
		return shapeNumber
	}
	if units[fold] {
		return shapeUnit
	}
	if isRomanOrdinal(t.Text) {
		return shapeRoman
	}
	hasDigit, upper, letters := false, 0, 0
	for _, r := range t.Text {
		switch {
		case unicode.IsDigit(r):
			hasDigit = true
		case unicode.IsUpper(r):
			upper++
			letters++
		case unicode.IsLetter(r):
			letters++
		}
	}
	first, _ := utf8.DecodeRuneInString(t.Text)
	switch {
	case hasDigit:
		return shapeAlnum
	case upper > 1 && upper == letters:
		return shapeAllCaps
	case unicode.IsUpper(first):
		return shapeCap
	}
	return shapeLower
}

// isRomanOrdinal recognises centuries and ordinals written in Roman numerals
// ("XIXe", "IIIe", "Ier", "XIV").
func isRomanOrdinal(s string) bool {
	core := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(s, "e"), "er"), "ème")
	if core == "" || len(core) > 7 {
		return false
	}
	for _, r := range core {
		if !strings.ContainsRune("IVXLCDM", r) {
			return false
		}
	}
	return len(core) > 1 || core != s // a lone "I" or "M" is a word
}

// lastRunes returns the last n code points of s.
func lastRunes(s string, n int) string {
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	return string(rs[len(rs)-n:])
}

// hashString is FNV-1a, inlined so that feature hashing does not allocate.
func hashString(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// mix combines two hashes (splitmix64 finaliser), to build conjunction
// features from integer parts without building strings.
func mix(a, b uint64) uint64 {
	x := a*0x9e3779b97f4a7c15 + b + 0x632be59bd9b4e019
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// prefixKey hashes the first five letters of a long word, without accents.
func prefixKey(fold string) uint64 {
	rs := []rune(frtext.Unaccent(fold))
	if len(rs) < 6 {
		return 0
	}
	return hashString("#pre" + string(rs[:5]))
}

// partKeys returns the stem hashes of the parts of a hyphenated word that
// have at least three letters.
func partKeys(fold string) []uint64 {
	if !strings.ContainsRune(fold, '-') {
		return nil
	}
	var out []uint64
	for _, part := range strings.Split(fold, "-") {
		if utf8.RuneCountInString(part) >= 3 && !frtext.IsStopWord(part) {
			out = append(out, hashString(frtext.Unaccent(frtext.Stem(part))))
		}
	}
	return out
}
