package export

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// parquetRecords are records with every kind of field: optional ones set
// and unset (0 and nil durations), lists empty, of one and of several,
// non-ASCII text, attributes, raw.
func parquetRecords(t testing.TB) [][]byte {
	t.Helper()
	score := 4
	at := int64(1700000012000)
	recs := []*cdr.Record{
		{ID: "rec_a", Tenant: "acme", Channel: cdr.ChannelVoice, Source: cdr.SourceTencentCCC, SourceID: "c1", Version: 3,
			CreatedAt: 1700000100000, UpdatedAt: 1700000200000, StartAt: 1700000000123, AnswerAt: &at, EndAt: new(int64(1700000090000)),
			QueuedAt: new(int64(1700000001000)), RingAt: new(int64(1700000002000)),
			Direction: cdr.DirectionInbound, CallType: cdr.CallTypeDirect, Media: cdr.MediaAudio, Disposition: cdr.DispositionAnswered,
			DispositionRaw: "ANSWERED", HangupBy: cdr.HangupByAgent,
			Caller: cdr.Party{Address: "+86 139 1234 5678", Digits: "8613912345678", Location: "广东 深圳"}, Callee: cdr.Party{Address: "4001"},
			CountryCode: "CN", CountryName: "China",
			Agents: []cdr.Agent{{Kind: "human", ID: "a1", Name: "张敏", Email: "zhang.min@acme.example", Groups: []string{"g1", "g2"}},
				{Kind: "ai", ID: "bot", Role: "assistant"}, {Kind: "human", Name: "Ünal Öztürk", StaffNumber: "007", Phone: "+90 555", Extension: "12"}},
			Queues: []cdr.Queue{{ID: "q1", Name: "Sales"}, {ID: "q2", Name: "Ventes — été"}}, TalkS: new(int64(78)), HoldS: new(int64(0)),
			TotalS: new(int64(89)), RingS: new(int64(10)), QueueS: new(int64(1)), IVRS: new(int64(0)), DialS: new(int64(3)),
			Satisfaction: &cdr.Satisfaction{Score: &score, Raw: "4", Label: "good", Channel: "ivr", Offered: true},
			Recordings: []cdr.Recording{{Kind: "main", ID: "m1", URL: "https://x/1.mp3", DurationS: new(int64(78)), TranscriptStatus: "done"},
				{Kind: "voicemail", URL: "https://x/2.mp3", CopyURL: "https://copy/2.mp3"}, {Kind: "main"}},
			IVRKeys: []cdr.IVRKey{{Phase: "ivr", Key: "1", At: &at, Label: "sales"}, {Phase: "survey", Key: "4"}},
			Tags:    []string{"vip", "a;b", ""}, Note: "said \"hi\",\nthen left 👋",
			Participants: []cdr.Participant{{Seq: 1, Role: "agent", ID: "a1", StartAt: &at, QueueID: "q1"},
				{Seq: 2, Role: "other", Address: "+86 10 1234", TransferFrom: "a1", TransferFromType: "agent"}},
			Raw: json.RawMessage(`{"CallId":"c1","Extra":[1,2],"名前":"値"}`)},
		{ID: "rec_b", Tenant: "acme", Channel: cdr.ChannelChat, Source: cdr.SourceNative, SourceID: "s1", StartAt: 1700000001000,
			Direction: cdr.DirectionUnknown, Disposition: cdr.DispositionAbandoned, HangupBy: cdr.HangupByUnknown,
			Satisfaction: &cdr.Satisfaction{Label: "no score"},
			Attributes:   map[string]json.RawMessage{"k": json.RawMessage(`{"x":1}`), "b": json.RawMessage(`"<&>"`)}},
		{ID: "rec_c", Tenant: "acme", Channel: cdr.ChannelRTC, Source: cdr.SourceTRTCCallKit, SourceID: "r1", StartAt: 1700000002000,
			Media: cdr.MediaVideo, ParticipantCount: new(int64(3)), RoomID: "room-1", SameAs: "rec_a",
			Callee: cdr.Party{Name: "مرحبا", ProtectedID: "p-1"}},
	}
	out := make([][]byte, 0, len(recs)+1)
	for _, r := range recs {
		b, err := cdr.EncodeJSON(r)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	// Lists present but empty, and nulls, as a sender may write them.
	return append(out, []byte(`{"id":"rec_d","tenant":"acme","channel":"voice","source":"native","source_id":"d","version":0,`+
		`"start_at":1700000003000,"answer_at":null,"direction":"outbound","call_type":"predictive","disposition":"no_answer","hangup_by":"system",`+
		`"agents":[],"queues":[],"recordings":[],"ivr_keys":[],"tags":[],"participants":[],"satisfaction":null,"raw":{}}`))
}

func writeParquet(t testing.TB, recs [][]byte, opt Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	writeAll(t, "parquet", &buf, recs, opt)
	return buf.Bytes()
}

// readParquet reads a file's rows back with parquet-go's reader.
func readParquet(t testing.TB, b []byte) []row {
	t.Helper()
	rows, err := parquet.Read[row](bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestParquetRoundTrip: every field of every record reads back as
// encoding/json decodes it from the record's JSON; raw only with Raw.
func TestParquetRoundTrip(t *testing.T) {
	recs := parquetRecords(t)
	for _, raw := range []bool{false, true} {
		t.Run(fmt.Sprint("raw=", raw), func(t *testing.T) {
			b := writeParquet(t, recs, Options{Raw: raw})
			got := readParquet(t, b)
			var want []row
			for _, rec := range recs {
				r, err := referenceRow(rec)
				if err != nil {
					t.Fatal(err)
				}
				if !raw {
					r.Raw = nil
				}
				want = append(want, r)
			}
			// Empty lists read back as empty slices.
			if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("(-want +got)\n%s", d)
			}
			// A few fields by hand, in case rowOf and the writer agree on
			// a mistake.
			if got[0].Agents[0].Name != "张敏" || len(got[0].Agents) != 3 || len(got[0].Recordings) != 3 ||
				*got[0].Satisfaction.Score != 4 || got[0].StartAt != 1700000000123 || *got[0].HoldS != 0 ||
				len(got[0].Agents[0].Groups) != 2 || got[1].AnswerAt != nil || got[1].Satisfaction.Score != nil ||
				got[2].Caller != nil || got[2].Callee.Name != "مرحبا" || (got[0].Raw != nil) != raw ||
				*got[1].Attributes != `{"b":"\u003c\u0026\u003e","k":{"x":1}}` {
				t.Errorf("fields lost: %+v", got[:2])
			}
			if raw && *got[0].Raw != `{"CallId":"c1","Extra":[1,2],"名前":"値"}` {
				t.Errorf("raw %q", *got[0].Raw)
			}
			f, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)))
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := f.Schema().Lookup("raw"); ok != raw {
				t.Errorf("raw column present: %v", ok)
			}
		})
	}
}

