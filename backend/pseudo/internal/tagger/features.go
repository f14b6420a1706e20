package tagger

import (
	"unicode"
	"unicode/utf8"

	"github.com/lab-ia/piaf/backend/pseudo/gazetteer"
	"github.com/lab-ia/piaf/backend/pseudo/internal/tokens"
)

// Feature templates. Changing their meaning changes the model format:
// bump FeatureVersion.
const (
	tBias uint64 = iota + 1
	tLower
	tRaw
	tShape
	tShort
	tPrefix // +k for k = 1..4
	_
	_
	_
	tSuffix // +k for k = 1..4
	_
	_
	_
	tPrev1
	tNext1
	tPrev2
	tNext2
	tShortPrev
	tShortNext
	tBigramPrev
	tBigramNext
	tShortTri
	tPosition
	tFirstName
	tSurname
	tNameCombo
	tGazPrev
	tGazNext
	tKind
	tKindPrev
	tTitleParticle
	tCapsLexicon
	tCommune
	tHeading
	tDocCaps
	tDocAfterTitle
	tDocAfterFirst
	tClassTri
	tNextPunct
	tList
	tFold
	tSurPhrase
	tClassPrev2
	tKindNext
	tLen
)

// FeatureVersion identifies the feature set; models trained with another
// version are refused at load time.
const FeatureVersion = 1

// Token classes by capitalisation.
const (
	clsLower uint8 = iota
	clsCap
	clsUpper
	clsInitial
	clsDigit
	clsPunct
	clsMixed
	clsPad
)

// tokInfo is what the templates need about one token.
type tokInfo struct {
	lower, folded                string
	hLower, hRaw, hFold, hShape  uint64
	hShort                       uint64
	cls                          uint8
	fn, sn                       uint8
	kinds                        gazetteer.Kind
	caps                         uint8
	commune                      uint8 // 0 none, 1 begins, 2 inside
	surPhrase                    uint8 // same for multi-word surnames
	docCaps                      uint8
	docAfterTitle, docAfterFirst bool
	heading, list, segFirst      bool
	lineStart                    bool
	runes                        int
}

// Extractor computes the feature hashes of a document's tokens. It only
// reads the lexicon and is safe for concurrent use.
type Extractor struct {
	lex *gazetteer.Lexicon
}

// NewExtractor returns an extractor over a lexicon.
func NewExtractor(lex *gazetteer.Lexicon) *Extractor { return &Extractor{lex: lex} }

// Features holds the feature hashes of every token of a document: token
// i's features are Hashes[Off[i]:Off[i+1]].
type Features struct {
	Hashes []uint64
	Off    []int32
}

// Of returns token i's feature hashes.
func (f *Features) Of(i int) []uint64 { return f.Hashes[f.Off[i]:f.Off[i+1]] }

// Doc is a document prepared for feature extraction: per-token facts and
// document-level cues, computed once.
type Doc struct {
	x    *Extractor
	info []tokInfo
}

// Prepare computes what the templates need about every token of a
// document. Document-level cues (how a word is written elsewhere in the
// document, whether it follows a title elsewhere) make the tagger consistent
// across the document.
func (x *Extractor) Prepare(toks []tokens.Token, segs []tokens.Segment) *Doc {
	return &Doc{x: x, info: x.tokenInfos(toks, segs, nil)}
}

// PrepareFolded is Prepare for callers that already folded the tokens
// (gazetteer.Fold of each token's text), saving that work.
func (x *Extractor) PrepareFolded(toks []tokens.Token, segs []tokens.Segment, folded []string) *Doc {
	return &Doc{x: x, info: x.tokenInfos(toks, segs, folded)}
}

// Segment fills f with the features of the tokens of s only, indexed from
// 0, reusing f's buffers: detection works one segment at a time so that a
// long document does not hold every feature at once.
func (d *Doc) Segment(s tokens.Segment, f *Features) {
	f.Hashes = f.Hashes[:0]
	f.Off = append(f.Off[:0], 0)
	for i := s.From; i < s.To; i++ {
		f.Hashes = d.x.tokenFeatures(f.Hashes, d.info, s, i)
		f.Off = append(f.Off, int32(len(f.Hashes)))
	}
}

