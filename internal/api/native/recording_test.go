package native_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/api/native"
	"github.com/cdrhub/cdrhub/internal/blob"
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/httpserver"
	"github.com/cdrhub/cdrhub/internal/httpx/httpxtest"
	"github.com/cdrhub/cdrhub/internal/sqlstore"
	"github.com/cdrhub/cdrhub/internal/storetest"
)

// recEnv is a native API with the recording archive.
type recEnv struct {
	*env
	state cdr.Archive
	blobs blob.Store
	clock time.Time
}

func newRecEnv(t *testing.T, maxFile int64) *recEnv {
	t.Helper()
	s := storetest.OpenSubject(t, sqlstore.Options{CacheMiB: 4})
	t.Cleanup(func() { s.Close() })
	api := newAPI(t, s.Store, native.DefaultLimits)
	blobs, err := blob.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	e := &recEnv{state: s.Archive, blobs: blobs, clock: time.Now()}
	api.SetRecordings(&native.Recordings{State: s.Archive, Blobs: blobs, SigningKey: []byte("0123456789abcdef0123456789abcdef"),
		MaxFileBytes: maxFile, LinkTTL: map[cdr.TenantID]time.Duration{cdr.MustTenantID("acme"): 2 * time.Hour},
		Now: func() time.Time { return e.clock }})
	logs := &httpxtest.Buffer{}
	srv := httptest.NewServer(validated(t, httpserver.Routes(httpserver.Ready{DB: s.Store}, nil, slog.New(slog.NewJSONHandler(logs, nil)),
		httpserver.APIs{Native: api})))
	t.Cleanup(srv.Close)
	e.env = &env{srv: srv, store: s.Store, api: api, logs: logs}
	return e
}

// wav returns a WAV file of n bytes of random 8 kHz PCM.
func wav(n int, seed uint64) []byte {
	var b bytes.Buffer
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(36+n))
	b.WriteString("WAVEfmt ")
	for _, v := range []any{uint32(16), uint16(1), uint16(1), uint32(8000), uint32(16000), uint16(2), uint16(16)} {
		binary.Write(&b, binary.LittleEndian, v)
	}
	b.WriteString("data")
	binary.Write(&b, binary.LittleEndian, uint32(n))
	r := rand.New(rand.NewPCG(seed, seed))
	for range n {
		b.WriteByte(byte(r.Uint32()))
	}
	return b.Bytes()
}

