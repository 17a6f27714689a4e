package main

// The recording archive end to end, process against process: an upstream
// cdrhub whose Tencent records carry RecordURLs on the test's audio server,
// a downstream that syncs them and archives the files (cdrhub recordings
// sync, and serve's loop), then serves them back.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/config"
	"github.com/cdrhub/cdrhub/internal/sqlstore"
)

// audioServer serves generated audio files, and the failures the test
// names, at paths of its own.
type audioServer struct {
	srv   *httptest.Server
	mu    sync.Mutex
	files map[string][]byte // path → the bytes served whole
	slow  atomic.Bool       // /slow/ paths stall after half their body
	sent  chan string       // a slow path whose first half was sent
}

func newAudioServer(t *testing.T) *audioServer {
	a := &audioServer{files: map[string][]byte{}, sent: make(chan string, 16)}
	a.slow.Store(true)
	a.srv = httptest.NewServer(http.HandlerFunc(a.serve))
	t.Cleanup(a.srv.Close)
	return a
}

// mp3 returns n bytes of an MP3 stream: ID3 header, then seeded noise.
func mp3(n int, seed uint64) []byte {
	b := make([]byte, n)
	copy(b, "ID3\x03\x00\x00\x00\x00\x00\x00")
	r := rand.New(rand.NewPCG(seed, 7))
	for i := 10; i < n; i++ {
		b[i] = byte(r.Uint32())
	}
	return b
}

func (a *audioServer) add(path string, b []byte) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.files[path] = b
	return a.srv.URL + path
}

func (a *audioServer) serve(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	b, ok := a.files[r.URL.Path]
	a.mu.Unlock()
	switch {
	case strings.HasPrefix(r.URL.Path, "/gone/"):
		http.NotFound(w, r)
	case strings.HasPrefix(r.URL.Path, "/html/"):
		w.Header().Set("Content-Type", "audio/mpeg") // lies
		io.WriteString(w, "<!DOCTYPE html><html><body>Session expired</body></html>")
	case strings.HasPrefix(r.URL.Path, "/truncated/"):
		w.Header().Set("Content-Length", "100000")
		w.Write(mp3(5000, 9))
		panic(http.ErrAbortHandler) // close the connection mid-body
	case !ok:
		http.NotFound(w, r)
	case strings.HasPrefix(r.URL.Path, "/slow/") && a.slow.Load():
		w.Header().Set("Content-Length", fmt.Sprint(len(b)))
		w.Write(b[:len(b)/2])
		w.(http.Flusher).Flush()
		a.sent <- r.URL.Path
		<-r.Context().Done() // until the client is killed
	default:
		w.Header().Set("Content-Length", fmt.Sprint(len(b)))
		w.Write(b)
	}
}

// tencentRecorded is a Tencent record whose recording is at url.
func tencentRecorded(id string, at time.Time, url string) string {
	return fmt.Sprintf(`{"SessionId":%q,"Caller":"13800001111","Callee":"02066668888","Time":%d,"Direction":0,"CallType":2,`+
		`"Duration":60,"EndStatus":1,"EndStatusString":"ok","RecordURL":%q}`, id, at.Unix(), url)
}

// archiveConfig turns a sync rig's downstream configuration into one that
// also archives the tenant's recordings, from loopback.
func archiveConfig(cfg, dir string, interval string) string {
	cfg = strings.Replace(cfg, "  - id: down\n", "  - id: down\n    recordings: {archive: true, concurrency: 3}\n", 1)
	return cfg + fmt.Sprintf("recordings: {path: %q, allow_networks: [127.0.0.0/8], interval: %s, settle: 0s}\n", dir, interval)
}

// runArchive runs cdrhub recordings sync with cfg and returns its exit
// status and output; with kill, it is killed with SIGKILL once kill
// returns.
func runArchive(t *testing.T, cfg string, kill func()) (int, string) {
	t.Helper()
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "recordings", "sync", "--config", cfg, "--log-level", "info")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if kill != nil {
		kill()
		cmd.Process.Signal(syscall.SIGKILL)
	}
	err = cmd.Wait()
	if exit, ok := err.(*exec.ExitError); ok {
		return exit.ExitCode(), out.String()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, out.String()
}

// fileView is a file of GET /api/v1/records/{id}.
type fileView struct {
	N        int    `json:"n"`
	Archived bool   `json:"archived"`
	State    string `json:"state"`
	Reason   string `json:"reason"`
	SHA256   string `json:"sha256"`
	URL      string `json:"url"`
}

