package office

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Replacement replaces [Start, End) of Document.Text (code points, end
// exclusive) by Text.
type Replacement struct {
	Start, End int
	Text       string
}

type nodeEdit struct {
	from, to int // code points inside the node
	text     string
}

// Rewrite returns the document with the replacements applied to its text
// runs and the authors cleared from its metadata, comments and tracked
// changes. A replacement spanning several runs (a name half in bold) is
// written into the first run and removed from the others, so the formatting
// of the first run wins. Replacements must not overlap.
func (d *Document) Rewrite(reps []Replacement) ([]byte, error) {
	sorted := append([]Replacement(nil), reps...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Start < sorted[j].Start })
	for i, r := range sorted {
		if r.Start < 0 || r.End > d.runes || r.Start > r.End {
			return nil, fmt.Errorf("office: replacement [%d,%d) outside the text (%d code points)", r.Start, r.End, d.runes)
		}
		if i > 0 && r.Start < sorted[i-1].End {
			return nil, fmt.Errorf("office: replacements [%d,%d) and [%d,%d) overlap", sorted[i-1].Start, sorted[i-1].End, r.Start, r.End)
		}
	}
	newData := map[*zip.File][]byte{}
	for _, p := range d.parts {
		edits := d.partEdits(p, sorted)
		if len(edits) == 0 {
			continue
		}
		newData[p.file] = applyEdits(p.data, edits)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range d.zr.File {
		data, changed := newData[f]
		if !changed {
			if err := copyRaw(zw, f); err != nil {
				return nil, err
			}
			continue
		}
		h := f.FileHeader
		h.CompressedSize64, h.UncompressedSize64, h.CRC32 = 0, 0, 0
		h.Extra = nil
		w, err := zw.CreateHeader(&h)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(data); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func copyRaw(zw *zip.Writer, f *zip.File) error {
	r, err := f.OpenRaw()
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrInvalidDocument, f.Name, err)
	}
	h := f.FileHeader
	w, err := zw.CreateRaw(&h)
	if err != nil {
		return err
	}
	_, err = io.Copy(w, r)
	return err
}

// byteEdit replaces data[start:end].
type byteEdit struct {
	start, end int64
	repl       []byte
}

// partEdits turns text replacements into byte edits of one part.
func (d *Document) partEdits(p *part, reps []Replacement) []byteEdit {
	var out []byteEdit
	for _, c := range p.clear {
		out = append(out, byteEdit{c.start, c.end, nil})
	}
	for _, t := range p.tags {
		out = append(out, byteEdit{t.start, t.end, t.repl})
	}
	for _, n := range p.nodes {
		nStart, nEnd := n.runeStart, n.runeStart+n.runes
		// Replacements overlapping this node.
		i := sort.Search(len(reps), func(i int) bool { return reps[i].End > nStart })
		var ne []nodeEdit
		for ; i < len(reps) && reps[i].Start < nEnd; i++ {
			r := reps[i]
			if r.End <= nStart || r.Start == r.End && r.Start == nEnd {
				continue
			}
			from, to := max(r.Start, nStart)-nStart, min(r.End, nEnd)-nStart
			text := ""
			if r.Start >= nStart || d.firstNodeOf(r, nStart) {
				text = r.Text
			}
			ne = append(ne, nodeEdit{from, to, text})
		}
		if len(ne) == 0 {
			continue
		}
		out = append(out, byteEdit{n.start, n.end, []byte(escape(editNode(n.text, ne)))})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].start < out[j].start })
	return out
}

// firstNodeOf reports whether a replacement starting before nodeStart
// began in virtual text (a tab between runs): then this node is the first
// real one and gets the replacement text.
func (d *Document) firstNodeOf(r Replacement, nodeStart int) bool {
	for _, p := range d.parts {
		for _, n := range p.nodes {
			if n.runeStart >= r.End {
				return true
			}
			if n.runeStart+n.runes > r.Start && n.runeStart < r.End {
				return n.runeStart == nodeStart
			}
		}
	}
	return true
}

func editNode(text string, edits []nodeEdit) string {
	r := []rune(text)
	var b strings.Builder
	last := 0
	for _, e := range edits {
		b.WriteString(string(r[last:e.from]))
		b.WriteString(e.text)
		last = e.to
	}
	b.WriteString(string(r[last:]))
	return b.String()
}

func escape(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

func applyEdits(data []byte, edits []byteEdit) []byte {
	var b bytes.Buffer
	b.Grow(len(data))
	last := int64(0)
	for _, e := range edits {
		if e.start < last {
			continue // cannot happen: ranges come from distinct tokens
		}
		b.Write(data[last:e.start])
		b.Write(e.repl)
		last = e.end
	}
	b.Write(data[last:])
	return b.Bytes()
}
