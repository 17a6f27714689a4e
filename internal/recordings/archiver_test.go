package recordings

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/blob"
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/clocktest"
	"github.com/cdrhub/cdrhub/internal/httpx/httpxtest"
	"github.com/cdrhub/cdrhub/internal/metrics"
	"github.com/cdrhub/cdrhub/internal/sqlstore"
	"github.com/cdrhub/cdrhub/internal/storetest"
)

// env is an archive under test: a SQLite store, a Dir, a file server and
// an Archiver on a fake clock.
type env struct {
	t     testing.TB
	store *sqlstore.SQLite
	blobs *blob.Dir
	clk   *clocktest.Clock
	srv   *httptest.Server
	a     *Archiver
	reg   *metrics.Registry
	logs  *httpxtest.Buffer

	mu       sync.Mutex
	handlers map[string]http.HandlerFunc // by path
	fallback http.HandlerFunc            // the other paths; 404 when nil
	requests []string                    // paths, in order
	hits     map[string]int
}

func newEnv(t testing.TB) *env {
	e := &env{
		t:        t,
		store:    storetest.OpenSQLite(t, sqlstore.Options{}),
		blobs:    newBlobs(t),
		clk:      newFakeClock(),
		reg:      metrics.NewRegistry(),
		logs:     &httpxtest.Buffer{},
		handlers: map[string]http.HandlerFunc{},
		hits:     map[string]int{},
	}
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		e.requests = append(e.requests, r.URL.Path)
		e.hits[r.URL.Path]++
		h := e.handlers[r.URL.Path]
		if h == nil {
			h = e.fallback
		}
		e.mu.Unlock()
		if h == nil {
			http.NotFound(w, r)
			return
		}
		h(w, r)
	}))
	t.Cleanup(e.srv.Close)
	e.a = &Archiver{
		State:        e.store,
		Blobs:        e.blobs,
		Now:          e.clk.Now,
		Log:          slog.New(slog.NewTextHandler(e.logs, nil)),
		Metrics:      NewMetrics(e.reg),
		RetryBackoff: time.Millisecond,
		FileTimeout:  5 * time.Second,
		// The test's server is on loopback, which is refused by default.
		AllowNetworks: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")},
	}
	return e
}

// serve serves b at path.
func (e *env) serve(path string, b []byte) string {
	return e.handle(path, func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(b))
	})
}

// handle serves path with h and returns its URL.
func (e *env) handle(path string, h http.HandlerFunc) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.handlers[path] = h
	return e.srv.URL + path
}

func (e *env) hitsOf(path string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.hits[path]
}

// record upserts a voice record of t with recs, written two minutes before
// the clock (past the Archiver's Settle), and returns its id.
func (e *env) record(t cdr.TenantID, src cdr.Source, sourceID string, startAt time.Time, recs ...cdr.Recording) string {
	e.t.Helper()
	r := &cdr.Record{
		Channel: cdr.ChannelVoice, Source: src, SourceID: sourceID, Version: 1,
		StartAt: startAt.UnixMilli(), Direction: cdr.Directions[0], CallType: cdr.CallTypes[0],
		Disposition: cdr.Dispositions[0], HangupBy: cdr.HangupBys[0],
		Caller: cdr.Party{Address: "+8613900001111"}, Callee: cdr.Party{Address: "+8613900002222"},
		Recordings: recs,
	}
	_, err := e.store.UpsertRecords(context.Background(), t, []*cdr.Record{r},
		cdr.UpsertOptions{Now: e.clk.Now().Add(-2 * time.Minute).UnixMilli()})
	if err != nil {
		e.t.Fatal(err)
	}
	return cdr.RecordID(t.String(), src, sourceID)
}

func (e *env) run(t cdr.TenantID, opt TenantOptions) Result {
	e.t.Helper()
	res, err := e.a.Run(context.Background(), t, opt)
	if err != nil {
		e.t.Fatalf("Run: %v", err)
	}
	return res
}

