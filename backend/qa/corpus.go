package qa

import (
	"archive/zip"
	"fmt"
	"io"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/lab-ia/piaf/backend/frtext"
)

// DefaultPassageRunes is the passage size PassagesFromText aims at: about a
// PIAF paragraph (600 to 1,000 characters), long enough to hold an answer
// with its context and short enough for the reader to stay fast.
const DefaultPassageRunes = 1000

// PassagesFromText cuts a document into passages of at most maxRunes code
// points (DefaultPassageRunes when 0): consecutive lines are grouped until
// the next would overflow, and a line longer than that is cut at sentence
// ends. Passage IDs are documentID#1, documentID#2…; every passage gets the
// document's title and source URL. Blank documents give no passage.
func PassagesFromText(documentID, title, text, sourceURL string, maxRunes int) []Passage {
	if maxRunes <= 0 {
		maxRunes = DefaultPassageRunes
	}
	var chunks []string
	var cur strings.Builder
	flush := func() {
		if s := strings.TrimSpace(cur.String()); s != "" {
			chunks = append(chunks, s)
		}
		cur.Reset()
	}
	for _, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		for _, piece := range splitLongLine(line, maxRunes) {
			if cur.Len() > 0 && utf8.RuneCountInString(cur.String())+1+utf8.RuneCountInString(piece) > maxRunes {
				flush()
			}
			if cur.Len() > 0 {
				cur.WriteByte('\n')
			}
			cur.WriteString(piece)
		}
	}
	flush()
	out := make([]Passage, len(chunks))
	for i, c := range chunks {
		out[i] = Passage{ID: fmt.Sprintf("%s#%d", documentID, i+1), DocumentID: documentID, Title: title, Text: c, SourceURL: sourceURL}
	}
	return out
}

// splitLongLine cuts a line longer than maxRunes at sentence ends (and, for
// a single overlong sentence, at maxRunes).
func splitLongLine(line string, maxRunes int) []string {
	if utf8.RuneCountInString(line) <= maxRunes {
		return []string{line}
	}
	var out []string
	var cur []string
	curLen := 0
	for _, s := range frtext.Sentences(line) {
		sent := frtext.Slice(line, s.Start, s.End)
		n := utf8.RuneCountInString(sent)
		for n > maxRunes { // a single huge sentence: hard cut
			out = append(out, frtext.Slice(sent, 0, maxRunes))
			sent = frtext.Slice(sent, maxRunes, n)
			n -= maxRunes
		}
		if curLen > 0 && curLen+1+n > maxRunes {
			out = append(out, strings.Join(cur, " "))
			cur, curLen = nil, 0
		}
		cur = append(cur, sent)
		curLen += n + 1
	}
	if len(cur) > 0 {
		out = append(out, strings.Join(cur, " "))
	}
	return out
}

// PassagesFromZip reads every .txt file of a zip archive (such as the
// service-public.fr fiches export) as a document: the file name without
// extension is the document ID, the first non-empty line the title, and the
// text is cut with PassagesFromText.
func PassagesFromZip(zr *zip.Reader, maxRunes int) ([]Passage, error) {
	var out []Passage
	for _, f := range zr.File {
		if f.FileInfo().IsDir() || !strings.EqualFold(path.Ext(f.Name), ".txt") {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("qa: %s: %w", f.Name, err)
		}
		b, err := io.ReadAll(io.LimitReader(rc, 64<<20))
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("qa: %s: %w", f.Name, err)
		}
		text := string(b)
		title := ""
		for _, l := range strings.Split(text, "\n") {
			if l = strings.TrimSpace(l); l != "" {
				title = l
				break
			}
		}
		id := strings.TrimSuffix(path.Base(f.Name), path.Ext(f.Name))
		out = append(out, PassagesFromText(id, title, text, "", maxRunes)...)
	}
	return out, nil
}
