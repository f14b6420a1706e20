package blob

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/minio/minio-go/v7"
)

// harness is one store under the contract suite, plus what the suite needs
// to control time and look behind the interface.
type harness struct {
	store Store
	// now is the store's notion of the current time.
	now func() time.Time
	// age makes every stored blob look d older relative to now().
	age func(t *testing.T, d time.Duration)
	// temps lists leftover temporary uploads.
	temps func(t *testing.T) []string
}

func newDirHarness(t *testing.T) harness {
	root := filepath.Join(t.TempDir(), "blobs")
	d, err := NewDir(root)
	if err != nil {
		t.Fatal(err)
	}
	return harness{
		store: d,
		now:   time.Now,
		age: func(t *testing.T, dur time.Duration) {
			t.Helper()
			err := filepath.WalkDir(root, func(path string, e fs.DirEntry, err error) error {
				if err != nil || !e.Type().IsRegular() {
					return err
				}
				st, err := e.Info()
				if err != nil {
					return err
				}
				old := st.ModTime().Add(-dur)
				return os.Chtimes(path, old, old)
			})
			if err != nil {
				t.Fatal(err)
			}
		},
		temps: func(t *testing.T) []string {
			t.Helper()
			entries, err := os.ReadDir(filepath.Join(root, "tmp"))
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			return names
		},
	}
}

// fakeClock drives the fake S3 server's clock (LastModified) so that the
// suite can age blobs without sleeping. Its zero value is not usable.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Since(t time.Time) time.Duration { return c.Now().Sub(t) }

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

const testBucket = "piaf-test"

// newFakeS3 starts an in-process S3-protocol server (gofakes3 with its
// in-memory backend), over HTTPS when useTLS is set, and returns its
// host:port and the transport that trusts it.
func newFakeS3(t *testing.T, clock *fakeClock, useTLS bool, buckets ...string) (string, http.RoundTripper) {
	t.Helper()
	backend := s3mem.New(s3mem.WithTimeSource(clock))
	for _, b := range buckets {
		if err := backend.CreateBucket(b); err != nil {
			t.Fatal(err)
		}
	}
	// The skew check would compare the client's real clock with the fake one.
	faker := gofakes3.New(backend, gofakes3.WithTimeSource(clock), gofakes3.WithTimeSkewLimit(0))
	srv := httptest.NewUnstartedServer(faker.Server())
	// gofakes3 writes the status twice on some error responses (404 on
	// HEAD); net/http's complaint about it is noise here.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	if useTLS {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host, srv.Client().Transport
}

func newS3Harness(t *testing.T, prefix string, useTLS bool) harness {
	clock := &fakeClock{t: time.Now().UTC().Truncate(time.Second)}
	endpoint, transport := newFakeS3(t, clock, useTLS, testBucket)
	s, err := newS3(t.Context(), S3Config{
		Endpoint:  endpoint,
		Bucket:    testBucket,
		Region:    "us-east-1",
		AccessKey: "test",
		SecretKey: "testtesttest",
		UseSSL:    useTLS,
		Prefix:    prefix,
	}, transport)
	if err != nil {
		t.Fatal(err)
	}
	// Objects this store did not write: Walk and GC must never report or
	// touch them.
	foreign := []string{"unrelated.txt", prefix + "notakey", prefix + "sub/" + keyOf([]byte("x"))}
	for _, name := range foreign {
		_, err := s.client.PutObject(t.Context(), testBucket, name, strings.NewReader("foreign"), 7, minio.PutObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		for _, name := range foreign {
			if _, err := s.client.StatObject(context.Background(), testBucket, name, minio.StatObjectOptions{}); err != nil {
				t.Errorf("foreign object %s was touched: %v", name, err)
			}
		}
	})
	return harness{
		store: s,
		now:   clock.Now,
		age:   func(_ *testing.T, d time.Duration) { clock.Advance(d) },
		temps: func(t *testing.T) []string {
			t.Helper()
			var names []string
			for obj := range s.client.ListObjects(t.Context(), testBucket, minio.ListObjectsOptions{Prefix: s.tmpPrefix(), Recursive: true}) {
				if obj.Err != nil {
					t.Fatal(obj.Err)
				}
				names = append(names, obj.Key)
			}
			return names
		},
	}
}

func TestDirContract(t *testing.T) {
	runContract(t, newDirHarness)
}

