package office

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

const (
	nsWord = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
	nsText = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
	nsDC   = "http://purl.org/dc/elements/1.1/"
	nsMeta = "urn:oasis:names:tc:opendocument:xmlns:meta:1.0"
	nsCP   = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
	nsApp  = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
)

// node is one piece of character data holding document text.
type node struct {
	start, end int64  // byte range of the character data in the part
	text       string // decoded text
	runeStart  int    // code point offset of text in Document.Text
	runes      int
}

// tagEdit rewrites an attribute inside a start tag (authors of comments
// and tracked changes).
type tagEdit struct {
	start, end int64
	repl       []byte
}

// part is one XML part of the archive.
type part struct {
	file   *zip.File
	data   []byte
	nodes  []node
	clear  []node // metadata character data to empty (authors)
	tags   []tagEdit
	edited bool
}

// authorAttr matches the attributes that name the author of a comment or a
// tracked change in WordprocessingML.
var authorAttrs = map[string]bool{"author": true, "initials": true}

// scanPart finds the text nodes of a part and appends their text to the
// document text.
func scanPart(f *zip.File, data []byte, kind Kind, metadata bool, text *strings.Builder, runes *int) (*part, error) {
	p := &part{file: f, data: data}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	var stack []xml.Name
	inText := 0      // depth inside w:t / w:delText (docx)
	paraDepth := 0   // depth of paragraphs (odt nests notes inside paragraphs)
	clearDepth := 0  // inside a metadata element to clear
	wrote := false   // the part has written text already
	pendingSep := "" // separator owed before the next text
	emit := func(s string, start, end int64) {
		if text.Len() > 0 {
			sep := pendingSep
			if !wrote {
				sep = "\n\n" // between parts
			}
			text.WriteString(sep)
			*runes += utf8.RuneCountInString(sep)
		}
		pendingSep = ""
		wrote = true
		n := node{start: start, end: end, text: s, runeStart: *runes, runes: utf8.RuneCountInString(s)}
		text.WriteString(s)
		*runes += n.runes
		if start >= 0 {
			p.nodes = append(p.nodes, n)
		}
	}
	virtual := func(s string) { emit(s, -1, -1) }
	for {
		before := dec.InputOffset()
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrInvalidDocument, f.Name, err)
		}
		after := dec.InputOffset()
		switch t := tok.(type) {
		case xml.StartElement:
			stack = append(stack, t.Name)
			if metadata && isAuthorElement(kind, t.Name) {
				clearDepth++
			}
			if kind == DOCX {
				switch {
				case t.Name.Space == nsWord && (t.Name.Local == "t" || t.Name.Local == "delText"):
					inText++
				case t.Name.Space == nsWord && t.Name.Local == "tab" && inText == 0:
					virtual("\t")
				case t.Name.Space == nsWord && (t.Name.Local == "br" || t.Name.Local == "cr"):
					virtual("\n")
				case t.Name.Space == nsWord && t.Name.Local == "p":
					pendingSep = "\n"
				}
				if e := authorTagEdit(t, data[before:after], before); e != nil {
					p.tags = append(p.tags, *e)
				}
			} else {
				switch {
				case t.Name.Space == nsText && (t.Name.Local == "p" || t.Name.Local == "h"):
					paraDepth++
					pendingSep = "\n"
				case t.Name.Space == nsText && t.Name.Local == "s" && paraDepth > 0:
					virtual(strings.Repeat(" ", spaceCount(t)))
				case t.Name.Space == nsText && t.Name.Local == "tab" && paraDepth > 0:
					virtual("\t")
				case t.Name.Space == nsText && t.Name.Local == "line-break" && paraDepth > 0:
					virtual("\n")
				case t.Name.Space == nsDC && t.Name.Local == "creator":
					clearDepth++
				}
			}
		case xml.EndElement:
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			if metadata && isAuthorElement(kind, t.Name) || kind == ODT && t.Name.Space == nsDC && t.Name.Local == "creator" {
				clearDepth--
			}
			if kind == DOCX && t.Name.Space == nsWord && (t.Name.Local == "t" || t.Name.Local == "delText") {
				inText--
			}
			if kind == ODT && t.Name.Space == nsText && (t.Name.Local == "p" || t.Name.Local == "h") {
				paraDepth--
				pendingSep = "\n"
			}
		case xml.CharData:
			if clearDepth > 0 {
				p.clear = append(p.clear, node{start: before, end: after})
				continue
			}
			if metadata {
				continue
			}
			isText := kind == DOCX && inText > 0 || kind == ODT && paraDepth > 0 && !inNoteCitation(stack)
			if isText && len(t) > 0 {
				emit(string(t), before, after)
			}
		}
	}
	return p, nil
}

func isAuthorElement(kind Kind, n xml.Name) bool {
	switch {
	case kind == DOCX && n.Space == nsDC && n.Local == "creator",
		kind == DOCX && n.Space == nsCP && n.Local == "lastModifiedBy",
		kind == DOCX && n.Space == nsApp && (n.Local == "Manager" || n.Local == "Company"),
		kind == ODT && n.Space == nsMeta && n.Local == "initial-creator",
		kind == ODT && n.Space == nsDC && n.Local == "creator":
		return true
	}
	return false
}

func inNoteCitation(stack []xml.Name) bool {
	for _, n := range stack {
		if n.Space == nsText && n.Local == "note-citation" {
			return true
		}
	}
	return false
}

func spaceCount(t xml.StartElement) int {
	for _, a := range t.Attr {
		if a.Name.Local == "c" {
			n := 0
			for _, c := range a.Value {
				if c < '0' || c > '9' {
					return 1
				}
				n = n*10 + int(c-'0')
				if n > 1000 {
					return 1000
				}
			}
			return max(n, 1)
		}
	}
	return 1
}

// authorTagEdit empties w:author and w:initials attributes in a raw start
// tag (comments and tracked changes name their authors).
func authorTagEdit(t xml.StartElement, raw []byte, offset int64) *tagEdit {
	has := false
	for _, a := range t.Attr {
		if a.Name.Space == nsWord && authorAttrs[a.Name.Local] && a.Value != "" {
			has = true
		}
	}
	if !has {
		return nil
	}
	out := make([]byte, 0, len(raw))
	i := 0
	for i < len(raw) {
		// Find name="value" or name='value' for an author attribute.
		j := bytes.IndexByte(raw[i:], '=')
		if j < 0 {
			break
		}
		j += i
		nameEnd := j
		for nameEnd > i && raw[nameEnd-1] == ' ' {
			nameEnd--
		}
		nameStart := nameEnd
		for nameStart > i && !isSpace(raw[nameStart-1]) {
			nameStart--
		}
		name := string(raw[nameStart:nameEnd])
		if k := strings.IndexByte(name, ':'); k >= 0 {
			name = name[k+1:]
		}
		q := j + 1
		for q < len(raw) && isSpace(raw[q]) {
			q++
		}
		if q >= len(raw) || raw[q] != '"' && raw[q] != '\'' {
			break
		}
		closeAt := bytes.IndexByte(raw[q+1:], raw[q])
		if closeAt < 0 {
			break
		}
		closeAt += q + 1
		if authorAttrs[name] {
			out = append(out, raw[i:q+1]...)
			out = append(out, raw[closeAt])
		} else {
			out = append(out, raw[i:closeAt+1]...)
		}
		i = closeAt + 1
	}
	out = append(out, raw[i:]...)
	return &tagEdit{start: offset, end: offset + int64(len(raw)), repl: out}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
