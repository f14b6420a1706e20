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

// newStagedFile creates the file (and its gzip copy) in dir.
func newStagedFile(dir string, meta File) (*stagedFile, error) {
	s := &stagedFile{meta: meta, path: filepath.Join(dir, meta.Name), gzPath: filepath.Join(dir, meta.Name+".gz"),
		sum: sha256.New(), gzSum: sha256.New()}
	var err error
	if s.file, err = os.Create(s.path); err != nil {
		return nil, err
	}
	if s.gzFile, err = os.Create(s.gzPath); err != nil {
		s.file.Close()
		return nil, err
	}
	s.gz, _ = gzip.NewWriterLevel(io.MultiWriter(s.gzFile, s.gzSum, &s.gzCounter), gzip.DefaultCompression)
	s.buf = bufio.NewWriterSize(io.MultiWriter(s.file, s.sum, &s.counter, s.gz), 256<<10)
	return s, nil
}

// Write appends bytes to the file.
func (s *stagedFile) Write(p []byte) (int, error) { return s.buf.Write(p) }

// row counts one more record (a question, a CSV line, a sentence).
func (s *stagedFile) row() { s.meta.RowCount++ }

// finish flushes and closes the file and records its size and hashes.
func (s *stagedFile) finish() error {
	err := s.buf.Flush()
	if cerr := s.gz.Close(); err == nil {
		err = cerr
	}
	for _, f := range []*os.File{s.file, s.gzFile} {
		if serr := f.Sync(); err == nil {
			err = serr
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	s.meta.Size = s.counter.n
	s.meta.SHA256 = hex.EncodeToString(s.sum.Sum(nil))
	s.meta.GzipSize = s.gzCounter.n
	s.meta.GzipSHA256 = hex.EncodeToString(s.gzSum.Sum(nil))
	return err
}

// abort closes the files without caring about errors (the staging
// directory is removed afterwards).
func (s *stagedFile) abort() {
	s.file.Close()
	s.gzFile.Close()
}

// BlobWriter is the part of the blob store a build needs: it only adds
// content-addressed files.
type BlobWriter interface {
	Put(ctx context.Context, key string, r io.Reader, size int64) error
}

// store copies the file and its gzip copy into the blob store.
func (s *stagedFile) store(ctx context.Context, blobs BlobWriter) error {
	for _, f := range []struct {
		path, key string
		size      int64
	}{{s.path, s.meta.SHA256, s.meta.Size}, {s.gzPath, s.meta.GzipSHA256, s.meta.GzipSize}} {
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