func (e *env) file(t cdr.TenantID, id string, n int) cdr.ArchiveFile {
	e.t.Helper()
	f, err := e.store.ArchiveFile(context.Background(), t, id, n)
	if err != nil {
		e.t.Fatal(err)
	}
	return f
}

// objects lists the Dir's files, temporaries included.
func (e *env) objects() []string {
	var files []string
	filepath.WalkDir(e.blobs.Path(), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(e.blobs.Path(), p)
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	return files
}

func (e *env) metric(line string) bool {
	var b strings.Builder
	e.reg.WriteTo(&b)
	return strings.Contains(b.String(), line+"\n")
}

// truncated declares n bytes and closes the connection after half of b.
func truncated(b []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		conn, bw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(err)
		}
		defer conn.Close()
		fmt.Fprintf(bw, "HTTP/1.1 200 OK\r\nContent-Type: audio/wav\r\nContent-Length: %d\r\n\r\n", len(b))
		bw.Write(b[:len(b)/2])
		bw.Flush()
	}
}

// stalling sends half of b, then nothing until the request ends.
func stalling(b []byte, started chan<- struct{}) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(len(b)))
		w.Write(b[:len(b)/2])
		http.NewResponseController(w).Flush()
		if started != nil {
			select {
			case started <- struct{}{}:
			default:
			}
		}
		<-r.Context().Done()
	}
}

var other = cdr.MustTenantID("other")

