package frtext

import "testing"

func TestSentences(t *testing.T) {
	s := "M. Dupont est né en 1950. Il a vécu à Paris ! Pourquoi ? J. R. R. Tolkien l'a dit (en 52 av. J.-C.). « Oui. » Puis il partit…\nTitre sans point\nFin"
	want := []string{
		"M. Dupont est né en 1950.",
		"Il a vécu à Paris !",
		"Pourquoi ?",
		"J. R. R. Tolkien l'a dit (en 52 av. J.-C.).",
		"« Oui. »",
		"Puis il partit…",
		"Titre sans point",
		"Fin",
	}
	got := Sentences(s)
	if len(got) != len(want) {
		for _, g := range got {
			t.Logf("%q", Slice(s, g.Start, g.End))
		}
		t.Fatalf("got %d sentences, want %d", len(got), len(want))
	}
	toks := Tokenize(s)
	for i, g := range got {
		if txt := Slice(s, g.Start, g.End); txt != want[i] {
			t.Errorf("sentence %d = %q, want %q", i, txt, want[i])
		}
		if toks[g.FirstToken].Start != g.Start || toks[g.EndToken-1].End != g.End {
			t.Errorf("sentence %d token range does not match its offsets", i)
		}
	}
	if Sentences("") != nil {
		t.Error("empty text has sentences")
	}
}

func TestSentenceDecimalsDoNotSplit(t *testing.T) {
	got := Sentences("Le taux est de 3.5 pour cent. Il baisse.")
	if len(got) != 2 {
		t.Fatalf("got %d sentences, want 2", len(got))
	}
}
