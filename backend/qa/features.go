package qa

import (
	"strings"

	"github.com/lab-ia/piaf/backend/frtext"
)

// FeatureGroup selects families of reader features; the ablation table of
// docs/benchmarks/qa.md is made by training without one group at a time.
type FeatureGroup uint32

// Feature groups.
const (
	// FeatLength: span length, alone and per question type.
	FeatLength FeatureGroup = 1 << iota
	// FeatSentence: how much of the question the span's sentence contains,
	// and that sentence's rank in the passage.
	FeatSentence
	// FeatOverlap: question words inside the span (answers rarely repeat
	// the question) and in windows left and right of it.
	FeatOverlap
	// FeatDistance: distance from the span to the nearest question word on
	// each side.
	FeatDistance
	// FeatShape: span shape (names, numbers, years, months, capitals)
	// against question type (qui, quand, combien, quel + noun…).
	FeatShape
	// FeatBoundary: the words and punctuation at and around the span edges,
	// per question type (e.g. "en" before a year for "quand").
	FeatBoundary
	// FeatAlign: the question's words before and after its interrogative
	// word found before and after the span, in the same order.
	FeatAlign
	// FeatLexical: question class conjoined with the span's first and last
	// words.
	FeatLexical
	// FeatPosition: sentence index and position in the sentence.
	FeatPosition
	// FeatGap: the words between the span and the nearest question word on
	// each side ("fondé par X", "X a été élu"), a stand-in for the syntactic
	// path a parser would give.
	FeatGap
	// FeatHead: the head noun of a "quel"/"combien" question ("quel pape",
	// "combien de soldats") inside, at the start of, or just before the span
	// ("le pape Benoît XVI").
	FeatHead
	// FeatCombo: conjunctions of quantised evidence (question words left
	// and right, distances, length and shapes) per question type, the
	// interactions a linear model cannot find by itself.
	FeatCombo
	// FeatVectors: similarity of the span's context to the question in word
	// vectors trained on the training contexts.
	FeatVectors
)

// AllFeatures is every feature group.
const AllFeatures = FeatLength | FeatSentence | FeatOverlap | FeatDistance | FeatShape | FeatBoundary | FeatAlign | FeatLexical | FeatPosition | FeatGap | FeatHead | FeatCombo | FeatVectors

// DefaultFeatures leaves out the groups whose effect on the dev split was
// within noise (added to the defaults: align +0.3, position −0.6, gap −0.5
// F1; see docs/benchmarks/qa.md), which keeps training faster; they stay
// available for experiments.
const DefaultFeatures = AllFeatures &^ (FeatAlign | FeatPosition | FeatGap)

// featureGroupNames name the groups in reports and on the command line.
var featureGroupNames = []struct {
	g    FeatureGroup
	name string
}{
	{FeatLength, "length"}, {FeatSentence, "sentence"}, {FeatOverlap, "overlap"}, {FeatDistance, "distance"},
	{FeatShape, "shape"}, {FeatBoundary, "boundary"}, {FeatAlign, "align"}, {FeatLexical, "lexical"},
	{FeatPosition, "position"}, {FeatGap, "gap"}, {FeatHead, "head"}, {FeatCombo, "combo"}, {FeatVectors, "vectors"},
}

// String lists the groups, comma-separated.
func (g FeatureGroup) String() string {
	var parts []string
	for _, n := range featureGroupNames {
		if g&n.g != 0 {
			parts = append(parts, n.name)
		}
	}
	return strings.Join(parts, ",")
}

// ParseFeatureGroup reads one group name ("shape"); ok is false for an
// unknown name.
func ParseFeatureGroup(name string) (g FeatureGroup, ok bool) {
	for _, n := range featureGroupNames {
		if n.name == name {
			return n.g, true
		}
	}
	return 0, false
}

// FeatureGroups lists every group, in a fixed order, for ablation loops.
func FeatureGroups() []FeatureGroup {
	out := make([]FeatureGroup, len(featureGroupNames))
	for i, n := range featureGroupNames {
		out[i] = n.g
	}
	return out
}

