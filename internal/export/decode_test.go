package export

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/parquet-go/parquet-go"
)

// rowOf maps a record decoded by encoding/json to its row: what the
// decoder must make of the record's JSON.
func rowOf(r *cdr.Record) row {
	optTime := func(v int64) *int64 {
		if v == 0 {
			return nil
		}
		return &v
	}
	toParty := func(p cdr.Party) *party {
		if p == (cdr.Party{}) {
			return nil
		}
		return &party{p.Address, p.Digits, p.ProtectedID, p.Location, p.Name}
	}
	out := row{
		ID: r.ID, Tenant: r.Tenant, Channel: string(r.Channel), Source: string(r.Source), SourceID: r.SourceID,
		Version: r.Version, SameAs: r.SameAs, CreatedAt: optTime(r.CreatedAt), UpdatedAt: optTime(r.UpdatedAt),
		StartAt: r.StartAt, QueuedAt: r.QueuedAt, RingAt: r.RingAt, AnswerAt: r.AnswerAt, EndAt: r.EndAt,
		Direction: string(r.Direction), CallType: string(r.CallType), Media: string(r.Media),
		Disposition: string(r.Disposition), DispositionRaw: r.DispositionRaw, HangupBy: string(r.HangupBy),
		Caller: toParty(r.Caller), Callee: toParty(r.Callee), CountryCode: r.CountryCode, CountryName: r.CountryName,
		TalkS: r.TalkS, TotalS: r.TotalS, RingS: r.RingS, QueueS: r.QueueS, IVRS: r.IVRS, HoldS: r.HoldS, DialS: r.DialS,
		ParticipantCount: r.ParticipantCount, RoomID: r.RoomID, Tags: r.Tags, Note: r.Note,
	}
	for _, a := range r.Agents {
		out.Agents = append(out.Agents, agent{a.Kind, a.ID, a.Name, a.Email, a.Nick, a.StaffNumber, a.Phone, a.Extension, a.Role, a.Groups})
	}
	for _, q := range r.Queues {
		out.Queues = append(out.Queues, queue{q.ID, q.Name})
	}
	if s := r.Satisfaction; s != nil {
		ps := &satisfaction{Raw: s.Raw, Label: s.Label, Channel: s.Channel, Offered: s.Offered}
		if s.Score != nil {
			v := int64(*s.Score)
			ps.Score = &v
		}
		out.Satisfaction = ps
	}
	for _, rc := range r.Recordings {
		out.Recordings = append(out.Recordings, recording{rc.Kind, rc.ID, rc.URL, rc.CopyURL, rc.DurationS, rc.TranscriptURL, rc.TranscriptStatus})
	}
	for _, k := range r.IVRKeys {
		out.IVRKeys = append(out.IVRKeys, ivrKey{k.Phase, k.Key, k.Label, k.At, k.Node, k.Content, k.Prompt})
	}
	for _, p := range r.Participants {
		out.Participants = append(out.Participants, participant{int64(p.Seq), p.Role, p.Type, p.ID, p.Email, p.Address,
			p.StartAt, p.RingAt, p.AnswerAt, p.EndAt, p.QueueID, p.QueueName, p.StatusRaw, p.RecordingID, p.RecordingURL,
			p.RecordingCopyURL, p.TransferFrom, p.TransferTo, p.TransferFromType, p.TransferToType})
	}
	if len(r.Attributes) > 0 {
		if b, err := json.Marshal(r.Attributes); err == nil {
			s := string(b)
			out.Attributes = &s
		}
	}
	if len(r.Raw) > 0 {
		s := string(r.Raw)
		out.Raw = &s
	}
	return out
}

// referenceRow decodes rec as the writers did before they had a decoder
// of their own: encoding/json into a cdr.Record.
func referenceRow(rec []byte) (row, error) {
	var r cdr.Record
	if err := json.Unmarshal(rec, &r); err != nil {
		return row{}, err
	}
	return rowOf(&r), nil
}

