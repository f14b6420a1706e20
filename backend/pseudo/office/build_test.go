package office

import (
	"archive/zip"
	"bytes"
	"testing"
)

// buildZip writes an archive with the given entries in order; "mimetype"
// is stored uncompressed as ODF requires.
func buildZip(t testing.TB, entries [][2]string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e[0], Method: zip.Deflate}
		if e[0] == "mimetype" {
			h.Method = zip.Store
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(e[1]))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const docxBody = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>` +
	`<w:p><w:r><w:t xml:space="preserve">Rapport de M. Jean </w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>Du</w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>pont</w:t></w:r><w:r><w:t xml:space="preserve"> &amp; associés.</w:t></w:r></w:p>` +
	`<w:p><w:r><w:t>Contact :</w:t></w:r><w:r><w:tab/><w:t>jean.dupont@exemple.fr</w:t></w:r></w:p>` +
	`<w:p><w:ins w:id="1" w:author="Marie Curie" w:date="2024-01-01T00:00:00Z"><w:r><w:t>Ajout</w:t></w:r></w:ins></w:p>` +
	`</w:body></w:document>`

const docxCore = `<?xml version="1.0" encoding="UTF-8"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>Jean Dupont</dc:creator><cp:lastModifiedBy>Marie Curie</cp:lastModifiedBy><dc:title>Rapport</dc:title></cp:coreProperties>`

func sampleDOCX(t testing.TB) []byte {
	return buildZip(t, [][2]string{
		{"[Content_Types].xml", `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>`},
		{"word/document.xml", docxBody},
		{"word/footer1.xml", `<?xml version="1.0"?><w:ftr xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:p><w:r><w:t>Dupont SARL</w:t></w:r></w:p></w:ftr>`},
		{"docProps/core.xml", docxCore},
	})
}

const odtContent = `<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><office:body><office:text>` +
	`<text:h text:outline-level="1">Compte rendu</text:h>` +
	`<text:p>Présents :<text:s text:c="2"/>Mme <text:span text:style-name="B">Élise</text:span> Martin<text:tab/>et M. Paul Durand.</text:p>` +
	`<text:p>Note<text:note text:id="n1"><text:note-citation>1</text:note-citation><text:note-body><text:p>Voir Élise Martin.</text:p></text:note-body></text:note> fin.</text:p>` +
	`<office:annotation><dc:creator>Paul Durand</dc:creator><text:p>relu</text:p></office:annotation>` +
	`</office:text></office:body></office:document-content>`

func sampleODT(t testing.TB) []byte {
	return buildZip(t, [][2]string{
		{"mimetype", "application/vnd.oasis.opendocument.text"},
		{"META-INF/manifest.xml", `<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>`},
		{"content.xml", odtContent},
		{"styles.xml", `<?xml version="1.0"?><office:document-styles xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"/>`},
		{"meta.xml", `<?xml version="1.0"?><office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><office:meta><meta:initial-creator>Paul Durand</meta:initial-creator><dc:creator>Paul Durand</dc:creator></office:meta></office:document-meta>`},
	})
}
