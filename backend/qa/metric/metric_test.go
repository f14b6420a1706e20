package metric

import (
	"math"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestNormalizeSQuAD(t *testing.T) {
	cases := map[string]string{
		"The  Cat, a dog!":      "cat dog",
		"l'homme":               "lhomme",
		"Jean-Paul II":          "jeanpaul ii",
		"« Liberté »":           "« liberté »", // non-ASCII punctuation is kept officially
		"14,2 milliards":        "142 milliards",
		"  An apple\u00a0THE  ": "apple",
		"theatre":               "theatre",
	}
	for in, want := range cases {
		if got := NormalizeSQuAD(in); got != want {
			t.Errorf("NormalizeSQuAD(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNormalizeFrench(t *testing.T) {
	cases := map[string]string{
		"l'homme":                   "homme",
		"L’État":                    "état",
		"d'euros":                   "euros",
		"aujourd'hui":               "aujourd hui",
		"la Révolution française":   "révolution française",
		"Les  Misérables":           "misérables",
		"un monceau d'argent":       "monceau argent",
		"de la terre":               "terre",
		"du pain, des jeux":         "pain jeux",
		"« Où ? »":                  "où",
		"Jean-Paul":                 "jean paul",
		"14,2 milliards d'euros":    "14 2 milliards euros",
		"lorsqu'il":                 "lorsqu il",
		"Lelouch":                   "lelouch",
		"l'":                        "",
		"a":                         "a",
		"l ' homme (à) l’île d’Yeu": "l homme à île yeu",
	}
	for in, want := range cases {
		if got := NormalizeFrench(in); got != want {
			t.Errorf("NormalizeFrench(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestExactMatchAndF1HandComputed(t *testing.T) {
	// "14,2 milliards" vs "14,2 milliards d'euros": French tokens {14,2,milliards}
	// against {14,2,milliards,euros}: same=3, P=1, R=3/4, F1=6/7.
	if got := F1("14,2 milliards", "14,2 milliards d'euros", NormalizeFrench); !near(got, 6.0/7) {
		t.Errorf("F1 fr = %v, want 6/7", got)
	}
	// officially: {142, milliards} vs {142, milliards, deuros}: F1 = 2*(1*2/3)/(1+2/3) = 0.8
	if got := F1("14,2 milliards", "14,2 milliards d'euros", NormalizeSQuAD); !near(got, 0.8) {
		t.Errorf("F1 squad = %v, want 0.8", got)
	}
	if ExactMatch("La Révolution", "révolution", NormalizeFrench) != 1 {
		t.Error("articles should not count in French EM")
	}
	if ExactMatch("La Révolution", "révolution", NormalizeSQuAD) != 0 {
		t.Error("French articles count in the official EM")
	}
	// Repeated tokens count with multiplicity: pred "a a b" vs gold "a b":
	// (French: "a" is not an article) same=2, P=2/3, R=1, F1=0.8.
	if got := F1("a a b", "a b", NormalizeFrench); !near(got, 0.8) {
		t.Errorf("F1 multiplicity = %v, want 0.8", got)
	}
	if F1("", "x", NormalizeFrench) != 0 || F1("le", "la", NormalizeFrench) != 0 {
		t.Error("empty answers must score F1 0")
	}
	if ExactMatch("le", "la", NormalizeFrench) != 1 {
		t.Error("two answers normalising to nothing are an exact match (official behaviour)")
	}
}

func TestMultiAnswerMaxOverGold(t *testing.T) {
	golds := []string{"Ambroise Böhme", "son grand-père Ambroise", "Böhme"}
	s := Score("Ambroise", golds)
	// best F1: vs "Ambroise Böhme" P=1 R=1/2 F1=2/3; vs "son grand-père Ambroise"
	// (French: son grand père ambroise) P=1 R=1/4 F1=0.4; vs "Böhme" 0.
	if !near(s.F1Fr, 2.0/3) || s.ExactMatchFr != 0 {
		t.Errorf("scores = %+v", s)
	}
	s = Score("Böhme", golds)
	if s.ExactMatch != 1 || s.ExactMatchFr != 1 || s.F1 != 1 {
		t.Errorf("an exact match on the third answer must count: %+v", s)
	}
	if Score("x", nil) != (Scores{}) {
		t.Error("no gold answer must give zero")
	}
}

func TestAccumulatorPercentages(t *testing.T) {
	var a Accumulator
	a.Add("Paris", []string{"Paris"})                    // 1, 1
	a.Add("", []string{"Lyon"})                          // unanswered: 0, 0
	a.Add("la ville de Lyon", []string{"Lyon", "ville"}) // fr: {ville, lyon} vs {lyon}: F1 2/3
	sum := a.Summary()
	if sum.Count != 3 || !near(sum.ExactMatchFr, 100.0/3) || !near(sum.F1Fr, (1+2.0/3)*100/3) {
		t.Errorf("summary = %+v", sum)
	}
	var empty Accumulator
	if empty.Summary() != (Summary{}) {
		t.Error("empty accumulator must give zeros")
	}
}
