package qa

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
