package pseudo

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/lab-ia/piaf/backend/pseudo/gazetteer"
)

// Options control Pseudonymize.
type Options struct {
	// Default is the operator for labels without their own (default
	// OpPlaceholder).
	Default Operator `json:"default,omitempty"`
	// Operators sets the operator per label, e.g. {"LOC": "keep"}.
	Operators map[string]Operator `json:"operators,omitempty"`
	// HashKey is the secret of OpHash (required when it is used). Keep it
	// out of logs and out of the documents' storage.
	HashKey []byte `json:"-"`
	// Ellipsis follows each letter of the placeholder operator (default
	// "...", as in published decisions: "M. X...").
	Ellipsis string `json:"ellipsis,omitempty"`
	// IncludeMapping asks for the mapping from replacements back to the
	// original text in the result.
	IncludeMapping bool `json:"include_mapping,omitempty"`
}

// OutputSpan locates a replacement in the pseudonymised text.
type OutputSpan struct {
	// Start and End are code point offsets in Result.Text, end exclusive.
	Start int `json:"start"`
	End   int `json:"end"`
	// Label is the entity's label.
	Label string `json:"label"`
	// Operator is the operator applied.
	Operator Operator `json:"operator"`
	// Entity numbers the distinct entities of the document from 1: mentions
	// of the same person share it.
	Entity int `json:"entity"`
	// Source is the entity's source (rule, model, gazetteer, propagation).
	Source string `json:"source,omitempty"`
}

// Result is a pseudonymised text.
type Result struct {
	// Text is the pseudonymised text.
	Text string `json:"text"`
	// Spans locate every replacement in Text, in order.
	Spans []OutputSpan `json:"spans"`
	// Mapping is only filled when Options.IncludeMapping is set. Never log
	// it (it prints as a placeholder to guard against mistakes).
	Mapping Mapping `json:"mapping,omitempty"`
}

// Pseudonymize replaces the entities of text according to opts. Entities
// must lie inside the text and must not overlap (a Detector's output
// satisfies both); their order does not matter. Mentions of the same entity
// get the same replacement throughout the document: "Jean-Marc Dubois",
// "M. Dubois" and "Dubois, Jean-Marc" all give the same letters.
func Pseudonymize(text string, entities []Entity, opts Options) (Result, error) {
	if opts.Default == "" {
		opts.Default = OpPlaceholder
	}
	if opts.Ellipsis == "" {
		opts.Ellipsis = "..."
	}
	for _, op := range append([]Operator{opts.Default}, mapValues(opts.Operators)...) {
		if _, err := ParseOperator(string(op)); err != nil {
			return Result{}, err
		}
		if op == OpHash && len(opts.HashKey) == 0 {
			return Result{}, ErrMissingHashKey
		}
	}
	ents := sortedEntities(entities)
	size := utf8.RuneCountInString(text)
	for i, e := range ents {
		if e.Start < 0 || e.End > size || e.Start >= e.End {
			return Result{}, fmt.Errorf("%w: [%d,%d) in a text of %d code points", ErrEntityOutOfRange, e.Start, e.End, size)
		}
		if i > 0 && e.Start < ents[i-1].End {
			return Result{}, fmt.Errorf("%w: [%d,%d) and [%d,%d)", ErrOverlappingEntity, ents[i-1].Start, ents[i-1].End, e.Start, e.End)
		}
	}
	lex, err := gazetteer.Default()
	if err != nil {
		return Result{}, err
	}
	// Slice the original text of each entity (code points to bytes in one
	// pass).
	byteAt := runeToByte(text, ents)
	for i := range ents {
		ents[i].Text = text[byteAt[2*i]:byteAt[2*i+1]]
	}
	r := newReplacer(lex, ents, opts)

	var b strings.Builder
	b.Grow(len(text))
	res := Result{Spans: make([]OutputSpan, 0, len(ents))}
	last, outRunes := 0, 0
	seenMap := map[MappingEntry]bool{}
	for i, e := range ents {
		before := text[last:byteAt[2*i]]
		b.WriteString(before)
		outRunes += utf8.RuneCountInString(before)
		op := r.operator(e.Label)
		rep, id := r.replacement(i, op)
		b.WriteString(rep)
		n := utf8.RuneCountInString(rep)
		res.Spans = append(res.Spans, OutputSpan{Start: outRunes, End: outRunes + n, Label: e.Label, Operator: op, Entity: id, Source: e.Source})
		outRunes += n
		last = byteAt[2*i+1]
		if opts.IncludeMapping {
			me := MappingEntry{Label: e.Label, Original: e.Text, Replacement: rep}
			if !seenMap[me] {
				seenMap[me] = true
				res.Mapping = append(res.Mapping, me)
			}
		}
	}
	b.WriteString(text[last:])
	res.Text = b.String()
	return res, nil
}