// Feature templates: each names one kind of feature; its hash is mixed with
// the feature's values to give the weight index.
const (
	tBias uint64 = iota + 1
	tLen
	tLenWh
	tSentScore
	tSentRank
	tSentBest
	tSentCover
	tInside
	tInsideAny
	tInsideWh
	tLeftNear
	tLeftFar
	tRightNear
	tRightFar
	tLeftNearWh
	tRightNearWh
	tDistL
	tDistR
	tDistLWh
	tDistRWh
	tDistMin
	tFirstShape
	tLastShape
	tSignature
	tFlag
	tPrevLex
	tNextLex
	tFirstLex
	tLastLex
	tPrevFirst
	tLastNext
	tLastSuffix
	tFirstSuffix
	tNextSuffix
	tPrevSuffix
	tPunct
	tAlignBefore
	tAlignAfter
	tAlignCrossB
	tAlignCrossA
	tNextStem
	tPrevStem
	tAdjacent
	tLexFirst
	tLexLast
	tLexPrev
	tLexNext
	tSentIndex
	tRelPos
	tSentEdge
	tVecLeft
	tVecRight
	tVecSpan
	tVecSent
	tVecHead
	tVecMean
	tSentBigram
	tSpanIDF
	tGapL
	tGapR
	tGapLWh
	tGapRWh
	tNextSide
	tLeftCount
	tRightCount
	tSentKind
	tSentKindMissing
	tSentPrev
	tSentNext
	tHead
	tSentBias
	tSentHas
	tComboLR
	tComboDist
	tComboRank
	tComboShape
	tComboInside
)

// featVec is a sparse feature vector: weight indices and values.
type featVec struct {
	idx  []uint32
	val  []float32
	mask uint64
}

func (f *featVec) reset() { f.idx, f.val = f.idx[:0], f.val[:0] }

// add adds a real-valued feature.
func (f *featVec) add(h uint64, v float32) {
	f.idx = append(f.idx, uint32(h&f.mask))
	f.val = append(f.val, v)
}

// on adds a binary feature.
func (f *featVec) on(h uint64) { f.add(h, 1) }

// spanContext holds what is shared by all the spans of one (question,
// passage) pair.
type spanContext struct {
	q      *questionAnalysis
	p      *textAnalysis
	m      *matchInfo
	idf    *idfTable
	vec    *vectorContext
	groups FeatureGroup
	// capInside[i] is a capitalised content word not at a sentence start.
	capInside []bool
}

func newSpanContext(q *questionAnalysis, p *textAnalysis, groups FeatureGroup, idf *idfTable, vecs *wordVectors) *spanContext {
	c := &spanContext{q: q, p: p, m: matchQuestion(q, p), groups: groups, idf: idf}
	c.capInside = make([]bool, len(p.toks))
	for i, t := range p.toks {
		atStart := i == 0 || p.toks[i-1].sent != t.sent || (p.toks[i-1].kind == frtext.Punct && (p.toks[i-1].fold == "«" || p.toks[i-1].fold == "\""))
		c.capInside[i] = !atStart && (t.shape == shapeCap || t.shape == shapeAllCaps)
	}
	if groups&FeatVectors != 0 && vecs != nil {
		c.vec = newVectorContext(vecs, q, p)
	}
	return c
}

// distBin buckets a token distance; 0 means no match on that side.
func distBin(d int) uint64 {
	switch {
	case d <= 0:
		return 0
	case d <= 3:
		return uint64(d)
	case d <= 5:
		return 4
	case d <= 8:
		return 5
	case d <= 15:
		return 6
	}
	return 7
}

// lenBin buckets a span length in tokens.
func lenBin(n int) uint64 {
	switch {
	case n <= 8:
		return uint64(n)
	case n <= 12:
		return 9
	}
	return 10
}

// span flags for FeatShape.
const (
	flagYear uint64 = iota + 1
	flagNumber
	flagMonth
	flagCap
	flagAllCap
	flagRoman
	flagStartsCap
	flagOneWord
)

// punctuation flags for FeatBoundary.
const (
	punctComma uint64 = iota + 1
	punctOpenParen
	punctUnbalanced
	punctConj
	punctQuote
)

// features appends all the features of span [i, j] (inclusive) to f: those
// of its sentence and its own. The joint model scores spans with them.
func (c *spanContext) features(f *featVec, i, j int) {
	c.sentenceFeatures(f, c.p.toks[i].sent)
	c.spanFeatures(f, i, j)
}

// quantise buckets a share in [0, 1] into five levels.
func quantise(x float32) uint64 {
	switch {
	case x <= 0:
		return 0
	case x < 0.1:
		return 1
	case x < 0.25:
		return 2
	case x < 0.5:
		return 3
	}
	return 4
}

// gapSignature hashes the folded tokens strictly between positions from and
// to when there are at most four of them; 0 means no question word on that
// side, 1 a gap too long to be a phrase.
func gapSignature(toks []tokenInfo, from, to int) uint64 {
	if from < 0 {
		return 0
	}
	if to-from-1 > 4 {
		return 1
	}
	h := hashString("#gap")
	for k := from + 1; k < to; k++ {
		h = mix(h, toks[k].lexID)
	}
	return h
}
