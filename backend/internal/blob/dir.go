package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// Dir is a Store in a local directory: the default, so that a single-machine
// install needs nothing but a disk.
//
// Blobs live at root/ab/cd/<key> (ab and cd being the first two byte pairs of
// the key) so that no directory grows to millions of entries. Uploads are
// written to root/tmp first and renamed into place only after the hash was
// verified and the data fsynced, so a crash never leaves a partial blob under
// its key.
type Dir struct {
	root string
	tmp  string
}

var _ Store = (*Dir)(nil)

const (
	dirPerm  = 0o750
	filePerm = 0o640
	tmpName  = "tmp"
)

// NewDir opens the store rooted at root, creating root (0750) and its tmp
// directory if needed, so that a fresh install works without a setup step.
func NewDir(root string) (*Dir, error) {
	if root == "" {
		return nil, errors.New("blob: empty directory path")
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	d := &Dir{root: abs, tmp: filepath.Join(abs, tmpName)}
	if err := os.MkdirAll(d.tmp, dirPerm); err != nil {
		return nil, fmt.Errorf("blob: creating store directory: %w", err)
	}
	return d, nil
}

// Name returns "dir:" and the absolute root, for logs and health checks.
func (d *Dir) Name() string { return "dir:" + d.root }

// path returns where key lives; key must have been checked.
func (d *Dir) path(key string) string {
	return filepath.Join(d.root, key[0:2], key[2:4], key)
}

// Put implements Store. The content always goes through a temporary file and
// a rename, even when key already exists: the rename atomically replaces the
// old file (which readers that have it open keep seeing), refreshes ModTime,
// and heals a blob damaged on disk.
func (d *Dir) Put(ctx context.Context, key string, r io.Reader, size int64) (err error) {
	if err := checkKey(key); err != nil {
		return err
	}
	if err := checkSize(size); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	f, err := os.CreateTemp(d.tmp, key+".*")
	if errors.Is(err, fs.ErrNotExist) {
		// Someone removed tmp while the store was in use: recreate it.
		if err = os.MkdirAll(d.tmp, dirPerm); err == nil {
			f, err = os.CreateTemp(d.tmp, key+".*")
		}
	}
	if err != nil {
		return fmt.Errorf("blob: creating temporary file: %w", err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()

	v := newVerifier(ctx, r, size)
	if _, err = io.Copy(f, v); err != nil {
		if v.short {
			return v.shortErr()
		}
		return fmt.Errorf("blob: writing %s: %w", key, err)
	}
	if err = v.check(key); err != nil {
		return err
	}
	if err = f.Chmod(filePerm); err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("blob: syncing %s: %w", key, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("blob: closing %s: %w", key, err)
	}
	final := d.path(key)
	parent := filepath.Dir(final)
	if err = os.MkdirAll(parent, dirPerm); err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	if err = os.Rename(tmp, final); err != nil {
		return fmt.Errorf("blob: moving %s into place: %w", key, err)
	}
	// Make the rename itself durable; the blob is in place either way, so a
	// failure here is reported but nothing is undone.
	if err := syncDir(parent); err != nil {
		return fmt.Errorf("blob: syncing directory of %s: %w", key, err)
	}
	return nil
}

func syncDir(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// dirObject is an open blob file.
type dirObject struct {
	*os.File
	info Info
}

func (o *dirObject) Info() Info { return o.info }

// Open implements Store. The object is the file itself, so reads and seeks
// cost nothing beyond the disk.
func (d *Dir) Open(ctx context.Context, key string) (Object, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := os.Open(d.path(key))
	if err != nil {
		return nil, mapDirErr(key, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("blob: %w", err)
	}
	return &dirObject{File: f, info: Info{Key: key, Size: st.Size(), ModTime: st.ModTime()}}, nil
}

// Stat implements Store without opening the file, for HEAD requests and GC.
func (d *Dir) Stat(ctx context.Context, key string) (Info, error) {
	if err := checkKey(key); err != nil {
		return Info{}, err
	}
	if err := ctx.Err(); err != nil {
		return Info{}, err
	}
	st, err := os.Stat(d.path(key))
	if err != nil {
		return Info{}, mapDirErr(key, err)
	}
	return Info{Key: key, Size: st.Size(), ModTime: st.ModTime()}, nil
}

func mapDirErr(key string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: %s", ErrNotFound, key)
	}
	return fmt.Errorf("blob: %w", err)
}

// Delete implements Store. The emptied ab/cd directories are left in place:
// they are few (at most 65536) and removing them would race with a
// concurrent Put into the same directory.
func (d *Dir) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := os.Remove(d.path(key)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("blob: %w", err)
	}
	return nil
}

// Walk implements Store. Only files whose name is a valid key and that sit
// in the right ab/cd directory are reported, so that stray files (an
// operator's notes, a half-copied backup) are never mistaken for blobs or
// deleted by garbage collection. Blobs deleted during the walk are skipped.
func (d *Dir) Walk(ctx context.Context, fn func(Info) error) error {
	return filepath.WalkDir(d.root, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && path != d.root {
				return nil // removed concurrently
			}
			return fmt.Errorf("blob: walking %s: %w", path, err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, err := filepath.Rel(d.root, path)
		if err != nil {
			return err
		}
		if e.IsDir() {
			if rel == tmpName {
				return filepath.SkipDir
			}
			return nil
		}
		key := filepath.Base(rel)
		if !e.Type().IsRegular() || !ValidKey(key) || rel != filepath.Join(key[0:2], key[2:4], key) {
			return nil
		}
		st, err := e.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("blob: %w", err)
		}
		return fn(Info{Key: key, Size: st.Size(), ModTime: st.ModTime()})
	})
}

// sweepTemp removes temporary files left by uploads that died (a crash, a
// killed process) and untouched since before. GC calls it.
func (d *Dir) sweepTemp(ctx context.Context, before time.Time) error {
	entries, err := os.ReadDir(d.tmp)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("blob: %w", err)
	}
	var errs []error
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return err
		}
		st, err := e.Info()
		if err != nil || !st.Mode().IsRegular() || !st.ModTime().Before(before) {
			continue
		}
		if err := os.Remove(filepath.Join(d.tmp, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
