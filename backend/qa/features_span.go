package qa

import "github.com/lab-ia/piaf/backend/frtext"

// spanView is one candidate span with the values every feature group
// reads, computed once.
type spanView struct {
	i, j, lo, hi, sent, length int
	first, last                *tokenInfo
	wh                         uint64
	// tot is the question's total word weight (1 for a question without
	// content words), to express overlaps as shares.
	tot float32
	// prevLex and nextLex stand for the tokens around the span (sentence
	// edges included).
	prevLex, nextLex uint64
}

// spanGroups lists the span-level feature groups and the method adding
// each, in a fixed order (feature order does not change scores, but a fixed
// one keeps runs identical).
var spanGroups = []struct {
	group FeatureGroup
	add   func(c *spanContext, f *featVec, v *spanView)
}{
	{FeatLength, (*spanContext).lengthFeatures},
	{FeatOverlap, (*spanContext).overlapFeatures},
	{FeatDistance, (*spanContext).distanceFeatures},
	{FeatShape, (*spanContext).shapeFeatures},
	{FeatBoundary, (*spanContext).boundaryFeatures},
	{FeatAlign, (*spanContext).alignFeatures},
	{FeatGap, (*spanContext).gapFeatures},
	{FeatHead, (*spanContext).headFeatures},
	{FeatLexical, (*spanContext).lexicalFeatures},
	{FeatPosition, (*spanContext).positionFeatures},
	{FeatCombo, (*spanContext).comboFeatures},
}

// spanFeatures appends the features of span [i, j] that depend on the span
// within its sentence. The two-stage model's span scorer uses them alone.
func (c *spanContext) spanFeatures(f *featVec, i, j int) {
	toks := c.p.toks
	v := spanView{i: i, j: j, first: &toks[i], last: &toks[j], wh: c.q.whID, tot: 1, length: j - i + 1}
	v.sent = v.first.sent
	se := c.p.sents[v.sent]
	v.lo, v.hi = se.FirstToken, se.EndToken
	if c.q.totalIDF > 0 {
		v.tot = c.q.totalIDF
	}
	v.prevLex, v.nextLex = hashString("#BOS"), hashString("#EOS")
	if i > v.lo {
		v.prevLex = toks[i-1].lexID
	}
	if j+1 < v.hi {
		v.nextLex = toks[j+1].lexID
	}
	f.on(tBias)
	for _, g := range spanGroups {
		if c.groups&g.group != 0 {
			g.add(c, f, &v)
		}
	}
	if c.vec != nil {
		c.vec.features(f, c.p, i, j, v.lo, v.hi, v.wh)
	}
}

// lengthFeatures adds span length, alone and per question type.
func (c *spanContext) lengthFeatures(f *featVec, v *spanView) {
	q := c.q
	length := v.length
	wh := v.wh
	lb := lenBin(length)
	f.on(mix(tLen, lb))
	f.on(mix(mix(tLenWh, lb), wh))
	f.on(mix(mix(tLenWh, lb), q.classID))
}

// overlapFeatures adds question words inside the span and in windows around it.
func (c *spanContext) overlapFeatures(f *featVec, v *spanView) {
	m := c.m
	toks := c.p.toks
	i := v.i
	j := v.j
	lo := v.lo
	hi := v.hi
	wh := v.wh
	tot := v.tot
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

// distanceFeatures adds distance to the nearest question word on each side.
func (c *spanContext) distanceFeatures(f *featVec, v *spanView) {
	m := c.m
	i := v.i
	j := v.j
	wh := v.wh
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

// shapeFeatures adds the span's shape against the question type.
func (c *spanContext) shapeFeatures(f *featVec, v *spanView) {
	q := c.q
	toks := c.p.toks
	i := v.i
	j := v.j
	length := v.length
	first := v.first
	last := v.last
	wh := v.wh
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

// boundaryFeatures adds words and punctuation at and around the span edges.
func (c *spanContext) boundaryFeatures(f *featVec, v *spanView) {
	q := c.q
	toks := c.p.toks
	i := v.i
	j := v.j
	lo := v.lo
	hi := v.hi
	first := v.first
	last := v.last
	wh := v.wh
	prevLex := v.prevLex
	nextLex := v.nextLex
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

// alignFeatures adds question words before and after the interrogative word found on the same sides of the span.
func (c *spanContext) alignFeatures(f *featVec, v *spanView) {
	q := c.q
	m := c.m
	i := v.i
	j := v.j
	lo := v.lo
	hi := v.hi
	wh := v.wh
	tot := v.tot
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

// gapFeatures adds the words between the span and the nearest question words.
func (c *spanContext) gapFeatures(f *featVec, v *spanView) {
	q := c.q
	m := c.m
	toks := c.p.toks
	i := v.i
	j := v.j
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

// headFeatures adds the question's head noun inside or just before the span.
func (c *spanContext) headFeatures(f *featVec, v *spanView) {
	if c.q.headID == 0 {
		return
	}
	q := c.q
	toks := c.p.toks
	i := v.i
	j := v.j
	lo := v.lo
	wh := v.wh
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

// lexicalFeatures adds question class conjoined with the words at the span edges.
func (c *spanContext) lexicalFeatures(f *featVec, v *spanView) {
	q := c.q
	toks := c.p.toks
	i := v.i
	j := v.j
	lo := v.lo
	hi := v.hi
	first := v.first
	last := v.last
	f.on(mix(mix(tLexFirst, first.foldID), q.classID))
	f.on(mix(mix(tLexLast, last.foldID), q.classID))
	if i > lo {
		f.on(mix(mix(tLexPrev, toks[i-1].foldID), q.classID))
	}
	if j+1 < hi {
		f.on(mix(mix(tLexNext, toks[j+1].foldID), q.classID))
	}
}

// positionFeatures adds position of the span in its sentence.
func (c *spanContext) positionFeatures(f *featVec, v *spanView) {
	toks := c.p.toks
	i := v.i
	j := v.j
	lo := v.lo
	hi := v.hi
	wh := v.wh
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

// comboFeatures adds conjunctions of quantised evidence per question type.
func (c *spanContext) comboFeatures(f *featVec, v *spanView) {
	q := c.q
	m := c.m
	i := v.i
	j := v.j
	lo := v.lo
	hi := v.hi
	sent := v.sent
	length := v.length
	first := v.first
	last := v.last
	wh := v.wh
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
