package tokens

import (
	"strings"
	"testing"
)

func texts(toks []Token) string {
	var b []string
	for _, t := range toks {
		b = append(b, t.Text)
	}
	return strings.Join(b, "|")
}

func TestTokenize(t *testing.T) {
	cases := map[string]string{
		"M. d'Artagnan arrive.":                   "M.|d'|Artagnan|arrive|.",
		"Mme Jean-Marc Dubois, l’avocat":          "Mme|Jean-Marc|Dubois|,|l’|avocat",
		"aujourd'hui O'Neil":                      "aujourd'hui|O'Neil",
		"écrire à jean.dupont@exemple.fr.":        "écrire|à|jean.dupont@exemple.fr|.",
		"voir https://www.legifrance.gouv.fr, ok": "voir|https://www.legifrance.gouv.fr|,|ok",
		"1.000,50 € le 12/05/2020":                "1.000,50|€|le|12/05/2020",
		"la S.A.R.L. Dupont":                      "la|S.A.R.L.|Dupont",
		"J. Dupont... Fin":                        "J.|Dupont|...|Fin",
		"qu'il":                                   "qu'|il",
	}
	for in, want := range cases {
		if got := texts(Tokenize(in)); got != want {
			t.Errorf("Tokenize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestOffsetsAreCodePoints(t *testing.T) {
	text := "Élise  Bérénice\nCôte"
	toks := Tokenize(text)
	runes := []rune(text)
	for _, tk := range toks {
		if string(runes[tk.Start:tk.End]) != tk.Text || text[tk.ByteStart:tk.ByteEnd] != tk.Text {
			t.Fatalf("bad offsets for %+v", tk)
		}
	}
	if !toks[2].LineStart || toks[2].Newlines != 1 || toks[1].LineStart {
		t.Fatalf("line flags wrong: %+v", toks)
	}
}

func TestSegments(t *testing.T) {
	toks := Tokenize("M. Dupont est venu. Il part.\nListe : A")
	segs := Segments(toks)
	if len(segs) != 3 {
		t.Fatalf("got %d segments %+v", len(segs), segs)
	}
}