// TestParquetSchema: times are TIMESTAMP(MILLIS, UTC), durations INT64,
// enums dictionary-encoded, attributes and raw JSON, lists LIST, every
// page zstd-compressed.
func TestParquetSchema(t *testing.T) {
	b := writeParquet(t, parquetRecords(t), Options{Raw: true})
	f, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	leaves := map[string]parquet.Node{}
	var walk func(path []string, n parquet.Node)
	walk = func(path []string, n parquet.Node) {
		if n.Leaf() {
			leaves[strings.Join(path, ".")] = n
			return
		}
		for _, c := range n.Fields() {
			walk(append(slices.Clip(path), c.Name()), c)
		}
	}
	walk(nil, f.Schema())
	for _, c := range []struct {
		path     string
		logical  string // in the schema's text
		optional bool
	}{
		{"start_at", "TIMESTAMP(isAdjustedToUTC=true,unit=MILLIS)", false},
		{"created_at", "TIMESTAMP(isAdjustedToUTC=true,unit=MILLIS)", true},
		{"updated_at", "TIMESTAMP(isAdjustedToUTC=true,unit=MILLIS)", true},
		{"queued_at", "TIMESTAMP(isAdjustedToUTC=true,unit=MILLIS)", true},
		{"ring_at", "TIMESTAMP(isAdjustedToUTC=true,unit=MILLIS)", true},
		{"answer_at", "TIMESTAMP(isAdjustedToUTC=true,unit=MILLIS)", true},
		{"end_at", "TIMESTAMP(isAdjustedToUTC=true,unit=MILLIS)", true},
		{"ivr_keys.list.element.at", "TIMESTAMP(isAdjustedToUTC=true,unit=MILLIS)", true},
		{"participants.list.element.start_at", "TIMESTAMP(isAdjustedToUTC=true,unit=MILLIS)", true},
		{"participants.list.element.end_at", "TIMESTAMP(isAdjustedToUTC=true,unit=MILLIS)", true},
		{"talk_s", "INT(64,true)", true},
		{"hold_s", "INT(64,true)", true},
		{"version", "INT(64,true)", false},
		{"recordings.list.element.duration_s", "INT(64,true)", true},
		{"satisfaction.score", "INT(64,true)", true},
		{"channel", "STRING", false},
		{"media", "STRING", true},
		{"tags.list.element", "STRING", false},
		{"agents.list.element.groups.list.element", "STRING", false},
		{"attributes", "JSON", true},
		{"raw", "JSON", true},
	} {
		n, ok := leaves[c.path]
		if !ok {
			t.Errorf("%s: no such column", c.path)
			continue
		}
		lt := ""
		if l := n.Type().LogicalType(); l != nil {
			lt = l.String()
		}
		if lt != c.logical || n.Optional() != c.optional {
			t.Errorf("%s: logical type %q, optional %v; want %q, %v", c.path, lt, n.Optional(), c.logical, c.optional)
		}
		if c.logical != "STRING" && c.logical != "JSON" && n.Type().Kind() != parquet.Int64 {
			t.Errorf("%s: %v, want INT64", c.path, n.Type().Kind())
		}
	}
	enums := []string{"tenant", "channel", "source", "direction", "call_type", "media", "disposition", "disposition_raw",
		"hangup_by", "country_code", "agents.list.element.kind", "agents.list.element.role", "satisfaction.channel",
		"recordings.list.element.kind", "recordings.list.element.transcript_status", "ivr_keys.list.element.phase",
		"participants.list.element.role", "participants.list.element.transfer_from_type"}
	md := f.Metadata()
	for _, rg := range md.RowGroups {
		for _, cc := range rg.Columns {
			m := cc.MetaData
			path := strings.Join(m.PathInSchema, ".")
			if m.Codec != format.Zstd {
				t.Errorf("%s: codec %v", path, m.Codec)
			}
			dict := slices.Contains(m.Encoding, format.RLEDictionary) || slices.Contains(m.Encoding, format.PlainDictionary)
			if slices.Contains(enums, path) && !dict {
				t.Errorf("%s: encodings %v, no dictionary", path, m.Encoding)
			}
			if (path == "id" || path == "note") && dict {
				t.Errorf("%s: dictionary-encoded", path)
			}
		}
	}
	if f.NumRows() != 4 {
		t.Errorf("%d rows", f.NumRows())
	}
	if name := md.Schema[0].Name; name != "cdrhub_record" {
		t.Errorf("schema %q", name)
	}
}