// Extract computes the features of all tokens of a document at once, token
// i's at index i (training revisits them every epoch).
func (x *Extractor) Extract(toks []tokens.Token, segs []tokens.Segment) *Features {
	info := x.tokenInfos(toks, segs, nil)
	f := &Features{Hashes: make([]uint64, 0, len(toks)*48), Off: make([]int32, 1, len(toks)+1)}
	next := 0
	for _, s := range segs {
		for ; next < s.From; next++ { // tokens outside any segment
			f.Off = append(f.Off, int32(len(f.Hashes)))
		}
		for i := s.From; i < s.To; i++ {
			f.Hashes = x.tokenFeatures(f.Hashes, info, s, i)
			f.Off = append(f.Off, int32(len(f.Hashes)))
		}
		next = s.To
	}
	for ; next < len(toks); next++ {
		f.Off = append(f.Off, int32(len(f.Hashes)))
	}
	return f
}

func classOf(s string) uint8 {
	r, _ := utf8.DecodeRuneInString(s)
	if !unicode.IsLetter(r) {
		if unicode.IsDigit(r) {
			return clsDigit
		}
		for _, c := range s {
			if unicode.IsLetter(c) {
				return clsMixed
			}
		}
		return clsPunct
	}
	upper, lower, letters := 0, 0, 0
	for _, c := range s {
		if unicode.IsUpper(c) {
			upper++
			letters++
		} else if unicode.IsLower(c) {
			lower++
			letters++
		} else if unicode.IsDigit(c) {
			return clsMixed
		}
	}
	switch {
	case upper == 0:
		return clsLower
	case letters == 1 || letters <= 3 && s[len(s)-1] == '.' && upper == 1:
		return clsInitial
	case lower == 0:
		return clsUpper
	case unicode.IsUpper(r) && upper == 1:
		return clsCap
	case unicode.IsUpper(r):
		// "McDonald", "DuPont", "Jean-Marc" (two capitals, hyphen)
		if hasHyphenCaps(s) {
			return clsCap
		}
		return clsMixed
	}
	return clsMixed
}

func hasHyphenCaps(s string) bool {
	prevHyphen := true
	for _, c := range s {
		if unicode.IsUpper(c) && !prevHyphen {
			return false
		}
		prevHyphen = tokens.IsHyphen(c) || tokens.IsApostrophe(c)
	}
	return true
}

// shapes returns the hashes of the word shape (Xxxx-Xxxx, dd/dd) and of
// its short form (runs collapsed: Xx-Xx, d/d).
func shapes(s string) (long, short uint64) {
	long, short = fnvOffset, fnvOffset
	var last rune = -1
	n := 0
	for _, r := range s {
		var c rune
		switch {
		case unicode.IsUpper(r):
			c = 'X'
		case unicode.IsLower(r):
			c = 'x'
		case unicode.IsDigit(r):
			c = 'd'
		default:
			c = r
		}
		if n < 12 {
			long = (long ^ uint64(c)) * fnvPrime
		}
		n++
		if c != last {
			short = (short ^ uint64(c)) * fnvPrime
			last = c
		}
	}
	return long, short
}

func (x *Extractor) tokenInfos(toks []tokens.Token, segs []tokens.Segment, folded []string) []tokInfo {
	info := make([]tokInfo, len(toks))
	if folded == nil {
		folded = make([]string, len(toks))
		for i, t := range toks {
			folded[i] = gazetteer.Fold(t.Text)
		}
	}
	for i, t := range toks {
		in := &info[i]
		in.lower = lowerASCIIFast(t.Text)
		in.folded = folded[i]
		in.hLower = hashString(in.lower)
		in.hRaw = hashString(t.Text)
		in.hFold = hashString(in.folded)
		in.hShape, in.hShort = shapes(t.Text)
		in.cls = classOf(t.Text)
		in.runes = t.End - t.Start
		in.lineStart = t.LineStart
		e := x.lex.Lookup(in.folded)
		in.kinds = e.Kinds
		in.caps = gazetteer.CapsUnknown
		if in.cls != clsPunct && in.cls != clsDigit {
			in.fn, in.sn, in.caps = e.FirstName, e.Surname, e.Caps
		}
	}
	// Multi-word communes and surnames.
	for i := 0; i < len(toks); i++ {
		if n := x.lex.Communes().LongestAt(folded, i); n > 0 && info[i].cls != clsLower {
			info[i].commune = 1
			for k := i + 1; k < i+n; k++ {
				info[k].commune = 2
			}
		}
		if n := x.lex.SurnamePhrases().LongestAt(folded, i); n > 1 && info[i].cls != clsLower {
			info[i].surPhrase = 1
			for k := i + 1; k < i+n; k++ {
				info[k].surPhrase = 2
			}
		}
	}
	for _, s := range segs {
		info[s.From].segFirst = true
		upper, letters := 0, 0
		for i := s.From; i < s.To; i++ {
			switch info[i].cls {
			case clsUpper:
				upper++
				letters++
			case clsLower, clsCap, clsMixed:
				letters++
			}
		}
		heading := letters >= 2 && upper*10 >= letters*8
		first := toks[s.From].Text
		list := first == "-" || first == "•" || first == "*" || first == "–" || first == "—" || first == "·" || first == "o" || info[s.From].cls == clsDigit && s.To-s.From > 1 && (toks[s.From+1].Text == "°" || toks[s.From+1].Text == ")" || toks[s.From+1].Text == "." || toks[s.From+1].Text == "/")
		for i := s.From; i < s.To; i++ {
			info[i].heading = heading
			info[i].list = list
		}
	}
	x.documentCues(toks, info)
	return info
}

