package export

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/demo"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// parquetRecords are records with every kind of field: optional ones set
// and unset, lists empty and long, non-ASCII text, raw.
func parquetRecords(t *testing.T) [][]byte {
	t.Helper()
	score := 4
	at := int64(1700000012000)
	recs := []*cdr.Record{
		{ID: "rec_a", Tenant: "acme", Channel: cdr.ChannelVoice, Source: cdr.SourceTencentCCC, SourceID: "c1", Version: 3,
			CreatedAt: 1700000100000, UpdatedAt: 1700000200000, StartAt: 1700000000123, AnswerAt: &at, EndAt: new(int64(1700000090000)),
			Direction: cdr.DirectionInbound, CallType: cdr.CallTypeDirect, Media: cdr.MediaAudio, Disposition: cdr.DispositionAnswered,
			DispositionRaw: "ANSWERED", HangupBy: cdr.HangupByAgent,
			Caller: cdr.Party{Address: "+86 139 1234 5678", Digits: "8613912345678"}, Callee: cdr.Party{Address: "4001"},
			CountryCode: "CN", Agents: []cdr.Agent{{Kind: "human", ID: "a1", Name: "张敏", Groups: []string{"g1", "g2"}}, {Kind: "ai", ID: "bot"}},
			Queues: []cdr.Queue{{ID: "q1", Name: "Sales"}}, TalkS: new(int64(78)), HoldS: new(int64(0)),
			Satisfaction: &cdr.Satisfaction{Score: &score, Label: "good", Offered: true},
			Recordings:   []cdr.Recording{{Kind: "main", URL: "https://x/1.mp3", DurationS: new(int64(78))}},
			IVRKeys:      []cdr.IVRKey{{Phase: "ivr", Key: "1", At: &at}},
			Tags:         []string{"vip", "a;b"}, Note: "said \"hi\",\nthen left",
			Participants: []cdr.Participant{{Seq: 1, Role: "agent", ID: "a1", StartAt: &at}},
			Raw:          json.RawMessage(`{"CallId":"c1","Extra":[1,2]}`)},
		{ID: "rec_b", Tenant: "acme", Channel: cdr.ChannelChat, Source: cdr.SourceNative, SourceID: "s1", StartAt: 1700000001000,
			Direction: cdr.DirectionUnknown, Disposition: cdr.DispositionAbandoned, HangupBy: cdr.HangupByUnknown,
			Attributes: map[string]json.RawMessage{"k": json.RawMessage(`{"x":1}`)}},
		{ID: "rec_c", Tenant: "acme", Channel: cdr.ChannelRTC, Source: cdr.SourceTRTCCallKit, SourceID: "r1", StartAt: 1700000002000,
			Media: cdr.MediaVideo, ParticipantCount: new(int64(3)), RoomID: "room-1", SameAs: "rec_a"},
	}
	out := make([][]byte, len(recs))
	for i, r := range recs {
		b, err := cdr.EncodeJSON(r)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = b
	}
	return out
}

func writeParquet(t *testing.T, recs [][]byte, opt Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := New("parquet", &buf, opt)
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
	return buf.Bytes()
}

