package qacli

import (
	"archive/zip"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/lab-ia/piaf/backend/qa"
	"github.com/lab-ia/piaf/backend/qa/squad"
)

// loadModel reads a model file.
func loadModel(path string) (*qa.Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, err := qa.LoadModel(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// loadCorpus reads passages from a corpus file: SQuAD JSON (every
// paragraph), a zip of .txt documents, or a plain .txt document. prefix
// keeps passage IDs of different files apart.
func loadCorpus(path, prefix string) ([]qa.Passage, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".zip":
		zr, err := zip.OpenReader(path)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		defer zr.Close()
		ps, err := qa.PassagesFromZip(&zr.Reader, 0)
		for i := range ps {
			ps[i].ID, ps[i].DocumentID = prefix+ps[i].ID, prefix+ps[i].DocumentID
		}
		return ps, err
	case ".txt":
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		base := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
		return qa.PassagesFromText(prefix+base, base, string(b), "", 0), nil
	default:
		d, err := squad.ReadFile(path)
		if err != nil {
			return nil, err
		}
		return qa.PassagesFromDataset(d, prefix), nil
	}
}

// loadCorpora reads several corpus files, prefixing IDs by file position.
func loadCorpora(paths []string) ([]qa.Passage, error) {
	var all []qa.Passage
	for i, p := range paths {
		ps, err := loadCorpus(p, "c"+strconv.Itoa(i+1)+":")
		if err != nil {
			return nil, err
		}
		all = append(all, ps...)
	}
	return all, nil
}