// get sends an authenticated GET to p and returns the status and body.
func get(t *testing.T, p *process, path, token string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+p.addr+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// files returns the files of the downstream's record of a Tencent session.
func files(t *testing.T, p *process, session string) []fileView {
	t.Helper()
	id := cdr.RecordID("down", cdr.SourceTencentCCC, session)
	code, b := get(t, p, "/api/v1/records/"+url.PathEscape(id), syncToken)
	var rec struct {
		Files []fileView `json:"files"`
	}
	if code != 200 || json.Unmarshal(b, &rec) != nil {
		t.Fatalf("record %s: %d %s", session, code, b)
	}
	return rec.Files
}

// servedArchived waits up to 30 s for serve to have synced the Tencent
// session and archived its one file, and returns its files.
func servedArchived(t *testing.T, p *process, session string) []fileView {
	t.Helper()
	var fs []fileView
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if code, _ := get(t, p, "/api/v1/records/"+url.PathEscape(cdr.RecordID("down", cdr.SourceTencentCCC, session)), syncToken); code == 200 {
			if fs = files(t, p, session); len(fs) == 1 && fs[0].Archived {
				return fs
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("not archived by serve: %+v\n%s", fs, p.stderr)
		}
	}
}

// blobs lists the archive directory's stored files (not its temporaries).
func blobs(t *testing.T, dir string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.Contains(path, string(filepath.Separator)+".tmp"+string(filepath.Separator)) {
			out[filepath.Base(path)] = true
		}
		return nil
	})
	return out
}

func TestRecordingsArchive(t *testing.T) {
	syncDatabases(t, testRecordingsArchive)
}

// testRecordingsArchive: records synced from the upstream are archived by
// cdrhub recordings sync; every reachable file is served back byte for
// byte; a 404, a truncated body and an HTML page end as recorded failures,
// never as archived files; a run killed with SIGKILL mid-download leaves
// no file, and the next run completes it; prune removes the files with the
// records.
func testRecordingsArchive(t *testing.T, dsn string) {
	r := newSyncRig(t, dsn)
	audio := newAudioServer(t)
	archDir := filepath.Join(r.dir, "recordings")
	writeFile(t, r.cfg, archiveConfig(r.downConfig(true), archDir, "5m"))

	// First the slow file alone: a run killed in mid-download of it
	// leaves nothing of it archived or visible.
	at := time.Now().Add(-2 * time.Hour)
	slow := mp3(200_000, 99)
	r.post(t, "tencent_ccc", tencentRecorded("slow", at.Add(-time.Hour), audio.add("/slow/x.mp3", slow))+"\n")
	if code, out := r.sync(t); code != 0 {
		t.Fatalf("sync: %d\n%s", code, out)
	}
	code, out := runArchive(t, r.cfg, func() {
		select {
		case <-audio.sent:
		case <-time.After(30 * time.Second):
			t.Error("the slow file was never requested")
		}
	})
	if code != -1 {
		t.Fatalf("killed run: exit %d\n%s", code, out)
	}
	sum := func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
	if blobs(t, archDir)[sum(slow)] {
		t.Fatal("a file killed in mid-download is visible in the archive")
	}
	st := openArchiveState(t, r)
	f, err := st.ArchiveFile(context.Background(), cdr.MustTenantID("down"), cdr.RecordID("down", cdr.SourceTencentCCC, "slow"), 0)
	if err != nil || f.State != cdr.FilePending {
		t.Fatalf("the killed file: %+v %v", f, err)
	}
	st.Close()

	// Twelve good recordings and three failures more: the next run
	// completes the slow file, archives the twelve and fails the three.
	want := map[string][]byte{}
	var seed strings.Builder
	for i := range 12 {
		b := mp3(20_000+i*1000, uint64(i))
		s := fmt.Sprintf("rec-%d", i)
		want[s] = b
		fmt.Fprintln(&seed, tencentRecorded(s, at.Add(time.Duration(i)*time.Minute), audio.add(fmt.Sprintf("/a/%d.mp3", i), b)))
	}
	failures := map[string]string{"gone": "http_404", "truncated": "truncated", "html": "not_media"}
	for s := range failures {
		fmt.Fprintln(&seed, tencentRecorded(s, at, audio.srv.URL+"/"+s+"/x.mp3"))
	}
	r.post(t, "tencent_ccc", seed.String())
	if code, out := r.sync(t); code != 0 {
		t.Fatalf("sync: %d\n%s", code, out)
	}
	audio.slow.Store(false)
	code, out = runArchive(t, r.cfg, nil)
	if code != 1 || !strings.Contains(out, "recordings down: failed,") || !strings.Contains(out, "3 failed") {
		t.Fatalf("archive run: exit %d\n%s", code, out)
	}
	want["slow"] = slow
	// A serve over the same database and archive (archiving nothing itself).
	path := filepath.Join(r.dir, "down-serve.yaml")
	writeFile(t, path, r.downConfig(false)+fmt.Sprintf("recordings: {path: %q}\n", archDir))
	r.down = start(t, "--config", path)
	for s, b := range want {
		fs := files(t, r.down, s)
		if len(fs) != 1 || !fs[0].Archived || fs[0].SHA256 != sum(b) {
			t.Fatalf("%s: files %+v", s, fs)
		}
		code, got := get(t, r.down, fs[0].URL, syncToken)
		if code != 200 || !bytes.Equal(got, b) {
			t.Fatalf("%s: served %d, %d bytes, want %d", s, code, len(got), len(b))
		}
	}
	for s, reason := range failures {
		fs := files(t, r.down, s)
		if len(fs) != 1 || fs[0].Archived || fs[0].Reason != reason || fs[0].State != string(cdr.FilePending) {
			t.Errorf("%s: files %+v, want a pending file failed with %s", s, fs, reason)
		}
		if code, _ := get(t, r.down, "/api/v1/records/"+url.PathEscape(cdr.RecordID("down", cdr.SourceTencentCCC, s))+"/recordings/0", syncToken); code != 404 {
			t.Errorf("%s: a failed file answers %d", s, code)
		}
	}
	if got := blobs(t, archDir); len(got) != len(want) {
		t.Errorf("%d blobs stored, want %d", len(got), len(want))
	}

	// Prune removes the records' files with them.
	bin, _ := buildBinary()
	cmd := exec.Command(bin, "prune", "--config", r.cfg, "--before", time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "deleted the archive's rows of 16 recording files") {
		t.Fatalf("prune: %v\n%s", err, out)
	}
	if got := blobs(t, archDir); len(got) != 0 {
		t.Errorf("after prune, %d blobs left", len(got))
	}
}

