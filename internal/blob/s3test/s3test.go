// Package s3test starts a real S3-compatible server for tests: SeaweedFS's
// S3 gateway (`weed`), which .ci/run builds once into
// $HOME/.cache/cdrhub-ci/weed-<version>/ and names in CDRHUB_TEST_S3_BIN.
// Without one a test skips and says so; CDRHUB_TEST_S3_REQUIRED=1 makes
// that a failure. No package of the service imports it.
package s3test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// Server is a running server: its endpoint, the bucket every test uses
// (each under a prefix of its own: SeaweedFS gives each bucket volumes of
// its own, and a bucket per test would exhaust them), and the key pair.
type Server struct {
	Endpoint, Bucket  string
	AccessKey, Secret string
}

const (
	envS3Bin      = "CDRHUB_TEST_S3_BIN"
	envS3Required = "CDRHUB_TEST_S3_REQUIRED"
	s3Key, s3Sec  = "cdrhubtest", "cdrhub-test-secret-0123456789"
	// testBucket is the bucket every test uses.
	testBucket = "cdrhub-test"
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

// Stop stops the server, if one was started; a package's TestMain calls
// it after m.Run.
func Stop() {
	if weed != nil && weed.cmd != nil {
		weed.cmd.Process.Kill()
		weed.cmd.Wait()
		os.RemoveAll(weed.dir)
	}
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

// Start returns the package's server, started on first use, or skips t
// (fails it when required).
func Start(t testing.TB) Server {
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
	return Server{Endpoint: weed.endpoint, Bucket: testBucket, AccessKey: s3Key, Secret: s3Sec}
}