// TestRowFields: the decoder's fields are the row's, in order, within
// the 64 bits of a want mask.
func TestRowFields(t *testing.T) {
	var want []string
	for _, f := range parquet.SchemaOf(row{}).Fields() {
		want = append(want, f.Name())
	}
	if diff := cmp.Diff(want, ParquetColumns()); diff != "" {
		t.Errorf("(-schema +decoder):\n%s", diff)
	}
	if n := len(rowFields.list); n > 64 {
		t.Errorf("%d fields", n)
	}
	for _, c := range columns {
		top, sub, _ := strings.Cut(c.reads, ".")
		if _, ok := rowFields.byName[top]; !ok {
			t.Errorf("CSV column %s reads %q, no field", c.name, c.reads)
		}
		if n, ok := nestedFields[top]; sub != "" && (!ok || n.mask(sub) == 0) {
			t.Errorf("CSV column %s reads %q, no field", c.name, c.reads)
		}
	}
}

// decodeCases are records the decoder must read as encoding/json does,
// or refuse as it does.
var decodeCases = []struct {
	name, rec string
	err       bool
}{
	{"empty object", `{}`, false},
	{"null", `null`, false},
	{"spaces", " \t\r\n{ \"id\" : \"r\" , \"version\" : 3 } \n", false},
	{"escapes", `{"note":"a\"b\\c\/d\b\f\n\r\t\u00e9\u4e2d\ud83d\ude00","id":"\u0041"}`, false},
	{"lone surrogate", `{"note":"x\ud800y\udc00"}`, false},
	{"invalid utf-8", "{\"note\":\"a\xffb\xc3\"}", false},
	{"valid utf-8", `{"note":"张敏 — ✓"}`, false},
	{"escaped key", `{"n\u006fte":"x","\u0069d":"y"}`, false},
	{"folded key", `{"ID":"x","Start_At":5,"AGENTS":[{"NAME":"n"}],"ſatisfaction":{"ſcore":2}}`, false},
	{"unknown keys", `{"x":{"a":[1,2,{"b":null}]},"id":"r","y":-1.5e3,"z":true}`, false},
	{"nulls", `{"id":null,"answer_at":null,"agents":null,"satisfaction":null,"caller":null,"tags":null,"raw":null,"attributes":null,"version":null}`, false},
	{"null elements", `{"agents":[null,{"id":"a"}],"tags":[null,"t"],"recordings":[null]}`, false},
	{"empty lists", `{"agents":[],"tags":[],"recordings":[],"queues":[],"participants":[],"ivr_keys":[]}`, false},
	{"zero times", `{"created_at":0,"updated_at":0,"start_at":0,"answer_at":0}`, false},
	{"negative zero", `{"version":-0,"talk_s":-0}`, false},
	{"int64 bounds", `{"version":9223372036854775807,"start_at":-9223372036854775808}`, false},
	{"raw of every kind", `{"raw":{"a":[1,"b",{"c":null}],"d":1.5e-3}}`, false},
	{"raw scalar", `{"raw":"text"}`, false},
	{"raw spaced", `{"raw": { "a" : 1 } }`, false},
	{"attributes", `{"attributes":{"z":1,"a":{"b":[true, null]},"<>":"&"}}`, false},
	{"empty attributes", `{"attributes":{}}`, false},
	{"empty party", `{"caller":{},"callee":{"address":""}}`, false},
	{"satisfaction", `{"satisfaction":{"score":5,"raw":"5","label":"great","channel":"ivr","offered":true}}`, false},
	{"participants", `{"participants":[{"seq":2,"role":"agent","start_at":1,"transfer_to":"x"},{"seq":1}]}`, false},

	{"empty", ``, true},
	{"array", `[]`, true},
	{"string", `"x"`, true},
	{"number", `1`, true},
	{"trailing", `{} {}`, true},
	{"trailing comma", `{"id":"x",}`, true},
	{"unclosed", `{"id":"x"`, true},
	{"unclosed string", `{"id":"x`, true},
	{"bad escape", `{"note":"\x"}`, true},
	{"short unicode escape", `{"note":"\u12"}`, true},
	{"control character", "{\"note\":\"a\nb\"}", true},
	{"string for number", `{"start_at":"yesterday"}`, true},
	{"number for string", `{"id":5}`, true},
	{"fraction", `{"version":1.5}`, true},
	{"exponent", `{"version":1e3}`, true},
	{"overflow", `{"version":9223372036854775808}`, true},
	{"leading zero", `{"version":01}`, true},
	{"bare minus", `{"version":-}`, true},
	{"bad literal", `{"x":nul}`, true},
	{"true for string", `{"id":true}`, true},
	{"string for bool", `{"satisfaction":{"offered":"yes"}}`, true},
	{"object for list", `{"agents":{"id":"a"}}`, true},
	{"number element", `{"agents":[1]}`, true},
	{"number tag", `{"tags":[1]}`, true},
	{"list for object", `{"satisfaction":[]}`, true},
	{"attributes not an object", `{"attributes":[1]}`, true},
	{"bad unknown value", `{"x":[1,]}`, true},
	{"bad raw", `{"raw":{"a":}}`, true},
	{"missing colon", `{"id" "x"}`, true},
	{"key not a string", `{id:"x"}`, true},
}