// openArchiveState opens the rig's downstream database for its archive.
func openArchiveState(t *testing.T, r *syncRig) interface {
	cdr.Archive
	Close() error
} {
	t.Helper()
	if r.dsn == "" {
		s, err := sqlstore.OpenSQLite(context.Background(), r.sqlite, sqlstore.Options{Lean: true})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s, err := sqlstore.OpenPostgres(context.Background(), r.dsn, sqlstore.Options{Lean: true})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestServeArchives: serve, with a tenant that archives, archives the
// synced records' files by itself, reports them on GET /api/v1/sync and in
// the metrics, and a signed link serves them without a token.
func TestServeArchives(t *testing.T) {
	if raceEnabled {
		t.Skip("process end-to-end test: runs without -race")
	}
	r := newSyncRig(t, "")
	audio := newAudioServer(t)
	b := mp3(30_000, 5)
	r.post(t, "tencent_ccc", tencentRecorded("served", time.Now().Add(-time.Hour), audio.add("/a/served.mp3", b))+"\n")
	cfg := archiveConfig(r.downConfig(true), filepath.Join(r.dir, "recordings"), "1s")
	cfg = strings.Replace(cfg, "max_window_records: 50}", "max_window_records: 50, interval: 1s}", 1)
	path := filepath.Join(r.dir, "serve.yaml")
	writeFile(t, path, cfg)
	p := start(t, "--config", path)
	fs := servedArchived(t, p, "served")
	_, st := get(t, p, "/api/v1/sync", syncToken)
	if !bytes.Contains(st, []byte(`"recordings":{"pending":0,"archived":1,"bytes":30000`)) {
		t.Errorf("sync status: %s", st)
	}
	_, m := get(t, p, "/metrics", "")
	for _, s := range []string{"cdrhub_recordings_archived_files_total 1", "cdrhub_recordings_archived_bytes_total 30000", "cdrhub_recordings_backlog_files 0"} {
		if !bytes.Contains(m, []byte(s)) {
			t.Errorf("metrics lack %q", s)
		}
	}
	req, _ := http.NewRequest("POST", "http://"+p.addr+fs[0].URL+"/link?ttl=60", nil)
	req.Header.Set("Authorization", "Bearer "+syncToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var link struct{ URL string }
	json.NewDecoder(resp.Body).Decode(&link)
	resp.Body.Close()
	if code, got := get(t, p, link.URL, ""); code != 200 || !bytes.Equal(got, b) {
		t.Errorf("signed link: %d, %d bytes", code, len(got))
	}
	// The child's log reaches p.stderr through a pipe and a scanner: wait.
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(p.stderr.String(), "recording downloaded"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("downloads are not logged")
		}
	}
}

// resolvers: Alibaba's files are resolved for the tenants that sync from
// Alibaba, and only for them.
func TestResolvers(t *testing.T) {
	ali := func(sync bool) *config.AliyunCCC {
		return &config.AliyunCCC{InstanceID: "ccc-1", Credentials: []config.AliyunCredential{{AccessKeyID: "LTAIx", AccessKeySecret: "s"}},
			Sync: config.AliyunCCCSync{SyncCommon: config.SyncCommon{Enabled: sync, Endpoint: "http://127.0.0.1:9"}}}
	}
	none, err := resolvers(config.Config{Tenants: []config.Tenant{{ID: "acme", AliyunCCC: ali(false)}, {ID: "beta"}}}, nil)
	if err != nil || none != nil {
		t.Fatalf("without an Alibaba sync: %v, %v", none, err)
	}
	rs, err := resolvers(config.Config{Tenants: []config.Tenant{{ID: "acme", AliyunCCC: ali(true)}, {ID: "beta"}}}, nil)
	if err != nil || len(rs) != 1 || rs[cdr.SourceAliyunCCC] == nil {
		t.Fatalf("with acme's Alibaba sync: %v, %v", rs, err)
	}
	// beta does not sync from Alibaba: its files are not resolved (nor is
	// the store read).
	if _, err := rs[cdr.SourceAliyunCCC](context.Background(), cdr.MustTenantID("beta"), cdr.ArchiveFile{RecordID: "r"}); err == nil {
		t.Errorf("beta's file resolved")
	}
}
