package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/blob"
	"github.com/cdrhub/cdrhub/internal/blob/s3test"
	"github.com/cdrhub/cdrhub/internal/cdr"
)

// TestMain stops the S3 test server the package may have started.
func TestMain(m *testing.M) {
	code := m.Run()
	s3test.Stop()
	os.Exit(code)
}

// TestServeArchivesToS3: serve with recordings.store: s3 archives a
// recording into the bucket (a real S3 server), and with s3.redirect a
// download answers 307 to a presigned URL that yields the same bytes.
func TestServeArchivesToS3(t *testing.T) {
	if raceEnabled {
		t.Skip("process end-to-end test: runs without -race")
	}
	s3 := s3test.Start(t)
	prefix := fmt.Sprintf("serve-%d/", time.Now().UnixNano())
	r := newSyncRig(t, "")
	audio := newAudioServer(t)
	b := mp3(40_000, 7)
	r.post(t, "tencent_ccc", tencentRecorded("in-s3", time.Now().Add(-time.Hour), audio.add("/a/in-s3.mp3", b))+"\n")
	cfg := archiveConfig(r.downConfig(true), filepath.Join(r.dir, "recordings"), "1s")
	cfg = strings.Replace(cfg, "max_window_records: 50}", "max_window_records: 50, interval: 1s}", 1)
	cfg = strings.Replace(cfg, "recordings: {path:", fmt.Sprintf("recordings: {store: s3, s3: {endpoint: %q, bucket: %q, prefix: %q, "+
		"access_key_id: %q, secret_access_key: %q, redirect: true}, path:", s3.Endpoint, s3.Bucket, prefix, s3.AccessKey, s3.Secret), 1)
	path := filepath.Join(r.dir, "serve.yaml")
	writeFile(t, path, cfg)
	p := start(t, "--config", path)
	fs := servedArchived(t, p, "in-s3")
	// The object is in the bucket, under the prefix.
	store, err := blob.NewS3(context.Background(), blob.S3Config{Endpoint: s3.Endpoint, Bucket: s3.Bucket, Prefix: prefix,
		AccessKeyID: s3.AccessKey, SecretAccessKey: s3.Secret, SpoolDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	key, _ := blob.Key(cdr.MustTenantID("down"), fs[0].SHA256)
	obj, err := store.Open(context.Background(), key)
	if err != nil {
		t.Fatalf("the archived copy is not in the bucket: %v", err)
	}
	got, _ := io.ReadAll(obj)
	obj.Close()
	if !bytes.Equal(got, b) {
		t.Fatalf("the bucket holds %d bytes, want the %d served", len(got), len(b))
	}
	// A download is a redirect to the object store; following it yields
	// the file.
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest(http.MethodGet, "http://"+p.addr+fs[0].URL, nil)
	req.Header.Set("Authorization", "Bearer "+syncToken)
	resp, err := noFollow.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusTemporaryRedirect || !strings.HasPrefix(loc, s3.Endpoint+"/") {
		t.Fatalf("download: %d to %q", resp.StatusCode, loc)
	}
	dl, err := http.Get(loc)
	if err != nil {
		t.Fatal(err)
	}
	got, _ = io.ReadAll(dl.Body)
	dl.Body.Close()
	if dl.StatusCode != http.StatusOK || !bytes.Equal(got, b) {
		t.Fatalf("the presigned URL: %d, %d bytes", dl.StatusCode, len(got))
	}
}
