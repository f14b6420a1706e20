package office

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

func readEntry(t *testing.T, data []byte, name string) string {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name == name {
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			return string(b)
		}
	}
	t.Fatalf("no %s", name)
	return ""
}

// replaceAll builds replacements for every occurrence of each key.
func replaceAll(text string, m map[string]string) []Replacement {
	var out []Replacement
	for k, v := range m {
		from := 0
		for {
			i := strings.Index(text[from:], k)
			if i < 0 {
				break
			}
			i += from
			s := len([]rune(text[:i]))
			out = append(out, Replacement{Start: s, End: s + len([]rune(k)), Text: v})
			from = i + len(k)
		}
	}
	return out
}

func TestDOCXRoundTrip(t *testing.T) {
	data := sampleDOCX(t)
	if k, err := DetectKind(data); err != nil || k != DOCX {
		t.Fatalf("DetectKind: %v %v", k, err)
	}
	doc, err := Open(data, DOCX, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := "Rapport de M. Jean Dupont & associés.\nContact :\tjean.dupont@exemple.fr\nAjout\n\nDupont SARL"
	if doc.Text() != want {
		t.Fatalf("text\n got %q\nwant %q", doc.Text(), want)
	}
	out, err := doc.Rewrite(replaceAll(doc.Text(), map[string]string{"Jean Dupont": "A... X...", "jean.dupont@exemple.fr": "[COURRIEL 1]"}))
	if err != nil {
		t.Fatal(err)
	}
	body := readEntry(t, out, "word/document.xml")
	// The replacement goes to the first run; the bold runs are emptied but
	// kept with their formatting.
	if !strings.Contains(body, `<w:t xml:space="preserve">Rapport de M. A... X...</w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t></w:t>`) {
		t.Errorf("body not rewritten as expected:\n%s", body)
	}
	if strings.Contains(body, "Dupont") || strings.Contains(body, "dupont") || strings.Contains(body, "Curie") {
		t.Errorf("names left in body:\n%s", body)
	}
	if !strings.Contains(body, "&amp; associés") {
		t.Error("escaping lost")
	}
	core := readEntry(t, out, "docProps/core.xml")
	if strings.Contains(core, "Dupont") || strings.Contains(core, "Curie") || !strings.Contains(core, "<dc:title>Rapport</dc:title>") {
		t.Errorf("metadata: %s", core)
	}
	if got := readEntry(t, out, "word/footer1.xml"); !strings.Contains(got, "Dupont SARL") {
		t.Errorf("untouched footer changed: %s", got)
	}
	// The result opens again and reads as expected.
	doc2, err := Open(out, DOCX, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc2.Text(), "Rapport de M. A... X... & associés.\nContact :\t[COURRIEL 1]") {
		t.Errorf("reopened: %q", doc2.Text())
	}
}

func TestODTRoundTrip(t *testing.T) {
	data := sampleODT(t)
	if k, err := DetectKind(data); err != nil || k != ODT {
		t.Fatalf("DetectKind: %v %v", k, err)
	}
	doc, err := Open(data, ODT, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	want := "Compte rendu\nPrésents :  Mme Élise Martin\tet M. Paul Durand.\nNote\nVoir Élise Martin.\n fin.\nrelu"
	if doc.Text() != want {
		t.Fatalf("text\n got %q\nwant %q", doc.Text(), want)
	}
	out, err := doc.Rewrite(replaceAll(doc.Text(), map[string]string{"Élise Martin": "A... X...", "Paul Durand": "B... Y..."}))
	if err != nil {
		t.Fatal(err)
	}
	content := readEntry(t, out, "content.xml")
	if strings.Contains(content, "Martin") || strings.Contains(content, "Durand") || !strings.Contains(content, `<text:span text:style-name="B">A... X...</text:span>`) {
		t.Errorf("content:\n%s", content)
	}
	if meta := readEntry(t, out, "meta.xml"); strings.Contains(meta, "Durand") {
		t.Errorf("meta: %s", meta)
	}
	zr, _ := zip.NewReader(bytes.NewReader(out), int64(len(out)))
	if zr.File[0].Name != "mimetype" || zr.File[0].Method != zip.Store {
		t.Error("mimetype must stay first and stored")
	}
}

func TestLimits(t *testing.T) {
	data := sampleDOCX(t)
	var le *LimitError
	if _, err := Open(data, DOCX, Limits{MaxInputSize: 100}); !errors.Is(err, ErrTooLarge) || !errors.As(err, &le) {
		t.Errorf("input size: %v", err)
	}
	if _, err := Open(data, DOCX, Limits{MaxEntries: 2}); !errors.Is(err, ErrZipBomb) {
		t.Errorf("entries: %v", err)
	}
	if _, err := Open(data, DOCX, Limits{MaxPartSize: 100}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("part size: %v", err)
	}
	// A highly compressible 8 MiB part: ratio far above any real document.
	bomb := buildZip(t, [][2]string{{"word/document.xml", "<a>" + strings.Repeat(" ", 8<<20) + "</a>"}})
	if _, err := Open(bomb, DOCX, Limits{}); !errors.Is(err, ErrZipBomb) {
		t.Errorf("ratio: %v", err)
	}
	if _, err := Open([]byte("not a zip"), DOCX, Limits{}); !errors.Is(err, ErrInvalidDocument) {
		t.Errorf("garbage: %v", err)
	}
	if _, err := Open(sampleODT(t), DOCX, Limits{}); !errors.Is(err, ErrInvalidDocument) {
		t.Errorf("wrong kind: %v", err)
	}
	broken := buildZip(t, [][2]string{{"word/document.xml", "<w:document><w:body>"}})
	if _, err := Open(broken, DOCX, Limits{}); !errors.Is(err, ErrInvalidDocument) {
		t.Errorf("malformed XML: %v", err)
	}
}

func TestRewriteRejectsBadReplacements(t *testing.T) {
	doc, _ := Open(sampleDOCX(t), DOCX, Limits{})
	if _, err := doc.Rewrite([]Replacement{{Start: 0, End: 1e6, Text: "x"}}); err == nil {
		t.Error("out of range accepted")
	}
	if _, err := doc.Rewrite([]Replacement{{0, 5, "a"}, {3, 8, "b"}}); err == nil {
		t.Error("overlap accepted")
	}
}
