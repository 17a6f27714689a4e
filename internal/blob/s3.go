package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3 keeps objects in a bucket of an S3-compatible object store (AWS S3,
// MinIO, SeaweedFS, Tencent COS, Alibaba OSS), under Prefix + key
// (docs/design.md, Recording archive). A Writer spools the object to a
// temporary file, so that its size is known and a failed or aborted write
// leaves nothing in the bucket; Commit uploads it in one PUT, or in parts
// over PartSize, each with its Content-MD5 for the server to check, and
// the object appears whole or not at all.
type S3 struct {
	client *minio.Client
	bucket string
	prefix string
	spool  string
}

// S3Config configures an S3 store.
type S3Config struct {
	// Endpoint is the service's base URL: https://host[:port] (http:// for
	// a server on a trusted network).
	Endpoint string
	Region   string
	Bucket   string
	// Prefix is prepended to every key (e.g. "cdrhub/"); "" for none.
	Prefix          string
	AccessKeyID     string
	SecretAccessKey string
	// SpoolDir holds the objects being written; the system's temporary
	// directory when "".
	SpoolDir string
	// Transport replaces the HTTP transport (tests); nil is the default.
	Transport http.RoundTripper
}

// partSize is the size of an upload's parts past which it goes in parts.
const partSize = 16 << 20

// NewS3 returns the store of cfg. It checks that the bucket exists.
func NewS3(ctx context.Context, cfg S3Config) (*S3, error) {
	u, err := url.Parse(cfg.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return nil, fmt.Errorf("blob: s3 endpoint %q: want http(s)://host[:port]", cfg.Endpoint)
	}
	if cfg.Bucket == "" || cfg.AccessKeyID == "" || cfg.SecretAccessKey == "" {
		return nil, errors.New("blob: s3 needs a bucket, an access key id and a secret access key")
	}
	c, err := minio.New(u.Host, &minio.Options{Creds: credentials.NewStaticV4(cfg.AccessKeyID, cfg.SecretAccessKey, ""),
		Secure: u.Scheme == "https", Region: cfg.Region, Transport: cfg.Transport, BucketLookup: minio.BucketLookupPath})
	if err != nil {
		return nil, fmt.Errorf("blob: s3: %w", err)
	}
	ok, err := c.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("blob: s3 bucket %s: %w", cfg.Bucket, err)
	}
	if !ok {
		return nil, fmt.Errorf("blob: s3 bucket %s does not exist", cfg.Bucket)
	}
	spool := cfg.SpoolDir
	if spool == "" {
		spool = os.TempDir()
	}
	return &S3{client: c, bucket: cfg.Bucket, prefix: cfg.Prefix, spool: spool}, nil
}

func (s *S3) name(key string) string { return s.prefix + key }

// Create starts an object, spooled to a temporary file until Commit.
func (s *S3) Create(ctx context.Context) (Writer, error) {
	f, err := os.CreateTemp(s.spool, "cdrhub-s3-*")
	if err != nil {
		return nil, err
	}
	return &s3Writer{s: s, f: f}, nil
}

type s3Writer struct {
	s    *S3
	f    *os.File
	n    int64
	done bool
}

func (w *s3Writer) Write(p []byte) (int, error) {
	if w.done {
		return 0, errWriterDone
	}
	n, err := w.f.Write(p)
	w.n += int64(n)
	return n, err
}

// Commit uploads the spooled bytes under key: the server checks each
// part's MD5, and the object is visible only once whole.
func (w *s3Writer) Commit(ctx context.Context, key string) error {
	if w.done {
		return errWriterDone
	}
	defer w.Abort()
	if err := CheckKey(key); err != nil {
		return err
	}
	if _, err := w.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	_, err := w.s.client.PutObject(ctx, w.s.bucket, w.s.name(key), w.f, w.n, minio.PutObjectOptions{
		SendContentMd5: true, PartSize: partSize, ContentType: "application/octet-stream"})
	if err != nil {
		return fmt.Errorf("blob: s3 put %s: %w", key, err)
	}
	return nil
}

// Abort discards the spooled bytes.
func (w *s3Writer) Abort() error {
	if w.done {
		return nil
	}
	w.done = true
	w.f.Close()
	return os.Remove(w.f.Name())
}

// Open opens the object under key.
func (s *S3) Open(ctx context.Context, key string) (Object, error) {
	if err := CheckKey(key); err != nil {
		return nil, err
	}
	info, err := s.client.StatObject(ctx, s.bucket, s.name(key), minio.StatObjectOptions{})
	if err != nil {
		if isNoSuchKey(err) {
			return nil, fmt.Errorf("%w: %s", ErrNotFound, key)
		}
		return nil, fmt.Errorf("blob: s3 stat %s: %w", key, err)
	}
	o, err := s.client.GetObject(ctx, s.bucket, s.name(key), minio.GetObjectOptions{})
	if err != nil {
		return nil, fmt.Errorf("blob: s3 get %s: %w", key, err)
	}
	return &s3Object{Object: o, size: info.Size, mod: info.LastModified}, nil
}

type s3Object struct {
	*minio.Object
	size int64
	mod  time.Time
}

func (o *s3Object) Size() int64        { return o.size }
func (o *s3Object) ModTime() time.Time { return o.mod }

// Delete removes the object under key; a missing one is no error.
func (s *S3) Delete(ctx context.Context, key string) error {
	if err := CheckKey(key); err != nil {
		return err
	}
	if err := s.client.RemoveObject(ctx, s.bucket, s.name(key), minio.RemoveObjectOptions{}); err != nil && !isNoSuchKey(err) {
		return fmt.Errorf("blob: s3 delete %s: %w", key, err)
	}
	return nil
}

// Presign returns a URL that downloads the object under key without
// credentials for ttl (at most 7 days), for recordings.s3.redirect.
func (s *S3) Presign(ctx context.Context, key string, ttl time.Duration) (string, error) {
	if err := CheckKey(key); err != nil {
		return "", err
	}
	u, err := s.client.PresignedGetObject(ctx, s.bucket, s.name(key), ttl, nil)
	if err != nil {
		return "", fmt.Errorf("blob: s3 presign %s: %w", key, err)
	}
	return u.String(), nil
}

func isNoSuchKey(err error) bool {
	code := minio.ToErrorResponse(err).Code
	return code == "NoSuchKey" || code == "NotFound" || strings.Contains(code, "NoSuchKey")
}
