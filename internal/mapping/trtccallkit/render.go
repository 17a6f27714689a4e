package trtccallkit

import (
	"encoding/json"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// Render returns r as get_records_by_filter lists it
// (docs/record-model.md §5).
//
// R1: a trtc_callkit record with Raw is its Raw, byte for byte (the returned
// slice is r.Raw itself; do not modify it). Any other rtc record is built
// from its canonical fields (docs/mapping-trtc-callkit.md): callId is
// source_id for a trtc_callkit record and the cdrhub id otherwise (R2);
// sdkAppId is sdkAppID, the tenant's (R3); missing data renders as "", 0 and
// [] (R4); nothing is synthesized (R5). Records of other channels are
// refused.
func Render(r *cdr.Record, sdkAppID uint64) (json.RawMessage, error) {
	if err := renderable(r); err != nil {
		return nil, err
	}
	if r.Source == cdr.SourceTRTCCallKit && len(r.Raw) > 0 {
		return r.Raw, nil
	}
	return cdr.EncodeJSON(build(r, sdkAppID))
}

// Term fields: the CallRecord enums a get_records_by_filter request may
// select on (docs/record-model.md §4.B).
const (
	FieldCallResult = "callResult"
	FieldCallType   = "callType"
)

// Terms returns the rendered enum terms of r, trtc_callkit.F=v for the Field
// constants, taken from what Render returns so that a filter on them agrees
// with the output (docs/record-model.md §4.0). A field the output omits,
// holds as "" or as another JSON type has no term. Records Render refuses
// have none.
func Terms(r *cdr.Record) []cdr.Term {
	if renderable(r) != nil {
		return nil
	}
	var result, typ string
	if r.Source == cdr.SourceTRTCCallKit && len(r.Raw) > 0 {
		var v map[string]json.RawMessage
		if json.Unmarshal(r.Raw, &v) != nil {
			return nil
		}
		_ = json.Unmarshal(v[FieldCallResult], &result)
		_ = json.Unmarshal(v[FieldCallType], &typ)
	} else {
		in := build(r, 0)
		result, typ = in.CallResult, in.CallType
	}
	var ts []cdr.Term
	for _, t := range []struct{ field, value string }{{FieldCallResult, result}, {FieldCallType, typ}} {
		if t.value != "" {
			ts = append(ts, cdr.Term{Kind: cdr.VendorTermKind(cdr.SourceTRTCCallKit, t.field), Value: t.value})
		}
	}
	return ts
}

func renderable(r *cdr.Record) error {
	switch {
	case r == nil:
		return cdr.Errorf(cdr.EINVALID, "trtc_callkit: no record")
	case r.Channel != cdr.ChannelRTC:
		return cdr.Errorf(cdr.EINVALID, "trtc_callkit: get_records_by_filter serves rtc records, not %q", r.Channel)
	}
	return nil
}

// build maps the canonical fields of r to a CallRecord
// (docs/mapping-trtc-callkit.md; docs/record-model.md §5).
func build(r *cdr.Record, sdkAppID uint64) *CallRecord {
	in := &CallRecord{
		CallId: callID(r), SdkAppId: sdkAppID,
		MediaType: renderMediaType(r.Media), RoomId: r.RoomID,
		StartCallTs: r.StartAt / 1000, AcceptTs: seconds(r.AnswerAt), EndTs: seconds(r.EndAt),
		Caller: r.Caller.Address, CallType: renderCallType(r.CallType),
		CallResult: renderCallResult(r.Disposition),
		Callees:    callees(r),
	}
	if r.ParticipantCount != nil {
		in.TotalUserNumber = *r.ParticipantCount
	}
	if r.Source == cdr.SourceTRTCCallKit && r.DispositionRaw != "" {
		in.CallResult = r.DispositionRaw // R1: the vendor's own outcome
	}
	return in
}

// callID is R2: the vendor id for a trtc_callkit record, else the cdrhub
// id (computed from the natural key when r has not been prepared).
func callID(r *cdr.Record) string {
	switch {
	case r.Source == cdr.SourceTRTCCallKit:
		return r.SourceID
	case r.ID != "":
		return r.ID
	}
	return cdr.RecordID(r.Tenant, r.Source, r.SourceID)
}

// callees: the callee participants in order (id, else address), else
// [callee.address], else [].
func callees(r *cdr.Record) []string {
	out := []string{}
	for _, p := range r.Participants {
		if p.Role == cdr.RoleCallee {
			id := p.ID
			if id == "" {
				id = p.Address
			}
			out = append(out, id)
		}
	}
	if len(out) == 0 && r.Callee.Address != "" {
		out = append(out, r.Callee.Address)
	}
	return out
}

// seconds renders a time in ms as Unix seconds, rounded down; none is 0.
func seconds(ms *int64) int64 {
	if ms == nil {
		return 0
	}
	return *ms / 1000
}
