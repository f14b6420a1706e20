package gazetteer

import (
	"strings"

	"github.com/lab-ia/piaf/backend/pseudo/internal/tokens"
)

// PhraseSet finds multi-token names (communes such as "La Roche-sur-Yon",
// surnames such as "Le Gall") in a token sequence. Phrases are tokenised with
// the engine's tokenizer and folded, so "l'Abergement" matches "L’Abergement".
type PhraseSet struct {
	phrases map[string]uint8
	maxLen  map[string]int // first token -> longest phrase length in tokens
}

// NewPhraseSet returns an empty set.
func NewPhraseSet() *PhraseSet {
	return &PhraseSet{phrases: map[string]uint8{}, maxLen: map[string]int{}}
}

// Add inserts a phrase with a value (a frequency bucket, or 1).
func (p *PhraseSet) Add(phrase string, v uint8) {
	toks := tokens.Tokenize(phrase)
	if len(toks) == 0 {
		return
	}
	keys := make([]string, len(toks))
	for i, t := range toks {
		keys[i] = Fold(t.Text)
	}
	p.phrases[strings.Join(keys, " ")] = v
	if len(keys) > p.maxLen[keys[0]] {
		p.maxLen[keys[0]] = len(keys)
	}
}

// Len returns the number of phrases.
func (p *PhraseSet) Len() int { return len(p.phrases) }

// Contains reports whether a phrase (any spelling) is in the set.
func (p *PhraseSet) Contains(phrase string) bool {
	toks := tokens.Tokenize(phrase)
	keys := make([]string, len(toks))
	for i, t := range toks {
		keys[i] = Fold(t.Text)
	}
	_, ok := p.phrases[strings.Join(keys, " ")]
	return ok
}

// LongestAt returns the length in tokens of the longest phrase starting at
// folded[i], 0 when none does.
func (p *PhraseSet) LongestAt(folded []string, i int) int {
	m := p.maxLen[folded[i]]
	if m == 0 {
		return 0
	}
	if i+m > len(folded) {
		m = len(folded) - i
	}
	var b strings.Builder
	best := 0
	for n := 1; n <= m; n++ {
		if n > 1 {
			b.WriteByte(' ')
		}
		b.WriteString(folded[i+n-1])
		if _, ok := p.phrases[b.String()]; ok {
			best = n
		}
	}
	return best
}