// TestParquetRoundTrip: every field of every record reads back as it went
// in; raw only with Raw.
func TestParquetRoundTrip(t *testing.T) {
	recs := parquetRecords(t)
	for _, raw := range []bool{false, true} {
		t.Run(fmt.Sprint("raw=", raw), func(t *testing.T) {
			b := writeParquet(t, recs, Options{Raw: raw})
			got, err := parquet.Read[parquetRow](bytes.NewReader(b), int64(len(b)))
			if err != nil {
				t.Fatal(err)
			}
			var want []parquetRow
			for _, rec := range recs {
				var r cdr.Record
				if err := json.Unmarshal(rec, &r); err != nil {
					t.Fatal(err)
				}
				row := toParquet(&r)
				if !raw {
					row.Raw = nil
				}
				want = append(want, row)
			}
			// Empty lists read back as empty slices.
			if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("(-want +got)\n%s", d)
			}
			if got[0].Agents[0].Name != "张敏" || *got[0].Satisfaction.Score != 4 || got[0].StartAt != 1700000000123 ||
				len(got[0].Agents[0].Groups) != 2 || got[1].AnswerAt != nil || (got[0].Raw != nil) != raw {
				t.Errorf("fields lost: %+v", got[0])
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

// TestParquetSchema: times are TIMESTAMP(MILLIS, UTC), enums dictionary-
// encoded, pages zstd-compressed.
func TestParquetSchema(t *testing.T) {
	b := writeParquet(t, parquetRecords(t), Options{})
	f, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	md := f.Metadata()
	types := map[string]string{}
	for _, el := range md.Schema {
		types[el.Name] = el.LogicalType.String()
	}
	for _, col := range []string{"start_at", "answer_at", "end_at", "created_at"} {
		if lt := types[col]; !strings.Contains(lt, "TIMESTAMP") || !strings.Contains(lt, "isAdjustedToUTC=true") || !strings.Contains(lt, "MILLIS") {
			t.Errorf("%s: logical type %q", col, lt)
		}
	}
	for _, cc := range md.RowGroups[0].Columns {
		m := cc.MetaData
		path := strings.Join(m.PathInSchema, ".")
		if m.Codec != format.Zstd {
			t.Errorf("%s: codec %v", path, m.Codec)
		}
		if slices.Contains([]string{"channel", "source", "direction", "disposition", "hangup_by"}, path) &&
			!slices.Contains(m.Encoding, format.RLEDictionary) && !slices.Contains(m.Encoding, format.PlainDictionary) {
			t.Errorf("%s: encodings %v, no dictionary", path, m.Encoding)
		}
	}
	if f.NumRows() != 3 {
		t.Errorf("%d rows", f.NumRows())
	}
}

// TestParquetColumns: Columns selects fields; an unknown one, and raw
// without Raw, are errors naming them.
func TestParquetColumns(t *testing.T) {
	b := writeParquet(t, parquetRecords(t), Options{Columns: []string{"start_at", "id", "agents"}})
	f, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, fl := range f.Schema().Fields() {
		names = append(names, fl.Name())
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"agents", "id", "start_at"}) {
		t.Errorf("fields %v", names)
	}
	type slim struct {
		ID      string         `parquet:"id"`
		StartAt int64          `parquet:"start_at,timestamp(millisecond:utc)"`
		Agents  []parquetAgent `parquet:"agents,list"`
	}
	rows, err := parquet.Read[slim](bytes.NewReader(b), int64(len(b)))
	if err != nil || len(rows) != 3 || rows[0].ID != "rec_a" || rows[0].StartAt != 1700000000123 || len(rows[0].Agents) != 2 || rows[2].ID != "rec_c" {
		t.Errorf("%+v %v", rows, err)
	}
	for _, c := range []struct {
		opt  Options
		want string
	}{
		{Options{Columns: []string{"id", "colour"}}, `"colour"`},
		{Options{Columns: []string{"raw"}}, "raw"},
	} {
		if _, err := New("parquet", &bytes.Buffer{}, c.opt); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v", c.opt, err)
		}
	}
}

// TestParquetRowGroups: a row group ends at 100,000 rows.
func TestParquetRowGroups(t *testing.T) {
	recs := make([][]byte, parquetGroupRows+10)
	for i := range recs {
		recs[i] = fmt.Appendf(nil, `{"id":"r%d","channel":"voice","source":"native","source_id":"s%d","version":1,"start_at":%d}`, i, i, 1700000000000+int64(i))
	}
	b := writeParquet(t, recs, Options{Columns: []string{"id", "start_at"}})
	f, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var sizes []int64
	for _, rg := range f.RowGroups() {
		sizes = append(sizes, rg.NumRows())
	}
	if len(sizes) != 2 || sizes[0] != parquetGroupRows || f.NumRows() != int64(len(recs)) {
		t.Errorf("row groups %v, %d rows", sizes, f.NumRows())
	}
}

// FuzzParquet: any bytes given as a record are written or refused, never
// a panic; what was written reads back.
func FuzzParquet(f *testing.F) {
	for _, r := range parquetRecords(&testing.T{}) {
		f.Add(r)
	}
	f.Add([]byte(`{"start_at":"x"}`))
	f.Add([]byte(`{"agents":[{"groups":[1]}]}`))
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
		f, err := parquet.OpenFile(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err != nil {
			t.Fatal(err)
		}
		if n := f.NumRows(); (n == 1) != wrote {
			t.Errorf("wrote %v, %d rows", wrote, n)
		}
	})
}

// BenchmarkExport writes 20,000 demo records (every field the demo fills:
// agents, queues, recordings, IVR keys, satisfaction) in each format, from
// their JSON as the store streams it; records/s and bytes per record.
func BenchmarkExport(b *testing.B) {
	recs := demo.Records("acme", time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), 20_000)
	docs := make([][]byte, len(recs))
	for i, r := range recs {
		if err := r.Prepare(cdr.MustTenantID("acme"), 1700000000000); err != nil {
			b.Fatal(err)
		}
		r.ID = cdr.RecordID("acme", r.Source, r.SourceID)
		doc, err := cdr.EncodeJSON(r)
		if err != nil {
			b.Fatal(err)
		}
		docs[i] = doc
	}
	for _, format := range Formats {
		b.Run(format, func(b *testing.B) {
			var size int64
			for b.Loop() {
				cw := &countWriter{}
				w, err := New(format, cw, Options{EscapeFormulas: true})
				if err != nil {
					b.Fatal(err)
				}
				for _, d := range docs {
					if err := w.Write(d); err != nil {
						b.Fatal(err)
					}
				}
				if err := w.Close(); err != nil {
					b.Fatal(err)
				}
				size = cw.n
			}
			b.ReportMetric(float64(len(docs)*b.N)/b.Elapsed().Seconds(), "records/s")
			b.ReportMetric(float64(size)/float64(len(docs)), "bytes/record")
		})
	}
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }
