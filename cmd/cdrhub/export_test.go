package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/google/go-cmp/cmp"
)

func TestCSVRow(t *testing.T) {
	i64 := func(v int64) *int64 { return &v }
	score := 5
	r := &cdr.Record{
		ID: "rec_x", Tenant: "acme", Channel: cdr.ChannelVoice, Source: cdr.SourceNative, SourceID: "s1", Version: 7,
		StartAt: 1700000000123, AnswerAt: i64(1700000001000), EndAt: i64(1700000061000),
		Direction: cdr.DirectionInbound, CallType: cdr.CallTypeDirect, Media: cdr.MediaAudio,
		Disposition: cdr.DispositionAnswered, DispositionRaw: "ANSWERED", HangupBy: cdr.HangupByAgent,
		Caller: cdr.Party{Address: "+86 139 1234 5678"}, Callee: cdr.Party{Address: "4001"},
		Agents: []cdr.Agent{{ID: "a1", Name: "Zhang Min"}, {Name: "Bot"}},
		Queues: []cdr.Queue{{ID: "q1", Name: "Sales"}},
		TalkS:  i64(60), TotalS: i64(61), RingS: i64(0), QueueS: i64(3), IVRS: i64(4), HoldS: i64(5),
		Satisfaction: &cdr.Satisfaction{Score: &score, Label: "great"},
		Recordings:   []cdr.Recording{{URL: "https://x"}},
		Tags:         []string{"vip", "a;b"}, CountryCode: "CN", Note: "said \"hi\",\nthen left",
	}
	want := []string{
		"rec_x", "acme", "voice", "native", "s1", "7", "2023-11-14T22:13:20.123Z", "2023-11-14T22:13:21.000Z", "2023-11-14T22:14:21.000Z",
		"inbound", "direct", "audio", "answered", "ANSWERED", "agent", "+86 139 1234 5678", "4001",
		"a1;", "Zhang Min;Bot", "q1", "Sales", "60", "61", "0", "3", "4", "5", "5", "great", "true", "vip;a;b",
		"CN", "said \"hi\",\nthen left",
	}
	if len(want) != len(csvHeader) {
		t.Fatalf("%d values for %d columns", len(want), len(csvHeader))
	}
	if diff := cmp.Diff(want, csvRow(r)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	empty := csvRow(&cdr.Record{ID: "rec_y", StartAt: 1700000000000})
	for i, col := range csvHeader {
		if v := empty[i]; v != "" && col != "id" && col != "version" && col != "start_at" && col != "has_recording" {
			t.Errorf("%s of an empty record: %q", col, v)
		}
	}
}

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
		{"bad format", []string{"--config", cfg, "--format", "xml"}, "export: --format xml: want ndjson or csv"},
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