func TestArchiveOneFile(t *testing.T) {
	audio := wav(1, 200_000)
	type check struct {
		state   cdr.FileState
		reason  string
		attempt int           // attempts after the run
		next    time.Duration // after the clock, of a pending file
		hits    int           // requests to /f
	}
	cases := []struct {
		name  string
		setup func(e *env) cdr.Recording
		want  check
		body  []byte // stored, of an archived file
		ct    string
	}{
		{"wav", func(e *env) cdr.Recording {
			return cdr.Recording{URL: e.serve("/f", audio)}
		}, check{state: cdr.FileArchived, hits: 1}, audio, "audio/wav"},
		{"mp3", func(e *env) cdr.Recording {
			return cdr.Recording{URL: e.serve("/f", mp3(2, 100_000))}
		}, check{state: cdr.FileArchived, hits: 1}, mp3(2, 100_000), "audio/mpeg"},
		{"copy url after a 404", func(e *env) cdr.Recording {
			e.handle("/f", http.NotFound)
			return cdr.Recording{URL: e.srv.URL + "/f", CopyURL: e.serve("/copy", audio)}
		}, check{state: cdr.FileArchived, hits: 1}, audio, "audio/wav"},
		{"copy url only", func(e *env) cdr.Recording {
			return cdr.Recording{CopyURL: e.serve("/copy", audio)}
		}, check{state: cdr.FileArchived}, audio, "audio/wav"},
		{"500 then success", func(e *env) cdr.Recording {
			var n atomic.Int32
			return cdr.Recording{URL: e.handle("/f", func(w http.ResponseWriter, r *http.Request) {
				if n.Add(1) == 1 {
					http.Error(w, "busy", http.StatusInternalServerError)
					return
				}
				w.Write(audio)
			})}
		}, check{state: cdr.FileArchived, hits: 2}, audio, "audio/wav"},
		{"truncated", func(e *env) cdr.Recording {
			return cdr.Recording{URL: e.handle("/f", truncated(audio))}
		}, check{state: cdr.FilePending, reason: ReasonTruncated, attempt: 1, next: 5 * time.Minute, hits: 4}, nil, ""},
		{"empty", func(e *env) cdr.Recording {
			return cdr.Recording{URL: e.serve("/f", nil)}
		}, check{state: cdr.FilePending, reason: ReasonEmpty, attempt: 1, next: 5 * time.Minute, hits: 4}, nil, ""},
		{"html with 200", func(e *env) cdr.Recording {
			return cdr.Recording{URL: e.handle("/f", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "audio/mpeg") // a lie
				io.WriteString(w, "<html><body><h1>Signature expired</h1></body></html>")
			})}
		}, check{state: cdr.FilePending, reason: ReasonNotMedia, attempt: 1, next: time.Hour, hits: 1}, nil, ""},
		{"404", func(e *env) cdr.Recording {
			return cdr.Recording{URL: e.handle("/f", http.NotFound)}
		}, check{state: cdr.FilePending, reason: ReasonHTTP404, attempt: 1, next: time.Hour, hits: 1}, nil, ""},
		{"403 and copy 503", func(e *env) cdr.Recording {
			e.handle("/copy", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) })
			return cdr.Recording{URL: e.handle("/f", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(403) }),
				CopyURL: e.srv.URL + "/copy"}
		}, check{state: cdr.FilePending, reason: ReasonHTTP5xx, attempt: 1, next: 5 * time.Minute, hits: 4}, nil, ""},
		{"410", func(e *env) cdr.Recording {
			return cdr.Recording{URL: e.handle("/f", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(410) })}
		}, check{state: cdr.FilePending, reason: ReasonHTTP410, attempt: 1, next: time.Hour, hits: 1}, nil, ""},
		{"429", func(e *env) cdr.Recording {
			return cdr.Recording{URL: e.handle("/f", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(429) })}
		}, check{state: cdr.FilePending, reason: ReasonHTTPOther, attempt: 1, next: 5 * time.Minute, hits: 4}, nil, ""},
		{"slow server", func(e *env) cdr.Recording {
			e.a.FileTimeout = 100 * time.Millisecond
			return cdr.Recording{URL: e.handle("/f", stalling(audio, nil))}
		}, check{state: cdr.FilePending, reason: ReasonTimeout, attempt: 1, next: 5 * time.Minute, hits: 4}, nil, ""},
		{"oversize", func(e *env) cdr.Recording {
			e.a.MaxFileBytes = 100_000
			return cdr.Recording{URL: e.serve("/f", audio)}
		}, check{state: cdr.FilePending, reason: ReasonTooLarge, attempt: 1, next: time.Hour, hits: 1}, nil, ""},
		{"oversize without length", func(e *env) cdr.Recording {
			e.a.MaxFileBytes = 100_000
			return cdr.Recording{URL: e.handle("/f", func(w http.ResponseWriter, r *http.Request) {
				for b := audio; len(b) > 0; b = b[min(len(b), 10_000):] { // chunked
					w.Write(b[:min(len(b), 10_000)])
					http.NewResponseController(w).Flush()
				}
			})}
		}, check{state: cdr.FilePending, reason: ReasonTooLarge, attempt: 1, next: time.Hour, hits: 1}, nil, ""},
		{"redirects", func(e *env) cdr.Recording {
			e.handle("/r1", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/r2", http.StatusFound) })
			e.handle("/r2", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/r3", http.StatusFound) })
			e.handle("/r3", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/f", http.StatusFound) })
			e.serve("/f", audio)
			return cdr.Recording{URL: e.srv.URL + "/r1"}
		}, check{state: cdr.FileArchived, hits: 1}, audio, "audio/wav"},
		{"too many redirects", func(e *env) cdr.Recording {
			return cdr.Recording{URL: e.handle("/f", func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "/f?again", http.StatusFound)
			})}
		}, check{state: cdr.FilePending, reason: ReasonRedirect, attempt: 1, next: 5 * time.Minute, hits: 16}, nil, ""},
		{"redirect to ftp", func(e *env) cdr.Recording {
			return cdr.Recording{URL: e.handle("/f", func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "ftp://example.com/x.wav", http.StatusFound)
			})}
		}, check{state: cdr.FilePending, reason: ReasonRedirect, attempt: 1, next: 5 * time.Minute, hits: 4}, nil, ""},
		{"not http", func(e *env) cdr.Recording {
			return cdr.Recording{URL: "file:///etc/passwd"}
		}, check{state: cdr.FilePending, reason: ReasonBadURL, attempt: 1, next: time.Hour}, nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			id := e.record(tenant, cdr.SourceTencentCCC, "call-1", e.clk.Now().Add(-time.Hour), c.setup(e))
			res := e.run(tenant, TenantOptions{})
			if res.Planned != 1 {
				t.Errorf("planned %d records, want 1", res.Planned)
			}
			f := e.file(tenant, id, 0)
			if f.State != c.want.state || f.Reason != c.want.reason || f.Attempts != c.want.attempt {
				t.Fatalf("file %+v, want %+v", f, c.want)
			}
			if h := e.hitsOf("/f"); h != c.want.hits {
				t.Errorf("%d requests to /f, want %d", h, c.want.hits)
			}
			if c.want.state == cdr.FilePending {
				if want := e.clk.Now().Add(c.want.next).UnixMilli(); f.NextAttemptAt != want {
					t.Errorf("next attempt in %v, want %v", time.Duration(f.NextAttemptAt-e.clk.Now().UnixMilli())*time.Millisecond, c.want.next)
				}
				if res.Failed != 1 || res.Archived != 0 {
					t.Errorf("result %+v", res)
				}
				if objs := e.objects(); len(objs) != 0 {
					t.Errorf("objects %v after a failure", objs)
				}
				if !e.metric(fmt.Sprintf(`cdrhub_recordings_failures_total{reason=%q} 1`, c.want.reason)) {
					t.Error("failure not counted")
				}
				if !strings.Contains(e.logs.String(), "reason="+c.want.reason) {
					t.Errorf("failure not logged: %s", e.logs.String())
				}
				return
			}
			key, _ := blob.Key(tenant, sha(c.body))
			want := cdr.ArchiveFile{State: cdr.FileArchived, Key: key, Bytes: int64(len(c.body)), SHA256: sha(c.body),
				ContentType: c.ct, ArchivedAt: e.clk.Now().UnixMilli()}
			if f.Key != want.Key || f.Bytes != want.Bytes || f.SHA256 != want.SHA256 || f.ContentType != want.ContentType || f.ArchivedAt != want.ArchivedAt {
				t.Errorf("file %+v, want %+v", f, want)
			}
			if got := readBlob(t, e.blobs, key); !bytes.Equal(got, c.body) {
				t.Errorf("stored %d bytes, not the file's %d", len(got), len(c.body))
			}
			if res.Archived != 1 || res.Bytes != int64(len(c.body)) || res.Failed != 0 {
				t.Errorf("result %+v", res)
			}
			if !e.metric("cdrhub_recordings_archived_files_total 1") || !e.metric(fmt.Sprintf("cdrhub_recordings_archived_bytes_total %d", len(c.body))) {
				t.Error("archive not counted")
			}
			// The next run has nothing to do.
			if res := e.run(tenant, TenantOptions{}); res != (Result{}) {
				t.Errorf("second run %+v", res)
			}
		})
	}
}