// send sends a request with a body and returns the response and its body.
func (e *recEnv) send(t *testing.T, method, path, token string, body []byte, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body == nil {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func errorCode(b []byte) string {
	var eb native.ErrorBody
	json.Unmarshal(b, &eb)
	return eb.Error.Code
}

const recordedCall = `{"channel":"voice","source":"native","source_id":"call-1","start_at":1762000000000,` +
	`"recordings":[{"url":"https://pbx.example/a.wav","transcript_url":"https://pbx.example/a.txt"},{}],` +
	`"participants":[{"seq":1,"recording_url":"https://pbx.example/leg1.wav"}]}`

// TestRecordingUploadServeAndLinks: a file uploaded with PUT is listed in
// the record's files and served back byte for byte, with ranges, HEAD and
// conditional requests; signed links work without a token until they
// expire, and any change to them is refused; no other tenant reaches it.
func TestRecordingUploadServeAndLinks(t *testing.T) {
	e := newRecEnv(t, 1<<20)
	var up native.UpsertResponse
	if code := e.do(t, "POST", "/api/v1/records", acmeToken, "application/x-ndjson", recordedCall+"\n", &up); code != 200 || up.Inserted != 1 {
		t.Fatalf("upsert: %d %+v", code, up)
	}
	id := cdr.RecordID("acme", cdr.SourceNative, "call-1")
	base := "/api/v1/records/" + url.PathEscape(id)

	// Before anything is archived: every file listed, none archived, and
	// the file answers not_found.
	var rec struct {
		Files []native.FileView `json:"files"`
	}
	e.do(t, "GET", base, acmeToken, "", "", &rec)
	wantOf := []string{"recordings[0].url", "recordings[0].transcript_url", "recordings[1].url", "participants[0].recording_url"}
	if len(rec.Files) != len(wantOf) {
		t.Fatalf("files: %+v", rec.Files)
	}
	for i, f := range rec.Files {
		if f.N != i || f.Of != wantOf[i] || f.Archived || f.URL != "" {
			t.Errorf("file %d before archiving: %+v", i, f)
		}
	}
	if resp, b := e.send(t, "GET", base+"/recordings/0", acmeToken, nil, nil); resp.StatusCode != 404 || errorCode(b) != cdr.ENOTFOUND {
		t.Errorf("not archived: %d %s", resp.StatusCode, b)
	}

	audio := wav(50_000, 1)
	sum := sha256.Sum256(audio)
	hexSum := hex.EncodeToString(sum[:])
	resp, b := e.send(t, "PUT", base+"/recordings/0", acmeToken, audio, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("PUT: %d %s", resp.StatusCode, b)
	}
	e.do(t, "GET", base, acmeToken, "", "", &rec)
	f0 := rec.Files[0]
	if !f0.Archived || f0.Bytes != int64(len(audio)) || f0.SHA256 != hexSum || !strings.HasPrefix(f0.ContentType, "audio/") ||
		f0.URL != base+"/recordings/0" || rec.Files[1].Archived {
		t.Fatalf("files after PUT: %+v", rec.Files)
	}

	// Served back whole, in a range, by HEAD and conditionally.
	resp, b = e.send(t, "GET", f0.URL, acmeToken, nil, nil)
	if resp.StatusCode != 200 || !bytes.Equal(b, audio) || resp.Header.Get("ETag") != `"`+hexSum+`"` ||
		resp.Header.Get("Content-Type") != f0.ContentType || resp.Header.Get("Accept-Ranges") != "bytes" {
		t.Fatalf("GET: %d %d bytes %v", resp.StatusCode, len(b), resp.Header)
	}
	resp, b = e.send(t, "GET", f0.URL, acmeToken, nil, map[string]string{"Range": "bytes=1000-1999"})
	if resp.StatusCode != 206 || !bytes.Equal(b, audio[1000:2000]) || resp.Header.Get("Content-Range") != fmt.Sprintf("bytes 1000-1999/%d", len(audio)) {
		t.Errorf("range: %d %d bytes %v", resp.StatusCode, len(b), resp.Header)
	}
	resp, b = e.send(t, "HEAD", f0.URL, acmeToken, nil, nil)
	if resp.StatusCode != 200 || len(b) != 0 || resp.ContentLength != int64(len(audio)) {
		t.Errorf("HEAD: %d %d %d", resp.StatusCode, len(b), resp.ContentLength)
	}
	if resp, _ = e.send(t, "GET", f0.URL, acmeToken, nil, map[string]string{"If-None-Match": `"` + hexSum + `"`}); resp.StatusCode != 304 {
		t.Errorf("If-None-Match: %d", resp.StatusCode)
	}
	if resp, _ = e.send(t, "GET", f0.URL+"?tenant=acme", adminToken, nil, nil); resp.StatusCode != 200 {
		t.Errorf("admin for acme: %d", resp.StatusCode)
	}
	if !strings.Contains(e.logs.String(), `"msg":"recording downloaded"`) || !strings.Contains(e.logs.String(), `"principal":"acme"`) {
		t.Errorf("download not logged: %s", e.logs.String())
	}

	// Another tenant: its token, an admin acting for it, and its own
	// record of the same source id all miss acme's file.
	for _, c := range []struct{ path, token string }{
		{f0.URL, globexToken},
		{f0.URL + "?tenant=globex", adminToken},
		{"/api/v1/records/" + url.PathEscape(cdr.RecordID("globex", cdr.SourceNative, "call-1")) + "/recordings/0", globexToken},
	} {
		if resp, b := e.send(t, "GET", c.path, c.token, nil, nil); resp.StatusCode != 404 || bytes.Contains(b, audio[:64]) {
			t.Errorf("%s as %s: %d", c.path, c.token, resp.StatusCode)
		}
	}
	if resp, _ := e.send(t, "PUT", f0.URL, globexToken, wav(10, 2), nil); resp.StatusCode != 404 {
		t.Errorf("globex PUT on acme's record: %d", resp.StatusCode)
	}
	if resp, _ := e.send(t, "GET", f0.URL, "", nil, nil); resp.StatusCode != 401 {
		t.Errorf("no token: %d", resp.StatusCode)
	}

	// Signed links.
	var link native.LinkResponse
	resp, b = e.send(t, "POST", f0.URL+"/link?ttl=600", acmeToken, nil, nil)
	if resp.StatusCode != 200 || json.Unmarshal(b, &link) != nil || link.ExpiresAt != e.clock.Add(600*time.Second).Unix() ||
		!strings.HasPrefix(link.URL, f0.URL+"?") {
		t.Fatalf("link: %d %s", resp.StatusCode, b)
	}
	if resp, b := e.send(t, "GET", link.URL, "", nil, nil); resp.StatusCode != 200 || !bytes.Equal(b, audio) {
		t.Fatalf("signed link: %d", resp.StatusCode)
	}
	if resp, b := e.send(t, "GET", link.URL, "", nil, map[string]string{"Range": "bytes=0-9"}); resp.StatusCode != 206 || !bytes.Equal(b, audio[:10]) {
		t.Errorf("signed link, range: %d", resp.StatusCode)
	}
	u, _ := url.Parse(link.URL)
	alter := func(f func(q url.Values, u *url.URL)) string {
		u2, q := *u, u.Query()
		f(q, &u2)
		u2.RawQuery = q.Encode()
		return u2.String()
	}
	sig := u.Query().Get("signature")
	flip := map[byte]byte{'0': '1'}[sig[0]]
	if flip == 0 {
		flip = '0'
	}
	for name, path := range map[string]string{
		"signature altered": alter(func(q url.Values, _ *url.URL) { q.Set("signature", string(flip)+sig[1:]) }),
		"expiry extended":   alter(func(q url.Values, _ *url.URL) { q.Set("expires", "9999999999") }),
		"other tenant":      alter(func(q url.Values, _ *url.URL) { q.Set("tenant", "globex") }),
		"other file":        alter(func(_ url.Values, u *url.URL) { u.Path = strings.TrimSuffix(u.Path, "/0") + "/1" }),
		"signature missing": alter(func(q url.Values, _ *url.URL) { q.Set("signature", "") }),
		"signature doubled": alter(func(q url.Values, _ *url.URL) { q.Add("signature", sig) }),
	} {
		if resp, b := e.send(t, "GET", path, "", nil, nil); resp.StatusCode != 403 || errorCode(b) != cdr.EFORBIDDEN {
			t.Errorf("%s: %d %s", name, resp.StatusCode, b)
		}
	}
	if resp, _ := e.send(t, "PUT", link.URL, "", wav(10, 3), nil); resp.StatusCode != 401 {
		t.Errorf("PUT with a link's signature and no token: %d", resp.StatusCode)
	}
	e.clock = e.clock.Add(601 * time.Second)
	if resp, b := e.send(t, "GET", link.URL, "", nil, nil); resp.StatusCode != 403 || !strings.Contains(string(b), "expired") {
		t.Errorf("expired link: %d %s", resp.StatusCode, b)
	}
	for _, ttl := range []string{"0", "7201", "-1", "x"} {
		if resp, _ := e.send(t, "POST", f0.URL+"/link?ttl="+ttl, acmeToken, nil, nil); resp.StatusCode != 400 {
			t.Errorf("ttl=%s: %d", ttl, resp.StatusCode)
		}
	}
	if resp, _ := e.send(t, "POST", base+"/recordings/1/link", acmeToken, nil, nil); resp.StatusCode != 404 {
		t.Errorf("link to a file not archived: %d", resp.StatusCode)
	}

	// The record with its files, sent back, is unchanged: files is
	// server-owned and ignored on input.
	_, doc := e.send(t, "GET", base, acmeToken, nil, nil)
	if !bytes.Contains(doc, []byte(`"files":[`)) {
		t.Fatalf("no files in %s", doc)
	}
	if code := e.do(t, "POST", "/api/v1/records", acmeToken, "application/x-ndjson", string(bytes.TrimSpace(doc))+"\n", &up); code != 200 || up.Unchanged != 1 {
		t.Errorf("re-import of a record with files: %d %+v", code, up)
	}
}

// TestRecordingUploadRefused: an upload that is not media, too large, for a
// file the record does not have or of a record not found is refused in the
// native envelope, and stores nothing.
func TestRecordingUploadRefused(t *testing.T) {
	e := newRecEnv(t, 10_000)
	var up native.UpsertResponse
	e.do(t, "POST", "/api/v1/records", acmeToken, "application/x-ndjson", recordedCall+"\n", &up)
	base := "/api/v1/records/" + url.PathEscape(cdr.RecordID("acme", cdr.SourceNative, "call-1"))
	for _, c := range []struct {
		name, path string
		body       []byte
		status     int
		code       string
	}{
		{"an HTML page", base + "/recordings/0", []byte("<!DOCTYPE html><html><body>404 Not Found</body></html>"), 400, cdr.EINVALID},
		{"empty", base + "/recordings/0", []byte{}, 400, cdr.EINVALID},
		{"over max_file_bytes", base + "/recordings/0", wav(20_000, 4), 413, cdr.ETOOLARGE},
		{"no such file", base + "/recordings/4", wav(100, 5), 404, cdr.ENOTFOUND},
		{"file number out of range", base + "/recordings/64", wav(100, 5), 400, cdr.EINVALID},
		{"file number not canonical", base + "/recordings/01", wav(100, 5), 400, cdr.EINVALID},
		{"no such record", "/api/v1/records/nope/recordings/0", wav(100, 5), 404, cdr.ENOTFOUND},
		{"audio for a transcript", base + "/recordings/1", wav(100, 6), 400, cdr.EINVALID},
	} {
		resp, b := e.send(t, "PUT", c.path, acmeToken, c.body, nil)
		if resp.StatusCode != c.status || errorCode(b) != c.code {
			t.Errorf("%s: %d %s, want %d %s", c.name, resp.StatusCode, b, c.status, c.code)
		}
	}
	files, err := e.state.RecordFiles(t.Context(), cdr.MustTenantID("acme"), cdr.RecordID("acme", cdr.SourceNative, "call-1"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f.State == cdr.FileArchived {
			t.Errorf("archived after refused uploads: %+v", f)
		}
	}
	// A transcript upload is text.
	if resp, b := e.send(t, "PUT", base+"/recordings/1", acmeToken, []byte("agent: hello\ncustomer: hi\n"), nil); resp.StatusCode != 200 {
		t.Errorf("transcript: %d %s", resp.StatusCode, b)
	}
}

// TestRecordingRedirect: with a presigner (recordings.s3.redirect), a
// download is a 307 to the object store's URL of the archived copy; a
// file not archived is still not found.
func TestRecordingRedirect(t *testing.T) {
	e := newRecEnv(t, 1<<20)
	var up native.UpsertResponse
	if code := e.do(t, "POST", "/api/v1/records", acmeToken, "application/x-ndjson", recordedCall+"\n", &up); code != 200 || up.Inserted != 1 {
		t.Fatalf("upsert: %d %+v", code, up)
	}
	base := "/api/v1/records/" + url.PathEscape(cdr.RecordID("acme", cdr.SourceNative, "call-1"))
	audio := wav(20_000, 2)
	if resp, b := e.send(t, "PUT", base+"/recordings/0", acmeToken, audio, nil); resp.StatusCode != 200 {
		t.Fatalf("PUT: %d %s", resp.StatusCode, b)
	}
	var asked []string
	e.api.SetRecordings(&native.Recordings{State: e.state, Blobs: e.blobs, SigningKey: []byte("0123456789abcdef0123456789abcdef"), MaxFileBytes: 1 << 20,
		Presign: func(ctx context.Context, key string, ttl time.Duration) (string, error) {
			asked = append(asked, fmt.Sprintf("%s %v", key, ttl))
			return "https://objects.example/" + key + "?X-Amz-Signature=abc", nil
		}})
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+base+"/recordings/0", nil)
	req.Header.Set("Authorization", "Bearer "+acmeToken)
	resp, err := noFollow.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	sum := sha256.Sum256(audio)
	key := "acme/" + hex.EncodeToString(sum[:1]) + "/" + hex.EncodeToString(sum[:])
	if resp.StatusCode != http.StatusTemporaryRedirect || resp.Header.Get("Location") != "https://objects.example/"+key+"?X-Amz-Signature=abc" ||
		resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("GET: %d, Location %q, Cache-Control %q", resp.StatusCode, resp.Header.Get("Location"), resp.Header.Get("Cache-Control"))
	}
	if len(asked) != 1 || asked[0] != key+" 5m0s" {
		t.Errorf("presigned %v", asked)
	}
	if resp, b := e.send(t, "GET", base+"/recordings/1", acmeToken, nil, nil); resp.StatusCode != 404 || errorCode(b) != cdr.ENOTFOUND {
		t.Errorf("a file not archived: %d %s", resp.StatusCode, b)
	}
}
