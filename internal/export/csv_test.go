package export

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/ that TestCSVGolden writes")

// referenceCell is the cell of column name of a record, as the CSV writer
// made it when it formatted cdr.Record values with the standard library:
// the oracle the writer's own formatting is checked against.
func referenceCell(name string, r *row, loc *time.Location) string {
	tm := func(ms *int64) string {
		if ms == nil || *ms == 0 {
			return ""
		}
		return time.UnixMilli(*ms).In(loc).Format("2006-01-02T15:04:05.000Z07:00")
	}
	opt := func(v *int64) string {
		if v == nil {
			return ""
		}
		return strconv.FormatInt(*v, 10)
	}
	addr := func(p *party) string {
		if p == nil {
			return ""
		}
		return p.Address
	}
	var ids, names, qids, qnames []string
	for _, a := range r.Agents {
		ids, names = append(ids, a.ID), append(names, a.Name)
	}
	for _, q := range r.Queues {
		qids, qnames = append(qids, q.ID), append(qnames, q.Name)
	}
	s := r.Satisfaction
	if s == nil {
		s = &satisfaction{}
	}
	return map[string]string{
		"id": r.ID, "tenant": r.Tenant, "channel": r.Channel, "source": r.Source, "source_id": r.SourceID,
		"version": strconv.FormatInt(r.Version, 10), "start_at": tm(&r.StartAt), "answer_at": tm(r.AnswerAt), "end_at": tm(r.EndAt),
		"direction": r.Direction, "call_type": r.CallType, "media": r.Media, "disposition": r.Disposition,
		"disposition_raw": r.DispositionRaw, "hangup_by": r.HangupBy, "caller": addr(r.Caller), "callee": addr(r.Callee),
		"agent_ids": strings.Join(ids, ";"), "agent_names": strings.Join(names, ";"),
		"queue_ids": strings.Join(qids, ";"), "queue_names": strings.Join(qnames, ";"),
		"talk_s": opt(r.TalkS), "total_s": opt(r.TotalS), "ring_s": opt(r.RingS), "queue_s": opt(r.QueueS),
		"ivr_s": opt(r.IVRS), "hold_s": opt(r.HoldS), "satisfaction_score": opt(s.Score), "satisfaction_label": s.Label,
		"has_recording": strconv.FormatBool(len(r.Recordings) > 0), "tags": strings.Join(r.Tags, ";"),
		"country_code": r.CountryCode, "note": r.Note,
	}[name]
}

// referenceCSV writes recs with encoding/json, encoding/csv and time's
// formatting: what the CSV writer must write.
func referenceCSV(recs [][]byte, opt Options) (string, error) {
	cols := opt.Columns
	if len(cols) == 0 {
		cols = Header()
	}
	loc := opt.Zone
	if loc == nil {
		loc = time.UTC
	}
	var b strings.Builder
	w := csv.NewWriter(&b)
	for i, rec := range recs {
		r, err := referenceRow(rec)
		if err != nil {
			return "", err
		}
		if i == 0 {
			w.Write(cols)
		}
		line := make([]string, len(cols))
		for j, c := range cols {
			line[j] = referenceCell(c, &r, loc)
			if opt.EscapeFormulas {
				line[j] = escapeFormula(line[j])
			}
		}
		w.Write(line)
	}
	w.Flush()
	return b.String(), w.Error()
}

// writeCSV writes recs with the CSV writer of opt into a buffered output,
// as the command does.
func writeCSV(t testing.TB, recs [][]byte, opt Options) string {
	t.Helper()
	var out bytes.Buffer
	bw := bufio.NewWriter(&out)
	writeAll(t, "csv", bw, recs, opt)
	bw.Flush()
	return out.String()
}

// writeAll writes recs to out with the writer of format and opt, and
// closes it.
func writeAll(t testing.TB, format string, out io.Writer, recs [][]byte, opt Options) {
	t.Helper()
	w, err := New(format, out, opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func testRecords(t testing.TB) [][]byte {
	t.Helper()
	b, err := os.ReadFile("testdata/records.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	var recs [][]byte
	for _, l := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		recs = append(recs, l)
	}
	recs = append(recs, parquetRecords(t)...)
	// Summer time, and times before 1970.
	return append(recs, []byte(`{"source_id":"summer","start_at":1719835200123,"answer_at":1719835260000,"end_at":1719838800000}`),
		[]byte(`{"source_id":"1960","start_at":-299999999001,"end_at":-299999000000}`))
}

// TestCSVGolden: columns chosen and ordered, and times in a zone, as the
// files of testdata/ hold them (go test -update rewrites them), each also
// checked against the standard library's writing of the same records.
func TestCSVGolden(t *testing.T) {
	zone := func(name string) *time.Location {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		return loc
	}
	recs := testRecords(t)
	tests := []struct {
		golden string
		opt    Options
	}{
		{"records-columns.csv", Options{Columns: []string{"note", "id", "start_at", "agent_names", "caller", "tags", "has_recording", "start_at"}, EscapeFormulas: true}},
		{"records-shanghai.csv", Options{Zone: zone("Asia/Shanghai"), EscapeFormulas: true}},
		{"records-columns-kathmandu.csv", Options{Columns: []string{"source_id", "start_at", "answer_at", "end_at", "talk_s", "satisfaction_score"}, Zone: zone("Asia/Kathmandu")}},
		{"records-columns-newyork.csv", Options{Columns: []string{"source_id", "start_at", "end_at", "queue_names", "satisfaction_label"}, Zone: zone("America/New_York"), EscapeFormulas: true}},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			got := writeCSV(t, recs, tt.opt)
			ref, err := referenceCSV(recs, tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(ref, got); diff != "" {
				t.Errorf("(-standard library +writer):\n%s", diff)
			}
			path := "testdata/" + tt.golden
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("(-%s +got):\n%s", path, diff)
			}
		})
	}
}