func mapValues(m map[string]Operator) []Operator {
	out := make([]Operator, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// runeToByte returns the byte offsets of each entity's start and end
// (sorted entities).
func runeToByte(text string, ents []Entity) []int {
	out := make([]int, 2*len(ents))
	type pos struct{ r, idx int }
	ps := make([]pos, 0, 2*len(ents))
	for i, e := range ents {
		ps = append(ps, pos{e.Start, 2 * i}, pos{e.End, 2*i + 1})
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].r < ps[j].r })
	bpos, rpos, k := 0, 0, 0
	for k < len(ps) {
		for k < len(ps) && ps[k].r == rpos {
			out[ps[k].idx] = bpos
			k++
		}
		if bpos >= len(text) {
			break
		}
		_, n := utf8.DecodeRuneInString(text[bpos:])
		bpos += n
		rpos++
	}
	for ; k < len(ps); k++ {
		out[ps[k].idx] = len(text)
	}
	return out
}

// replacer assigns consistent replacements: letters per given name and
// surname, numbers per entity and label.
type replacer struct {
	lex      *gazetteer.Lexicon
	ents     []Entity
	opts     Options
	persons  [][]personWord // per entity (PER only)
	cluster  []string       // canonical key of each entity
	ids      map[string]int // canonical key -> entity number
	perLabel map[string]map[string]int
	given    map[string]int
	surnames map[string]int
}

func newReplacer(lex *gazetteer.Lexicon, ents []Entity, opts Options) *replacer {
	r := &replacer{
		lex: lex, ents: ents, opts: opts, persons: make([][]personWord, len(ents)),
		cluster: make([]string, len(ents)), ids: map[string]int{}, perLabel: map[string]map[string]int{},
		given: map[string]int{}, surnames: map[string]int{},
	}
	// Roles of words learnt from mentions with several words, used for the
	// one-word mentions ("Dubois" after "Jean-Marc Dubois").
	known := map[string]nameRole{}
	for i, e := range ents {
		if e.Label != LabelPER {
			continue
		}
		ws := splitPerson(e.Text, lex, nil)
		if len(ws) > 1 {
			r.persons[i] = ws
			for _, w := range ws {
				if _, ok := known[w.folded]; !ok {
					known[w.folded] = w.role
				}
			}
		}
	}
	// Person clusters: full names first; a partial mention joins the only
	// full name it fits, else stands alone.
	full := map[string][]string{} // word -> full keys containing it
	for i, e := range ents {
		if e.Label != LabelPER {
			continue
		}
		if r.persons[i] == nil {
			r.persons[i] = splitPerson(e.Text, lex, known)
		}
		g, s := personKey(r.persons[i])
		if g != "" && s != "" {
			key := g + "|" + s
			r.cluster[i] = key
			for _, w := range r.persons[i] {
				if !contains(full[w.folded], key) {
					full[w.folded] = append(full[w.folded], key)
				}
			}
		}
	}
	for i, e := range ents {
		switch {
		case e.Label != LabelPER:
			r.cluster[i] = e.Label + "|" + canonical(e.Label, e.Text)
		case r.cluster[i] == "":
			g, s := personKey(r.persons[i])
			key := g + "|" + s
			if ws := r.persons[i]; len(ws) > 0 {
				if cands := full[ws[len(ws)-1].folded]; len(cands) == 1 {
					key = cands[0]
				}
			}
			r.cluster[i] = key
		}
	}
	return r
}