// TestDecodeLikeEncodingJSON: the decoder reads each record as
// encoding/json reads it into a cdr.Record, and refuses what it refuses.
func TestDecodeLikeEncodingJSON(t *testing.T) {
	for _, tt := range decodeCases {
		t.Run(tt.name, func(t *testing.T) {
			want, werr := referenceRow([]byte(tt.rec))
			var d decoder
			var got row
			err := decodeRow(&d, []byte(tt.rec), &got, selectAll())
			if (werr != nil) != tt.err || (err != nil) != tt.err {
				t.Fatalf("encoding/json: %v; decoder: %v; want an error: %v", werr, err, tt.err)
			}
			if err == nil {
				if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
					t.Errorf("(-encoding/json +decoder):\n%s", diff)
				}
			}
		})
	}
}

// TestDecodeWant: fields out of the mask stay zero, yet must be well-formed.
func TestDecodeWant(t *testing.T) {
	rec := []byte(`{"id":"r","agents":[{"id":"a"}],"participants":[{"seq":1}],"note":"n"}`)
	var d decoder
	var got row
	want := &selection{fields: rowFields.mask("id", "note")}
	if err := decodeRow(&d, rec, &got, want); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(row{ID: "r", Note: "n"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if err := decodeRow(&d, []byte(`{"id":"r","participants":[{"seq":1},]}`), &got, want); err == nil {
		t.Error("a malformed field out of the mask: no error")
	}

	// Of objects, the fields selected; of lists, at least their length.
	rec = []byte(`{"agents":[{"id":"a","name":"A","groups":["g"]},{"name":"B"}],"recordings":[{"url":"u"},{}],` +
		`"caller":{"address":"+1","name":"C"},"satisfaction":{"score":3,"label":"ok"}}`)
	want = &selection{fields: rowFields.mask("agents", "recordings", "caller", "satisfaction")}
	want.nested[rowFields.byName["agents"]] = agentFields.mask("name")
	want.nested[rowFields.byName["caller"]] = partyFields.mask("address")
	want.nested[rowFields.byName["satisfaction"]] = satisfactionFields.mask("label")
	got = row{}
	if err := decodeRow(&d, rec, &got, want); err != nil {
		t.Fatal(err)
	}
	wantRow := row{Agents: []agent{{Name: "A"}, {Name: "B"}}, Recordings: []recording{{}, {}},
		Caller: &party{Address: "+1"}, Satisfaction: &satisfaction{Label: "ok"}}
	if diff := cmp.Diff(wantRow, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestParseInt(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true}, {"-0", 0, true}, {"7", 7, true}, {"-7", -7, true},
		{"9223372036854775807", 1<<63 - 1, true}, {"-9223372036854775808", -1 << 63, true},
		{"9223372036854775808", 0, false}, {"-9223372036854775809", 0, false},
		{"18446744073709551616", 0, false}, {"99999999999999999999", 0, false},
	} {
		if got, ok := parseInt([]byte(c.in)); got != c.want || ok != c.ok {
			t.Errorf("parseInt(%s) = %d, %v; want %d, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

// TestDecodeDepth: nesting is bounded as encoding/json bounds it.
func TestDecodeDepth(t *testing.T) {
	deep := `{"x":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`
	var d decoder
	var r row
	if err := decodeRow(&d, []byte(deep), &r, selectAll()); err == nil {
		t.Error("20,000 levels: no error")
	}
	ok := `{"x":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`
	if err := decodeRow(&d, []byte(ok), &r, selectAll()); err != nil {
		t.Errorf("100 levels: %v", err)
	}
}

// FuzzDecode: for any bytes, the decoder and encoding/json agree on
// whether they are a record and, when they are, on its fields; unless an
// object repeats a key (folded), where encoding/json merges values into
// what it already decoded and the decoder need not.
func FuzzDecode(f *testing.F) {
	for _, tt := range decodeCases {
		f.Add([]byte(tt.rec))
	}
	if b, err := os.ReadFile("testdata/records.ndjson"); err == nil {
		for _, l := range bytes.Split(b, []byte("\n")) {
			f.Add(l)
		}
	}
	f.Fuzz(func(t *testing.T, rec []byte) {
		want, werr := referenceRow(rec)
		var d decoder
		var got row
		err := decodeRow(&d, rec, &got, selectAll())
		if (werr == nil) != (err == nil) {
			if repeatsKey(rec) {
				return
			}
			t.Fatalf("encoding/json: %v; decoder: %v", werr, err)
		}
		if err == nil && !repeatsKey(rec) {
			if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("(-encoding/json +decoder):\n%s", diff)
			}
		}
	})
}

// repeatsKey reports whether an object of the JSON doc has two keys equal
// when case-folded.
func repeatsKey(doc []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(doc))
	type level struct {
		object bool
		key    bool // the next string is a key
		seen   []string
	}
	var stack []*level
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		var top *level
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if s, ok := tok.(string); ok && top != nil && top.object && top.key {
			if slices.ContainsFunc(top.seen, func(k string) bool { return strings.EqualFold(k, s) }) {
				return true
			}
			top.seen = append(top.seen, s)
			top.key = false
			continue
		}
		if top != nil && top.object {
			top.key = true // after a value
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &level{object: true, key: true})
		case json.Delim('['):
			stack = append(stack, &level{})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			if len(stack) > 0 && stack[len(stack)-1].object {
				stack[len(stack)-1].key = true
			}
		}
	}
}

// BenchmarkDecode decodes one demo record: every field, and only those
// of the default CSV columns.
func BenchmarkDecode(b *testing.B) {
	docs := benchDocs(b, 1000)
	csvWant := &newCSV(nil, Options{}, columns[:]).sel
	for _, c := range []struct {
		name string
		want *selection
	}{{"all", selectAll()}, {"csv", csvWant}} {
		b.Run(c.name, func(b *testing.B) {
			var d decoder
			var r row
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				r = row{}
				if err := decodeRow(&d, docs[i%len(docs)], &r, c.want); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("encoding/json", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			var r cdr.Record
			if err := json.Unmarshal(docs[i%len(docs)], &r); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func ExampleColumns() {
	cols, _ := Columns("csv")
	fmt.Println(len(cols), cols[0], cols[len(cols)-1])
	// Output: 33 id note
}
