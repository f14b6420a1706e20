package pseudo

import (
	"context"
	"slices"
	"sort"
	"sync"
	"unicode/utf8"

	"github.com/lab-ia/piaf/backend/pseudo/gazetteer"
	"github.com/lab-ia/piaf/backend/pseudo/internal/tagger"
	"github.com/lab-ia/piaf/backend/pseudo/internal/tokens"
	"github.com/lab-ia/piaf/backend/pseudo/rules"
)

// DetectorOptions tune a Detector. The zero value is the recommended
// setting.
type DetectorOptions struct {
	// Labels restricts the output to these labels (nil: all).
	Labels []string
	// MinScore drops model entities less probable than this (0 keeps all:
	// a missed name is a leak, a false one costs a reviewer a click).
	MinScore float64
	// NoPropagation disables document-level propagation of names.
	NoPropagation bool
	// NoNameCues disables the gazetteer cues (title followed by a capitalised
	// word, first name followed by a surname in capitals).
	NoNameCues bool
}

// Detector finds personal data in text: validated rules, the tagger when a
// model is given, gazetteer cues, then propagation of names across the
// document. It is safe for concurrent use; create one per model and share
// it.
type Detector struct {
	model    *Model
	lex      *gazetteer.Lexicon
	rec      *rules.Recognizer
	ext      *tagger.Extractor
	opts     DetectorOptions
	labels   map[string]bool
	decoders sync.Pool
}

// NewDetector returns a detector using model (nil: rules and gazetteers
// only).
func NewDetector(model *Model, opts DetectorOptions) (*Detector, error) {
	lex, err := gazetteer.Default()
	if err != nil {
		return nil, err
	}
	d := &Detector{model: model, lex: lex, rec: rules.New(lex), ext: tagger.NewExtractor(lex), opts: opts}
	if len(opts.Labels) > 0 {
		d.labels = map[string]bool{}
		for _, l := range opts.Labels {
			d.labels[l] = true
		}
	}
	if model != nil {
		d.decoders.New = func() any { return model.tagger.NewDecoder() }
	}
	return d, nil
}

// Model returns the detector's model, nil when it has none.
func (d *Detector) Model() *Model { return d.model }

// checkEvery is how many segments are decoded between two looks at the
// context, so that cancelling a large document is quick.
const checkEvery = 256

// Detect returns the entities of text sorted by start, non-overlapping.
func (d *Detector) Detect(ctx context.Context, text string) ([]Entity, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	toks := tokens.Tokenize(text)
	segs := tokens.Segments(toks)
	an := &analysis{text: text, toks: toks, segs: segs, lex: d.lex}
	an.fold()

	var ents []Entity
	for _, m := range d.rec.FindTokens(text, toks, an.folded) {
		ents = append(ents, Entity{Start: m.Start, End: m.End, Label: m.Label, Text: validText(m.Text), Score: 1, Source: SourceRule})
	}
	if d.model != nil {
		model, err := d.tag(ctx, an)
		if err != nil {
			return nil, err
		}
		ents = addNonOverlapping(ents, an.refinePersons(an.relabelTitled(model)))
	}
	if !d.opts.NoNameCues {
		cues := an.nameCues()
		ents = preferLongerCues(ents, cues)
		ents = addNonOverlapping(ents, cues)
	}
	if !d.opts.NoPropagation {
		ents = addNonOverlapping(ents, an.propagate(ents))
	}
	out := ents[:0]
	for _, e := range ents {
		if d.labels == nil || d.labels[e.Label] {
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start < out[j].Start })
	return out, nil
}

// tag runs the statistical tagger segment by segment.
func (d *Detector) tag(ctx context.Context, an *analysis) ([]Entity, error) {
	dec := d.decoders.Get().(*tagger.Decoder)
	defer d.decoders.Put(dec)
	doc := d.ext.PrepareFolded(an.toks, an.segs, an.folded)
	labels := d.model.tagger.Tags.Labels
	var f tagger.Features
	var tags []int
	var probs []float64
	var out []Entity
	for si, s := range an.segs {
		if si%checkEvery == checkEvery-1 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		doc.Segment(s, &f)
		n := s.To - s.From
		tags = slices.Grow(tags[:0], n)[:n]
		probs = slices.Grow(probs[:0], n)[:n]
		dec.Tag(&f, 0, n, tags, probs)
		for _, sp := range tagger.Spans(tags) {
			score := 0.0
			for t := sp.From; t < sp.To; t++ {
				score += probs[t]
			}
			score /= float64(sp.To - sp.From)
			if score < d.opts.MinScore {
				continue
			}
			out = append(out, an.entity(s.From+sp.From, s.From+sp.To, labels[sp.Label], score, SourceModel))
		}
	}
	return out, nil
}

// addNonOverlapping appends the candidates that overlap no entity already
// kept nor an earlier accepted candidate: earlier sources (rules, then the
// model) win. It runs in O(n log n) whatever the document's size.
func addNonOverlapping(kept, cands []Entity) []Entity {
	if len(cands) == 0 {
		return kept
	}
	sorted := slices.Clone(kept)
	sortByStart(sorted)
	cs := slices.Clone(cands)
	sortByStart(cs)
	p := 0
	acceptedEnd := -1
	for _, c := range cs {
		for p < len(sorted) && sorted[p].End <= c.Start {
			p++
		}
		if p < len(sorted) && sorted[p].Start < c.End || c.Start < acceptedEnd {
			continue
		}
		kept = append(kept, c)
		acceptedEnd = c.End
	}
	return kept
}

func sortByStart(ents []Entity) {
	sort.SliceStable(ents, func(i, j int) bool { return ents[i].Start < ents[j].Start })
}

// analysis is one text being detected: its tokens with their folded forms.
type analysis struct {
	text   string
	toks   []tokens.Token
	segs   []tokens.Segment
	folded []string
	segOf  []int32 // segment index of each token
	lex    *gazetteer.Lexicon
}

func (a *analysis) fold() {
	a.folded = make([]string, len(a.toks))
	for i, t := range a.toks {
		a.folded[i] = gazetteer.Fold(t.Text)
	}
	a.segOf = make([]int32, len(a.toks))
	for si, s := range a.segs {
		for i := s.From; i < s.To; i++ {
			a.segOf[i] = int32(si)
		}
	}
}

// entity builds an entity over tokens [from, to).
func (a *analysis) entity(from, to int, label string, score float64, source string) Entity {
	return Entity{
		Start: a.toks[from].Start, End: a.toks[to-1].End, Label: label,
		Text:  validText(a.text[a.toks[from].ByteStart:a.toks[to-1].ByteEnd]),
		Score: score, Source: source,
	}
}

// validText returns s with each invalid byte replaced by U+FFFD, one per
// byte, so that an entity's text has as many code points as its span (the
// offsets count an invalid byte as one code point, as Go and JSON do).
func validText(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return string([]rune(s))
}
