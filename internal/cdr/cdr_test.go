package cdr

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"testing"
)

// The ids of the example records of docs/record-model.md §6.5.
func TestRecordID(t *testing.T) {
	tests := []struct {
		source   Source
		sourceID string
		want     string
	}{
		{SourceTencentCCC, "5f0c8a2e-7731-4c1b-9e55-3a9d2b1c0e7f", "rec_catpnujtwrzvmslpelalyih5"},
		{SourceAliyunCCC, "job-125152394144120001", "rec_yj6xgmgpbxgsf22jvhwu2qte"},
		{SourceTRTCCallKit, "7c1e0a52-5f0b-4c1e-9d7a-2f3b9a6c8e10", "rec_x3bulfaarzqlfbnxntuggi5d"},
		{SourceTencentDesk, "a97d3e1f-a88b-403b-9b3a-7bc6554ea05d", "rec_hql73n2ounubqkg43zfd3klv"},
	}
	for _, tt := range tests {
		if got := RecordID("acme", tt.source, tt.sourceID); got != tt.want {
			t.Errorf("RecordID(acme, %s, %s) = %s, want %s", tt.source, tt.sourceID, got, tt.want)
		}
	}
	if RecordID("acme", SourceNative, "x") == RecordID("other", SourceNative, "x") {
		t.Error("ids of two tenants collide")
	}
}

