package frtext

import (
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/fr"
)

// Stem returns the Snowball French stem of a word after Fold ("nationales"
// and "national" both give "national"), so that inflected forms of a
// question word match the passage. It uses Bleve's Snowball filter, the
// reference implementation, rather than a hand-written stemmer.
func Stem(word string) string {
	stream := analysis.TokenStream{&analysis.Token{Term: []byte(Fold(word))}}
	stream = snowball.Filter(stream)
	return string(stream[0].Term)
}

// snowball is stateless: the filter type has no fields, so one value serves
// every goroutine.
var snowball = fr.NewFrenchStemmerFilter()
