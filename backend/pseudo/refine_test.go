package pseudo

import (
	"strings"
	"testing"

	"github.com/lab-ia/piaf/backend/pseudo/gazetteer"
	"github.com/lab-ia/piaf/backend/pseudo/internal/tokens"
)

func newAnalysis(t *testing.T, text string) *analysis {
	lex, err := gazetteer.Default()
	if err != nil {
		t.Fatal(err)
	}
	toks := tokens.Tokenize(text)
	a := &analysis{text: text, toks: toks, segs: tokens.Segments(toks), lex: lex}
	a.fold()
	return a
}

// modelEnt builds a tagger entity over the n-th occurrence of sub.
func modelEnt(text, sub string, nth int, label string, score float64) Entity {
	e := ent(text, sub, nth, label)
	e.Score, e.Source = score, SourceModel
	return e
}

func texts(ents []Entity) string {
	var out []string
	for _, e := range ents {
		out = append(out, e.Label+":"+e.Text)
	}
	return strings.Join(out, "|")
}

func TestRefinePersons(t *testing.T) {
	text := "Signé : Alix PRINTEMS Monsieur Gérard TEILLET. Voir Privacy by Design, Renault Trucks et Norbert CHANEL. Art. R 641."
	a := newAnalysis(t, text)
	got := a.refinePersons([]Entity{
		modelEnt(text, "Alix PRINTEMS Monsieur Gérard TEILLET", 0, LabelPER, 0.8),
		modelEnt(text, "Privacy by Design", 0, LabelPER, 0.9),
		modelEnt(text, "Renault Trucks", 0, LabelPER, 0.9),
		modelEnt(text, "Norbert CHANEL", 0, LabelPER, 0.9),
		modelEnt(text, "Art. R", 0, LabelPER, 0.7),
	})
	want := "PER:Alix PRINTEMS|PER:Gérard TEILLET|PER:Norbert CHANEL"
	if texts(got) != want {
		t.Errorf("got  %s\nwant %s", texts(got), want)
	}
}

func TestRelabelTitled(t *testing.T) {
	text := "M. d'Artagnan salua. Puis d'Artagnan partit pour Saumur. M. de Froidfond vint à Froidfond."
	a := newAnalysis(t, text)
	got := a.relabelTitled([]Entity{
		modelEnt(text, "Artagnan", 1, LabelLOC, 0.6),
		modelEnt(text, "Saumur", 0, LabelLOC, 0.9),
		modelEnt(text, "Froidfond", 1, LabelLOC, 0.9),
	})
	want := "PER:Artagnan|LOC:Saumur|LOC:Froidfond"
	if texts(got) != want {
		t.Errorf("got  %s\nwant %s", texts(got), want)
	}
}

func TestPreferLongerCues(t *testing.T) {
	text := "Copie : H. Lambert et Me Alexandre de Montfort, à Paris."
	a := newAnalysis(t, text)
	ents := []Entity{
		modelEnt(text, "Lambert", 0, LabelPER, 0.6),
		modelEnt(text, "Alexandre", 0, LabelPER, 0.99),
		modelEnt(text, "Montfort", 0, LabelLOC, 0.5),
		modelEnt(text, "Paris", 0, LabelLOC, 0.98),
	}
	got := preferLongerCues(ents, a.nameCues())
	sortByStart(got)
	want := "PER:H. Lambert|PER:Alexandre de Montfort|LOC:Paris"
	if texts(got) != want {
		t.Errorf("got  %s\nwant %s", texts(got), want)
	}
}
