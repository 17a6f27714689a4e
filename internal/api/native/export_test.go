package native_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/api/native"
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/httpserver"
	"github.com/cdrhub/cdrhub/internal/httpx/httpxtest"
	"github.com/cdrhub/cdrhub/internal/sqlstore"
	"github.com/cdrhub/cdrhub/internal/storetest"
	"github.com/parquet-go/parquet-go"
)

// exportEnv serves the native API over store (wrapped by wrap when not
// nil) with limits for the export.
func exportEnv(t *testing.T, wrap func(cdr.Store) cdr.Store, lim native.ExportLimits) *env {
	t.Helper()
	store := storetest.Open(t, sqlstore.Options{CacheMiB: 4})
	served := store
	if wrap != nil {
		served = wrap(store)
	}
	api := newAPI(t, served, native.DefaultLimits)
	api.SetExportLimits(lim)
	logs := &httpxtest.Buffer{}
	srv := httptest.NewServer(validated(t, httpserver.Routes(httpserver.Ready{DB: store}, nil, slog.New(slog.NewJSONHandler(logs, nil)),
		httpserver.APIs{Native: api})))
	t.Cleanup(srv.Close)
	return &env{srv: srv, store: store, api: api, logs: logs}
}

// get sends GET path with the token and headers, and returns the answer
// with its body read (or the read's error).
func (e *env) get(t *testing.T, path, token string, header ...string) (*http.Response, []byte, error) {
	t.Helper()
	req, err := http.NewRequest("GET", e.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	// No transparent decompression: the test reads what was sent.
	resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

// exportRecords posts n records of acme (and 3 of globex), voice and chat,
// one with a formula-like note, and a vendor record with raw.
func exportRecords(t *testing.T, e *env, n int) {
	t.Helper()
	var b strings.Builder
	for i := range n {
		extra := `,"direction":"inbound","caller":{"address":"+8613800000000"}`
		if i%3 == 0 {
			extra = `,"direction":"outbound","note":"=HYPERLINK(\"x\")"`
		}
		b.WriteString(rec(fmt.Sprint("x", i), 1764547200000+int64(i)*60_000, extra) + "\n")
	}
	if code, resp := post(t, e, acmeToken, "application/x-ndjson", b.String()); code != 200 || resp.Inserted != n {
		t.Fatalf("post: %d %+v", code, resp)
	}
	if code, _ := post(t, e, globexToken, "application/x-ndjson", rec("g1", 1764547200000, "")+"\n"+rec("g2", 1764547260000, "")+"\n"+
		rec("g3", 1764547320000, "")+"\n"); code != 200 {
		t.Fatalf("post globex: %d", code)
	}
	raw := &cdr.Record{Channel: cdr.ChannelChat, Source: cdr.SourceTencentDesk, SourceID: "s1", StartAt: 1764547200500, Version: 1,
		Raw: json.RawMessage(`{"SessionId": "s1", "Note": "<&>"}`)}
	if _, err := e.store.UpsertRecords(context.Background(), cdr.MustTenantID("acme"), []*cdr.Record{raw}, cdr.UpsertOptions{}); err != nil {
		t.Fatal(err)
	}
}

// listed returns the records GET /api/v1/records gives for the filter, as
// NDJSON lines, paging to the end.
func listed(t *testing.T, e *env, token, filter string) []string {
	t.Helper()
	var lines []string
	cursor := ""
	for {
		q := filter + "&limit=7"
		if cursor != "" {
			q += "&cursor=" + cursor
		}
		var page struct {
			Records    []json.RawMessage `json:"records"`
			NextCursor string            `json:"next_cursor"`
		}
		if code := e.do(t, "GET", "/api/v1/records?"+q, token, "", "", &page); code != 200 {
			t.Fatalf("list %s: %d", q, code)
		}
		for _, r := range page.Records {
			lines = append(lines, string(r))
		}
		if cursor = page.NextCursor; cursor == "" {
			return lines
		}
	}
}

func TestExport(t *testing.T) {
	e := exportEnv(t, nil, native.DefaultExportLimits)
	exportRecords(t, e, 40)
	disposition := regexp.MustCompile(`^attachment; filename="cdrhub-acme-\d{8}T\d{6}Z\.ndjson"$`)

	t.Run("ndjson", func(t *testing.T) {
		resp, body, err := e.get(t, "/api/v1/export?channel=voice", acmeToken)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%d %v %s", resp.StatusCode, err, body)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/x-ndjson" {
			t.Errorf("Content-Type %q", ct)
		}
		if cd := resp.Header.Get("Content-Disposition"); !disposition.MatchString(cd) {
			t.Errorf("Content-Disposition %q", cd)
		}
		if n := resp.Header.Get("X-Total-Count"); n != "40" {
			t.Errorf("X-Total-Count %q", n)
		}
		want := strings.Join(listed(t, e, acmeToken, "channel=voice"), "\n") + "\n"
		if string(body) != want {
			t.Errorf("export:\n%s\nwant the listed records:\n%s", body, want)
		}
	})

	t.Run("gzip", func(t *testing.T) {
		_, plain, _ := e.get(t, "/api/v1/export", acmeToken)
		resp, body, err := e.get(t, "/api/v1/export", acmeToken, "Accept-Encoding", "br;q=1.0, gzip;q=0.5")
		if err != nil || resp.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
			t.Fatalf("%v %v", err, resp.Header)
		}
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(got, plain) || len(plain) == 0 {
			t.Errorf("gunzipped export (%v) differs from the plain one", err)
		}
		if resp, _, _ := e.get(t, "/api/v1/export", acmeToken, "Accept-Encoding", "gzip;q=0"); resp.Header.Get("Content-Encoding") != "" {
			t.Error("gzip;q=0 got gzip")
		}
	})

	t.Run("csv", func(t *testing.T) {
		resp, body, err := e.get(t, "/api/v1/export?format=csv&channel=voice&tz=Asia/Shanghai", acmeToken)
		if err != nil || resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
			!strings.HasSuffix(resp.Header.Get("Content-Disposition"), `.csv"`) {
			t.Fatalf("%d %v %v %s", resp.StatusCode, err, resp.Header, body)
		}
		rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
		if err != nil || len(rows) != 41 || rows[0][0] != "id" {
			t.Fatalf("%d rows, %v", len(rows), err)
		}
		if !strings.Contains(string(body), "+08:00") || !strings.Contains(string(body), `'=HYPERLINK`) {
			t.Errorf("times not in Shanghai or formulas not escaped:\n%s", body)
		}
		_, kept, _ := e.get(t, "/api/v1/export?format=csv&csv_formulas=keep", acmeToken)
		if strings.Contains(string(kept), `'=HYPERLINK`) || !strings.Contains(string(kept), `=HYPERLINK`) {
			t.Errorf("csv_formulas=keep escaped")
		}
		_, cols, _ := e.get(t, "/api/v1/export?format=csv&columns=source_id,start_at&channel=chat", acmeToken)
		if want := "source_id,start_at\ns1,2025-12-01T00:00:00.500Z\n"; string(cols) != want {
			t.Errorf("columns:\n%s\nwant\n%s", cols, want)
		}
	})

	t.Run("parquet", func(t *testing.T) {
		resp, body, err := e.get(t, "/api/v1/export?format=parquet&include=raw", acmeToken, "Accept-Encoding", "gzip")
		if err != nil || resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/vnd.apache.parquet" ||
			resp.Header.Get("Content-Encoding") != "" || !strings.HasSuffix(resp.Header.Get("Content-Disposition"), `.parquet"`) {
			t.Fatalf("%d %v %v", resp.StatusCode, err, resp.Header)
		}
		f, err := parquet.OpenFile(bytes.NewReader(body), int64(len(body)))
		if err != nil {
			t.Fatal(err)
		}
		if f.NumRows() != 41 {
			t.Errorf("%d rows, want 41", f.NumRows())
		}
		if _, ok := f.Schema().Lookup("raw"); !ok {
			t.Error("no raw column with include=raw")
		}
		_, slim, _ := e.get(t, "/api/v1/export?format=parquet&columns=id,start_at", acmeToken)
		g, err := parquet.OpenFile(bytes.NewReader(slim), int64(len(slim)))
		if err != nil || len(g.Schema().Fields()) != 2 || g.NumRows() != 41 {
			t.Errorf("columns=id,start_at: %v", err)
		}
	})

	t.Run("raw", func(t *testing.T) {
		_, body, _ := e.get(t, "/api/v1/export?channel=chat&include=raw", acmeToken)
		if !strings.Contains(string(body), `"raw":{"SessionId":"s1","Note":"<&>"}`) {
			t.Errorf("include=raw: %s", body)
		}
		_, body, _ = e.get(t, "/api/v1/export?channel=chat", acmeToken)
		if strings.Contains(string(body), `"raw"`) {
			t.Errorf("raw without include=raw: %s", body)
		}
	})

	t.Run("tenants", func(t *testing.T) {
		_, body, _ := e.get(t, "/api/v1/export", globexToken)
		if n := strings.Count(string(body), "\n"); n != 3 || strings.Contains(string(body), `"acme"`) {
			t.Errorf("globex's export: %d records\n%s", n, body)
		}
		_, admin, _ := e.get(t, "/api/v1/export?tenant=acme", adminToken)
		_, own, _ := e.get(t, "/api/v1/export", acmeToken)
		if !bytes.Equal(admin, own) || len(own) == 0 {
			t.Error("an admin's export of acme differs from acme's")
		}
		if resp, _, _ := e.get(t, "/api/v1/export?tenant=globex", acmeToken); resp.StatusCode != 403 {
			t.Errorf("acme's token for globex: %d", resp.StatusCode)
		}
	})
}

func TestExportErrors(t *testing.T) {
	e := exportEnv(t, nil, native.ExportLimits{MaxRecords: 5, MaxDuration: time.Minute, Idle: time.Minute})
	exportRecords(t, e, 10)
	for _, c := range []struct {
		name, query, token string
		status             int
		code, names        string
	}{
		{"no token", "", "", 401, "unauthorized", ""},
		{"admin without tenant", "", adminToken, 400, "invalid", "tenant"},
		{"a page", "limit=10", acmeToken, 400, "invalid", "limit"},
		{"a cursor", "cursor=abc", acmeToken, 400, "invalid", "cursor"},
		{"unknown format", "format=xml", acmeToken, 400, "invalid", "format"},
		{"two formats", "format=csv&format=ndjson", acmeToken, 400, "invalid", "format"},
		{"columns of ndjson", "columns=id", acmeToken, 400, "invalid", "columns"},
		{"unknown column", "format=csv&columns=id,color", acmeToken, 400, "invalid", "color"},
		{"tz of ndjson", "tz=UTC", acmeToken, 400, "invalid", "tz"},
		{"unknown zone", "format=csv&tz=Mars/Olympus", acmeToken, 400, "invalid", "tz"},
		{"include other", "include=files", acmeToken, 400, "invalid", "include"},
		{"raw in csv", "format=csv&include=raw", acmeToken, 400, "invalid", "raw"},
		{"csv_formulas of ndjson", "csv_formulas=keep", acmeToken, 400, "invalid", "csv_formulas"},
		{"csv_formulas other", "format=csv&csv_formulas=maybe", acmeToken, 400, "invalid", "csv_formulas"},
		{"from after to", "from=2026-11-08T00:00:00Z&to=2026-11-01T00:00:00Z", acmeToken, 400, "invalid", "from"},
		{"unknown filter", "color=red", acmeToken, 400, "invalid", "color"},
		{"too many records", "", acmeToken, 400, "invalid", "cdrhub export"},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, b, _ := e.get(t, "/api/v1/export?"+c.query, c.token)
			var body struct {
				Error struct{ Code, Message string }
			}
			json.Unmarshal(b, &body)
			if resp.StatusCode != c.status || body.Error.Code != c.code || !strings.Contains(body.Error.Message, c.names) ||
				resp.Header.Get("Content-Disposition") != "" {
				t.Errorf("%d %+v %v, want %d %s naming %q", resp.StatusCode, body.Error, resp.Header, c.status, c.code, c.names)
			}
		})
	}
	// Within the limit, the same tenant exports.
	if resp, body, err := e.get(t, "/api/v1/export?channel=chat", acmeToken); resp.StatusCode != 200 || err != nil || len(body) == 0 {
		t.Errorf("a small export: %d %v", resp.StatusCode, err)
	}
}

