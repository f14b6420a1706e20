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

// DefaultFeatures leaves out the groups that brought nothing on the dev
// split (align, position, gap: F1 39.2 without them, 38.7 with), which also
// makes training faster; they stay available for experiments.
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

// sentenceFeatures appends the features of sentence sent: how well it
// matches the question, and whether it holds the kind of token the question
// asks for. The two-stage model's sentence scorer uses them alone.
func (c *spanContext) sentenceFeatures(f *featVec, sent int) {
	q, p, m := c.q, c.p, c.m
	wh := q.whID
	f.on(tSentBias)
	if c.groups&FeatSentence != 0 {
		f.add(tSentScore, m.sentScore[sent])
		f.add(tSentCover, m.sentCover[sent])
		r := m.sentRank[sent]
		if r > 4 {
			r = 4
		}
		f.on(mix(tSentRank, uint64(r)))
		if r == 0 {
			f.add(tSentBest, m.sentScore[sent])
		}
		f.add(tSentBigram, m.sentBigram[sent])
		for k := wordKind(0); k < numWordKinds; k++ {
			if m.qKinds[k] > 0 {
				f.add(mix(tSentKind, uint64(k)), m.sentKind[k][sent])
				if m.sentKind[k][sent] == 0 {
					f.on(mix(tSentKindMissing, uint64(k)))
				}
			}
		}
		if sent > 0 {
			f.add(tSentPrev, m.sentScore[sent-1])
		}
		if sent+1 < len(p.sents) {
			f.add(tSentNext, m.sentScore[sent+1])
		}
	}
	if c.groups&FeatPosition != 0 {
		f.on(mix(tSentIndex, uint64(min(sent, 5))))
	}
	if c.groups&FeatShape != 0 {
		se := p.sents[sent]
		var flags [16]bool
		for k := se.FirstToken; k < se.EndToken; k++ {
			flags[p.toks[k].shape] = true
			if c.capInside[k] {
				flags[numShapes] = true
			}
		}
		for _, sh := range []shape{shapeYear, shapeNumber, shapeMonth, shapeRoman, shapeUnit, numShapes} {
			if flags[sh] {
				f.on(mix(mix(tSentHas, uint64(sh)), wh))
				f.on(mix(mix(tSentHas, uint64(sh)), q.classID))
			}
		}
	}
	if c.vec != nil {
		f.add(tVecSent, c.vec.sentSoft[sent])
	}
}

