// Package office reads the text of .docx (Office Open XML) and .odt
// (OpenDocument) documents and rewrites it in place, so that a
// pseudonymised document keeps its formatting: only the character data of
// the text runs changes, every other byte of the XML and every other part of
// the archive is copied as it was (unchanged parts are copied still
// compressed).
//
// Archives are checked against zip bombs before anything is decompressed:
// number of entries, declared sizes, compression ratio, and actual sizes
// while reading (headers can lie).
package office

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Kind is a document format.
type Kind int

// Supported formats.
const (
	DOCX Kind = iota + 1
	ODT
)

// String returns "docx" or "odt", for messages.
func (k Kind) String() string {
	switch k {
	case DOCX:
		return "docx"
	case ODT:
		return "odt"
	}
	return "unknown"
}

// Errors. Limit violations wrap ErrTooLarge or ErrZipBomb in a *LimitError.
var (
	// ErrInvalidDocument means the input is not a readable document of the
	// expected kind (not a zip, missing main part, malformed XML).
	ErrInvalidDocument = errors.New("office: invalid document")
	// ErrTooLarge means the document exceeds a size limit.
	ErrTooLarge = errors.New("office: document too large")
	// ErrZipBomb means the archive looks built to exhaust memory: too many
	// entries or a compression ratio no real document has.
	ErrZipBomb = errors.New("office: archive rejected as a possible zip bomb")
)

// LimitError says which limit was exceeded.
type LimitError struct {
	Limit string // e.g. "entries", "part size"
	Value int64
	Max   int64
	err   error
}

// Error names the limit and the values.
func (e *LimitError) Error() string {
	return fmt.Sprintf("%v: %s %d exceeds %d", e.err, e.Limit, e.Value, e.Max)
}

// Unwrap returns ErrTooLarge or ErrZipBomb.
func (e *LimitError) Unwrap() error { return e.err }

// Limits bound what a document may cost to open. Zero fields take the
// defaults.
type Limits struct {
	// MaxInputSize bounds the archive itself (default 100 MiB).
	MaxInputSize int64
	// MaxEntries bounds the number of files in the archive (default 10,000).
	MaxEntries int
	// MaxPartSize bounds one decompressed XML part (default 64 MiB).
	MaxPartSize int64
	// MaxTotalSize bounds the sum of the declared decompressed sizes
	// (default 512 MiB).
	MaxTotalSize int64
	// MaxRatio bounds decompressed/compressed size for entries over 1 MiB
	// (default 200; real XML stays well below 50).
	MaxRatio float64
}

func (l Limits) withDefaults() Limits {
	if l.MaxInputSize <= 0 {
		l.MaxInputSize = 100 << 20
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = 10_000
	}
	if l.MaxPartSize <= 0 {
		l.MaxPartSize = 64 << 20
	}
	if l.MaxTotalSize <= 0 {
		l.MaxTotalSize = 512 << 20
	}
	if l.MaxRatio <= 0 {
		l.MaxRatio = 200
	}
	return l
}

// Document is an opened document: its text and where each piece of it
// lives in the XML. It is not safe for concurrent use.
type Document struct {
	kind  Kind
	zr    *zip.Reader
	parts []*part
	text  string
	runes int
}

// DetectKind tells a .docx from an .odt by the archive's content.
func DetectKind(data []byte) (Kind, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return 0, fmt.Errorf("%w: %v", ErrInvalidDocument, err)
	}
	for _, f := range zr.File {
		switch f.Name {
		case "word/document.xml":
			return DOCX, nil
		case "mimetype":
			rc, err := f.Open()
			if err != nil {
				continue
			}
			b, _ := io.ReadAll(io.LimitReader(rc, 100))
			rc.Close()
			if strings.HasPrefix(string(b), "application/vnd.oasis.opendocument.text") {
				return ODT, nil
			}
		}
	}
	return 0, fmt.Errorf("%w: neither a .docx nor an .odt", ErrInvalidDocument)
}

// Open reads a document held in memory.
func Open(data []byte, kind Kind, lim Limits) (*Document, error) {
	return OpenReaderAt(bytes.NewReader(data), int64(len(data)), kind, lim)
}

// OpenReaderAt reads a document of the given size from r.
func OpenReaderAt(r io.ReaderAt, size int64, kind Kind, lim Limits) (*Document, error) {
	lim = lim.withDefaults()
	if size > lim.MaxInputSize {
		return nil, &LimitError{Limit: "input size", Value: size, Max: lim.MaxInputSize, err: ErrTooLarge}
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidDocument, err)
	}
	if err := checkArchive(zr, lim, size); err != nil {
		return nil, err
	}
	d := &Document{kind: kind, zr: zr}
	names := textParts(zr, kind)
	if len(names) == 0 || names[0] != mainPart(kind) {
		return nil, fmt.Errorf("%w: no %s in the archive (not a %s?)", ErrInvalidDocument, mainPart(kind), kind)
	}
	var text strings.Builder
	for _, f := range zr.File {
		if !contains(names, f.Name) && !isMetadataPart(kind, f.Name) {
			continue
		}
		data, err := readPart(f, lim)
		if err != nil {
			return nil, err
		}
		p, err := scanPart(f, data, kind, isMetadataPart(kind, f.Name), &text, &d.runes)
		if err != nil {
			return nil, err
		}
		d.parts = append(d.parts, p)
	}
	d.text = text.String()
	return d, nil
}