// TestArchiveSchedule: a 404 is tried again 1 h, 4 h and 12 h later,
// not before, and given up at the 4th failure; the log names the URL
// without its query.
func TestArchiveSchedule(t *testing.T) {
	e := newEnv(t)
	u := e.handle("/gone.mp3", http.NotFound) + "?sign=SECRET-TOKEN"
	id := e.record(tenant, cdr.SourceTencentCCC, "call-1", e.clk.Now().Add(-time.Hour), cdr.Recording{URL: u})
	e.run(tenant, TenantOptions{})
	for i, d := range []time.Duration{time.Hour, 4 * time.Hour, 12 * time.Hour} {
		// Not due a minute early.
		e.clk.Add(d - time.Minute)
		e.run(tenant, TenantOptions{})
		if h := e.hitsOf("/gone.mp3"); h != i+1 {
			t.Fatalf("attempt %d: %d requests before it is due", i+2, h)
		}
		e.clk.Add(time.Minute)
		res := e.run(tenant, TenantOptions{})
		f := e.file(tenant, id, 0)
		if f.Attempts != i+2 || res.Failed != 1 {
			t.Fatalf("attempt %d: file %+v, run %+v", i+2, f, res)
		}
		if i < 2 && f.State != cdr.FilePending || i == 2 && (f.State != cdr.FileGivenUp || res.GivenUp != 1) {
			t.Fatalf("attempt %d: file %+v, run %+v", i+2, f, res)
		}
	}
	e.clk.Add(100 * 24 * time.Hour)
	e.run(tenant, TenantOptions{})
	if h := e.hitsOf("/gone.mp3"); h != 4 {
		t.Errorf("%d requests, want 4", h)
	}
	if !e.metric("cdrhub_recordings_given_up_total 1") || !e.metric(`cdrhub_recordings_failures_total{reason="http_404"} 4`) {
		t.Error("metrics")
	}
	logs := e.logs.String()
	if strings.Contains(logs, "SECRET") || !strings.Contains(logs, e.srv.URL+"/gone.mp3") {
		t.Errorf("logs:\n%s", logs)
	}
	if !strings.Contains(logs, "level=WARN") || !strings.Contains(logs, "tenant=acme") || !strings.Contains(logs, "record="+id) {
		t.Errorf("logs:\n%s", logs)
	}
}