// spanFeatures appends the features of span [i, j] that depend on the span
// within its sentence. The two-stage model's span scorer uses them alone.
func (c *spanContext) spanFeatures(f *featVec, i, j int) {
	q, p, m := c.q, c.p, c.m
	toks := p.toks
	first, last := &toks[i], &toks[j]
	sent := first.sent
	se := p.sents[sent]
	lo, hi := se.FirstToken, se.EndToken
	length := j - i + 1
	wh := q.whID
	f.on(tBias)

	if c.groups&FeatLength != 0 {
		lb := lenBin(length)
		f.on(mix(tLen, lb))
		f.on(mix(mix(tLenWh, lb), wh))
		f.on(mix(mix(tLenWh, lb), q.classID))
	}
	var tot float32 = 1
	if q.totalIDF > 0 {
		tot = q.totalIDF
	}
	if c.groups&FeatOverlap != 0 {
		inside, content := 0, 0
		for k := i; k <= j; k++ {
			if toks[k].content() {
				content++
				if m.idf[k] > 0 {
					inside++
				}
			}
		}
		if content > 0 {
			f.add(tInside, float32(inside)/float32(content))
			f.add(mix(tInsideWh, wh), float32(inside)/float32(content))
		}
		if inside > 0 {
			f.on(mix(tInsideAny, min(uint64(inside), 3)))
		}
		var idfSum float32
		for k := i; k <= j; k++ {
			if toks[k].content() {
				idfSum += c.idf.get(toks[k].stem)
			}
		}
		if content > 0 {
			f.add(mix(tSpanIDF, wh), idfSum/float32(content)/c.idf.unseen)
		}
		ln := window(m.cum, i-3, i, lo, hi) / tot
		lf := window(m.cum, i-10, i-3, lo, hi) / tot
		rn := window(m.cum, j+1, j+4, lo, hi) / tot
		rf := window(m.cum, j+4, j+11, lo, hi) / tot
		f.add(tLeftNear, ln)
		f.add(tLeftFar, lf)
		f.add(tRightNear, rn)
		f.add(tRightFar, rf)
		f.add(mix(tLeftNearWh, wh), ln)
		f.add(mix(tRightNearWh, wh), rn)
	}
	if c.groups&FeatDistance != 0 {
		dl, dr := 0, 0
		if k := m.prevMatch[i]; k >= 0 {
			dl = i - k
		}
		if k := m.nextMatch[j]; k >= 0 {
			dr = k - j
		}
		bl, br := distBin(dl), distBin(dr)
		f.on(mix(tDistL, bl))
		f.on(mix(tDistR, br))
		f.on(mix(mix(tDistLWh, bl), wh))
		f.on(mix(mix(tDistRWh, br), wh))
		mn := bl
		if bl == 0 || (br != 0 && br < bl) {
			mn = br
		}
		f.on(mix(tDistMin, mn))
	}
	if c.groups&FeatShape != 0 {
		fs, ls := uint64(first.shape), uint64(last.shape)
		if first.shape == shapeCap && !c.capInside[i] {
			fs = uint64(numShapes) // capital only because it starts the sentence
		}
		f.on(mix(mix(tFirstShape, fs), wh))
		f.on(mix(mix(tFirstShape, fs), q.classID))
		f.on(mix(mix(tLastShape, ls), wh))
		f.on(mix(mix(tLastShape, ls), q.classID))
		sig := uint64(0)
		prev, n := shape(255), 0
		flags := [9]bool{}
		caps, contents := 0, 0
		for k := i; k <= j; k++ {
			t := &toks[k]
			s := t.shape
			if t.stop && s == shapeLower {
				s = shapeElision // function words look alike
			}
			if s != prev && n < 5 {
				sig = mix(sig, uint64(s))
				prev = s
				n++
			}
			switch t.shape {
			case shapeYear:
				flags[flagYear] = true
			case shapeNumber:
				flags[flagNumber] = true
			case shapeMonth:
				flags[flagMonth] = true
			case shapeRoman:
				flags[flagRoman] = true
			}
			if c.capInside[k] {
				flags[flagCap] = true
			}
			if t.content() {
				contents++
				if t.shape == shapeCap || t.shape == shapeAllCaps {
					caps++
				}
			}
		}
		if contents > 0 && caps == contents {
			flags[flagAllCap] = true
		}
		flags[flagStartsCap] = c.capInside[i]
		flags[flagOneWord] = length == 1
		f.on(mix(mix(tSignature, sig), wh))
		f.on(mix(mix(tSignature, sig), q.classID))
		for fl := flagYear; fl <= flagOneWord; fl++ {
			if flags[fl] {
				f.on(mix(mix(tFlag, fl), wh))
				f.on(mix(mix(tFlag, fl), q.classID))
				f.on(mix(mix(tFlag, fl), q.prepID))
			}
		}
	}
	prevLex, nextLex := hashString("#BOS"), hashString("#EOS")
	if i > lo {
		prevLex = toks[i-1].lexID
	}
	if j+1 < hi {
		nextLex = toks[j+1].lexID
	}
	if c.groups&FeatBoundary != 0 {
		f.on(mix(tPrevLex, prevLex))
		f.on(mix(tNextLex, nextLex))
		f.on(mix(mix(tPrevLex, prevLex), wh))
		f.on(mix(mix(tNextLex, nextLex), wh))
		f.on(mix(mix(tPrevLex, prevLex), q.prepID))
		f.on(mix(tFirstLex, first.lexID))
		f.on(mix(tLastLex, last.lexID))
		f.on(mix(mix(tFirstLex, first.lexID), wh))
		f.on(mix(mix(tLastLex, last.lexID), wh))
		f.on(mix(mix(tPrevFirst, prevLex), first.lexID))
		f.on(mix(mix(tLastNext, last.lexID), nextLex))
		if last.suffix != 0 {
			f.on(mix(tLastSuffix, last.suffix))
			f.on(mix(mix(tLastSuffix, last.suffix), wh))
		}
		if first.suffix != 0 {
			f.on(mix(tFirstSuffix, first.suffix))
		}
		if j+1 < hi && toks[j+1].suffix != 0 {
			f.on(mix(tNextSuffix, toks[j+1].suffix))
		}
		if i > lo && toks[i-1].suffix != 0 {
			f.on(mix(tPrevSuffix, toks[i-1].suffix))
		}
		depth, quotes := 0, 0
		for k := i; k <= j; k++ {
			switch toks[k].fold {
			case ",":
				f.on(mix(mix(tPunct, punctComma), wh))
			case "(", "[":
				depth++
			case ")", "]":
				depth--
				if depth < 0 {
					f.on(mix(tPunct, punctUnbalanced))
					depth = 0
				}
			case "«", "»", "\"":
				quotes++
			case "et", "ou":
				f.on(mix(mix(tPunct, punctConj), wh))
			}
		}
		if depth > 0 {
			f.on(mix(tPunct, punctOpenParen))
		}
		if quotes%2 == 1 {
			f.on(mix(tPunct, punctQuote))
		}
	}
	if c.groups&FeatAlign != 0 {
		f.add(tAlignBefore, window(m.cumBefore, i-6, i, lo, hi)/tot)
		f.add(tAlignAfter, window(m.cumAfter, j+1, j+7, lo, hi)/tot)
		f.add(tAlignCrossB, window(m.cumBefore, j+1, j+7, lo, hi)/tot)
		f.add(tAlignCrossA, window(m.cumAfter, i-6, i, lo, hi)/tot)
		if q.nextID != 0 && m.anyAt(q.nextID, j+1, min(j+4, hi)) {
			f.on(mix(tNextStem, wh))
		}
		if q.prevID != 0 && m.anyAt(q.prevID, max(i-3, lo), i) {
			f.on(mix(tPrevStem, wh))
		}
		adj := uint64(0)
		if i > lo && m.idf[i-1] > 0 {
			adj |= 1
		}
		if j+1 < hi && m.idf[j+1] > 0 {
			adj |= 2
		}
		f.on(mix(mix(tAdjacent, adj), wh))
		// where the span lies relative to the passage occurrence of the
		// question word that follows the interrogative word
		side := uint64(0)
		if q.nextID != 0 {
			for _, k := range m.positions[q.nextID] {
				if k < lo || k >= hi {
					continue
				}
				switch {
				case k < i:
					side = 1 + min(distBin(i-k), 7)
				case k > j:
					side = 10 + min(distBin(k-j), 7)
				default:
					side = 20
				}
				break
			}
		}
		f.on(mix(mix(tNextSide, side), q.classID))
	}
	if c.groups&FeatGap != 0 {
		gl, gr := gapSignature(toks, m.prevMatch[i], i), uint64(0)
		if k := m.nextMatch[j]; k >= 0 {
			gr = gapSignature(toks, j, k)
		}
		f.on(mix(tGapL, gl))
		f.on(mix(tGapR, gr))
		f.on(mix(mix(tGapLWh, gl), q.classID))
		f.on(mix(mix(tGapRWh, gr), q.classID))
		f.on(mix(mix(tGapLWh, gl), q.prepID))
		f.on(mix(mix(tGapRWh, gr), q.prepID))
	}
	if c.groups&FeatHead != 0 && q.headID != 0 {
		where := uint64(0)
		for k := i; k <= j; k++ {
			if toks[k].stemID == q.headID {
				where = 1 // inside
				if k == i || (k == i+1 && !toks[i].content()) {
					where = 2 // first word
				}
				break
			}
		}
		if where == 0 {
			for k := max(lo, i-3); k < i; k++ {
				if toks[k].stemID == q.headID {
					where = 3 + uint64(i-k) // just before: apposition
				}
			}
		}
		f.on(mix(mix(tHead, where), wh))
		f.on(mix(mix(tHead, where), q.classID))
	}
	if c.groups&FeatLexical != 0 {

		f.on(mix(mix(tLexFirst, first.foldID), q.classID))
		f.on(mix(mix(tLexLast, last.foldID), q.classID))
		if i > lo {
			f.on(mix(mix(tLexPrev, toks[i-1].foldID), q.classID))
		}
		if j+1 < hi {
			f.on(mix(mix(tLexNext, toks[j+1].foldID), q.classID))
		}
	}
	if c.groups&FeatPosition != 0 {
		rel := uint64(4 * (i - lo) / max(hi-lo, 1))
		f.on(mix(tRelPos, rel))
		edge := uint64(0)
		if i == lo {
			edge |= 1
		}
		if j+1 == hi || (j+2 == hi && toks[j+1].kind == frtext.Punct) {
			edge |= 2
		}
		f.on(mix(mix(tSentEdge, edge), wh))
		f.on(mix(tLeftCount, distBin(i-lo+1)))
		f.on(mix(tRightCount, distBin(hi-j)))
	}
	if c.groups&FeatCombo != 0 {
		tot := max(q.totalIDF, 1e-6)
		ln := quantise(window(m.cum, i-3, i, lo, hi) / tot)
		rn := quantise(window(m.cum, j+1, j+4, lo, hi) / tot)
		f.on(mix(mix(mix(tComboLR, ln), rn), wh))
		dl, dr := uint64(0), uint64(0)
		if k := m.prevMatch[i]; k >= 0 {
			dl = distBin(i - k)
		}
		if k := m.nextMatch[j]; k >= 0 {
			dr = distBin(k - j)
		}
		f.on(mix(mix(mix(tComboDist, dl), dr), wh))
		r := uint64(min(m.sentRank[sent], 3))
		f.on(mix(mix(mix(tComboRank, r), max(ln, rn)), wh))
		f.on(mix(mix(mix(mix(tComboShape, lenBin(length)), uint64(first.shape)), uint64(last.shape)), wh))
		inside := uint64(0)
		for k := i; k <= j; k++ {
			if m.idf[k] > 0 {
				inside = 1
				break
			}
		}
		f.on(mix(mix(mix(tComboInside, inside), min(dl, dr)), wh))
	}
	if c.vec != nil {
		c.vec.features(f, p, i, j, lo, hi, wh)
	}
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
