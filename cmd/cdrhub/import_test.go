package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/google/go-cmp/cmp"
)

// runCLI runs cdrhub in the test process with args and the environment
// variables env (nothing else of the process environment).
func runCLI(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	err = run(context.Background(), args, &out, &errb, func(k string) string { return env[k] })
	return out.String(), errb.String(), err
}

// testRecord is the i-th record of a test data set as one JSON line.
func testRecord(prefix string, i int) string {
	ch := []string{"voice", "rtc", "chat"}[i%3]
	extra := ""
	switch ch {
	case "voice":
		extra = fmt.Sprintf(`,"caller":{"address":"+86 139 %04d %04d"},"answer_at":%d,"end_at":%d,"disposition":"answered"`,
			i/10000, i%10000, 1700000000000+int64(i)*1000+5000, 1700000000000+int64(i)*1000+65000)
	case "rtc":
		extra = `,"caller":{"address":"user-` + strconv.Itoa(i) + `"},"disposition":"no_answer"`
	}
	if i%4 == 0 {
		extra += fmt.Sprintf(`,"agents":[{"id":"agent-%d","name":"Agent, \"%d\""}],"tags":["t%d","vip"]`, i%7, i%7, i%2)
	}
	if i%5 == 0 {
		extra += `,"satisfaction":{"score":4,"label":"good"}`
	}
	return fmt.Sprintf(`{"channel":%q,"source":"native","source_id":"%s-%d","start_at":%d%s}`,
		ch, prefix, i, 1700000000000+int64(i)*1000, extra)
}

// writeRecords writes n test records as NDJSON or, with array, as an
// indented JSON array, and returns the file's path.
func writeRecords(t *testing.T, dir, name, prefix string, n int, array bool) string {
	t.Helper()
	var b strings.Builder
	if array {
		b.WriteString("[\n")
	}
	for i := range n {
		line := testRecord(prefix, i)
		if array {
			var v any
			json.Unmarshal([]byte(line), &v)
			ind, _ := json.MarshalIndent(v, "  ", "  ")
			line = "  " + string(ind)
			if i < n-1 {
				line += ","
			}
		}
		b.WriteString(line + "\n")
	}
	if array {
		b.WriteString("]\n")
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

var importSummaryRE = regexp.MustCompile(`(?m)^import(?: \(dry run\))?: (\d+) records: (\d+) inserted, (\d+) updated, (\d+) unchanged \((\d+) stale\), (\d+) rejected in \d+\.\ds \(\d+/s\)\n\z`)

// importSummary parses the summary line that ends stderr into records,
// inserted, updated, unchanged, stale and rejected.
func importSummary(t *testing.T, stderr string) [6]int {
	t.Helper()
	m := importSummaryRE.FindStringSubmatch(stderr)
	if m == nil {
		t.Fatalf("no summary line at the end of stderr:\n%s", stderr)
	}
	var out [6]int
	for i := range out {
		out[i], _ = strconv.Atoi(m[i+1])
	}
	return out
}

// exportedNDJSON parses an NDJSON export.
func exportedNDJSON(t *testing.T, out string) []cdr.Record {
	t.Helper()
	var recs []cdr.Record
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r cdr.Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("export line %q: %v", sc.Text(), err)
		}
		recs = append(recs, r)
	}
	return recs
}

// checkExported compares exported records with the test records prefix-0 …
// prefix-(n-1) of tenant acme, newest first.
func checkExported(t *testing.T, recs []cdr.Record, prefix string, n int) {
	t.Helper()
	if len(recs) != n {
		t.Fatalf("%d records exported, want %d", len(recs), n)
	}
	for k, r := range recs {
		i := n - 1 - k // newest first
		sid := fmt.Sprintf("%s-%d", prefix, i)
		if r.SourceID != sid || r.ID != cdr.RecordID("acme", cdr.SourceNative, sid) || r.Tenant != "acme" || r.StartAt != 1700000000000+int64(i)*1000 {
			t.Fatalf("record %d: %s %s %s %d, want %s", k, r.ID, r.Tenant, r.SourceID, r.StartAt, sid)
		}
		if i%3 == 0 && (r.Caller.Address != fmt.Sprintf("+86 139 %04d %04d", i/10000, i%10000) || *r.TalkS != 60) {
			t.Fatalf("record %s: caller %q talk_s %v", sid, r.Caller.Address, r.TalkS)
		}
		if i%4 == 0 && (len(r.Agents) != 1 || r.Agents[0].Name != fmt.Sprintf(`Agent, "%d"`, i%7)) {
			t.Fatalf("record %s: agents %+v", sid, r.Agents)
		}
	}
}

