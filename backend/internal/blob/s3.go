package blob

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Config says how to reach S3-compatible object storage (AWS S3, MinIO,
// Garage, Ceph, Scaleway, OVH...), for deployments whose release files do not
// fit on, or should not live on, the application server's disk.
type S3Config struct {
	// Endpoint is host[:port], without scheme (UseSSL chooses https).
	Endpoint string
	// Bucket must already exist: creating it is an operator's decision
	// (region, policies, lifecycle rules), not the application's.
	Bucket string
	// Region may stay empty when the server does not care or can tell it.
	Region string
	// AccessKey and SecretKey are static credentials.
	AccessKey string
	// SecretKey goes with AccessKey.
	SecretKey string
	// UseSSL selects https; only a local test server should go without.
	UseSSL bool
	// Prefix is prepended verbatim to every object name, so that one bucket
	// can be shared; end it with "/" to get a folder ("piaf/blobs/").
	Prefix string
}

// S3 is a Store in an S3-compatible bucket, for deployments that keep
// release files in object storage.
//
// Blobs are stored as Prefix + key. An upload first goes to Prefix +
// "tmp/<key>.<random>", is verified against its key while streaming, and
// only then is copied server-side to its final name and the temporary object
// removed: wrong content is never visible under a key, not even briefly.
// Temporary objects orphaned by a crash are removed by GC; a bucket lifecycle
// rule aborting incomplete multipart uploads is still recommended.
type S3 struct {
	client *minio.Client
	bucket string
	prefix string
	// partSize overrides minio's multipart part size; zero keeps its
	// default. Tests lower it to exercise multipart uploads cheaply.
	partSize uint64
}

var _ Store = (*S3)(nil)

// maxCopySize is the largest object S3 copies in a single request.
const maxCopySize = 5 << 30

// NewS3 connects to the bucket and checks that it exists, so that a
// misconfiguration (wrong endpoint, credentials or bucket name) fails at
// startup rather than on the first upload.
func NewS3(ctx context.Context, cfg S3Config) (*S3, error) {
	return newS3(ctx, cfg, nil)
}

// newS3 is NewS3 with a custom HTTP transport (nil for minio's default), so
// that tests can trust their own TLS server.
func newS3(ctx context.Context, cfg S3Config, transport http.RoundTripper) (*S3, error) {
	if cfg.Endpoint == "" || cfg.Bucket == "" {
		return nil, errors.New("blob: S3 endpoint and bucket are required")
	}
	if strings.Contains(cfg.Endpoint, "://") {
		return nil, fmt.Errorf("blob: S3 endpoint %q must be host[:port] without scheme (UseSSL selects https)", cfg.Endpoint)
	}
	client, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:     credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure:    cfg.UseSSL,
		Region:    cfg.Region,
		Transport: transport,
	})
	if err != nil {
		return nil, fmt.Errorf("blob: S3 client: %w", err)
	}
	ok, err := client.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("blob: checking S3 bucket %q at %s: %w", cfg.Bucket, cfg.Endpoint, err)
	}
	if !ok {
		return nil, fmt.Errorf("blob: S3 bucket %q does not exist at %s", cfg.Bucket, cfg.Endpoint)
	}
	return &S3{client: client, bucket: cfg.Bucket, prefix: cfg.Prefix}, nil
}

// Name returns "s3:bucket" (with "/prefix" when one is set), for logs and
// health checks; it never includes credentials.
func (s *S3) Name() string {
	if s.prefix == "" {
		return "s3:" + s.bucket
	}
	return "s3:" + s.bucket + "/" + strings.TrimSuffix(s.prefix, "/")
}

func (s *S3) object(key string) string { return s.prefix + key }

func (s *S3) tmpPrefix() string { return s.prefix + "tmp/" }

