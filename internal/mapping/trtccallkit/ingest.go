package trtccallkit

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/cdrhub/cdrhub/internal/mapping/vendorjson"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// Ingest maps one CallRecord object to the canonical record
// (docs/mapping-trtc-callkit.md): source trtc_callkit, channel rtc, direction
// internal, Raw the object byte for byte.
//
// Ingest checks the shape only: the input must be a JSON object with the
// documented JSON types, a callId, a startCallTs, no negative time and no
// negative totalUserNumber. Errors name the vendor field. The semantic checks
// are cdr.Record.Prepare's. sdkAppId is not read: the scope is the tenant's
// (docs/record-model.md §5 R3).
func Ingest(raw json.RawMessage) (*cdr.Record, error) {
	in, err := decode(raw)
	if err != nil {
		return nil, err
	}
	r := record(in)
	r.Raw = append(json.RawMessage(nil), raw...)
	return r, nil
}

// decode decodes raw with the documented typing and checks it.
func decode(raw []byte) (*CallRecord, error) {
	var in CallRecord
	if err := vendorjson.DecodeObject(cdr.SourceTRTCCallKit, "a call record", raw, &in); err != nil {
		return nil, err
	}
	switch {
	case in.CallId == "":
		return nil, &cdr.FieldError{Field: "callId", Message: "required"}
	case in.StartCallTs == 0:
		return nil, &cdr.FieldError{Field: "startCallTs", Message: "required (Unix seconds)"}
	case in.TotalUserNumber < 0:
		return nil, &cdr.FieldError{Field: "totalUserNumber", Message: "must not be negative"}
	}
	for _, f := range []struct {
		name string
		v    int64
	}{{"startCallTs", in.StartCallTs}, {"acceptTs", in.AcceptTs}, {"endTs", in.EndTs}} {
		if f.v < 0 || f.v > math.MaxInt64/1000 {
			return nil, &cdr.FieldError{Field: f.name, Message: fmt.Sprintf("%d is not a Unix time in seconds", f.v)}
		}
	}
	return &in, nil
}

func record(in *CallRecord) *cdr.Record {
	r := &cdr.Record{
		Channel:        cdr.ChannelRTC,
		Source:         cdr.SourceTRTCCallKit,
		SourceID:       in.CallId,
		StartAt:        in.StartCallTs * 1000,
		AnswerAt:       msTime(in.AcceptTs),
		EndAt:          msTime(in.EndTs),
		Direction:      cdr.DirectionInternal,
		CallType:       ingestCallType(in.CallType),
		Media:          mediaTypes[in.MediaType],
		Disposition:    IngestCallResult(in.CallResult),
		DispositionRaw: in.CallResult,
		Caller:         cdr.Party{Address: in.Caller},
		RoomID:         in.RoomId,
	}
	if in.TotalUserNumber > 0 {
		n := in.TotalUserNumber
		r.ParticipantCount = &n
	}
	for i, id := range in.Callees {
		r.Participants = append(r.Participants, cdr.Participant{Seq: i, Role: cdr.RoleCallee, ID: id})
	}
	if len(in.Callees) > 0 {
		r.Callee.Address = in.Callees[0]
	}
	return r
}

// msTime: a vendor time in seconds; 0 is none.
func msTime(s int64) *int64 {
	if s == 0 {
		return nil
	}
	ms := s * 1000
	return &ms
}