// failingStore fails StreamRecords after `after` records (a database that
// breaks mid-read), or blocks there until the read is canceled when block;
// it reports the context's error it saw.
type failingStore struct {
	cdr.Store
	after    int
	block    bool
	canceled atomic.Bool
}

func (s *failingStore) StreamRecords(ctx context.Context, t cdr.TenantID, f cdr.Filter, fn func([]byte, cdr.Cursor) error) error {
	n := 0
	err := s.Store.StreamRecords(ctx, t, f, func(rec []byte, at cdr.Cursor) error {
		if n++; n > s.after {
			if !s.block {
				return cdr.Errorf(cdr.EINTERNAL, "the database broke")
			}
			<-ctx.Done()
			return ctx.Err()
		}
		return fn(rec, at)
	})
	// Canceled here or in the database's read, whichever came first.
	if ctx.Err() != nil {
		s.canceled.Store(true)
	}
	return err
}

func TestExportAborts(t *testing.T) {
	lim := native.ExportLimits{MaxRecords: 1000, MaxDuration: time.Minute, Idle: 300 * time.Millisecond}
	for _, c := range []struct {
		name      string
		after     int
		block     bool
		status    int  // of an answer that had not started
		truncated bool // the body ends without its final chunk
		log       string
	}{
		// Under 64 KiB of records nothing has gone out: a clean error.
		{"database error before the first bytes", 2, false, 500, false, `"level":"ERROR"`},
		{"store silent before the first bytes", 2, true, 503, false, `"level":"ERROR"`},
		// Some 600 records are past the first 64 KiB.
		{"database error mid-stream", 600, false, 200, true, `export aborted`},
		{"store silent mid-stream", 600, true, 200, true, `sent nothing for too long`},
	} {
		t.Run(c.name, func(t *testing.T) {
			var fs *failingStore
			e := exportEnv(t, func(s cdr.Store) cdr.Store {
				fs = &failingStore{Store: s, after: c.after, block: c.block}
				return fs
			}, lim)
			exportRecords(t, e, 800)
			resp, body, err := e.get(t, "/api/v1/export", acmeToken)
			if resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, c.status, body)
			}
			if c.truncated {
				if !errors.Is(err, io.ErrUnexpectedEOF) {
					t.Errorf("reading the body: %v, want an unexpected EOF", err)
				}
				if len(body) < 64<<10 {
					t.Errorf("%d bytes before the end", len(body))
				}
			} else if err != nil || !strings.Contains(string(body), `"error"`) || resp.Header.Get("Content-Disposition") != "" {
				t.Errorf("%v %v %s", err, resp.Header, body)
			}
			if c.block && !fs.canceled.Load() {
				t.Error("the store's read was not canceled")
			}
			if !strings.Contains(e.logs.String(), c.log) {
				t.Errorf("log without %q:\n%s", c.log, e.logs.String())
			}
			if c.truncated && !strings.Contains(e.logs.String(), `"outcome":"server_error"`) {
				t.Errorf("the access log does not count the aborted export as a server error:\n%s", e.logs.String())
			}
		})
	}
}