// TestArchiveTransientUntilExpiry: a file failing transiently is tried
// at growing delays until its expiry (aliyun_ccc: a day after the call).
func TestArchiveTransientUntilExpiry(t *testing.T) {
	e := newEnv(t)
	e.a.Retries = -1
	u := e.handle("/f", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(502) })
	id := e.record(tenant, cdr.SourceAliyunCCC, "a-1", e.clk.Now(), cdr.Recording{URL: u})
	var delays []time.Duration
	for range 40 {
		e.run(tenant, TenantOptions{})
		f := e.file(tenant, id, 0)
		if f.State == cdr.FileGivenUp {
			break
		}
		d := time.Duration(f.NextAttemptAt-e.clk.Now().UnixMilli()) * time.Millisecond
		delays = append(delays, d)
		e.clk.Add(d)
	}
	f := e.file(tenant, id, 0)
	if f.State != cdr.FileGivenUp || f.ExpiresAt != f.StartAt+24*3600*1000 || e.clk.Now().UnixMilli() < f.ExpiresAt {
		t.Fatalf("file %+v at %v", f, e.clk.Now())
	}
	want := []time.Duration{5 * time.Minute, 10 * time.Minute, 20 * time.Minute, 40 * time.Minute, time.Hour}
	for i, d := range delays {
		if w := want[min(i, len(want)-1)]; d != w {
			t.Fatalf("delays %v", delays)
		}
	}
	if f.Attempts != len(delays)+1 {
		t.Errorf("attempts %d after %d delays", f.Attempts, len(delays))
	}
}