func TestImportExportLocal(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir)
	nd := writeRecords(t, dir, "calls.ndjson", "n", 2000, false)
	arr := writeRecords(t, dir, "calls.json", "a", 400, true)

	_, stderr, err := runCLI(t, nil, "import", nd, arr, "--config", cfg, "--batch", "700")
	if err != nil {
		t.Fatalf("import: %v\n%s", err, stderr)
	}
	if got, want := importSummary(t, stderr), [6]int{2400, 2400, 0, 0, 0, 0}; got != want {
		t.Errorf("first import %v, want %v", got, want)
	}
	_, stderr, err = runCLI(t, nil, "import", "--config", cfg, nd, arr)
	if got, want := importSummary(t, stderr), [6]int{2400, 0, 0, 2400, 0, 0}; err != nil || got != want {
		t.Errorf("re-import %v %v, want all unchanged %v", err, got, want)
	}

	out, stderr, err := runCLI(t, nil, "export", "--config", cfg, "--source-id", "n-1,n-2,n-3", "--source", "native")
	if err != nil || len(exportedNDJSON(t, out)) != 3 {
		t.Errorf("filtered export: %v\n%s", err, stderr)
	}
	out, stderr, err = runCLI(t, nil, "export", "--config", cfg, "--order", "asc", "--channel", "voice", "--from", "2023-11-14T22:13:20Z", "--to", "1700000030000")
	if recs := exportedNDJSON(t, out); err != nil || len(recs) != 20 || recs[0].StartAt > recs[1].StartAt {
		t.Errorf("filtered export: %d records, %v\n%s", len(recs), err, stderr)
	}

	out, stderr, err = runCLI(t, nil, "export", "--config", cfg, "--source-id", "a-0,a-1", "--source", "native", "--format", "csv")
	if err != nil {
		t.Fatalf("csv export: %v\n%s", err, stderr)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(rows) != 3 || !slices.Equal(rows[0], csvHeader) {
		t.Fatalf("csv: %v\n%s", err, out)
	}
	a0 := rows[2] // newest first: a-1, a-0
	want := map[string]string{"source_id": "a-0", "channel": "voice", "start_at": "2023-11-14T22:13:20.000Z",
		"caller": "+86 139 0000 0000", "agent_ids": "agent-0", "agent_names": `Agent, "0"`, "tags": "t0;vip",
		"talk_s": "60", "satisfaction_score": "4", "satisfaction_label": "good", "has_recording": "false"}
	for col, v := range want {
		if got := a0[slices.Index(csvHeader, col)]; got != v {
			t.Errorf("csv %s = %q, want %q", col, got, v)
		}
	}

	// The whole export, re-imported, changes nothing.
	exportFile := filepath.Join(dir, "export.ndjson")
	if _, stderr, err = runCLI(t, nil, "export", "--config", cfg, "--output", exportFile); err != nil {
		t.Fatalf("export: %v\n%s", err, stderr)
	}
	if !regexp.MustCompile(`^export: 2400 records in \d+\.\ds \(\d+/s\)\n$`).MatchString(stderr) {
		t.Errorf("export summary %q", stderr)
	}
	b, _ := os.ReadFile(exportFile)
	var nRecs []cdr.Record
	for _, r := range exportedNDJSON(t, string(b)) {
		if strings.HasPrefix(r.SourceID, "n-") {
			nRecs = append(nRecs, r)
		}
	}
	checkExported(t, nRecs, "n", 2000)
	_, stderr, err = runCLI(t, nil, "import", "--config", cfg, exportFile)
	if got, want := importSummary(t, stderr), [6]int{2400, 0, 0, 2400, 0, 0}; err != nil || got != want {
		t.Errorf("importing the export: %v %v, want all unchanged\n%s", err, got, stderr)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".export.ndjson*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestImportBadLines(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir)
	lines := []string{
		testRecord("ok", 1),
		`{"channel":"voice","source":"native","source_id":"x","start_time":1}`,
		"",
		testRecord("ok", 2),
		`{"channel":"voice","source":"native","source_id":"s","start_at":1700000000}`,
		`{"channel":"voice",`,
		`{"channel":"voice","source":"native","source_id":"g","start_at":1700000000000,"tenant":"globex"}`,
		`{"channel":"voice","source":"native","source_id":"big","start_at":1700000000000,"note":"` + strings.Repeat("x", 300<<10) + `"}`,
		testRecord("ok", 3),
	}
	path := filepath.Join(dir, "bad.ndjson")
	os.WriteFile(path, []byte(strings.Join(lines, "\r\n")), 0o600)
	_, stderr, err := runCLI(t, nil, "import", "--config", cfg, path)
	if err == nil || err.Error() != "import: 5 records rejected" {
		t.Errorf("error %v, want 5 records rejected", err)
	}
	for _, want := range []string{
		path + ":2: start_time: unknown field\n",
		path + ":5: start_at: 1700000000 is before the year 2000",
		path + ":6: malformed JSON",
		path + ":7: tenant: must be absent or equal to acme, the tenant being written\n",
		path + ":8: record of 307",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if got, want := importSummary(t, stderr), [6]int{8, 3, 0, 0, 0, 5}; got != want {
		t.Errorf("summary %v, want %v", got, want)
	}
	out, _, _ := runCLI(t, nil, "export", "--config", cfg)
	if n := len(exportedNDJSON(t, out)); n != 3 {
		t.Errorf("%d records stored, want the 3 valid ones", n)
	}
}

func TestImportErrorCap(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir)
	path := filepath.Join(dir, "bad.ndjson")
	os.WriteFile(path, []byte(strings.Repeat("{\"bogus\":1}\n", 150)), 0o600)
	_, stderr, _ := runCLI(t, nil, "import", "--config", cfg, path)
	if n := strings.Count(stderr, ": bogus: unknown field\n"); n != maxPrintedErrors {
		t.Errorf("%d errors printed, want %d", n, maxPrintedErrors)
	}
	if !strings.Contains(stderr, "import: 50 more rejected records not shown\n") || !strings.Contains(stderr, path+":100: bogus") {
		t.Errorf("stderr:\n%s", stderr)
	}
}

// A malformed array stops the import after writing the elements before it.
func TestImportMalformedArray(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir)
	path := filepath.Join(dir, "broken.json")
	os.WriteFile(path, []byte("["+testRecord("m", 0)+","+testRecord("m", 1)+",{\"channel\":}]"), 0o600)
	_, stderr, err := runCLI(t, nil, "import", "--config", cfg, path)
	if err == nil || !strings.Contains(err.Error(), path+": malformed JSON in element 3") {
		t.Errorf("error %v", err)
	}
	if got, want := importSummary(t, stderr), [6]int{2, 2, 0, 0, 0, 0}; got != want {
		t.Errorf("summary %v, want %v", got, want)
	}
}