// TestExportClientGone: a client that goes away mid-export cancels the
// store's read.
func TestExportClientGone(t *testing.T) {
	var fs *failingStore
	e := exportEnv(t, func(s cdr.Store) cdr.Store {
		fs = &failingStore{Store: s, after: 700, block: true}
		return fs
	}, native.ExportLimits{MaxRecords: 1000, MaxDuration: time.Minute, Idle: time.Minute})
	exportRecords(t, e, 800)
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", e.srv.URL+"/api/v1/export", nil)
	req.Header.Set("Authorization", "Bearer "+acmeToken)
	req.Header.Set("Accept-Encoding", "identity") // 700 records fill the first 64 KiB
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	// Read the first line, then go away.
	if _, err := bufio.NewReader(resp.Body).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	cancel()
	resp.Body.Close()
	deadline := time.Now().Add(10 * time.Second)
	for !fs.canceled.Load() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !fs.canceled.Load() {
		t.Fatal("the store's read went on after the client left")
	}
}

// TestExportWhileWriting: an export streams one consistent read while
// records are written: every record once, in order, none of those
// written after it started among them.
func TestExportWhileWriting(t *testing.T) {
	e := exportEnv(t, nil, native.DefaultExportLimits)
	exportRecords(t, e, 1000)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 20 {
			var b strings.Builder
			for j := range 50 {
				b.WriteString(rec(fmt.Sprintf("late%d-%d", i, j), 1764547200000+int64(j)*61_000, "") + "\n")
			}
			post(t, e, acmeToken, "application/x-ndjson", b.String())
		}
	}()
	resp, body, err := e.get(t, "/api/v1/export?order=asc", acmeToken)
	<-done
	if err != nil || resp.StatusCode != 200 {
		t.Fatal(resp.StatusCode, err)
	}
	seen := map[string]bool{}
	last := int64(0)
	for line := range strings.Lines(string(body)) {
		var r struct {
			ID      string `json:"id"`
			StartAt int64  `json:"start_at"`
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		if seen[r.ID] || r.StartAt < last {
			t.Fatalf("%s twice or out of order", r.ID)
		}
		seen[r.ID], last = true, r.StartAt
	}
	if n := len(seen); n < 1001 {
		t.Errorf("%d records, want at least the 1,001 written before", n)
	}
}
