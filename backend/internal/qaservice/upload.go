package qaservice

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/lab-ia/piaf/backend/internal/corpus"
	"github.com/lab-ia/piaf/backend/qa"
	"github.com/lab-ia/piaf/backend/qa/squad"
)

// Limits on uploaded archives (zip-bomb defences): an archive breaking one
// is refused as a whole.
const (
	// UploadMaxEntries bounds the entries of an archive (the
	// service-public.fr export has about 3,600).
	UploadMaxEntries = 20000
	// UploadMaxTotal bounds the decompressed size of an archive (declared
	// and actual).
	UploadMaxTotal = 512 << 20
	// UploadMaxEntry bounds one decompressed text.
	UploadMaxEntry = 16 << 20
	// UploadMaxRatio bounds decompressed/compressed size of entries
	// larger than UploadRatioFloor: text compresses about 3 to 10 times; a
	// thousandfold ratio is built, not written.
	UploadMaxRatio = 100
	// UploadRatioFloor is the size below which the ratio is not checked.
	UploadRatioFloor = 256 << 10
)

// ParseUpload reads the passages of an uploaded collection: a zip of .txt
// files (one document per file: the first non-empty line is its title, or
// the file name when there is none; other entries are ignored) or a SQuAD
// v1.1 JSON file (one document per article, one passage per paragraph).
// Texts are NFC-normalised, as paragraphs are, so that offsets count the
// code points the reader sees. sourceURL, when not empty, gives each text
// file of a zip its source link (see SourceURLFor).
func ParseUpload(filename string, data []byte, sourceURL string) ([]qa.Passage, error) {
	ext := strings.ToLower(path.Ext(strings.ReplaceAll(filename, "\\", "/")))
	var (
		ps  []qa.Passage
		err error
	)
	switch {
	case ext == ".zip" || bytes.HasPrefix(data, []byte("PK\x03\x04")):
		ps, err = passagesFromZip(data, sourceURL)
	case ext == ".json" || bytes.HasPrefix(bytes.TrimSpace(data), []byte("{")):
		ps, err = passagesFromSQuAD(data)
	default:
		return nil, ErrBadUpload.WithDetails("file", path.Base(filename))
	}
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, ErrEmptyUpload
	}
	return ps, nil
}

func passagesFromSQuAD(data []byte) ([]qa.Passage, error) {
	d, err := squad.Read(bytes.NewReader(data))
	if err != nil {
		return nil, ErrBadUpload.WithDetails("reason", truncate(err.Error(), 300))
	}
	for ai := range d.Data {
		a := &d.Data[ai]
		a.Title = corpus.NormalizeText(a.Title)
		for pi := range a.Paragraphs {
			a.Paragraphs[pi].Context = corpus.NormalizeText(a.Paragraphs[pi].Context)
		}
	}
	var out []qa.Passage
	for _, p := range qa.PassagesFromDataset(d, "") {
		if strings.TrimSpace(p.Text) != "" {
			out = append(out, p)
		}
	}
	return out, nil
}

// SourceURLFor fills a source link template for a text file of an
// archive: {file} becomes the file name without extension, {id} its part
// before the first underscore (service-public.fr fiches are named
// F10009_apa-a-domicile….txt, and their page is …/vosdroits/F10009).
func SourceURLFor(template, name string) string {
	if template == "" {
		return ""
	}
	base := strings.TrimSuffix(path.Base(name), path.Ext(name))
	id, _, _ := strings.Cut(base, "_")
	r := strings.NewReplacer("{file}", url.PathEscape(base), "{id}", url.PathEscape(id))
	return r.Replace(template)
}

// CheckSourceURL validates a source link template: an absolute http(s)
// URL, placeholders allowed.
func CheckSourceURL(template string) bool {
	if template == "" {
		return true
	}
	u, err := url.Parse(SourceURLFor(template, "x_y.txt"))
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && len(template) <= 500
}

func passagesFromZip(data []byte, sourceURL string) ([]qa.Passage, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, ErrBadUpload.WithDetails("reason", "not a zip archive")
	}
	if len(zr.File) > UploadMaxEntries {
		return nil, ErrZipBomb.WithDetails("reason", fmt.Sprintf("%d entries, at most %d", len(zr.File), UploadMaxEntries))
	}
	var declared uint64
	for _, f := range zr.File {
		declared += f.UncompressedSize64
		if f.UncompressedSize64 > 1<<62 || declared > UploadMaxTotal {
			return nil, ErrZipBomb.WithDetails("reason", fmt.Sprintf("more than %d bytes once decompressed", UploadMaxTotal))
		}
	}
	var (
		out  []qa.Passage
		read int64
		seen = map[string]bool{}
	)
	for _, f := range zr.File {
		name := strings.ReplaceAll(f.Name, "\\", "/")
		if f.FileInfo().IsDir() || !strings.EqualFold(path.Ext(name), ".txt") || strings.HasPrefix(path.Base(name), ".") || strings.HasPrefix(name, "__MACOSX/") {
			continue
		}
		if f.UncompressedSize64 > UploadMaxEntry || refusedRatio(f.UncompressedSize64, f.CompressedSize64) {
			return nil, ErrZipBomb.WithDetails("entry", name)
		}
		b, err := readEntry(f)
		if err != nil {
			return nil, ErrZipBomb.WithDetails("entry", name).WithDetails("reason", err.Error())
		}
		read += int64(len(b))
		if read > UploadMaxTotal {
			return nil, ErrZipBomb.WithDetails("reason", fmt.Sprintf("more than %d bytes once decompressed", UploadMaxTotal))
		}
		if !utf8.Valid(b) {
			return nil, ErrBadUpload.WithDetails("entry", name).WithDetails("reason", "not UTF-8 text")
		}
		text := corpus.NormalizeText(strings.TrimPrefix(string(b), "\ufeff"))
		id := strings.TrimSuffix(strings.TrimPrefix(name, "/"), path.Ext(name))
		for n := 2; seen[id]; n++ {
			id = fmt.Sprintf("%s~%d", strings.TrimSuffix(name, path.Ext(name)), n)
		}
		seen[id] = true
		title := ""
		for _, l := range strings.Split(text, "\n") {
			if l = strings.TrimSpace(l); l != "" {
				title = l
				break
			}
		}
		if utf8.RuneCountInString(title) > 200 || title == "" {
			title = strings.TrimSuffix(path.Base(name), path.Ext(name))
		}
		out = append(out, qa.PassagesFromText(id, title, text, SourceURLFor(sourceURL, name), 0)...)
	}
	return out, nil
}

// refusedRatio applies the compression ratio limit.
func refusedRatio(uncompressed, compressed uint64) bool {
	if uncompressed < UploadRatioFloor {
		return false
	}
	return compressed == 0 || uncompressed/compressed > UploadMaxRatio
}

// readEntry decompresses an entry, never beyond UploadMaxEntry nor beyond
// the ratio limit, whatever its header declares.
func readEntry(f *zip.File) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, UploadMaxEntry+1))
	if err != nil {
		return nil, err
	}
	if len(data) > UploadMaxEntry {
		return nil, errors.New("larger than its limit once decompressed")
	}
	if refusedRatio(uint64(len(data)), f.CompressedSize64) {
		return nil, errors.New("compressed beyond what texts allow")
	}
	return data, nil
}