func TestImportTenant(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir) // without a configuration: ./cdrhub-data/cdrhub.db
	data := writeRecords(t, dir, "r.ndjson", "t", 3, false)
	two := filepath.Join(dir, "two.yaml")
	os.WriteFile(two, []byte("tenants: [{id: acme}, {id: globex}]\nstorage: {path: two.db}\n"), 0o600)
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		wantErr string
	}{
		{"no configuration, no tenant", nil, nil, "--tenant is required (there is no configuration file naming tenants)"},
		{"no configuration, any tenant", nil, []string{"--tenant", "mine"}, ""},
		{"bad slug", nil, []string{"--tenant", "Mine!"}, `invalid tenant id "Mine!"`},
		{"one configured tenant", nil, []string{"--config", writeConfig(t, dir)}, ""},
		{"unknown tenant", nil, []string{"--config", writeConfig(t, dir), "--tenant", "globex"}, "--tenant globex: no such tenant in "},
		{"two tenants", nil, []string{"--config", two}, "--tenant is required: " + two + " configures 2 tenants (acme, globex)"},
		{"two tenants, one named", map[string]string{"CDRHUB_CONFIG": two}, []string{"--tenant", "globex"}, ""},
		{"vendor format", nil, []string{"--tenant", "x", "--format", "nobody"}, "import: --format nobody: want one of tencent_ccc, trtc_callkit, aliyun_ccc, laaffic, tencent_desk, native"},
		{"token without server", nil, []string{"--tenant", "x", "--token", "t"}, "--token needs --server"},
		{"server without token", nil, []string{"--server", "http://127.0.0.1:1"}, "--server needs --token or $CDRHUB_TOKEN"},
		{"missing file", nil, []string{"--tenant", "x", "nope.ndjson"}, "import: stat nope.ndjson: no such file or directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"import", data}, tt.args...)
			_, stderr, err := runCLI(t, tt.env, args...)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("%v\n%s", err, stderr)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %v, want %q", err, tt.wantErr)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "cdrhub-data", "cdrhub.db")); err != nil {
		t.Errorf("without a configuration the default database is not used: %v", err)
	}
}