// documentCues records, for each capitalised word, how the same word is
// written elsewhere in the document and whether it follows a title or a
// first name somewhere: evidence that it is a name, shared by all its
// occurrences.
func (x *Extractor) documentCues(toks []tokens.Token, info []tokInfo) {
	type stat struct {
		lower, capMid int
		afterTitle    bool
		afterFirst    bool
	}
	stats := make(map[string]*stat, len(toks)/4)
	get := func(k string) *stat {
		s := stats[k]
		if s == nil {
			s = &stat{}
			stats[k] = s
		}
		return s
	}
	for i := range toks {
		in := &info[i]
		if in.cls == clsPunct || in.cls == clsDigit {
			continue
		}
		s := get(in.folded)
		switch {
		case in.cls == clsLower:
			s.lower++
		case !in.segFirst && !in.lineStart:
			s.capMid++
		}
		if i > 0 && in.cls != clsLower {
			p := &info[i-1]
			if p.kinds&gazetteer.KindTitle != 0 && p.cls != clsLower {
				s.afterTitle = true
			}
			// "M. de Tréville", "M. d'Artagnan": title, particle, name.
			if i > 1 && (p.folded == "de" || p.folded == "d'" || p.folded == "du") && info[i-2].kinds&gazetteer.KindTitle != 0 {
				s.afterTitle = true
			}
			if p.fn >= 3 && (p.cls == clsCap || p.cls == clsUpper) && p.kinds&(gazetteer.KindTitle|gazetteer.KindDeterminer) == 0 && !in.segFirst {
				s.afterFirst = true
			}
		}
	}
	for i := range toks {
		in := &info[i]
		if in.cls == clsLower || in.cls == clsPunct || in.cls == clsDigit {
			continue
		}
		s := stats[in.folded]
		if s == nil {
			continue
		}
		mid := s.capMid
		if !in.segFirst && !in.lineStart {
			mid-- // other occurrences only
		}
		switch {
		case s.lower == 0 && mid > 0:
			in.docCaps = 1
		case s.lower == 0:
			in.docCaps = 2
		case s.lower > 0 && mid > s.lower:
			in.docCaps = 3
		default:
			in.docCaps = 4
		}
		in.docAfterTitle = s.afterTitle
		in.docAfterFirst = s.afterFirst
	}
}

func lowerASCIIFast(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || 'A' <= c && c <= 'Z' {
			return toLower(s)
		}
	}
	return s
}

func toLower(s string) string {
	b := make([]rune, 0, len(s))
	for _, r := range s {
		b = append(b, unicode.ToLower(r))
	}
	return string(b)
}

var (
	padPrev = hashString("<S>")
	padNext = hashString("</S>")
)