// TestParquetColumns: Columns selects top-level fields (in the schema's
// order); the others are absent; an unknown one, and raw without Raw, are
// errors naming them.
func TestParquetColumns(t *testing.T) {
	recs := parquetRecords(t)
	tests := []struct {
		name string
		opt  Options
		want []string // the file's fields
	}{
		{"three", Options{Columns: []string{"start_at", "id", "agents"}}, []string{"id", "start_at", "agents"}},
		{"repeated", Options{Columns: []string{"id", "id"}}, []string{"id"}},
		{"raw", Options{Columns: []string{"raw", "id"}, Raw: true}, []string{"id", "raw"}},
		{"without raw", Options{Columns: []string{"id", "satisfaction"}, Raw: true}, []string{"id", "satisfaction"}},
		{"all without raw", Options{}, slices.DeleteFunc(ParquetColumns(), func(s string) bool { return s == "raw" })},
		{"all", Options{Raw: true}, ParquetColumns()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := writeParquet(t, recs, tt.opt)
			f, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)))
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, fl := range f.Schema().Fields() {
				names = append(names, fl.Name())
			}
			if diff := cmp.Diff(tt.want, names); diff != "" {
				t.Fatalf("fields (-want +got):\n%s", diff)
			}
			// The selected fields read back whole, the others zero.
			got := readParquet(t, b)
			for i, rec := range recs {
				full, err := referenceRow(rec)
				if err != nil {
					t.Fatal(err)
				}
				var want row
				for _, name := range tt.want {
					j := rowFields.byName[name] // the row's field j (TestRowFields)
					reflect.ValueOf(&want).Elem().Field(j).Set(reflect.ValueOf(&full).Elem().Field(j))
				}
				if d := cmp.Diff(want, got[i], cmpopts.EquateEmpty()); d != "" {
					t.Errorf("record %d (-want +got):\n%s", i, d)
				}
			}
		})
	}
	for _, c := range []struct {
		opt  Options
		want string
	}{
		{Options{Columns: []string{"id", "colour"}}, `no Parquet column "colour" (columns: id, tenant,`},
		{Options{Columns: []string{"agent_ids"}}, `no Parquet column "agent_ids"`},
		{Options{Columns: []string{"raw"}}, "the Parquet column raw needs"},
		{Options{Columns: []string{"ID"}}, `no Parquet column "ID"`},
	} {
		if _, err := New("parquet", &bytes.Buffer{}, c.opt); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.opt, err, c.want)
		}
	}
}