// Remote mode against the real server; the local export of the same
// database is byte for byte the remote one.
func TestImportExportRemote(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir)
	p := start(t, "--config", cfg)
	server := "http://" + p.addr
	nd := writeRecords(t, dir, "calls.ndjson", "r", 1500, false)
	arr := writeRecords(t, dir, "calls.json", "q", 300, true)
	env := map[string]string{"CDRHUB_TOKEN": testToken}

	_, stderr, err := runCLI(t, env, "import", "--server", server, "--batch", "400", nd, arr)
	if got, want := importSummary(t, stderr), [6]int{1800, 1800, 0, 0, 0, 0}; err != nil || got != want {
		t.Fatalf("import: %v %v, want %v\n%s", err, got, want, stderr)
	}
	_, stderr, err = runCLI(t, nil, "import", "--server", server, "--token", testToken, nd, arr)
	if got, want := importSummary(t, stderr), [6]int{1800, 0, 0, 1800, 0, 0}; err != nil || got != want {
		t.Errorf("re-import: %v %v, want all unchanged", err, got)
	}
	_, stderr, err = runCLI(t, env, "import", "--server", server, "--dry-run", nd)
	if got, want := importSummary(t, stderr), [6]int{1500, 0, 0, 1500, 0, 0}; err != nil || got != want || !strings.HasPrefix(stderr, "import (dry run):") {
		t.Errorf("dry run: %v %v\n%s", err, got, stderr)
	}

	remote, stderr, err := runCLI(t, env, "export", "--server", server, "--source", "native", "--tag", "vip,t0", "--tag", "t1")
	if err != nil {
		t.Fatalf("export: %v\n%s", err, stderr)
	}
	local, stderr, err := runCLI(t, nil, "export", "--config", cfg, "--tag", "vip", "--source", "native")
	if err != nil {
		t.Fatalf("local export: %v\n%s", err, stderr)
	}
	if n := len(exportedNDJSON(t, remote)); n != 450 || remote != local {
		t.Errorf("remote export: %d records (want 450), same as local: %v", n, remote == local)
	}
	remote, _, _ = runCLI(t, env, "export", "--server", server, "--source-id", "r-0,r-1,r-2,r-3,r-4,r-5,r-6,r-7,r-8,r-9,r-10,r-11", "--source", "native", "--format", "csv")
	local, _, _ = runCLI(t, nil, "export", "--config", cfg, "--source-id", "r-0,r-1,r-2,r-3,r-4,r-5,r-6,r-7,r-8,r-9,r-10,r-11", "--source", "native", "--format", "csv")
	if strings.Count(remote, "\n") != 13 || remote != local {
		t.Errorf("csv: remote\n%s\nlocal\n%s", remote, local)
	}

	out, stderr, err := runCLI(t, env, "export", "--server", server, "--output", "-")
	if err != nil {
		t.Fatalf("export: %v\n%s", err, stderr)
	}
	var rRecs []cdr.Record
	for _, r := range exportedNDJSON(t, out) {
		if strings.HasPrefix(r.SourceID, "r-") {
			rRecs = append(rRecs, r)
		}
	}
	checkExported(t, rRecs, "r", 1500)
	if !regexp.MustCompile(`^export: 1800 records in \d+\.\ds \(\d+/s\)\n$`).MatchString(stderr) {
		t.Errorf("summary %q", stderr)
	}

	// The server rejects what only it can check; its line numbers map back
	// to the file's.
	bad := filepath.Join(dir, "bad.ndjson")
	os.WriteFile(bad, []byte(testRecord("b", 0)+"\n\n"+`{"channel":"chat","source":"native","source_id":"g","start_at":1700000000000,"tenant":"globex"}`+"\n"), 0o600)
	_, stderr, err = runCLI(t, env, "import", "--server", server, bad)
	if err == nil || !strings.Contains(stderr, bad+":3: tenant: must be absent or equal to acme, the tenant being written\n") {
		t.Errorf("server-side rejection: %v\n%s", err, stderr)
	}
	if _, _, err := runCLI(t, map[string]string{"CDRHUB_TOKEN": "wrong"}, "import", "--server", server, nd); err == nil || !strings.Contains(err.Error(), "unauthorized") {
		t.Errorf("wrong token: %v", err)
	}
}

