package qa

import (
	"github.com/lab-ia/piaf/backend/frtext"
)

// whWords maps the folded interrogative words to their canonical form: the
// question type that decides what kind of span answers it.
var whWords = map[string]string{
	"qui": "qui", "que": "que", "qu'": "que", "quoi": "quoi",
	"quel": "quel", "quelle": "quel", "quels": "quel", "quelles": "quel",
	"lequel": "lequel", "laquelle": "lequel", "lesquels": "lequel", "lesquelles": "lequel",
	"auquel": "lequel", "auxquels": "lequel", "auxquelles": "lequel", "duquel": "lequel",
	"desquels": "lequel", "desquelles": "lequel",
	"quand": "quand", "où": "où", "combien": "combien", "comment": "comment", "pourquoi": "pourquoi",
}

// whPrepositions are the prepositions that refine a question type ("en
// quelle année", "par qui", "dans quel pays").
var whPrepositions = map[string]bool{
	"à": true, "a": true, "de": true, "d'": true, "en": true, "dans": true, "par": true, "pour": true,
	"sur": true, "avec": true, "contre": true, "depuis": true, "vers": true, "chez": true,
	"pendant": true, "selon": true, "sous": true, "entre": true, "au": true, "aux": true,
	"du": true, "des": true, "jusqu'": true, "jusque": true, "après": true, "avant": true,
}

// headSkip are the words skipped when looking for the noun after "quel" or
// "combien" ("quel est le nom", "combien de personnes").
var headSkip = map[string]bool{
	"est": true, "sont": true, "était": true, "étaient": true, "fut": true, "furent": true,
	"a": true, "ont": true, "le": true, "la": true, "les": true, "l'": true, "de": true, "d'": true,
	"un": true, "une": true, "des": true, "du": true, "sera": true, "seront": true, "-": true,
}

// qWord is a content word of the question.
type qWord struct {
	fold, stem string
	foldID     uint64
	stemID     uint64
	prefix     uint64
	parts      []uint64
	idf        float32
	// beforeWh tells whether the word comes before the interrogative word:
	// in the passage, such words tend to precede the answer too.
	beforeWh bool
	pos      int
	// kind tells names and numbers apart from other words: a passage
	// sentence that lacks the question's name or date is rarely the one.
	kind wordKind
}

// wordKind classifies question words for the sentence features.
type wordKind uint8

const (
	kindOther wordKind = iota
	kindName
	kindNumber
	numWordKinds
)

// questionAnalysis is what the reader knows about a question.
type questionAnalysis struct {
	text    *textAnalysis
	wh      string // canonical interrogative word, "" when none
	whTok   int    // its token index, -1 when none
	whID    uint64 // hash of wh
	classID uint64 // hash of wh and head noun stem ("quel:anné")
	prepID  uint64 // hash of wh and the preposition before it
	head    string
	headID  uint64
	// headStem is the stem hash of the head noun, as passage tokens carry.
	headStem uint64
	content  []qWord
	totalIDF float32
	// nextID and prevID are the stems right after and before the
	// interrogative word, which the passage often has right around the
	// answer ("Qui a fondé X" / "Y a fondé X").
	nextID, prevID uint64
}

// idfTable holds inverse document frequencies of stems over the training
// paragraphs: rare words say more about where the answer is.
type idfTable struct {
	byStem map[string]float32
	// unseen is the idf of a stem never seen in training, the highest.
	unseen float32
}

func (t *idfTable) get(stem string) float32 {
	if v, ok := t.byStem[stem]; ok {
		return v
	}
	return t.unseen
}

// analyzeQuestion finds the interrogative word, its preposition and head
// noun, and the content words with their weights.
func analyzeQuestion(q string, idf *idfTable) *questionAnalysis {
	qa := &questionAnalysis{text: analyzeText(q), whTok: -1}
	toks := qa.text.toks
	for i, t := range toks {
		if w, ok := whWords[t.fold]; ok {
			qa.wh, qa.whTok = w, i
			break
		}
	}
	qa.whID = hashString("wh:" + qa.wh)
	qa.classID = qa.whID
	qa.prepID = qa.whID
	if qa.whTok >= 0 {
		if qa.whTok > 0 && whPrepositions[toks[qa.whTok-1].fold] {
			qa.prepID = mix(qa.whID, toks[qa.whTok-1].foldID)
		}
		if qa.wh == "quel" || qa.wh == "lequel" || qa.wh == "combien" || qa.wh == "que" || qa.wh == "qui" {
			for j := qa.whTok + 1; j < len(toks) && j <= qa.whTok+4; j++ {
				t := toks[j]
				if headSkip[t.fold] || t.kind == frtext.Punct {
					continue
				}
				if t.content() {
					qa.head = t.stem
				}
				break
			}
		}
		if qa.head != "" {
			qa.headID = hashString(qa.head)
			qa.classID = mix(qa.whID, qa.headID)
		}
		qa.nextID = neighbourStem(toks, qa.whTok, +1)
		qa.prevID = neighbourStem(toks, qa.whTok, -1)
	}
	seen := map[string]bool{}
	for i, t := range toks {
		if i == qa.whTok || !t.content() || seen[t.stem] {
			continue
		}
		seen[t.stem] = true
		kind := kindOther
		switch {
		case t.kind == frtext.Number || t.shape == shapeYear || t.shape == shapeRoman:
			kind = kindNumber
		case i > 0 && (t.shape == shapeCap || t.shape == shapeAllCaps):
			kind = kindName
		}
		w := qWord{kind: kind, fold: t.fold, stem: t.stem, foldID: t.foldID, stemID: t.stemID, prefix: t.prefix, parts: t.parts, idf: idf.get(t.stem), beforeWh: qa.whTok >= 0 && i < qa.whTok, pos: i}
		qa.content = append(qa.content, w)
		qa.totalIDF += w.idf
	}
	return qa
}

// neighbourStem returns the stem of the first content token from i in
// direction dir, or 0.
func neighbourStem(toks []tokenInfo, i, dir int) uint64 {
	for j := i + dir; j >= 0 && j < len(toks); j += dir {
		if toks[j].kind == frtext.Punct {
			return 0
		}
		if toks[j].content() {
			return toks[j].stemID
		}
	}
	return 0
}
