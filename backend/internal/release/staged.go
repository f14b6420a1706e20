package release

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"

	"github.com/klauspost/compress/gzip"
)

// stagedFile is a release file being written to local disk before it goes
// to the blob store: its SHA-256 and size are computed while writing, and
// a gzip copy is written alongside so downloads can be served compressed
// without compressing on every request.
type stagedFile struct {
	meta File

	path, gzPath string
	file, gzFile *os.File
	sum, gzSum   hash.Hash
	gz           *gzip.Writer
	counter      countingWriter
	gzCounter    countingWriter
	buf          *bufio.Writer
}

type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// newStagedFile creates the file in dir, with its gzip copy when
// compressed (downloadable files; the internal index is not).
func newStagedFile(dir string, meta File, compressed bool) (*stagedFile, error) {
	s := &stagedFile{meta: meta, path: filepath.Join(dir, meta.Name), sum: sha256.New()}
	var err error
	if s.file, err = os.Create(s.path); err != nil {
		return nil, err
	}
	writers := []io.Writer{s.file, s.sum, &s.counter}
	if compressed {
		s.gzPath, s.gzSum = filepath.Join(dir, meta.Name+".gz"), sha256.New()
		if s.gzFile, err = os.Create(s.gzPath); err != nil {
			s.file.Close()
			return nil, err
		}
		s.gz, _ = gzip.NewWriterLevel(io.MultiWriter(s.gzFile, s.gzSum, &s.gzCounter), gzip.DefaultCompression)
		writers = append(writers, s.gz)
	}
	s.buf = bufio.NewWriterSize(io.MultiWriter(writers...), 256<<10)
	return s, nil
}

// Write appends bytes to the file.
func (s *stagedFile) Write(p []byte) (int, error) { return s.buf.Write(p) }

// row counts one more record (a question, a CSV line, a sentence).
func (s *stagedFile) row() { s.meta.RowCount++ }

// finish flushes and closes the file and records its size and hashes.
func (s *stagedFile) finish() error {
	err := s.buf.Flush()
	files := []*os.File{s.file}
	if s.gz != nil {
		if cerr := s.gz.Close(); err == nil {
			err = cerr
		}
		files = append(files, s.gzFile)
	}
	for _, f := range files {
		if serr := f.Sync(); err == nil {
			err = serr
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	s.meta.Size = s.counter.n
	s.meta.SHA256 = hex.EncodeToString(s.sum.Sum(nil))
	if s.gz != nil {
		s.meta.GzipSize = s.gzCounter.n
		s.meta.GzipSHA256 = hex.EncodeToString(s.gzSum.Sum(nil))
	}
	return err
}

// abort closes the files without caring about errors (the staging
// directory is removed afterwards).
func (s *stagedFile) abort() {
	s.file.Close()
	if s.gzFile != nil {
		s.gzFile.Close()
	}
}

// BlobWriter is the part of the blob store a build needs: it only adds
// content-addressed files.
type BlobWriter interface {
	Put(ctx context.Context, key string, r io.Reader, size int64) error
}

// store copies the file and its gzip copy into the blob store.
func (s *stagedFile) store(ctx context.Context, blobs BlobWriter) error {
	copies := []struct {
		path, key string
		size      int64
	}{{s.path, s.meta.SHA256, s.meta.Size}}
	if s.gzPath != "" {
		copies = append(copies, struct {
			path, key string
			size      int64
		}{s.gzPath, s.meta.GzipSHA256, s.meta.GzipSize})
	}
	for _, f := range copies {
		if err := putFile(ctx, blobs, f.path, f.key, f.size); err != nil {
			return fmt.Errorf("storing %s: %w", s.meta.Name, err)
		}
	}
	return nil
}

func putFile(ctx context.Context, blobs BlobWriter, path, key string, size int64) error {
	fh, err := os.Open(path)
	if err != nil {
		return err
	}
	defer fh.Close()
	return blobs.Put(ctx, key, fh, size)
}