// TestExportImportVersionZero: a record given version 0 keeps it: an export,
// local or remote, writes "version":0 and imports back unchanged, and a
// later version 1 updates it. An absent version still becomes the receive
// time.
func TestExportImportVersionZero(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir)
	const base = `{"channel":"voice","source":"native","source_id":"%s","start_at":%d%s}` + "\n"
	in := filepath.Join(dir, "v.ndjson")
	os.WriteFile(in, []byte(fmt.Sprintf(base, "v0", 1700000000000, `,"version":0`)+
		fmt.Sprintf(base, "v5", 1700000001000, `,"version":5`)+
		fmt.Sprintf(base, "vx", 1700000002000, ``)), 0o600)
	before := time.Now().UnixMilli()
	_, stderr, err := runCLI(t, nil, "import", "--config", cfg, in)
	if got, want := importSummary(t, stderr), [6]int{3, 3, 0, 0, 0, 0}; err != nil || got != want {
		t.Fatalf("import: %v %v, want %v\n%s", err, got, want, stderr)
	}
	local, stderr, err := runCLI(t, nil, "export", "--config", cfg)
	if err != nil {
		t.Fatalf("export: %v\n%s", err, stderr)
	}
	versions := map[string]int64{}
	for _, r := range exportedNDJSON(t, local) {
		versions[r.SourceID] = r.Version
	}
	if versions["v0"] != 0 || versions["v5"] != 5 || versions["vx"] < before || !strings.Contains(local, `"source_id":"v0","version":0,`) {
		t.Errorf("exported versions %v:\n%s", versions, local)
	}
	exported := filepath.Join(dir, "export.ndjson")
	os.WriteFile(exported, []byte(local), 0o600)
	_, stderr, err = runCLI(t, nil, "import", "--config", cfg, exported)
	if got, want := importSummary(t, stderr), [6]int{3, 0, 0, 3, 0, 0}; err != nil || got != want {
		t.Errorf("importing the export: %v %v, want all unchanged\n%s", err, got, stderr)
	}

	p := start(t, "--config", cfg)
	env := map[string]string{"CDRHUB_TOKEN": testToken}
	remote, stderr, err := runCLI(t, env, "export", "--server", "http://"+p.addr)
	if err != nil || remote != local {
		t.Errorf("remote export: %v\n%s\nwant the local one\n%s", err, remote, stderr)
	}
	_, stderr, err = runCLI(t, env, "import", "--server", "http://"+p.addr, exported)
	if got, want := importSummary(t, stderr), [6]int{3, 0, 0, 3, 0, 0}; err != nil || got != want {
		t.Errorf("importing the export remotely: %v %v, want all unchanged\n%s", err, got, stderr)
	}
	os.WriteFile(in, []byte(fmt.Sprintf(base, "v0", 1700000000000, `,"version":1,"note":"x"`)), 0o600)
	_, stderr, err = runCLI(t, env, "import", "--server", "http://"+p.addr, in)
	if got, want := importSummary(t, stderr), [6]int{1, 0, 1, 0, 0, 0}; err != nil || got != want {
		t.Errorf("version 1 after version 0: %v %v, want updated\n%s", err, got, stderr)
	}
}