// TestArchiveCancelThenResume cancels a run mid-body, as a killed process
// stops: no object is visible, the file is still pending with no attempt
// counted, and the next run archives it.
func TestArchiveCancelThenResume(t *testing.T) {
	e := newEnv(t)
	audio := wav(3, 300_000)
	started := make(chan struct{}, 1)
	u := e.handle("/f", stalling(audio, started))
	id := e.record(tenant, cdr.SourceTencentCCC, "call-1", e.clk.Now(), cdr.Recording{URL: u})

	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-started
		cancel()
	}()
	res, err := e.a.Run(ctx, tenant, TenantOptions{})
	if !errors.Is(err, context.Canceled) || res.Err != err {
		t.Fatalf("Run = %+v, %v; want canceled", res, err)
	}
	f := e.file(tenant, id, 0)
	if f.State != cdr.FilePending || f.Attempts != 0 || f.Reason != "" {
		t.Fatalf("file after the cancel %+v", f)
	}
	if objs := e.objects(); len(objs) != 0 {
		t.Fatalf("objects after the cancel: %v", objs)
	}
	e.serve("/f", audio)
	res = e.run(tenant, TenantOptions{})
	f = e.file(tenant, id, 0)
	if f.State != cdr.FileArchived || res.Archived != 1 {
		t.Fatalf("file %+v, run %+v", f, res)
	}
	if got := readBlob(t, e.blobs, f.Key); !bytes.Equal(got, audio) {
		t.Error("stored bytes differ")
	}
}

// TestArchiveOrder: the earliest-expiring files first, unknown expiry
// last; then by the call's start and the file's number.
func TestArchiveOrder(t *testing.T) {
	e := newEnv(t)
	now := e.clk.Now()
	day := 24 * time.Hour
	type rec struct {
		src   cdr.Source
		start time.Time
	}
	recs := map[string]rec{
		"tencent-old": {cdr.SourceTencentCCC, now.Add(-80 * day)}, // expires in 10 days
		"laaffic":     {cdr.SourceLaaffic, now.Add(-55 * day)},    // in 5 days
		"aliyun":      {cdr.SourceAliyunCCC, now.Add(-time.Hour)}, // in 23 h
		"tencent-new": {cdr.SourceTencentCCC, now.Add(-day)},      // in 89 days
		"native":      {cdr.SourceNative, now.Add(-100 * day)},    // unknown
		"native-new":  {cdr.SourceNative, now.Add(-day)},          // unknown, later start
	}
	for name, r := range recs {
		e.serve("/"+name+"/0", wav(uint64(len(name)), 1000))
		e.serve("/"+name+"/1", wav(uint64(len(name))+100, 1000))
		e.record(tenant, r.src, name, r.start, cdr.Recording{URL: e.srv.URL + "/" + name + "/0"},
			cdr.Recording{URL: e.srv.URL + "/" + name + "/1"})
	}
	res := e.run(tenant, TenantOptions{Concurrency: 1})
	if res.Archived != 12 {
		t.Fatalf("run %+v", res)
	}
	var want []string
	for _, name := range []string{"aliyun", "laaffic", "tencent-old", "tencent-new", "native", "native-new"} {
		want = append(want, "/"+name+"/0", "/"+name+"/1")
	}
	if got := strings.Join(e.requests, " "); got != strings.Join(want, " ") {
		t.Errorf("order\n%s\nwant\n%s", got, strings.Join(want, " "))
	}
}

// TestArchiveTenants: a run touches its tenant's files only; two tenants'
// identical files are two objects.
func TestArchiveTenants(t *testing.T) {
	e := newEnv(t)
	audio := wav(5, 5000)
	u := e.serve("/f", audio)
	mine := e.record(tenant, cdr.SourceNative, "c1", e.clk.Now(), cdr.Recording{URL: u})
	theirs := e.record(other, cdr.SourceNative, "c1", e.clk.Now(), cdr.Recording{URL: u})
	e.run(tenant, TenantOptions{})
	if e.file(tenant, mine, 0).State != cdr.FileArchived {
		t.Fatal("not archived")
	}
	if fs, err := e.store.RecordFiles(context.Background(), other, theirs); err != nil || len(fs) != 0 {
		t.Fatalf("the other tenant's files %+v, %v", fs, err)
	}
	if h := e.hitsOf("/f"); h != 1 {
		t.Fatalf("%d requests", h)
	}
	e.run(other, TenantOptions{})
	a, b := e.file(tenant, mine, 0), e.file(other, theirs, 0)
	if b.State != cdr.FileArchived || a.Key == b.Key || a.SHA256 != b.SHA256 || !strings.HasPrefix(b.Key, "other/") {
		t.Fatalf("files %+v and %+v", a, b)
	}
	if _, err := e.a.Run(context.Background(), cdr.TenantID{}, TenantOptions{}); !errors.Is(err, cdr.ErrNoTenant) {
		t.Errorf("Run for no tenant: %v", err)
	}
}