// Put implements Store. Even when key already exists the content is uploaded
// and verified again: the copy onto the final name is what refreshes
// ModTime, and the caller's content is never trusted unchecked.
func (s *S3) Put(ctx context.Context, key string, r io.Reader, size int64) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if err := checkSize(size); err != nil {
		return err
	}
	var rnd [8]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	tmp := s.tmpPrefix() + key + "." + hex.EncodeToString(rnd[:])

	v := newVerifier(ctx, r, size)
	_, err := s.client.PutObject(ctx, s.bucket, tmp, v, size, minio.PutObjectOptions{
		ContentType: "application/octet-stream",
		PartSize:    s.partSize,
		// Over plain HTTP minio signs the payload in aws-chunked streaming
		// mode, which for an empty body goes out chunked without
		// Content-Length, and servers may refuse it (gofakes3 answers
		// MissingContentLength). An empty payload has nothing to protect,
		// so it is sent unsigned.
		DisableContentSha256: size == 0,
	})
	// Whatever happens next, the temporary object must go, even if the
	// caller's context is cancelled. A failure to remove it is not reported:
	// the outcome of Put does not depend on it, and GC sweeps orphans.
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		_ = s.client.RemoveObject(cctx, s.bucket, tmp, minio.RemoveObjectOptions{})
	}()
	if err != nil {
		if v.short {
			return v.shortErr()
		}
		return fmt.Errorf("blob: uploading %s to S3: %w", key, err)
	}
	if err = v.check(key); err != nil {
		return err
	}
	dst := minio.CopyDestOptions{Bucket: s.bucket, Object: s.object(key)}
	src := minio.CopySrcOptions{Bucket: s.bucket, Object: tmp}
	if size <= maxCopySize {
		_, err = s.client.CopyObject(ctx, dst, src)
	} else {
		// A single copy request is limited to 5 GiB; beyond that the
		// copy is made of UploadPartCopy parts.
		_, err = s.client.ComposeObject(ctx, dst, src)
	}
	if err != nil {
		return fmt.Errorf("blob: copying %s into place: %w", key, err)
	}
	return nil
}

// s3Object is an open S3 object. minio's Object issues ranged GETs on Seek,
// so serving a Range request does not download the whole blob.
type s3Object struct {
	*minio.Object
	info Info
}

func (o *s3Object) Info() Info { return o.info }

// Open implements Store. It fetches the metadata at once so that a missing
// key is reported here (ErrNotFound) rather than on the first Read.
func (s *S3) Open(ctx context.Context, key string) (Object, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	obj, err := s.client.GetObject(ctx, s.bucket, s.object(key), minio.GetObjectOptions{})
	if err != nil {
		return nil, s.mapErr(key, err)
	}
	st, err := obj.Stat()
	if err != nil {
		obj.Close()
		return nil, s.mapErr(key, err)
	}
	return &s3Object{Object: obj, info: Info{Key: key, Size: st.Size, ModTime: st.LastModified}}, nil
}

// Stat implements Store with a HEAD request, so nothing is downloaded.
func (s *S3) Stat(ctx context.Context, key string) (Info, error) {
	if err := checkKey(key); err != nil {
		return Info{}, err
	}
	st, err := s.client.StatObject(ctx, s.bucket, s.object(key), minio.StatObjectOptions{})
	if err != nil {
		return Info{}, s.mapErr(key, err)
	}
	return Info{Key: key, Size: st.Size, ModTime: st.LastModified}, nil
}

// Delete implements Store. S3 itself treats deleting an absent object as a
// success; NoSuchKey from stricter servers is mapped to success too.
func (s *S3) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	err := s.client.RemoveObject(ctx, s.bucket, s.object(key), minio.RemoveObjectOptions{})
	if err != nil && !isNoSuchKey(err) {
		return fmt.Errorf("blob: deleting %s from S3: %w", key, err)
	}
	return nil
}

// Walk implements Store. The listing is not recursive, so temporary uploads
// and anything else kept in sub-folders of the prefix are not visited, and
// only names that are valid keys are reported: garbage collection can never
// touch an object this store did not write.
func (s *S3) Walk(ctx context.Context, fn func(Info) error) error {
	ctx, cancel := context.WithCancel(ctx) // stops minio's listing goroutine on early return
	defer cancel()
	for obj := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: s.prefix}) {
		if obj.Err != nil {
			return fmt.Errorf("blob: listing S3 bucket %s: %w", s.bucket, obj.Err)
		}
		key, ok := strings.CutPrefix(obj.Key, s.prefix)
		if !ok || !ValidKey(key) {
			continue
		}
		if err := fn(Info{Key: key, Size: obj.Size, ModTime: obj.LastModified}); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// sweepTemp removes temporary upload objects older than before, left by a
// process that died between upload and copy. GC calls it.
func (s *S3) sweepTemp(ctx context.Context, before time.Time) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var errs []error
	for obj := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: s.tmpPrefix(), Recursive: true}) {
		if obj.Err != nil {
			return fmt.Errorf("blob: listing S3 temporary uploads: %w", obj.Err)
		}
		if !obj.LastModified.Before(before) {
			continue
		}
		if err := s.client.RemoveObject(ctx, s.bucket, obj.Key, minio.RemoveObjectOptions{}); err != nil && !isNoSuchKey(err) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func isNoSuchKey(err error) bool {
	var er minio.ErrorResponse
	return errors.As(err, &er) && (er.Code == "NoSuchKey" || er.Code == "NotFound")
}

func (s *S3) mapErr(key string, err error) error {
	if isNoSuchKey(err) {
		return fmt.Errorf("%w: %s", ErrNotFound, key)
	}
	return fmt.Errorf("blob: S3 %s: %w", key, err)
}