// The binary reads stdin for -, and exits non-zero when records are rejected.
func TestImportStdinBinary(t *testing.T) {
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg := writeConfig(t, dir)
	var in strings.Builder
	for i := range 50 {
		in.WriteString(testRecord("s", i) + "\n")
	}
	in.WriteString("{\"channel\":1}\n")
	cmd := exec.Command(bin, "import", "-", "--config", cfg)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	cmd.Stdin = strings.NewReader(in.String())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Errorf("exit %v, want 2", err)
	}
	if !strings.HasPrefix(stderr.String(), "stdin:51: channel: cannot use a JSON number as cdr.Channel\n") {
		t.Errorf("stderr:\n%s", stderr.String())
	}
	if got, want := importSummary(t, strings.TrimSuffix(stderr.String(), "cdrhub: import: 1 records rejected\n")), [6]int{51, 50, 0, 0, 0, 1}; got != want {
		t.Errorf("summary %v, want %v", got, want)
	}
}

func TestParseInterspersed(t *testing.T) {
	tests := []struct {
		args     []string
		wantPos  []string
		wantFlag string
	}{
		{[]string{"a", "--tenant", "x", "b"}, []string{"a", "b"}, "x"},
		{[]string{"--tenant=x", "-", "c"}, []string{"-", "c"}, "x"},
		{[]string{"a", "--", "--tenant", "b"}, []string{"a", "--tenant", "b"}, ""},
		{nil, nil, ""},
	}
	for _, tt := range tests {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		tenant := fs.String("tenant", "", "")
		pos, err := parseInterspersed(fs, tt.args)
		if err != nil || !cmp.Equal(pos, tt.wantPos) || *tenant != tt.wantFlag {
			t.Errorf("%q: %q %q %v, want %q %q", tt.args, pos, *tenant, err, tt.wantPos, tt.wantFlag)
		}
	}
}

// A batch that meets a 503 is sent once more; a second failure ends the
// import.
func TestImportRetriesOnce(t *testing.T) {
	defer func(d time.Duration) { retryWait = d }(retryWait)
	retryWait = time.Millisecond
	var calls, failures atomic.Int32
	failures.Store(1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		io.Copy(io.Discard, r.Body)
		if n <= failures.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, `{"error":{"code":"unavailable","message":"busy"}}`)
			return
		}
		io.WriteString(w, `{"inserted":3,"updated":0,"unchanged":0,"stale":0,"rejected":0,"errors":[]}`)
	}))
	defer srv.Close()
	dir := t.TempDir()
	data := writeRecords(t, dir, "r.ndjson", "x", 3, false)
	_, stderr, err := runCLI(t, nil, "import", "--server", srv.URL, "--token", "t", data)
	if got, want := importSummary(t, stderr), [6]int{3, 3, 0, 0, 0, 0}; err != nil || got != want || calls.Load() != 2 {
		t.Errorf("one 503: %v %v after %d calls", err, got, calls.Load())
	}
	calls.Store(0)
	failures.Store(2)
	_, _, err = runCLI(t, nil, "import", "--server", srv.URL, "--token", "t", data)
	if err == nil || !strings.Contains(err.Error(), "unavailable (HTTP 503): busy") || calls.Load() != 2 {
		t.Errorf("two 503s: %v after %d calls", err, calls.Load())
	}
}

