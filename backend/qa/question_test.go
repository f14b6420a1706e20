package qa

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckQuestion(t *testing.T) {
	for _, q := range []string{"", "   ", " ?! … ", "\u00a0"} {
		err := CheckQuestion(q)
		if !errors.Is(err, ErrEmptyQuestion) {
			t.Errorf("CheckQuestion(%q) = %v, want ErrEmptyQuestion", q, err)
		}
	}
	long := strings.Repeat("Où est le canal ? ", 100*1024/18)
	err := CheckQuestion(long)
	var qe *QuestionError
	if !errors.Is(err, ErrQuestionTooLong) || !errors.As(err, &qe) || qe.Length < 100000 {
		t.Fatalf("100 KB question: %v", err)
	}
	if !strings.Contains(err.Error(), "at most 1000") {
		t.Errorf("error should give the limit: %v", err)
	}
	if err := CheckQuestion("Qui ?"); err != nil {
		t.Errorf("valid question rejected: %v", err)
	}
	if err := CheckQuestion(strings.Repeat("é", MaxQuestionRunes)); err != nil {
		t.Errorf("a question of exactly the limit in code points must pass: %v", err)
	}
}

func TestQuestionAnalysis(t *testing.T) {
	idf := &idfTable{byStem: map[string]float32{}, unseen: 5}
	cases := []struct{ q, wh, head, prep string }{
		{"En quelle année la tour a-t-elle été construite ?", "quel", "anne", "en"},
		{"Qui a fondé la ville ?", "qui", "", ""},
		{"Combien de personnes travaillent au ministère ?", "combien", "person", ""},
		{"Qu'est-ce que la photosynthèse ?", "que", "", ""},
		{"Par qui la loi a-t-elle été votée ?", "qui", "", "par"},
		{"Les parents sont riches", "", "", ""},
	}
	for _, c := range cases {
		a := analyzeQuestion(c.q, idf)
		if a.wh != c.wh {
			t.Errorf("%q: wh %q, want %q", c.q, a.wh, c.wh)
		}
		if c.head != "" && a.head != c.head {
			t.Errorf("%q: head %q, want %q", c.q, a.head, c.head)
		}
		if c.prep != "" && a.prepID == a.whID {
			t.Errorf("%q: preposition %q not seen", c.q, c.prep)
		}
	}
}
