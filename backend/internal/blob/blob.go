// Package blob keeps PIAF's immutable dataset release files.
//
// Release files never change once published and the same file is often
// shared by several releases, so they are stored content-addressed: the key
// is the lowercase hex SHA-256 of the content. That makes deduplication free,
// lets any reader verify what it downloaded, and means a key can never point
// at two different contents. Where the bytes physically live is hidden behind
// Store so that a single-machine install can keep them in a local directory
// (Dir) while a hosted deployment uses S3-compatible object storage (S3).
package blob

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"time"
)

// Info describes a stored blob. It is what garbage collection and HTTP
// serving need without opening the content: Size for Content-Length and
// accounting, ModTime for the grace period and Last-Modified.
type Info struct {
	// Key is the lowercase hex SHA-256 of the content, so it doubles as a
	// strong ETag and as an integrity check for downloads.
	Key string
	// Size is the content length in bytes.
	Size int64
	// ModTime is when the blob was last Put; Put refreshes it even when the
	// content was already present so that a blob that is about to be
	// referenced again is protected by the garbage collection grace period.
	ModTime time.Time
}

// Object is an open blob. It is seekable so that HTTP Range requests (resumed
// and parallel downloads of large dataset files) can be answered with
// http.ServeContent without reading the whole blob.
type Object interface {
	io.ReadSeekCloser
	// Info returns the blob's metadata as of opening, so that headers can be
	// written without a second round trip to the store.
	Info() Info
}

// Store is where immutable, content-addressed files live. Callers depend on
// this interface rather than on a concrete backend so that the deployment,
// not the code, decides between local disk and object storage.
type Store interface {
	// Put stores size bytes from r under key (the hex SHA-256 of the
	// content). It verifies the hash while copying and refuses a mismatch
	// (ErrHashMismatch) without leaving anything under key. Putting an
	// existing key again succeeds and refreshes its ModTime (used by garbage
	// collection's grace period).
	Put(ctx context.Context, key string, r io.Reader, size int64) error
	// Open returns the blob for reading; ErrNotFound when absent.
	Open(ctx context.Context, key string) (Object, error)
	// Stat returns the blob's metadata; ErrNotFound when absent.
	Stat(ctx context.Context, key string) (Info, error)
	// Delete removes the blob. Deleting an absent blob is not an error, so
	// that an interrupted garbage collection can simply be run again.
	Delete(ctx context.Context, key string) error
	// Walk calls fn for every blob, for garbage collection. It stops and
	// returns fn's error as soon as fn fails.
	Walk(ctx context.Context, fn func(Info) error) error
	// Name describes the store for logs and health ("dir:/path",
	// "s3:bucket").
	Name() string
}

var (
	// ErrNotFound reports that no blob is stored under the key, so that
	// callers can answer 404 instead of 500.
	ErrNotFound = errors.New("blob: not found")
	// ErrHashMismatch reports that the content given to Put does not hash to
	// its key: the upload was corrupted or the caller computed the wrong key.
	// Nothing was stored, so the caller can retry safely.
	ErrHashMismatch = errors.New("blob: content does not match its SHA-256 key")
	// ErrInvalidKey reports a key that is not exactly 64 lowercase hex
	// characters. Keys end up in file paths and object names, so anything
	// else is refused before it gets there: no path traversal is possible.
	ErrInvalidKey = errors.New("blob: invalid key (want 64 lowercase hex characters)")
)

// keyLen is the length of a hex-encoded SHA-256.
const keyLen = sha256.Size * 2

// tempGrace is the minimum age of a leftover temporary upload before garbage
// collection removes it, whatever grace it was given, so that an upload still
// in progress is never swept away.
const tempGrace = time.Hour

// ValidKey reports whether key is a well-formed blob key, so that handlers
// can reject a bad key from a URL before touching the store.
func ValidKey(key string) bool {
	if len(key) != keyLen {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func checkKey(key string) error {
	if !ValidKey(key) {
		return fmt.Errorf("%w: %q", ErrInvalidKey, truncate(key))
	}
	return nil
}

// truncate keeps error messages readable when a caller passes something huge
// as a key.
func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}

func checkSize(size int64) error {
	if size < 0 {
		return fmt.Errorf("blob: negative size %d", size)
	}
	return nil
}

// HashFile is a helper: SHA-256 hex and size of a file on disk. It gives the
// key under which the file must be Put, so that callers never compute keys
// in two different ways.
func HashFile(path string) (key string, size int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	size, err = io.Copy(h, f)
	if err != nil {
		return "", 0, fmt.Errorf("blob: hashing %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), size, nil
}

// verifier counts and hashes what a backend consumed from the caller's
// reader, so that Put can tell a short or corrupted upload from a good one
// whatever the backend did with the bytes.
type verifier struct {
	ctx   context.Context
	r     io.Reader
	size  int64
	n     int64
	short bool // r ended before size bytes
	h     hash.Hash
}

func newVerifier(ctx context.Context, r io.Reader, size int64) *verifier {
	return &verifier{ctx: ctx, r: r, size: size, h: sha256.New()}
}

// Read reads at most size bytes in all from the caller's reader and turns an
// early end into io.ErrUnexpectedEOF, so that the backend aborts the upload
// instead of storing a truncated blob.
func (v *verifier) Read(p []byte) (int, error) {
	// Checking the context here makes a cancelled request stop a long copy
	// from a reader that does not watch the context itself.
	if err := v.ctx.Err(); err != nil {
		return 0, err
	}
	remaining := v.size - v.n
	if remaining <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > remaining {
		p = p[:remaining]
	}
	n, err := v.r.Read(p)
	v.h.Write(p[:n])
	v.n += int64(n)
	if err == io.EOF && v.n < v.size {
		v.short = true
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

// shortErr describes a reader that ended before the announced size.
func (v *verifier) shortErr() error {
	return fmt.Errorf("blob: content shorter than announced: got %d of %d bytes: %w", v.n, v.size, io.ErrUnexpectedEOF)
}

// check reports whether exactly size bytes hashing to key went through.
func (v *verifier) check(key string) error {
	if v.short || v.n != v.size {
		return v.shortErr()
	}
	if got := hex.EncodeToString(v.h.Sum(nil)); got != key {
		return fmt.Errorf("%w: key %s, content hashes to %s", ErrHashMismatch, key, got)
	}
	return nil
}

// PutWritten stores what write produces, under its SHA-256: the bytes are
// staged in a temporary file of stagingDir (hashed as they are written, so
// they are read once more only to be stored) and the file is removed
// afterwards. Trained models are saved this way.
func PutWritten(ctx context.Context, store Store, stagingDir string, write func(io.Writer) error) (key string, size int64, err error) {
	if err := os.MkdirAll(stagingDir, 0o750); err != nil {
		return "", 0, err
	}
	f, err := os.CreateTemp(stagingDir, "blob-*.tmp")
	if err != nil {
		return "", 0, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	h := sha256.New()
	bw := bufio.NewWriterSize(io.MultiWriter(f, h), 1<<20)
	if err := write(bw); err != nil {
		return "", 0, err
	}
	if err := bw.Flush(); err != nil {
		return "", 0, err
	}
	if size, err = f.Seek(0, io.SeekCurrent); err != nil {
		return "", 0, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", 0, err
	}
	key = hex.EncodeToString(h.Sum(nil))
	if err := store.Put(ctx, key, f, size); err != nil {
		return "", 0, fmt.Errorf("storing the file: %w", err)
	}
	return key, size, nil
}
