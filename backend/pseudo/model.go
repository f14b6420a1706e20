package pseudo

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/lab-ia/piaf/backend/pseudo/internal/tagger"
)

// Model is a trained statistical tagger with its description. Load it once
// and share it: it is read-only and safe for concurrent use. A model of the
// six novels weighs about 10 MB on disk and 60 MB in memory.
type Model struct {
	tagger *tagger.Model
	// Info describes how the model was trained (stored in the file).
	Info ModelInfo
}

// ModelInfo is the description stored with a model, for the model
// registry: what it was trained on and how well it did.
type ModelInfo struct {
	// FormatVersion is the file format version (ModelFormatVersion).
	FormatVersion int `json:"format_version"`
	// Labels are the entity labels the model tags.
	Labels []string `json:"labels"`
	// Sources name the training corpora with their sizes.
	Sources []SourceReport `json:"sources"`
	// TrainedAt is when training finished (UTC).
	TrainedAt time.Time `json:"trained_at"`
	// Epochs and BestEpoch: passes run and the one kept (best on dev).
	Epochs    int `json:"epochs"`
	BestEpoch int `json:"best_epoch"`
	// Features is the number of features with a weight.
	Features int `json:"features"`
	// DevF1 is the exact-span F1 on the development set, -1 without one.
	DevF1 float64 `json:"dev_f1"`
	// Seed is the shuffling seed, for reproducibility.
	Seed uint64 `json:"seed"`
	// SourceCopies says whether per-source feature copies were used.
	SourceCopies bool `json:"source_copies"`
}

// Labels returns the entity labels the model produces.
func (m *Model) Labels() []string { return m.tagger.Tags.Labels }

// ModelFormatVersion is the version of the model file format written by
// Save. Load refuses other versions with ErrModelVersion.
const ModelFormatVersion = 1

var modelMagic = []byte("PIAF-PSEUDO-MODEL\n")

// Errors returned by LoadModel.
var (
	// ErrModelCorrupt means the file is not a model, is truncated or was
	// altered (the checksums do not match).
	ErrModelCorrupt = errors.New("pseudo: model file is corrupt or not a model")
	// ErrModelVersion means the model was written by an incompatible
	// version of the engine and must be retrained.
	ErrModelVersion = errors.New("pseudo: model file version not supported")
)

// Save writes the model: a magic line, the format version, then a gzip
// stream (CRC-checked) holding the JSON description and the weights.
func (m *Model) Save(w io.Writer) error {
	if _, err := w.Write(modelMagic); err != nil {
		return err
	}
	if err := binary.Write(w, binary.LittleEndian, uint32(ModelFormatVersion)); err != nil {
		return err
	}
	zw, err := gzip.NewWriterLevel(w, gzip.BestSpeed)
	if err != nil {
		return err
	}
	info, err := json.Marshal(m.Info)
	if err != nil {
		return err
	}
	if err := binary.Write(zw, binary.LittleEndian, uint32(len(info))); err != nil {
		return err
	}
	if _, err := zw.Write(info); err != nil {
		return err
	}
	if _, err := m.tagger.WriteTo(zw); err != nil {
		return err
	}
	return zw.Close()
}

// SaveFile writes the model to path atomically (temporary file, then
// rename), so that a crash never leaves half a model behind.
func (m *Model) SaveFile(path string) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	if err := m.Save(bw); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}

// LoadModel reads a model written by Save. Errors wrap ErrModelCorrupt or
// ErrModelVersion.
func LoadModel(r io.Reader) (*Model, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	magic := make([]byte, len(modelMagic))
	if _, err := io.ReadFull(br, magic); err != nil || !bytes.Equal(magic, modelMagic) {
		return nil, fmt.Errorf("%w: bad header", ErrModelCorrupt)
	}
	var version uint32
	if err := binary.Read(br, binary.LittleEndian, &version); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrModelCorrupt, err)
	}
	if version != ModelFormatVersion {
		return nil, fmt.Errorf("%w: file version %d, this engine reads version %d", ErrModelVersion, version, ModelFormatVersion)
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrModelCorrupt, err)
	}
	var n uint32
	if err := binary.Read(zr, binary.LittleEndian, &n); err != nil || n > 1<<24 {
		return nil, fmt.Errorf("%w: bad description", ErrModelCorrupt)
	}
	info := make([]byte, n)
	if _, err := io.ReadFull(zr, info); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrModelCorrupt, err)
	}
	m := &Model{}
	if err := json.Unmarshal(info, &m.Info); err != nil {
		return nil, fmt.Errorf("%w: description: %v", ErrModelCorrupt, err)
	}
	tm, err := tagger.ReadModel(zr)
	if err != nil {
		if errors.Is(err, tagger.ErrFeatureVersion) {
			return nil, fmt.Errorf("%w: %v", ErrModelVersion, err)
		}
		return nil, fmt.Errorf("%w: %v", ErrModelCorrupt, err)
	}
	// Reading to the end makes gzip verify its CRC and length.
	if _, err := io.Copy(io.Discard, zr); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrModelCorrupt, err)
	}
	m.tagger = tm
	return m, nil
}

// LoadModelFile reads a model from a file.
func LoadModelFile(path string) (*Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, err := LoadModel(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}
