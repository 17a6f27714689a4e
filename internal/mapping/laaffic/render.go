package laaffic

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/mapping/vendorjson"
)

// Render returns r as ccRecordQuery lists it (docs/record-model.md §5), its
// times in loc, the tenant's time zone (nil is UTC).
//
// R1: a laaffic record with Raw is its Raw, byte for byte (the returned slice
// is r.Raw itself; do not modify it). Any other voice record is built from
// its canonical fields (docs/mapping-laaffic.md): callSessionId is source_id
// for a laaffic record and the cdrhub id otherwise (R2); missing data renders
// as "", 0 and [] (R4); enums without mapping are omitted; nothing is
// synthesized (R5). Records of other channels are refused.
func Render(r *cdr.Record, loc *time.Location) (json.RawMessage, error) {
	if err := renderable(r); err != nil {
		return nil, err
	}
	if hasRaw(r) {
		return r.Raw, nil
	}
	return cdr.EncodeJSON(build(r, loc))
}

// RenderV3 returns r as /v3/cc/record/query lists it: Render's object with
// keyId (source_id for a laaffic record, else the cdrhub id) and
// encryptCalled (MaskCalled of called). A Raw object is rewritten: members
// named keyId or encryptCalled it already has keep their values and
// places, missing ones are appended (encryptCalled from the raw called when
// that is a string, else ""); every other member keeps its bytes and place,
// whitespace between members is dropped.
func RenderV3(r *cdr.Record, loc *time.Location) (json.RawMessage, error) {
	if err := renderable(r); err != nil {
		return nil, err
	}
	if hasRaw(r) {
		return v3Raw(r.Raw, recordID(r))
	}
	in := build(r, loc)
	return cdr.EncodeJSON(&RecordV3{Record: *in, KeyID: recordID(r), EncryptCalled: MaskCalled(in.Called)})
}

// v3Raw adds keyId and encryptCalled to a raw record.
func v3Raw(raw []byte, keyID string) (json.RawMessage, error) {
	ms, err := vendorjson.Members(raw)
	if err != nil {
		return nil, cdr.Errorf(cdr.EINTERNAL, "laaffic: stored raw record: %v", err)
	}
	var hasKey, hasMask bool
	called := ""
	for _, m := range ms {
		switch m.Name {
		case "keyId":
			hasKey = true
		case "encryptCalled":
			hasMask = true
		case "called":
			var s string
			if json.Unmarshal(m.Value, &s) == nil {
				called = s
			}
		}
	}
	if !hasKey {
		v, _ := cdr.EncodeJSON(keyID)
		ms = append(ms, vendorjson.Member{Name: "keyId", Value: v})
	}
	if !hasMask {
		v, _ := cdr.EncodeJSON(MaskCalled(called))
		ms = append(ms, vendorjson.Member{Name: "encryptCalled", Value: v})
	}
	return vendorjson.Object(ms)
}

// MaskCalled returns s with every character but the first 3 and the last 4
// replaced by "*"; a string of 7 characters or fewer is returned as it is.
// Characters are Unicode code points (invalid UTF-8 bytes count one each).
func MaskCalled(s string) string {
	rs := []rune(s)
	if len(rs) <= 7 {
		return s
	}
	for i := 3; i < len(rs)-4; i++ {
		rs[i] = '*'
	}
	return string(rs)
}

// Terms returns the rendered enum terms of r, laaffic.F=v for the Field
// constants in decimal, from the values Render's output holds: for a record
// rendered from Raw the values Ingest reads from it, else the values build
// gives Render. An omitted enum has no term. Records Render refuses, and a
// Raw that does not decode, have none. The terms do not depend on the time
// zone, nor differ between Render and RenderV3.
func Terms(r *cdr.Record) []cdr.Term {
	if renderable(r) != nil {
		return nil
	}
	var in *Record
	if hasRaw(r) {
		var v Record
		if json.Unmarshal(r.Raw, &v) != nil {
			return nil
		}
		in = &v
	} else {
		in = build(r, nil)
	}
	var ts []cdr.Term
	for _, f := range []struct {
		name string
		v    *int
	}{{FieldCallType, in.CallType}, {FieldHangupReason, in.HangupReason}, {FieldHangingDirection, in.HangingDirection}} {
		if f.v != nil {
			ts = append(ts, cdr.Term{Kind: cdr.VendorTermKind(cdr.SourceLaaffic, f.name), Value: strconv.Itoa(*f.v)})
		}
	}
	return ts
}

func hasRaw(r *cdr.Record) bool { return r.Source == cdr.SourceLaaffic && len(r.Raw) > 0 }

func renderable(r *cdr.Record) error {
	switch {
	case r == nil:
		return cdr.Errorf(cdr.EINVALID, "laaffic: no record")
	case r.Channel != cdr.ChannelVoice:
		return cdr.Errorf(cdr.EINVALID, "laaffic: ccRecordQuery serves voice records, not %q", r.Channel)
	}
	return nil
}

// build maps the canonical fields of r to a Record (docs/mapping-laaffic.md;
// docs/record-model.md §5).
func build(r *cdr.Record, loc *time.Location) *Record {
	d := r.Direction
	if d == "" {
		d = cdr.DirectionUnknown
	}
	in := &Record{
		CallSessionID: recordID(r),
		Called:        r.Callee.Address, Caller: r.Caller.Address,
		Ccode: r.CountryCode, CcodeName: r.CountryName,
		CallDuration:     new(deref(r.TalkS)),
		CallType:         code(renderCallType(d, r.CallType)),
		HangingDirection: code(renderHangingDirection(r.HangupBy)),
		HangupReason:     code(hangupReason(r)),
		Labels:           append([]string{}, r.Tags...),
		Remark:           r.Note,
		CallStartTime:    formatTime(&r.StartAt, loc),
		AnswerTime:       formatTime(r.AnswerAt, loc),
		CallEndTime:      formatTime(r.EndAt, loc),
	}
	for _, a := range r.Agents {
		if a.Kind == cdr.AgentHuman || a.Kind == "" {
			in.AgentName = a.Name
			break
		}
	}
	if len(r.Queues) > 0 {
		in.AgentGroupName = r.Queues[0].Name
	}
	for _, rec := range r.Recordings {
		if rec.Kind == cdr.RecordingMain || rec.Kind == "" {
			in.VoiceURL = rec.URL
			break
		}
	}
	return in
}

// hangupReason: a laaffic record's own code from disposition_raw when that
// is an int in canonical decimal (R1), else the foreign-render column.
func hangupReason(r *cdr.Record) int {
	if r.Source == cdr.SourceLaaffic {
		if v, err := strconv.Atoi(r.DispositionRaw); err == nil && strconv.Itoa(v) == r.DispositionRaw {
			return v
		}
	}
	return foreignReason(r)
}

// recordID is R2: the vendor id for a laaffic record, else the cdrhub id
// (computed from the natural key when r has not been prepared).
func recordID(r *cdr.Record) string {
	switch {
	case r.Source == cdr.SourceLaaffic:
		return r.SourceID
	case r.ID != "":
		return r.ID
	}
	return cdr.RecordID(r.Tenant, r.Source, r.SourceID)
}

func code(v int) *int {
	if v == none {
		return nil
	}
	return &v
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}
