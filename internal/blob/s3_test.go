package blob_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/cdrhub/cdrhub/internal/blob"
	"github.com/cdrhub/cdrhub/internal/blob/blobtest"
)

// The S3 backend is tested against a real S3-compatible server:
// SeaweedFS's S3 gateway (`weed`), which .ci/run builds once into
// $HOME/.cache/cdrhub-ci/weed-<version>/ and names in CDRHUB_TEST_S3_BIN.
// Without one the tests skip and say so; CDRHUB_TEST_S3_REQUIRED=1 makes
// that a failure.

const (
	envS3Bin      = "CDRHUB_TEST_S3_BIN"
	envS3Required = "CDRHUB_TEST_S3_REQUIRED"
	s3Key, s3Sec  = "cdrhubtest", "cdrhub-test-secret-0123456789"
)

// weedServer is a SeaweedFS server with its S3 gateway on loopback.
type weedServer struct {
	endpoint string
	cmd      *exec.Cmd
	dir      string
	err      error
}

var (
	weedOnce sync.Once
	weed     *weedServer
)

func TestMain(m *testing.M) {
	code := m.Run()
	if weed != nil && weed.cmd != nil {
		weed.cmd.Process.Kill()
		weed.cmd.Wait()
		os.RemoveAll(weed.dir)
	}
	os.Exit(code)
}

func weedBinary() string {
	if p := os.Getenv(envS3Bin); p != "" {
		return p
	}
	// Where .ci/run builds it.
	home, _ := os.UserHomeDir()
	if ps, _ := filepath.Glob(filepath.Join(home, ".cache", "cdrhub-ci", "weed-*", "weed")); len(ps) > 0 {
		return ps[len(ps)-1]
	}
	if p, err := exec.LookPath("weed"); err == nil {
		return p
	}
	return ""
}

// freePorts returns n free loopback ports.
func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// startWeed starts the server once for the package.
func startWeed() *weedServer {
	bin := weedBinary()
	if bin == "" {
		return &weedServer{}
	}
	w := &weedServer{}
	w.dir, w.err = os.MkdirTemp("", "cdrhub-weed-")
	if w.err != nil {
		return w
	}
	cfg := filepath.Join(w.dir, "s3.json")
	w.err = os.WriteFile(cfg, []byte(fmt.Sprintf(`{"identities":[{"name":"cdrhub","credentials":[{"accessKey":%q,"secretKey":%q}],`+
		`"actions":["Admin","Read","Write","List","Tagging"]}]}`, s3Key, s3Sec)), 0o600)
	if w.err != nil {
		return w
	}
	// Each service's port, and its gRPC port, which SeaweedFS would put at
	// port + 10000 otherwise.
	ports, err := freePorts(8)
	if err != nil {
		w.err = err
		return w
	}
	data := filepath.Join(w.dir, "data")
	os.MkdirAll(data, 0o700)
	w.cmd = exec.Command(bin, "server", "-dir="+data, "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
		"-master.port="+strconv.Itoa(ports[0]), "-master.port.grpc="+strconv.Itoa(ports[1]),
		"-volume.port="+strconv.Itoa(ports[2]), "-volume.port.grpc="+strconv.Itoa(ports[3]),
		"-filer", "-filer.port="+strconv.Itoa(ports[4]), "-filer.port.grpc="+strconv.Itoa(ports[5]),
		"-s3", "-s3.port="+strconv.Itoa(ports[6]), "-s3.port.grpc="+strconv.Itoa(ports[7]), "-s3.config="+cfg,
		"-master.volumeSizeLimitMB=64", "-volume.max=20")
	w.cmd.Dir = w.dir
	logf, _ := os.Create(filepath.Join(w.dir, "weed.log"))
	w.cmd.Stdout, w.cmd.Stderr = logf, logf
	if w.err = w.cmd.Start(); w.err != nil {
		w.cmd = nil
		return w
	}
	w.endpoint = "http://127.0.0.1:" + strconv.Itoa(ports[6])
	// Ready when the gateway lists buckets with the test's key.
	c, err := minio.New("127.0.0.1:"+strconv.Itoa(ports[6]), &minio.Options{Creds: credentials.NewStaticV4(s3Key, s3Sec, ""), BucketLookup: minio.BucketLookupPath})
	if err != nil {
		w.err = err
		return w
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err := ready(ctx, c)
		cancel()
		if err == nil {
			return w
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(w.dir, "weed.log"))
			w.err = fmt.Errorf("SeaweedFS did not answer S3 within 60 s: %v\n%s", err, tail(log, 2000))
			return w
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// ready makes the test bucket, then puts and deletes an object in it:
// the server is ready once its volumes take writes.
func ready(ctx context.Context, c *minio.Client) error {
	ok, err := c.BucketExists(ctx, testBucket)
	if err != nil {
		return err
	}
	if !ok {
		if err := c.MakeBucket(ctx, testBucket, minio.MakeBucketOptions{}); err != nil {
			return err
		}
	}
	if _, err := c.PutObject(ctx, testBucket, "ready", bytes.NewReader([]byte("ok")), 2, minio.PutObjectOptions{}); err != nil {
		return err
	}
	return c.RemoveObject(ctx, testBucket, "ready", minio.RemoveObjectOptions{})
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// s3Endpoint returns the server's endpoint, or skips t (fails it when
// required).
func s3Endpoint(t *testing.T) string {
	t.Helper()
	weedOnce.Do(func() { weed = startWeed() })
	if weed.err != nil {
		t.Fatalf("the S3 test server: %v", weed.err)
	}
	if weed.endpoint == "" {
		msg := "no S3 test server: the S3 tests need SeaweedFS's weed (.ci/run builds it into $HOME/.cache/cdrhub-ci; or set " + envS3Bin + ")"
		if os.Getenv(envS3Required) == "1" {
			t.Fatalf("%s, and %s=1", msg, envS3Required)
		}
		t.Skip(msg)
	}
	return weed.endpoint
}

// testBucket is the bucket every test uses, each under a prefix of its
// own: SeaweedFS gives each bucket volumes of its own, and a bucket per
// test would exhaust them.
const testBucket = "cdrhub-test"

var (
	prefixMu  sync.Mutex
	prefixSeq int
)

// openS3 opens the test bucket under a new prefix.
func openS3(t *testing.T) *blob.S3 {
	t.Helper()
	endpoint := s3Endpoint(t)
	prefixMu.Lock()
	prefixSeq++
	prefix := fmt.Sprintf("t%d/", prefixSeq)
	prefixMu.Unlock()
	s, err := blob.NewS3(context.Background(), blob.S3Config{Endpoint: endpoint, Bucket: testBucket, Prefix: prefix,
		AccessKeyID: s3Key, SecretAccessKey: s3Sec, SpoolDir: t.TempDir()})
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