// TestParquetRowGroups: a row group ends at 100,000 rows, or earlier at
// its byte limit.
func TestParquetRowGroups(t *testing.T) {
	groups := func(b []byte) (sizes []int64) {
		f, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		for _, rg := range f.RowGroups() {
			sizes = append(sizes, rg.NumRows())
		}
		return sizes
	}
	t.Run("rows", func(t *testing.T) {
		recs := make([][]byte, parquetGroupRows+10)
		for i := range recs {
			recs[i] = fmt.Appendf(nil, `{"id":"r%d","start_at":%d}`, i, 1700000000000+int64(i))
		}
		b := writeParquet(t, recs, Options{Columns: []string{"id", "start_at"}})
		if sizes := groups(b); !slices.Equal(sizes, []int64{parquetGroupRows, 10}) {
			t.Errorf("row groups of %v rows", sizes)
		}
	})
	t.Run("bytes", func(t *testing.T) {
		var buf bytes.Buffer
		w, err := NewParquet(&buf, Options{})
		if err != nil {
			t.Fatal(err)
		}
		w.(*parquetWriter).groupBytes = 1 << 20
		docs := benchDocs(t, 5000)
		for i := range 20_000 {
			if err := w.Write(docs[i%len(docs)]); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		sizes := groups(buf.Bytes())
		var total int64
		for _, n := range sizes {
			total += n
		}
		if len(sizes) < 3 || total != 20_000 {
			t.Errorf("row groups of %v rows", sizes)
		}
	})
}

// TestParquetWriteErrors: a record that does not decode is refused and
// leaves no row; the output's error ends the file.
func TestParquetWriteErrors(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewParquet(&buf, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write([]byte(`{"id":"x","agents":[{"id":1}]}`)); err == nil || !strings.Contains(err.Error(), "decoding a record: agents: [0]: id:") {
		t.Errorf("a bad record: %v", err)
	}
	if err := w.Write([]byte(`{"id":"y"}`)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if rows := readParquet(t, buf.Bytes()); len(rows) != 1 || rows[0].ID != "y" {
		t.Errorf("rows %+v", rows)
	}

	w, _ = NewParquet(failWriter{}, Options{})
	for i := 0; i < 2*parquetBatch && err == nil; i++ {
		err = w.Write([]byte(`{"id":"y"}`))
	}
	if err == nil {
		err = w.Close()
	}
	if err == nil || !strings.Contains(err.Error(), "disk gone") {
		t.Errorf("a failing output: %v", err)
	}
	if err2 := w.Close(); err2 == nil {
		t.Error("Close after a failure: no error")
	}
}

// FuzzParquet: any bytes given as a record are written or refused, never
// a panic; what was written reads back, as encoding/json decodes it.
func FuzzParquet(f *testing.F) {
	for _, r := range parquetRecords(f) {
		f.Add(r)
	}
	f.Add([]byte(`{"start_at":"x"}`))
	f.Add([]byte(`{"agents":[{"groups":[1]}]}`))
	f.Add([]byte(`{"raw":[1,{"a":"\u00e9"}],"attributes":{"k":null}}`))
	f.Fuzz(func(t *testing.T, rec []byte) {
		var buf bytes.Buffer
		w, err := NewParquet(&buf, Options{Raw: true})
		if err != nil {
			t.Fatal(err)
		}
		wrote := w.Write(rec) == nil
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		rows := readParquet(t, buf.Bytes())
		if (len(rows) == 1) != wrote || len(rows) > 1 {
			t.Fatalf("wrote %v, %d rows", wrote, len(rows))
		}
		if want, err := referenceRow(rec); wrote && err == nil && !repeatsKey(rec) {
			if d := cmp.Diff(want, rows[0], cmpopts.EquateEmpty()); d != "" {
				t.Errorf("(-encoding/json +read back):\n%s", d)
			}
		}
	})
}