func TestS3Contract(t *testing.T) {
	// Over plain HTTP minio signs payloads in aws-chunked streaming mode,
	// over HTTPS it does not: both paths are exercised.
	t.Run("http-prefix", func(t *testing.T) {
		runContract(t, func(t *testing.T) harness { return newS3Harness(t, "piaf/blobs/", false) })
	})
	t.Run("https-noprefix", func(t *testing.T) {
		runContract(t, func(t *testing.T) harness { return newS3Harness(t, "", true) })
	})
}

func keyOf(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func randomBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func put(t *testing.T, s Store, data []byte) string {
	t.Helper()
	key := keyOf(data)
	if err := s.Put(t.Context(), key, bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatalf("Put: %v", err)
	}
	return key
}

func readAll(t *testing.T, s Store, key string) []byte {
	t.Helper()
	o, err := s.Open(t.Context(), key)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer o.Close()
	b, err := io.ReadAll(o)
	if err != nil {
		t.Fatalf("reading: %v", err)
	}
	return b
}

func runContract(t *testing.T, newHarness func(t *testing.T) harness) {
	t.Run("RoundTripAndSeek", func(t *testing.T) {
		h := newHarness(t)
		data := randomBytes(1, 100_000)
		key := put(t, h.store, data)

		o, err := h.store.Open(t.Context(), key)
		if err != nil {
			t.Fatal(err)
		}
		defer o.Close()
		if info := o.Info(); info.Key != key || info.Size != int64(len(data)) || info.ModTime.IsZero() {
			t.Fatalf("Info() = %+v", info)
		}
		got, err := io.ReadAll(o)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("full read: %d bytes, err %v", len(got), err)
		}
		// Seek to the middle and read a range.
		if pos, err := o.Seek(50_000, io.SeekStart); err != nil || pos != 50_000 {
			t.Fatalf("Seek = %d, %v", pos, err)
		}
		buf := make([]byte, 1000)
		if _, err := io.ReadFull(o, buf); err != nil || !bytes.Equal(buf, data[50_000:51_000]) {
			t.Fatalf("range read after seek: err %v, equal %v", err, bytes.Equal(buf, data[50_000:51_000]))
		}
		if pos, err := o.Seek(0, io.SeekCurrent); err != nil || pos != 51_000 {
			t.Fatalf("position = %d, %v", pos, err)
		}
		if pos, err := o.Seek(-10, io.SeekEnd); err != nil || pos != int64(len(data)-10) {
			t.Fatalf("Seek end = %d, %v", pos, err)
		}
		tail, err := io.ReadAll(o)
		if err != nil || !bytes.Equal(tail, data[len(data)-10:]) {
			t.Fatalf("tail = %x, %v", tail, err)
		}

		st, err := h.store.Stat(t.Context(), key)
		if err != nil || st.Key != key || st.Size != int64(len(data)) {
			t.Fatalf("Stat = %+v, %v", st, err)
		}
	})

	t.Run("ServeContentRange", func(t *testing.T) {
		h := newHarness(t)
		data := randomBytes(2, 10_000)
		key := put(t, h.store, data)
		o, err := h.store.Open(t.Context(), key)
		if err != nil {
			t.Fatal(err)
		}
		defer o.Close()
		req := httptest.NewRequest(http.MethodGet, "/"+key, nil)
		req.Header.Set("Range", "bytes=4000-4999")
		rec := httptest.NewRecorder()
		http.ServeContent(rec, req, key, o.Info().ModTime, o)
		if rec.Code != http.StatusPartialContent {
			t.Fatalf("status %d", rec.Code)
		}
		if !bytes.Equal(rec.Body.Bytes(), data[4000:5000]) {
			t.Fatalf("range body differs (%d bytes)", rec.Body.Len())
		}
		if cr := rec.Header().Get("Content-Range"); cr != "bytes 4000-4999/10000" {
			t.Fatalf("Content-Range %q", cr)
		}
	})

	t.Run("PutAgainRefreshesModTime", func(t *testing.T) {
		h := newHarness(t)
		data := []byte("same content, uploaded twice")
		key := put(t, h.store, data)
		h.age(t, 3*time.Hour)
		before, err := h.store.Stat(t.Context(), key)
		if err != nil {
			t.Fatal(err)
		}
		if !before.ModTime.Before(h.now().Add(-2 * time.Hour)) {
			t.Fatalf("aging did not work: ModTime %v, now %v", before.ModTime, h.now())
		}
		put(t, h.store, data)
		after, err := h.store.Stat(t.Context(), key)
		if err != nil {
			t.Fatal(err)
		}
		if after.ModTime.Before(h.now().Add(-time.Minute)) {
			t.Fatalf("ModTime not refreshed: %v, now %v", after.ModTime, h.now())
		}
		if got := readAll(t, h.store, key); !bytes.Equal(got, data) {
			t.Fatalf("content after second put = %q", got)
		}
	})

	t.Run("HashMismatchRefused", func(t *testing.T) {
		h := newHarness(t)
		good := []byte("the real content")
		bad := []byte("the fake content")
		key := keyOf(good)
		err := h.store.Put(t.Context(), key, bytes.NewReader(bad), int64(len(bad)))
		if !errors.Is(err, ErrHashMismatch) {
			t.Fatalf("Put with wrong content: %v, want ErrHashMismatch", err)
		}
		if _, err := h.store.Stat(t.Context(), key); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Stat after refused put: %v, want ErrNotFound", err)
		}
		if _, err := h.store.Open(t.Context(), key); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Open after refused put: %v, want ErrNotFound", err)
		}
		if temps := h.temps(t); len(temps) != 0 {
			t.Fatalf("leftover temporary uploads: %v", temps)
		}

		// A wrong upload over an existing blob leaves the blob intact.
		put(t, h.store, good)
		err = h.store.Put(t.Context(), key, bytes.NewReader(bad), int64(len(bad)))
		if !errors.Is(err, ErrHashMismatch) {
			t.Fatalf("second wrong put: %v", err)
		}
		if got := readAll(t, h.store, key); !bytes.Equal(got, good) {
			t.Fatalf("existing blob damaged: %q", got)
		}

		// Content shorter than announced is refused too.
		other := []byte("short")
		okey := keyOf(other)
		err = h.store.Put(t.Context(), okey, bytes.NewReader(other), int64(len(other)+10))
		if err == nil || !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("short put: %v, want io.ErrUnexpectedEOF", err)
		}
		if _, err := h.store.Stat(t.Context(), okey); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Stat after short put: %v", err)
		}
		// Announcing less than the content stores a prefix, which cannot
		// hash to the key of the whole.
		err = h.store.Put(t.Context(), okey, bytes.NewReader(other), int64(len(other)-1))
		if !errors.Is(err, ErrHashMismatch) {
			t.Fatalf("truncated put: %v", err)
		}
		if temps := h.temps(t); len(temps) != 0 {
			t.Fatalf("leftover temporary uploads: %v", temps)
		}
	})

	t.Run("InvalidKeys", func(t *testing.T) {
		h := newHarness(t)
		valid := keyOf([]byte("k"))
		for _, key := range []string{
			"",
			"../x",
			"../" + valid[3:],
			"abc",
			strings.ToUpper(valid),
			valid + "0",
			valid[:63],
			valid[:62] + "/x",
			valid[:63] + "g",
			"tmp/" + valid[4:],
		} {
			if err := h.store.Put(t.Context(), key, strings.NewReader("k"), 1); !errors.Is(err, ErrInvalidKey) {
				t.Errorf("Put(%q) = %v", key, err)
			}
			if _, err := h.store.Open(t.Context(), key); !errors.Is(err, ErrInvalidKey) {
				t.Errorf("Open(%q) = %v", key, err)
			}
			if _, err := h.store.Stat(t.Context(), key); !errors.Is(err, ErrInvalidKey) {
				t.Errorf("Stat(%q) = %v", key, err)
			}
			if err := h.store.Delete(t.Context(), key); !errors.Is(err, ErrInvalidKey) {
				t.Errorf("Delete(%q) = %v", key, err)
			}
		}
	})

	t.Run("DeleteIdempotent", func(t *testing.T) {
		h := newHarness(t)
		key := put(t, h.store, []byte("to be deleted"))
		for i := range 2 {
			if err := h.store.Delete(t.Context(), key); err != nil {
				t.Fatalf("Delete #%d: %v", i+1, err)
			}
		}
		if _, err := h.store.Stat(t.Context(), key); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Stat after delete: %v", err)
		}
		if _, err := h.store.Open(t.Context(), key); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Open after delete: %v", err)
		}
		if err := h.store.Delete(t.Context(), keyOf([]byte("never stored"))); err != nil {
			t.Fatalf("Delete of absent key: %v", err)
		}
	})

	t.Run("Walk", func(t *testing.T) {
		h := newHarness(t)
		want := map[string]int64{}
		for i := range 5 {
			data := randomBytes(uint64(10+i), 100*i)
			want[put(t, h.store, data)] = int64(len(data))
		}
		// A refused upload must not show up.
		_ = h.store.Put(t.Context(), keyOf([]byte("a")), strings.NewReader("b"), 1)

		got := map[string]int64{}
		err := h.store.Walk(t.Context(), func(info Info) error {
			if _, dup := got[info.Key]; dup {
				t.Errorf("%s walked twice", info.Key)
			}
			if info.ModTime.IsZero() {
				t.Errorf("%s has no ModTime", info.Key)
			}
			got[info.Key] = info.Size
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("walked %v\nwant   %v", got, want)
		}

		stop := errors.New("stop")
		calls := 0
		err = h.store.Walk(t.Context(), func(Info) error { calls++; return stop })
		if !errors.Is(err, stop) || calls != 1 {
			t.Fatalf("early stop: err %v after %d calls", err, calls)
		}
	})

	t.Run("GC", func(t *testing.T) {
		h := newHarness(t)
		oldUnref := put(t, h.store, []byte("old and unreferenced"))
		oldRef := put(t, h.store, []byte("old but referenced"))
		h.age(t, 2*time.Hour)
		newUnref := put(t, h.store, []byte("new and unreferenced"))

		var asked []string
		keep := func(key string) (bool, error) {
			asked = append(asked, key)
			return key == oldRef, nil
		}
		deleted, freed, err := GC(t.Context(), h.store, keep, time.Hour, h.now())
		if err != nil {
			t.Fatal(err)
		}
		if deleted != 1 || freed != int64(len("old and unreferenced")) {
			t.Fatalf("GC deleted %d, freed %d", deleted, freed)
		}
		if _, err := h.store.Stat(t.Context(), oldUnref); !errors.Is(err, ErrNotFound) {
			t.Fatalf("old unreferenced blob survived: %v", err)
		}
		for _, k := range []string{oldRef, newUnref} {
			if _, err := h.store.Stat(t.Context(), k); err != nil {
				t.Fatalf("GC removed %s: %v", k, err)
			}
		}
		if slices.Contains(asked, newUnref) {
			t.Fatalf("keep asked about a blob within the grace period")
		}

		// Running it again finds nothing more to do.
		deleted, freed, err = GC(t.Context(), h.store, keep, time.Hour, h.now())
		if err != nil || deleted != 0 || freed != 0 {
			t.Fatalf("second GC: %d, %d, %v", deleted, freed, err)
		}

		// keep's errors stop GC and delete nothing.
		boom := errors.New("database down")
		h.age(t, 2*time.Hour)
		deleted, _, err = GC(t.Context(), h.store, func(string) (bool, error) { return false, boom }, time.Hour, h.now())
		if !errors.Is(err, boom) || deleted != 0 {
			t.Fatalf("GC with failing keep: %d, %v", deleted, err)
		}
		if _, err := h.store.Stat(t.Context(), newUnref); err != nil {
			t.Fatalf("blob deleted despite keep error: %v", err)
		}
	})

	t.Run("EmptyBlob", func(t *testing.T) {
		h := newHarness(t)
		key := put(t, h.store, nil)
		if key != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
			t.Fatalf("unexpected empty key %s", key)
		}
		st, err := h.store.Stat(t.Context(), key)
		if err != nil || st.Size != 0 {
			t.Fatalf("Stat = %+v, %v", st, err)
		}
		o, err := h.store.Open(t.Context(), key)
		if err != nil {
			t.Fatal(err)
		}
		defer o.Close()
		if o.Info().Size != 0 {
			t.Fatalf("Info = %+v", o.Info())
		}
		if end, err := o.Seek(0, io.SeekEnd); err != nil || end != 0 {
			t.Fatalf("Seek end = %d, %v", end, err)
		}
		if _, err := o.Seek(0, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(o)
		if err != nil || len(b) != 0 {
			t.Fatalf("read %d bytes, %v", len(b), err)
		}
		found := false
		if err := h.store.Walk(t.Context(), func(i Info) error { found = found || i.Key == key; return nil }); err != nil || !found {
			t.Fatalf("empty blob not walked: %v", err)
		}
	})

	t.Run("FiveMegabytes", func(t *testing.T) {
		h := newHarness(t)
		data := randomBytes(5, 5<<20)
		key := put(t, h.store, data)
		got := readAll(t, h.store, key)
		if keyOf(got) != key {
			t.Fatalf("5 MB blob came back different (%d bytes)", len(got))
		}
	})

	t.Run("ConcurrentPutsOfSameKey", func(t *testing.T) {
		h := newHarness(t)
		data := randomBytes(7, 64<<10)
		key := keyOf(data)
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Go(func() {
				errs[i] = h.store.Put(t.Context(), key, bytes.NewReader(data), int64(len(data)))
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		if got := readAll(t, h.store, key); !bytes.Equal(got, data) {
			t.Fatal("content differs after concurrent puts")
		}
		if temps := h.temps(t); len(temps) != 0 {
			t.Fatalf("leftover temporary uploads: %v", temps)
		}
	})

	t.Run("CancelledContext", func(t *testing.T) {
		h := newHarness(t)
		data := randomBytes(8, 1000)
		key := keyOf(data)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if err := h.store.Put(ctx, key, bytes.NewReader(data), int64(len(data))); err == nil {
			t.Fatal("Put with cancelled context succeeded")
		}
		if _, err := h.store.Stat(t.Context(), key); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Stat after cancelled put: %v", err)
		}
		if temps := h.temps(t); len(temps) != 0 {
			t.Fatalf("leftover temporary uploads: %v", temps)
		}
	})

	t.Run("Name", func(t *testing.T) {
		h := newHarness(t)
		if n := h.store.Name(); !strings.HasPrefix(n, "dir:/") && !strings.HasPrefix(n, "s3:"+testBucket) {
			t.Fatalf("Name() = %q", n)
		}
	})
}

func TestDirLayout(t *testing.T) {
	root := filepath.Join(t.TempDir(), "a", "b")
	d, err := NewDir(root)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(root)
	if err != nil || !st.IsDir() || st.Mode().Perm()&0o027 != 0 {
		t.Fatalf("root: %v, %v", st.Mode(), err)
	}
	if d.Name() != "dir:"+root {
		t.Fatalf("Name() = %q", d.Name())
	}
	key := put(t, d, []byte("layout"))
	path := filepath.Join(root, key[:2], key[2:4], key)
	fst, err := os.Stat(path)
	if err != nil {
		t.Fatalf("blob not at %s: %v", path, err)
	}
	if fst.Mode().Perm() != 0o640 {
		t.Fatalf("blob mode %v", fst.Mode())
	}

	// Stray files are not blobs: Walk ignores them and GC leaves them.
	strays := []string{
		filepath.Join(root, "README"),
		filepath.Join(root, key),                               // right name, wrong place
		filepath.Join(root, key[:2], key[2:4], key+".bak"),     // wrong name
		filepath.Join(root, "ff", "ff", key),                   // wrong directory
		filepath.Join(root, "tmp", keyOf([]byte("in flight"))), // an upload in progress
	}
	for _, p := range strays {
		if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("stray"), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	var walked []string
	if err := d.Walk(t.Context(), func(i Info) error { walked = append(walked, i.Key); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(walked) != 1 || walked[0] != key {
		t.Fatalf("walked %v", walked)
	}
	n, _, err := GC(t.Context(), d, func(string) (bool, error) { return false, nil }, 0, time.Now().Add(time.Minute))
	if err != nil || n != 1 {
		t.Fatalf("GC: %d, %v", n, err)
	}
	for _, p := range strays {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("GC removed stray %s: %v", p, err)
		}
	}

	// A temporary file abandoned long ago is swept by GC.
	old := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(strays[4], old, old); err != nil {
		t.Fatal(err)
	}
	if _, _, err := GC(t.Context(), d, func(string) (bool, error) { return true, nil }, time.Hour, time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(strays[4]); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("abandoned temporary file not swept: %v", err)
	}

	// Reopening an existing store works.
	if _, err := NewDir(root); err != nil {
		t.Fatal(err)
	}
}

// TestS3Multipart runs over HTTPS because gofakes3 does not decode
// aws-chunked (streaming-signed) bodies in UploadPart, which minio-go sends
// over plain HTTP: the fake would store the chunk framing as content. Real
// S3 servers decode them.
func TestS3Multipart(t *testing.T) {
	h := newS3Harness(t, "mp/", true)
	s := h.store.(*S3)
	s.partSize = 5 << 20 // the S3 minimum, so 12 MB needs three parts
	data := randomBytes(12, 12<<20)
	key := put(t, s, data)
	if got := readAll(t, s, key); keyOf(got) != key {
		t.Fatalf("multipart blob came back different (%d bytes)", len(got))
	}
	bad := bytes.Clone(data)
	bad[len(bad)-1] ^= 1
	other := keyOf(bad[:len(bad)-1])
	if err := s.Put(t.Context(), other, bytes.NewReader(bad[:len(bad)-1]), int64(len(bad)-1)); err != nil {
		t.Fatal(err)
	}
	badKey := keyOf(append(bytes.Clone(bad[:len(bad)-1]), 0))
	if err := s.Put(t.Context(), badKey, bytes.NewReader(bad), int64(len(bad))); !errors.Is(err, ErrHashMismatch) {
		t.Fatalf("multipart wrong content: %v", err)
	}
	if _, err := s.Stat(t.Context(), badKey); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Stat after refused multipart put: %v", err)
	}
	if temps := h.temps(t); len(temps) != 0 {
		t.Fatalf("leftover temporary uploads: %v", temps)
	}
}

func TestS3SweepsAbandonedTemp(t *testing.T) {
	h := newS3Harness(t, "p/", false)
	s := h.store.(*S3)
	name := s.tmpPrefix() + keyOf([]byte("crashed")) + ".0011223344556677"
	if _, err := s.client.PutObject(t.Context(), testBucket, name, strings.NewReader("crashed"), 7, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	// Too young to be swept.
	if _, _, err := GC(t.Context(), s, func(string) (bool, error) { return false, nil }, 0, h.now()); err != nil {
		t.Fatal(err)
	}
	if len(h.temps(t)) != 1 {
		t.Fatal("a recent temporary upload was swept")
	}
	h.age(t, 2*time.Hour)
	if _, _, err := GC(t.Context(), s, func(string) (bool, error) { return false, nil }, 0, h.now()); err != nil {
		t.Fatal(err)
	}
	if temps := h.temps(t); len(temps) != 0 {
		t.Fatalf("abandoned temporary upload not swept: %v", temps)
	}
}

func TestNewS3Errors(t *testing.T) {
	clock := &fakeClock{t: time.Now()}
	endpoint, _ := newFakeS3(t, clock, false, "exists")
	cfg := S3Config{Endpoint: endpoint, Bucket: "missing", Region: "us-east-1", AccessKey: "a", SecretKey: "bbbbbbbb"}
	if _, err := NewS3(t.Context(), cfg); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("missing bucket: %v", err)
	}
	cfg.Bucket = "exists"
	cfg.Region = "" // let the client find out
	s, err := NewS3(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if s.Name() != "s3:exists" {
		t.Fatalf("Name() = %q", s.Name())
	}
	cfg.Endpoint = "http://" + endpoint
	if _, err := NewS3(t.Context(), cfg); err == nil {
		t.Fatal("endpoint with scheme accepted")
	}
	if _, err := NewS3(t.Context(), S3Config{Bucket: "exists"}); err == nil {
		t.Fatal("empty endpoint accepted")
	}
}

func TestHashFile(t *testing.T) {
	data := randomBytes(3, 300_000)
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	key, size, err := HashFile(path)
	if err != nil || key != keyOf(data) || size != int64(len(data)) {
		t.Fatalf("HashFile = %s, %d, %v", key, size, err)
	}
	if !ValidKey(key) {
		t.Fatal("HashFile returned an invalid key")
	}
	if _, _, err := HashFile(filepath.Join(t.TempDir(), "absent")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("absent file: %v", err)
	}
	// A file hashed with HashFile can be Put under its key.
	d, err := NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := d.Put(t.Context(), key, f, size); err != nil {
		t.Fatal(err)
	}
}

// TestPutWrittenStoresUnderTheContentHash checks that written bytes land
// under their SHA-256, whole, with the staging file gone, and that a failed
// write stores nothing.
func TestPutWrittenStoresUnderTheContentHash(t *testing.T) {
	d, err := NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	staging := t.TempDir()
	data := []byte(strings.Repeat("modèle ", 300000))
	key, size, err := PutWritten(context.Background(), d, staging, func(w io.Writer) error { _, err := w.Write(data); return err })
	if err != nil {
		t.Fatal(err)
	}
	if key != keyOf(data) || size != int64(len(data)) {
		t.Fatalf("key %s size %d, want %s %d", key, size, keyOf(data), len(data))
	}
	obj, err := d.Open(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(obj)
	obj.Close()
	if !bytes.Equal(got, data) {
		t.Fatal("stored bytes differ")
	}
	if _, _, err := PutWritten(context.Background(), d, staging, func(io.Writer) error { return errors.New("disque plein") }); err == nil {
		t.Fatal("a failed write was stored")
	}
	if left, _ := os.ReadDir(staging); len(left) != 0 {
		t.Fatalf("staging files left: %v", left)
	}
}