func contains(a []string, s string) bool {
	for _, x := range a {
		if x == s {
			return true
		}
	}
	return false
}

func personKey(ws []personWord) (given, surname string) {
	var g, s []string
	for _, w := range ws {
		if w.role == roleGiven {
			g = append(g, w.folded)
		} else {
			s = append(s, w.folded)
		}
	}
	return strings.Join(g, " "), strings.Join(s, " ")
}

// canonical is the identity of a non-person entity: digits only for
// numbers, folded words otherwise.
func canonical(label, text string) string {
	switch label {
	case LabelPhone, LabelIBAN, LabelNIR, LabelSIREN, LabelSIRET, LabelCard:
		var b strings.Builder
		for _, r := range text {
			if r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' {
				b.WriteRune(r)
			}
		}
		s := b.String()
		if label == LabelPhone && strings.HasPrefix(s, "33") && len(s) == 11 {
			s = "0" + s[2:]
		}
		if label == LabelPhone && strings.HasPrefix(s, "0033") {
			s = "0" + s[4:]
		}
		return strings.ToUpper(s)
	}
	return strings.Join(strings.Fields(gazetteer.Fold(text)), " ")
}

func (r *replacer) operator(label string) Operator {
	if op, ok := r.opts.Operators[label]; ok {
		return op
	}
	return r.opts.Default
}

func (r *replacer) entityID(i int) int {
	key := r.cluster[i]
	id, ok := r.ids[key]
	if !ok {
		id = len(r.ids) + 1
		r.ids[key] = id
	}
	return id
}

func (r *replacer) replacement(i int, op Operator) (string, int) {
	e := r.ents[i]
	id := r.entityID(i)
	switch op {
	case OpKeep:
		return e.Text, id
	case OpRedact:
		return "[...]", id
	case OpMask:
		return mask(e.Text), id
	case OpHash:
		return keyedHash(r.opts.HashKey, e.Label, r.cluster[i]), id
	case OpPlaceholder:
		if e.Label == LabelPER && len(r.persons[i]) > 0 {
			return r.letters(r.persons[i]), id
		}
	}
	// Typed, and placeholder for other labels.
	m := r.perLabel[e.Label]
	if m == nil {
		m = map[string]int{}
		r.perLabel[e.Label] = m
	}
	n, ok := m[r.cluster[i]]
	if !ok {
		n = len(m) + 1
		m[r.cluster[i]] = n
	}
	return "[" + typedName(e.Label) + " " + strconv.Itoa(n) + "]", id
}

// letters writes "A... X..." for a person, one code per word.
func (r *replacer) letters(ws []personWord) string {
	var b strings.Builder
	for k, w := range ws {
		if k > 0 {
			b.WriteByte(' ')
		}
		table := r.given
		if w.role == roleSurname {
			table = r.surnames
		}
		n, ok := table[w.folded]
		if !ok {
			n = len(table)
			table[w.folded] = n
		}
		b.WriteString(letterCode(n, w.role == roleSurname))
		b.WriteString(r.opts.Ellipsis)
	}
	return b.String()
}

// sortedEntities returns a copy of the entities sorted by start.
func sortedEntities(entities []Entity) []Entity {
	ents := make([]Entity, len(entities))
	copy(ents, entities)
	sort.SliceStable(ents, func(i, j int) bool { return ents[i].Start < ents[j].Start })
	return ents
}