// TestArchiveManyFiles: several records of several files each, with
// transcripts and participants' recordings, at concurrency 8; progress
// is reported.
func TestArchiveManyFiles(t *testing.T) {
	e := newEnv(t)
	var want int
	for i := range 30 {
		id := fmt.Sprintf("c%02d", i)
		audio := e.serve("/"+id+"/a", mp3(uint64(i), 20_000+i))
		tr := e.serve("/"+id+"/t", []byte(fmt.Sprintf("agent: hello %d\n", i)))
		leg := e.serve("/"+id+"/leg", wav(uint64(i), 10_000+i))
		e.record(tenant, cdr.SourceTencentCCC, id, e.clk.Now().Add(-time.Duration(i)*time.Minute),
			cdr.Recording{URL: audio, TranscriptURL: tr}, cdr.Recording{Kind: cdr.RecordingVoicemail, URL: leg})
		want += 3
	}
	var calls atomic.Int32
	var last Result
	res := e.run(tenant, TenantOptions{Concurrency: 8, Progress: func(r Result) { calls.Add(1); last = r }})
	if res.Archived != want || res.Planned != 30 || res.Failed != 0 || int(calls.Load()) != want || last != res {
		t.Fatalf("run %+v, %d progress calls, last %+v", res, calls.Load(), last)
	}
	counts, err := e.store.ArchiveCounts(context.Background(), tenant)
	if err != nil || len(counts) != 1 || counts[0].Archived != int64(want) || counts[0].Pending != 0 {
		t.Fatalf("counts %+v, %v", counts, err)
	}
}

// TestArchiveBandwidth: one host's files, read at once, take as long as
// the host's rate says (a generous bound; the bucket's arithmetic is
// tested on a fake clock in TestBucket).
func TestArchiveBandwidth(t *testing.T) {
	e := newEnv(t)
	e.a.MaxBytesPerSecondPerHost = 1 << 20 // 1 MiB/s
	for i := range 4 {
		name := fmt.Sprintf("c%d", i)
		u := e.serve("/"+name, wav(uint64(i), 200_000))
		e.record(tenant, cdr.SourceTencentCCC, name, e.clk.Now(), cdr.Recording{URL: u})
	}
	start := time.Now()
	res := e.run(tenant, TenantOptions{Concurrency: 4})
	elapsed := time.Since(start)
	if res.Archived != 4 {
		t.Fatalf("run %+v", res)
	}
	// 800 kB at 1 MiB/s, less a burst of 32 KiB: 0.73 s.
	if elapsed < 500*time.Millisecond {
		t.Errorf("800 kB archived in %v at 1 MiB/s", elapsed)
	}
}

// TestArchiveStoreFailure: when the blob store fails, the run stops and
// the file stays pending, its attempts unchanged.
func TestArchiveStoreFailure(t *testing.T) {
	e := newEnv(t)
	e.a.Blobs = failingStore{e.blobs}
	id := e.record(tenant, cdr.SourceNative, "c1", e.clk.Now(), cdr.Recording{URL: e.serve("/f", wav(1, 1000))})
	if _, err := e.a.Run(context.Background(), tenant, TenantOptions{}); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Run = %v", err)
	}
	if f := e.file(tenant, id, 0); f.State != cdr.FilePending || f.Attempts != 0 {
		t.Errorf("file %+v", f)
	}
}

type failingStore struct{ blob.Store }

func (failingStore) Create(context.Context) (blob.Writer, error) { return nil, errors.New("disk full") }