// import --format tencent_ccc reads a saved DescribeTelCdr response; the
// records keep their objects as raw and export as native records.
func TestImportTencentFormat(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir)
	page := `{"Response":{"TotalCount":3,"RequestId":"r","TelCdrList":[
	  {"SessionId":"s-1","Caller":"13800001111","Callee":"02066668888","Time":1762000000,"CallType":2,"Duration":42,"EndStatus":1},
	  {"SessionId":"s-2","Caller":"13800002222","Callee":"02066668888","Time":1762000100,"CallType":2,"EndStatus":105},
	  {"SessionId":"s-3","Time":"not a number"}]}}`
	path := filepath.Join(dir, "page.json")
	if err := os.WriteFile(path, []byte(page), 0o600); err != nil {
		t.Fatal(err)
	}
	_, stderr, err := runCLI(t, nil, "import", "--config", cfg, "--format", "tencent_ccc", path)
	if err == nil || !strings.Contains(stderr, path+":3: ") || strings.Contains(stderr, "cdrhub error:") {
		t.Errorf("the bad object is not reported by its message alone: %v\n%s", err, stderr)
	}
	if got, want := importSummary(t, stderr), [6]int{3, 2, 0, 0, 0, 1}; got != want {
		t.Errorf("summary %v, want %v", got, want)
	}
	notObject := filepath.Join(dir, "not-object.json")
	if err := os.WriteFile(notObject, []byte(`[42]`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, stderr, _ = runCLI(t, nil, "import", "--config", cfg, "--format", "tencent_ccc", notObject)
	if !strings.Contains(stderr, notObject+":1: ") || strings.Contains(stderr, "cdrhub error:") {
		t.Errorf("a non-object is not reported by its message alone:\n%s", stderr)
	}
	out, _, err := runCLI(t, nil, "export", "--config", cfg, "--source", "tencent_ccc", "--order", "asc")
	recs := exportedNDJSON(t, out)
	if err != nil || len(recs) != 2 || recs[0].SourceID != "s-1" || recs[1].Disposition != cdr.DispositionNoAgent {
		t.Errorf("exported %+v, %v", recs, err)
	}
}

// import --format aliyun_ccc reads a saved ListCallDetailRecords response.
func TestImportAliyunFormat(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir)
	page := `{"Code":"OK","HttpStatusCode":200,"RequestId":"r","Data":{"PageNumber":1,"PageSize":10,"TotalCount":2,"List":[
	  {"ContactId":"job-1","ContactType":"Outbound","ContactDisposition":"Success","CallingNumber":"057188880000","CalledNumber":"13800001111","StartTime":1762000000000,"CallDuration":"30"},
	  {"ContactId":"job-2","ContactType":"Inbound","ContactDisposition":"AbandonedInQueue","CallingNumber":"13800002222","StartTime":1762000100000,"CallDuration":30}]}}`
	path := filepath.Join(dir, "page.json")
	if err := os.WriteFile(path, []byte(page), 0o600); err != nil {
		t.Fatal(err)
	}
	_, stderr, err := runCLI(t, nil, "import", "--config", cfg, "--format", "aliyun_ccc", path)
	if err == nil || !strings.Contains(stderr, path+":2: ") { // CallDuration must be a string
		t.Errorf("the bad object is not reported: %v\n%s", err, stderr)
	}
	if got, want := importSummary(t, stderr), [6]int{2, 1, 0, 0, 0, 1}; got != want {
		t.Errorf("summary %v, want %v", got, want)
	}
	out, _, err := runCLI(t, nil, "export", "--config", cfg, "--source", "aliyun_ccc")
	if recs := exportedNDJSON(t, out); err != nil || len(recs) != 1 || recs[0].SourceID != "job-1" || *recs[0].TotalS != 30 {
		t.Errorf("exported %+v, %v", recs, err)
	}
}