func (x *Extractor) tokenFeatures(dst []uint64, info []tokInfo, s tokens.Segment, i int) []uint64 {
	in := &info[i]
	add := func(tmpl, v uint64) { dst = append(dst, mix(tmpl, v)) }
	cls := uint64(in.cls)

	var pl1, pl2, nl1, nl2, ps1, ns1 uint64 = padPrev, padPrev, padNext, padNext, padPrev, padNext
	pc1, pc2, nc1 := uint64(clsPad), uint64(clsPad), uint64(clsPad)
	var prev, next *tokInfo
	if i-1 >= s.From {
		prev = &info[i-1]
		pl1, ps1, pc1 = prev.hLower, prev.hShort, uint64(prev.cls)
	}
	if i-2 >= s.From {
		pl2, pc2 = info[i-2].hLower, uint64(info[i-2].cls)
	}
	if i+1 < s.To {
		next = &info[i+1]
		nl1, ns1, nc1 = next.hLower, next.hShort, uint64(next.cls)
	}
	if i+2 < s.To {
		nl2 = info[i+2].hLower
	}

	add(tBias, 0)
	add(tLower, in.hLower)
	add(tRaw, in.hRaw)
	add(tFold, in.hFold)
	add(tShape, in.hShape)
	add(tShort, in.hShort)
	// Prefixes and suffixes of the lower-case form, 1 to 4 code points.
	if in.cls != clsPunct {
		lw := in.lower
		h := uint64(fnvOffset)
		k := 0
		for bi := 0; bi < len(lw) && k < 4; {
			_, size := utf8.DecodeRuneInString(lw[bi:])
			for j := bi; j < bi+size; j++ {
				h = (h ^ uint64(lw[j])) * fnvPrime
			}
			bi += size
			k++
			add(tPrefix+uint64(k-1), h)
		}
		h = fnvOffset
		k = 0
		for end := len(lw); end > 0 && k < 4; {
			_, size := utf8.DecodeLastRuneInString(lw[:end])
			start := end - size
			for j := end - 1; j >= start; j-- {
				h = (h ^ uint64(lw[j])) * fnvPrime
			}
			end = start
			k++
			add(tSuffix+uint64(k-1), h)
		}
	}
	add(tPrev1, pl1)
	add(tNext1, nl1)
	add(tPrev2, pl2)
	add(tNext2, nl2)
	add(tShortPrev, ps1)
	add(tShortNext, ns1)
	add(tBigramPrev, mix(pl1, in.hLower))
	add(tBigramNext, mix(in.hLower, nl1))
	add(tShortTri, mix(mix(ps1, in.hShort), ns1))
	add(tClassTri, pc1<<16|cls<<8|nc1)
	add(tClassPrev2, pc2<<8|pc1<<4|cls)

	pos := uint64(0)
	switch {
	case in.segFirst && in.lineStart:
		pos = 1
	case in.segFirst:
		pos = 2
	case in.lineStart:
		pos = 3
	}
	add(tPosition, pos<<8|cls)
	add(tLen, uint64(min(in.runes, 12))<<8|cls)

	if in.cls != clsPunct && in.cls != clsDigit {
		add(tFirstName, uint64(in.fn)<<8|cls)
		add(tSurname, uint64(in.sn)<<8|cls)
		add(tNameCombo, uint64(boolBit(in.fn > 0))<<12|uint64(boolBit(in.sn > 0))<<10|uint64(in.caps)<<4|cls)
		add(tCapsLexicon, uint64(in.caps)<<8|cls)
		add(tDocCaps, uint64(in.docCaps)<<8|cls)
		if in.docAfterTitle {
			add(tDocAfterTitle, cls)
		}
		if in.docAfterFirst {
			add(tDocAfterFirst, cls)
		}
	}
	for k := gazetteer.Kind(1); k != 0 && k <= gazetteer.KindCommon; k <<= 1 {
		if in.kinds&k != 0 {
			add(tKind, uint64(k)<<8|cls)
		}
	}
	if prev != nil {
		add(tGazPrev, gazBits(prev)<<8|cls)
		add(tKindPrev, uint64(prev.kinds)<<8|cls)
		if i-2 >= s.From && info[i-2].kinds&gazetteer.KindTitle != 0 && (prev.folded == "de" || prev.folded == "d'" || prev.folded == "du") {
			add(tTitleParticle, cls)
		}
	}
	if next != nil {
		add(tGazNext, gazBits(next)<<8|cls)
		add(tKindNext, uint64(next.kinds)<<8|cls)
		if next.cls == clsPunct {
			add(tNextPunct, next.hRaw^cls)
		}
	}
	if in.commune > 0 {
		add(tCommune, uint64(in.commune)<<8|cls)
	}
	if in.surPhrase > 0 {
		add(tSurPhrase, uint64(in.surPhrase)<<8|cls)
	}
	if in.heading {
		add(tHeading, cls)
	}
	if in.list {
		add(tList, pos<<8|cls)
	}
	return dst
}

func gazBits(t *tokInfo) uint64 {
	b := uint64(t.cls)
	if t.fn > 0 {
		b |= 1 << 4
	}
	if t.sn > 0 {
		b |= 1 << 5
	}
	if t.kinds&gazetteer.KindTitle != 0 {
		b |= 1 << 6
	}
	if t.kinds&gazetteer.KindDeterminer != 0 {
		b |= 1 << 7
	}
	return b
}

func boolBit(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}
