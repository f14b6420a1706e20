package frtext

import (
	"bufio"
	"bytes"
	"strings"

	"github.com/blevesearch/bleve/v2/analysis/lang/fr"
)

// stopWords is the Snowball French stop list that Bleve ships (the same list
// the retriever's analyzer drops), plus the elided forms and a few question
// words that carry no content. It is built once and only read.
var stopWords = loadStopWords()

// extraStopWords complete the Snowball list with elided forms and frequent
// function words that the list lacks.
var extraStopWords = []string{
	"l'", "d'", "qu'", "n'", "s'", "c'", "j'", "m'", "t'", "jusqu'", "lorsqu'", "puisqu'", "quoiqu'",
	"l", "d", "qu", "n", "s", "c", "j", "m", "t", "a", "y", "dont", "cette", "cet", "sont", "été",
	"ont", "fait", "lors", "comme", "aussi", "plus", "très", "ainsi", "donc", "alors", "entre",
	"sans", "sous", "chez", "vers", "tout", "tous", "toute", "toutes", "leurs", "celui", "celle",
	"ceux", "celles", "quel", "quelle", "quels", "quelles", "quoi", "où", "quand", "comment",
	"pourquoi", "combien", "lequel", "laquelle", "lesquels", "lesquelles", "est-ce", "qu'est-ce",
}

func loadStopWords() map[string]bool {
	m := make(map[string]bool, 256)
	sc := bufio.NewScanner(bytes.NewReader(fr.FrenchStopWords))
	for sc.Scan() {
		line := sc.Text()
		if k := strings.IndexByte(line, '|'); k >= 0 {
			line = line[:k]
		}
		if w := strings.TrimSpace(line); w != "" {
			m[w] = true
		}
	}
	for _, w := range extraStopWords {
		m[w] = true
	}
	return m
}

// IsStopWord reports whether w is a French function word (article,
// preposition, pronoun, auxiliary, question word) that says little about a
// passage's topic. w is compared after Fold, so case and apostrophe style do
// not matter.
func IsStopWord(w string) bool {
	if stopWords[w] {
		return true
	}
	return stopWords[Fold(w)]
}