func TestDigits(t *testing.T) {
	tests := map[string]string{
		"+86 139-1234-5678": "8613912345678",
		"008613912345678":   "8613912345678",
		"0000123":           "00123",
		"138****5678":       "138****5678",
		"user_alice":        "",
		"(020) 6666 8888":   "02066668888",
	}
	for in, want := range tests {
		if got := Digits(in); got != want {
			t.Errorf("Digits(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPhoneMatches(t *testing.T) {
	tests := []struct {
		d, q string
		want bool
	}{
		{"8613912345678", "8613912345678", true},
		{"8613912345678", "13912345678", true},
		{"13912345678", "8613912345678", true},
		{"8613912345678", "2345678", true},
		{"8613912345678", "345678", false}, // shorter than 7
		{"345678", "345678", true},
		{"138****5678", "138****5678", true},
		{"138****5678", "13812345678", false},
		{"8613812345678", "138****5678", false},
		{"8613912345678", "8613912345679", false},
		{"", "", false},
	}
	for _, tt := range tests {
		if got := PhoneMatches(tt.d, tt.q); got != tt.want {
			t.Errorf("PhoneMatches(%q, %q) = %v, want %v", tt.d, tt.q, got, tt.want)
		}
	}
}

func TestClassify(t *testing.T) {
	lo, hi := []byte{1}, []byte{2}
	stored := &Stored{Version: 10, Hash: lo}
	tests := []struct {
		name   string
		stored *Stored
		v      int64
		h      []byte
		want   Outcome
		bump   bool
	}{
		{"none", nil, 1, lo, OutcomeInserted, false},
		{"older", stored, 9, hi, OutcomeStale, false},
		{"older same hash", stored, 9, lo, OutcomeStale, false},
		{"same version same hash", stored, 10, lo, OutcomeUnchanged, false},
		{"newer same hash", stored, 11, lo, OutcomeUnchanged, true},
		{"newer other hash", stored, 11, []byte{0}, OutcomeUpdated, false},
		{"same version greater hash", stored, 10, hi, OutcomeUpdated, false},
		{"same version smaller hash", &Stored{Version: 10, Hash: hi}, 10, lo, OutcomeUnchanged, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, bump := Classify(tt.stored, tt.v, tt.h)
			if o != tt.want || bump != tt.bump {
				t.Errorf("Classify = %v, %v; want %v, %v", o, bump, tt.want, tt.bump)
			}
		})
	}
}

func validRecord() *Record {
	return &Record{Channel: ChannelVoice, Source: SourceNative, SourceID: "pbx-1", StartAt: 1700000000000}
}

func TestPrepareDefaultsAndDerived(t *testing.T) {
	r := validRecord()
	r.AnswerAt = new(int64(1700000010000))
	r.EndAt = new(int64(1700000070500))
	r.Caller.Address = "+86 139-1234-5678"
	r.Agents = []Agent{{ID: "a1"}}
	if err := r.Prepare(MustTenantID("acme"), 1700000099000); err != nil {
		t.Fatal(err)
	}
	if r.Tenant != "acme" || r.ID != RecordID("acme", SourceNative, "pbx-1") {
		t.Errorf("tenant %q id %q", r.Tenant, r.ID)
	}
	if r.Direction != DirectionUnknown || r.Disposition != DispositionUnknown || r.HangupBy != HangupByUnknown ||
		r.CallType != CallTypeDirect || r.Media != MediaAudio || r.Version != 1700000099000 || r.Agents[0].Kind != AgentHuman {
		t.Errorf("defaults not applied: %+v", r)
	}
	if *r.TalkS != 60 || *r.TotalS != 70 {
		t.Errorf("talk_s %d total_s %d, want 60 70", *r.TalkS, *r.TotalS)
	}
	if r.Caller.Digits != "8613912345678" {
		t.Errorf("caller digits %q", r.Caller.Digits)
	}
	// Prepare is idempotent.
	before, _ := json.Marshal(r)
	if err := r.Prepare(MustTenantID("acme"), 1); err != nil {
		t.Fatal(err)
	}
	if after, _ := json.Marshal(r); string(before) != string(after) {
		t.Errorf("second Prepare changed the record:\n%s\n%s", before, after)
	}
}

func TestPrepareNoAnswer(t *testing.T) {
	r := validRecord()
	r.EndAt = new(int64(1700000005000))
	r.TalkS = nil
	r.TotalS = new(int64(99)) // a source-given value is kept
	if err := r.Prepare(MustTenantID("acme"), 1); err != nil {
		t.Fatal(err)
	}
	if *r.TalkS != 0 || *r.TotalS != 99 {
		t.Errorf("talk_s %d total_s %d, want 0 99", *r.TalkS, *r.TotalS)
	}
}

func TestPrepareErrors(t *testing.T) {
	tests := []struct {
		field string
		mod   func(r *Record)
	}{
		{"channel", func(r *Record) { r.Channel = "" }},
		{"channel", func(r *Record) { r.Channel = "fax" }},
		{"source", func(r *Record) { r.Source = "" }},
		{"source", func(r *Record) { r.Source = "acme_pbx" }},
		{"source_id", func(r *Record) { r.SourceID = "" }},
		{"source_id", func(r *Record) { r.SourceID = string(make([]byte, 129)) }},
		{"start_at", func(r *Record) { r.StartAt = 0 }},
		{"start_at", func(r *Record) { r.StartAt = 1700000000 }},
		{"start_at", func(r *Record) { r.StartAt = 1700000000000000 }},
		{"start_at", func(r *Record) { r.StartAt = -5 }},
		{"channel", func(r *Record) { r.Source = SourceTencentDesk }},
		{"attributes", func(r *Record) {
			r.Source, r.Attributes = SourceTencentCCC, map[string]json.RawMessage{"x": json.RawMessage(`1`)}
		}},
		{"version", func(r *Record) { r.Version = -1 }},
		{"raw", func(r *Record) { r.Raw = json.RawMessage(`{"a":`) }},
		{"direction", func(r *Record) { r.Direction = "sideways" }},
		{"call_type", func(r *Record) { r.CallType = "x" }},
		{"media", func(r *Record) { r.Media = "fax" }},
		{"disposition", func(r *Record) { r.Disposition = "ok" }},
		{"hangup_by", func(r *Record) { r.HangupBy = "x" }},
		{"talk_s", func(r *Record) { r.TalkS = new(int64(-1)) }},
		{"hold_s", func(r *Record) { r.HoldS = new(int64(-1)) }},
		{"end_at", func(r *Record) { r.EndAt = new(r.StartAt - 1000) }},
		{"answer_at", func(r *Record) { r.AnswerAt = new(int64(1700000000)) }},
		{"satisfaction.score", func(r *Record) { r.Satisfaction = &Satisfaction{Score: new(6)} }},
		{"agents[1].kind", func(r *Record) { r.Agents = []Agent{{}, {Kind: "robot"}} }},
		{"recordings[0].duration_s", func(r *Record) { r.Recordings = []Recording{{DurationS: new(int64(-2))}} }},
		{"ivr_keys[0].at", func(r *Record) { r.IVRKeys = []IVRKey{{At: new(int64(12))}} }},
		{"participants[0].role", func(r *Record) { r.Participants = []Participant{{Role: "boss"}} }},
		{"participants[0].end_at", func(r *Record) { r.Participants = []Participant{{EndAt: new(int64(3))}} }},
		{"id", func(r *Record) { r.ID = "rec_wrong" }},
		{"same_as", func(r *Record) { r.SameAs = "pbx-2" }},
		{"same_as", func(r *Record) { r.SameAs = RecordID("acme", SourceNative, "pbx-1") }},
	}
	for _, tt := range tests {
		r := validRecord()
		tt.mod(r)
		err := r.Prepare(MustTenantID("acme"), 1700000000000)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != tt.field {
			t.Errorf("field %s: got %v", tt.field, err)
		}
	}
	if err := validRecord().Prepare(TenantID{}, 1); ErrorCode(err) != EFORBIDDEN {
		t.Errorf("zero tenant: %v", err)
	}
}

func TestComputeHash(t *testing.T) {
	a := &Record{Raw: json.RawMessage(`{"b":1,"a":{"y":"é","x":[1,2.50]}}`)}
	b := &Record{Raw: json.RawMessage(`{ "a": {"x":[1, 2.50], "y":"\u00e9"}, "b":1 }`)}
	c := &Record{Raw: json.RawMessage(`{"b":1,"a":{"y":"é","x":[1,2.5]}}`)}
	for _, r := range []*Record{a, b, c} {
		if err := r.ComputeHash(); err != nil {
			t.Fatal(err)
		}
	}
	if string(a.Hash) != string(b.Hash) {
		t.Error("key order or whitespace changed the hash")
	}
	if string(a.Hash) == string(c.Hash) {
		t.Error("a changed number literal kept the hash")
	}

	r1, r2 := validRecord(), validRecord()
	r2.Version, r2.CreatedAt, r2.UpdatedAt = 5, 6, 7
	r1.Prepare(MustTenantID("acme"), 1)
	r2.Prepare(MustTenantID("acme"), 2)
	r1.ComputeHash()
	r2.ComputeHash()
	if string(r1.Hash) != string(r2.Hash) {
		t.Error("version or server times changed the canonical hash")
	}
	r2.Note = "x"
	r2.ComputeHash()
	if string(r1.Hash) == string(r2.Hash) {
		t.Error("a content change kept the hash")
	}
}

func TestTenantID(t *testing.T) {
	for _, ok := range []string{"acme", "a", "0-x", "abcdefghijklmnopqrstuvwxyz012345"} {
		if _, err := NewTenantID(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "-a", "Acme", "a_b", "abcdefghijklmnopqrstuvwxyz0123456"} {
		if _, err := NewTenantID(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestRecordJSONAlwaysEmitsEnumsAndVersion(t *testing.T) {
	b, _ := json.Marshal(&Record{Participants: []Participant{{}}})
	want := `{"version":0,"direction":"","call_type":"","disposition":"","hangup_by":"","participants":[{"seq":0}]}`
	if string(b) != want {
		t.Errorf("got %s\nwant %s", b, want)
	}
}

func TestPrepareVersion(t *testing.T) {
	const received = 1700000099000
	tests := []struct {
		name    string
		version int64
		set     bool
		want    int64
	}{
		{"absent: the receive time", 0, false, received},
		{"given 0", 0, true, 0},
		{"given 1", 1, true, 1},
		{"set in Go", 7, false, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := validRecord()
			r.Version, r.VersionSet = tt.version, tt.set
			for _, at := range []int64{received, received + 1} { // Prepare is idempotent
				if err := r.Prepare(MustTenantID("acme"), at); err != nil {
					t.Fatal(err)
				}
				if r.Version != tt.want {
					t.Errorf("version %d, want %d", r.Version, tt.want)
				}
			}
		})
	}
}

// TestDocumentWithoutVersion pins the stored document and content hash of a
// record: the document has no version, whatever Record encodes, so stored
// documents and hashes stay what they were.
func TestDocumentWithoutVersion(t *testing.T) {
	for _, v := range []int64{0, 1700000001234} {
		r := validRecord()
		r.SameAs = RecordID("acme", SourceNative, "other")
		r.Version, r.VersionSet = v, true
		if err := r.Prepare(MustTenantID("acme"), 1700000001234); err != nil {
			t.Fatal(err)
		}
		doc, err := r.Document()
		if err != nil {
			t.Fatal(err)
		}
		want := `{"tenant":"acme","channel":"voice","source":"native","source_id":"pbx-1","same_as":"rec_7urgoss6bqskyqgxh2eaxggf",` +
			`"start_at":1700000000000,"direction":"unknown","call_type":"direct","media":"audio","disposition":"unknown","hangup_by":"unknown"}`
		if string(doc) != want {
			t.Errorf("version %d: document\n got %s\nwant %s", v, doc, want)
		}
		if got := hex.EncodeToString(r.Hash); got != "c15fbabcb2620b844fc77603b498723ad91dc3ea322cd3f346391b0f9a7119e2" {
			t.Errorf("version %d: hash %s", v, got)
		}
	}
}

func TestAttributesKeyOrder(t *testing.T) {
	a, b := validRecord(), validRecord()
	a.Attributes = map[string]json.RawMessage{"t": json.RawMessage(`{"b":1,"a":[2,{"d":1,"c":0}]}`)}
	b.Attributes = map[string]json.RawMessage{"t": json.RawMessage(`{ "a":[2,{"c":0,"d":1}], "b":1 }`)}
	for _, r := range []*Record{a, b} {
		if err := r.Prepare(MustTenantID("acme"), 1); err != nil {
			t.Fatal(err)
		}
	}
	da, _ := a.Document()
	db, _ := b.Document()
	if string(da) != string(db) || string(a.Hash) != string(b.Hash) {
		t.Errorf("attribute key order changed the document:\n%s\n%s", da, db)
	}
	if string(a.Attributes["t"]) != `{"a":[2,{"c":0,"d":1}],"b":1}` {
		t.Errorf("attribute not canonical: %s", a.Attributes["t"])
	}
}
