package frtext

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// render shows tokens as "text/kind@start-end" for compact expectations.
func render(toks []Token) string {
	parts := make([]string, len(toks))
	for i, t := range toks {
		parts[i] = fmt.Sprintf("%s/%s@%d-%d", t.Text, t.Kind, t.Start, t.End)
	}
	return strings.Join(parts, " ")
}

func TestTokenizeFrenchEdgeCases(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"elision", "l'homme", "l'/elision@0-2 homme/word@2-7"},
		{"typographic apostrophe", "l’État", "l’/elision@0-2 État/word@2-6"},
		{"modifier apostrophe", "dʼun", "dʼ/elision@0-2 un/word@2-4"},
		{"left quote as apostrophe", "l‘eau", "l‘/elision@0-2 eau/word@2-5"},
		{"jusqu lorsqu puisqu", "jusqu'à lorsqu'il puisqu’on",
			"jusqu'/elision@0-6 à/word@6-7 lorsqu'/elision@8-15 il/word@15-17 puisqu’/elision@18-25 on/word@25-27"},
		{"qu n s c j m t", "qu'il n'a s'est c'était j'ai m'a t'es",
			"qu'/elision@0-3 il/word@3-5 n'/elision@6-8 a/word@8-9 s'/elision@10-12 est/word@12-15 " +
				"c'/elision@16-18 était/word@18-23 j'/elision@24-26 ai/word@26-28 m'/elision@29-31 a/word@31-32 " +
				"t'/elision@33-35 es/word@35-37"},
		{"capital elision", "L'Île-de-France", "L'/elision@0-2 Île-de-France/word@2-15"},
		{"apostrophe inside word", "aujourd'hui presqu'île O'Neill", "aujourd'hui/word@0-11 presqu'île/word@12-22 O'Neill/word@23-30"},
		{"hyphenated", "arc-en-ciel, Jean‑Paul et a-t-il", "arc-en-ciel/word@0-11 ,/punct@11-12 Jean‑Paul/word@13-22 et/word@23-25 a-t-il/word@26-32"},
		{"trailing hyphen", "pré- et post-opératoire", "pré/word@0-3 -/punct@3-4 et/word@5-7 post-opératoire/word@8-23"},
		{"decimal comma", "14,2 milliards", "14,2/number@0-4 milliards/word@5-14"},
		{"space groups", "100 000 euros", "100 000/number@0-7 euros/word@8-13"},
		{"nbsp groups and decimals", "1\u00a0234,5 km", "1\u00a0234,5/number@0-7 km/word@8-10"},
		{"narrow nbsp", "20\u202f000", "20\u202f000/number@0-6"},
		{"year then number stays apart", "en 2003 150 personnes", "en/word@0-2 2003/number@3-7 150/number@8-11 personnes/word@12-21"},
		{"list comma with space", "1, 2 et 3", "1/number@0-1 ,/punct@1-2 2/number@3-4 et/word@5-7 3/number@8-9"},
		{"ordinal", "le 1er mai, XIXe siècle", "le/word@0-2 1er/word@3-6 mai/word@7-10 ,/punct@10-11 XIXe/word@12-16 siècle/word@17-23"},
		{"percent", "50 %", "50/number@0-2 %/punct@3-4"},
		{"euro", "12 €", "12/number@0-2 €/symbol@3-4"},
		{"emoji offsets", "a 👍🏽 b", "a/word@0-1 👍🏽/symbol@2-4 b/word@5-6"},
		{"zwj emoji", "👩‍💻x", "👩‍💻/symbol@0-3 x/word@3-4"},
		{"flag", "🇫🇷!", "🇫🇷/symbol@0-2 !/punct@2-3"},
		{"combining accent", "e\u0301te\u0301 là", "e\u0301te\u0301/word@0-5 là/word@6-8"},
		{"quotes", "« Bonjour »", "«/punct@0-1 Bonjour/word@2-9 »/punct@10-11"},
		{"empty", "", ""},
		{"only spaces", " \u00a0\n", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := render(Tokenize(c.in))
			if got != c.want {
				t.Errorf("Tokenize(%q)\n got %s\nwant %s", c.in, got, c.want)
			}
		})
	}
}

func TestTokenOffsetsMatchText(t *testing.T) {
	s := "Qu’est-ce que l'«\u00a0État\u00a0» a dépensé en 2003 ? 14,2 milliards d'euros 🚀 , soit 1\u202f234,5 € par an."
	for _, tok := range Tokenize(s) {
		if got := Slice(s, tok.Start, tok.End); got != tok.Text {
			t.Errorf("Slice(%d,%d)=%q, token text %q", tok.Start, tok.End, got, tok.Text)
		}
		if tok.End <= tok.Start {
			t.Errorf("empty token %+v", tok)
		}
	}
}

func TestTokenizeNeverLosesCharacters(t *testing.T) {
	inputs := []string{"a''b", "l'", "l' homme", "--", "12,", "1 2345", "\xff\xfe", "x-", "'a", "é́"}
	for _, s := range inputs {
		covered := 0
		for _, tok := range Tokenize(s) {
			covered += tok.End - tok.Start
		}
		spaces := 0
		for _, r := range s {
			if isSpace(r) {
				spaces++
			}
		}
		if covered+spaces != utf8.RuneCountInString(s) {
			t.Errorf("%q: tokens cover %d code points, spaces %d, text %d", s, covered, spaces, utf8.RuneCountInString(s))
		}
	}
}

func TestFoldAndStopWords(t *testing.T) {
	if Fold("L’ÉTAT") != "l'état" {
		t.Errorf("Fold = %q", Fold("L’ÉTAT"))
	}
	if Fold("e\u0301te\u0301") != "été" {
		t.Errorf("Fold does not compose accents: %q", Fold("e\u0301te\u0301"))
	}
	for _, w := range []string{"le", "Les", "d’", "qu'", "dans", "Quel"} {
		if !IsStopWord(w) {
			t.Errorf("%q should be a stop word", w)
		}
	}
	for _, w := range []string{"ministère", "Paris", "1789"} {
		if IsStopWord(w) {
			t.Errorf("%q should not be a stop word", w)
		}
	}
	if Unaccent("Île-de-France été") != "Ile-de-France ete" {
		t.Errorf("Unaccent = %q", Unaccent("Île-de-France été"))
	}
}

func TestStem(t *testing.T) {
	pairs := [][2]string{{"nationales", "national"}, {"Nationale", "nationaux"}, {"gouvernements", "gouvernement"}, {"fondée", "fondé"}}
	for _, p := range pairs {
		if Stem(p[0]) != Stem(p[1]) {
			t.Errorf("Stem(%q)=%q, Stem(%q)=%q, want equal", p[0], Stem(p[0]), p[1], Stem(p[1]))
		}
	}
	if Stem("maison") == Stem("mais") {
		t.Errorf("maison and mais should not share a stem")
	}
}
