package blob_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/blob"
	"github.com/cdrhub/cdrhub/internal/blob/blobtest"
	"github.com/cdrhub/cdrhub/internal/blob/s3test"
)

// The S3 backend is tested against a real S3-compatible server
// (s3test: SeaweedFS's S3 gateway).

func TestMain(m *testing.M) {
	code := m.Run()
	s3test.Stop()
	os.Exit(code)
}

var (
	prefixMu  sync.Mutex
	prefixSeq int
)

// openS3 opens the test bucket under a new prefix.
func openS3(t *testing.T) *blob.S3 {
	t.Helper()
	srv := s3test.Start(t)
	prefixMu.Lock()
	prefixSeq++
	prefix := fmt.Sprintf("t%d/", prefixSeq)
	prefixMu.Unlock()
	s, err := blob.NewS3(context.Background(), blob.S3Config{Endpoint: srv.Endpoint, Bucket: srv.Bucket, Prefix: prefix,
		AccessKeyID: srv.AccessKey, SecretAccessKey: srv.Secret, SpoolDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestS3Conformance(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blob.Store {
		return openS3(t)
	})
}

// TestS3Multipart: a file larger than a part goes up in parts, each
// checked by the server, and reads back whole and by ranges.
func TestS3Multipart(t *testing.T) {
	s := openS3(t)
	ctx := context.Background()
	data := blobtest.Data(7, 40<<20+123) // three parts of 16 MiB
	w, err := s.Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	if _, err := io.Copy(w, bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	key, _ := blob.Key(blobtest.Tenant, sha(data))
	if err := w.Commit(ctx, key); err != nil {
		t.Fatal(err)
	}
	o, err := s.Open(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	if o.Size() != int64(len(data)) {
		t.Errorf("size %d, want %d", o.Size(), len(data))
	}
	if _, err := o.Seek(30<<20, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	part := make([]byte, 1<<20)
	if _, err := io.ReadFull(o, part); err != nil || !bytes.Equal(part, data[30<<20:31<<20]) {
		t.Errorf("range across parts differs: %v", err)
	}
}

// TestS3InterruptedUpload: an upload cut off (its context canceled while
// the parts go up) leaves no object.
func TestS3InterruptedUpload(t *testing.T) {
	s := openS3(t)
	data := blobtest.Data(9, 40<<20)
	w, err := s.Create(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	key, _ := blob.Key(blobtest.Tenant, sha(data))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := w.Commit(ctx, key); err == nil {
		t.Skip("the upload finished within 50 ms: nothing was interrupted")
	}
	if _, err := s.Open(context.Background(), key); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("after an interrupted upload, Open: %v, want not found", err)
	}
}

// TestS3Presign: a presigned URL downloads the object without
// credentials, for a while.
func TestS3Presign(t *testing.T) {
	s := openS3(t)
	ctx := context.Background()
	data := blobtest.Data(3, 5000)
	w, _ := s.Create(ctx)
	w.Write(data)
	key, _ := blob.Key(blobtest.Tenant, sha(data))
	if err := w.Commit(ctx, key); err != nil {
		t.Fatal(err)
	}
	u, err := s.Presign(ctx, key, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Equal(b, data) {
		t.Fatalf("GET presigned: %d, %d bytes", resp.StatusCode, len(b))
	}
}

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