// TestCSVColumns: an unknown column, and raw, are errors naming them; the
// valid names are Columns' for csv.
func TestCSVColumns(t *testing.T) {
	for _, c := range []struct {
		opt  Options
		want string
	}{
		{Options{Columns: []string{"id", "colour"}}, `no CSV column "colour" (columns: id, tenant, channel,`},
		{Options{Columns: []string{"agents"}}, `no CSV column "agents"`},
		{Options{Columns: []string{"ID"}}, `no CSV column "ID"`},
		{Options{Columns: []string{""}}, `no CSV column ""`},
		{Options{Raw: true}, "raw: CSV has no raw column"},
	} {
		if _, err := New("csv", io.Discard, c.opt); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.opt, err, c.want)
		}
	}
	for _, format := range Formats {
		names, err := Columns(format)
		if err != nil {
			t.Fatal(err)
		}
		if format != "ndjson" {
			if _, err := New(format, io.Discard, Options{Columns: names, Raw: format == "parquet"}); err != nil {
				t.Errorf("%s, every column: %v", format, err)
			}
		}
	}
	if _, err := Columns("xml"); err == nil {
		t.Error("Columns(xml): no error")
	}
}

// TestAppendTime: times as time.Format writes them, in zones with odd
// offsets, across DST and historical local mean times, out of 0–9999.
func TestAppendTime(t *testing.T) {
	var zones []*time.Location
	for _, name := range []string{"UTC", "Asia/Kathmandu", "America/St_Johns", "Europe/Dublin", "Asia/Kolkata", "Australia/Lord_Howe", "Pacific/Chatham", "America/Sao_Paulo"} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		zones = append(zones, loc)
	}
	zones = append(zones, time.FixedZone("seconds", -(3*3600+25*60+52)), time.FixedZone("minus30s", -30))
	ms := []int64{1, -1, 1700000000123, 253402300799999, 253402300800000, -62135596800000, -62135596800001, 1<<62 - 1, -1 << 62,
		-2208988800000, -1e12, 1e15}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		ms = append(ms, rng.Int64N(4e12)-1e12)
	}
	for _, loc := range zones {
		for _, v := range ms {
			want := time.UnixMilli(v).In(loc).Format(csvTimeLayout)
			if got := string(appendTime(nil, v, loc)); got != want {
				t.Fatalf("%d in %s: %q, want %q", v, loc, got, want)
			}
		}
		if got := appendTime([]byte("x"), 0, loc); string(got) != "x" {
			t.Errorf("0: %q", got)
		}
	}
}

// TestAppendCSVField: fields as encoding/csv writes them.
func TestAppendCSVField(t *testing.T) {
	fields := []string{"", "a", "a,b", `a"b`, "a\nb", "a\r\nb", " a", "\ta", "\u00a0a", "\u2028a", `\.`, `\.x`, `'`, "é", "\xff", "=1", "'=1"}
	for _, f := range fields {
		for _, escape := range []bool{false, true} {
			var b strings.Builder
			w := csv.NewWriter(&b)
			v := f
			if escape {
				v = "'" + f
			}
			w.Write([]string{v})
			w.Flush()
			want := strings.TrimSuffix(b.String(), "\n")
			if got := string(appendCSVField(nil, escape, []byte(f))); got != want {
				t.Errorf("%q, escape %v: %q, want %q", f, escape, got, want)
			}
		}
	}
}

// FuzzCSV: any bytes given as a record are written (a header and one row
// of every column, as the standard library writes the record) or refused,
// never a panic.
func FuzzCSV(f *testing.F) {
	for _, r := range testRecords(f) {
		f.Add(r, true)
	}
	f.Add([]byte(`{"note":"=1+1","caller":{"address":"-2+3"}}`), false)
	f.Add([]byte(`{"start_at":"x"}`), true)
	f.Fuzz(func(t *testing.T, rec []byte, escape bool) {
		var out bytes.Buffer
		w, err := New("csv", &out, Options{EscapeFormulas: escape})
		if err != nil {
			t.Fatal(err)
		}
		werr := w.Write(rec)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if werr != nil {
			if out.Len() != 0 {
				t.Errorf("refused (%v), yet wrote %q", werr, out.String())
			}
			return
		}
		lines, err := csv.NewReader(bytes.NewReader(out.Bytes())).ReadAll()
		if err != nil || len(lines) != 2 || len(lines[1]) != len(columns) {
			t.Fatalf("%d lines, %v:\n%s", len(lines), err, out.String())
		}
		if ref, err := referenceCSV([][]byte{rec}, Options{EscapeFormulas: escape}); err == nil && !repeatsKey(rec) && ref != out.String() {
			t.Errorf("standard library:\n%s\nwriter:\n%s", ref, out.String())
		}
	})
}

// BenchmarkAppendTime formats a time in UTC and in a zone.
func BenchmarkAppendTime(b *testing.B) {
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		b.Fatal(err)
	}
	for _, loc := range []*time.Location{time.UTC, sh} {
		b.Run(fmt.Sprint(loc), func(b *testing.B) {
			var buf []byte
			for b.Loop() {
				buf = appendTime(buf[:0], 1700000000123, loc)
			}
		})
	}
}