func contains(a []string, s string) bool {
	for _, x := range a {
		if x == s {
			return true
		}
	}
	return false
}

func mainPart(k Kind) string {
	if k == ODT {
		return "content.xml"
	}
	return "word/document.xml"
}

// textParts lists the parts holding document text, main part first.
func textParts(zr *zip.Reader, kind Kind) []string {
	var out []string
	has := map[string]bool{}
	for _, f := range zr.File {
		has[f.Name] = true
	}
	if has[mainPart(kind)] {
		out = append(out, mainPart(kind))
	}
	for _, f := range zr.File {
		n := f.Name
		switch kind {
		case DOCX:
			if strings.HasPrefix(n, "word/") && strings.HasSuffix(n, ".xml") && !strings.Contains(n[5:], "/") &&
				(strings.HasPrefix(n, "word/header") || strings.HasPrefix(n, "word/footer") ||
					n == "word/footnotes.xml" || n == "word/endnotes.xml" || n == "word/comments.xml") {
				out = append(out, n)
			}
		case ODT:
			if n == "styles.xml" {
				out = append(out, n) // headers and footers live in the master pages
			}
		}
	}
	return out
}

// isMetadataPart names the parts whose author fields are cleared.
func isMetadataPart(kind Kind, name string) bool {
	if kind == ODT {
		return name == "meta.xml"
	}
	return name == "docProps/core.xml" || name == "docProps/app.xml"
}

func checkArchive(zr *zip.Reader, lim Limits, size int64) error {
	if len(zr.File) > lim.MaxEntries {
		return &LimitError{Limit: "entries", Value: int64(len(zr.File)), Max: int64(lim.MaxEntries), err: ErrZipBomb}
	}
	var total int64
	seen := map[string]bool{}
	for _, f := range zr.File {
		if seen[f.Name] {
			return fmt.Errorf("%w: duplicate entry %q", ErrInvalidDocument, f.Name)
		}
		seen[f.Name] = true
		// A directory entry carries no data; one that does cannot be
		// written back (zip refuses it), so the document is refused here.
		if strings.HasSuffix(f.Name, "/") && (f.CompressedSize64 > 0 || f.UncompressedSize64 > 0) {
			return fmt.Errorf("%w: directory entry %q holds data", ErrInvalidDocument, f.Name)
		}
		// Every entry must lie inside the archive: it is copied as is when
		// the document is rewritten.
		off, err := f.DataOffset()
		if err != nil || off < 0 || f.CompressedSize64 > uint64(size) || off+int64(f.CompressedSize64) > size {
			return fmt.Errorf("%w: entry %q lies outside the archive", ErrInvalidDocument, f.Name)
		}
		u := int64(f.UncompressedSize64)
		if f.UncompressedSize64 > 1<<62 {
			return &LimitError{Limit: "declared size", Value: -1, Max: lim.MaxTotalSize, err: ErrZipBomb}
		}
		total += u
		if total > lim.MaxTotalSize {
			return &LimitError{Limit: "total uncompressed size", Value: total, Max: lim.MaxTotalSize, err: ErrTooLarge}
		}
		if u > 1<<20 {
			c := int64(f.CompressedSize64)
			if c == 0 || float64(u)/float64(c) > lim.MaxRatio {
				return &LimitError{Limit: "compression ratio of " + f.Name, Value: u / max(c, 1), Max: int64(lim.MaxRatio), err: ErrZipBomb}
			}
		}
	}
	return nil
}

// readPart decompresses one part, never beyond MaxPartSize whatever its
// header says.
func readPart(f *zip.File, lim Limits) ([]byte, error) {
	if int64(f.UncompressedSize64) > lim.MaxPartSize {
		return nil, &LimitError{Limit: "part size of " + f.Name, Value: int64(f.UncompressedSize64), Max: lim.MaxPartSize, err: ErrTooLarge}
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalidDocument, f.Name, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, lim.MaxPartSize+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalidDocument, f.Name, err)
	}
	if int64(len(data)) > lim.MaxPartSize {
		return nil, &LimitError{Limit: "part size of " + f.Name, Value: int64(len(data)), Max: lim.MaxPartSize, err: ErrZipBomb}
	}
	return data, nil
}

// Kind returns the document's format.
func (d *Document) Kind() Kind { return d.kind }

// Text returns the document's text: paragraphs separated by a line break,
// parts (body, headers, footers, notes) by a blank line. Tabs and line
// breaks inside paragraphs appear as "\t" and "\n".
func (d *Document) Text() string { return d.text }
