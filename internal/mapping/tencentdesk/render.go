package tencentdesk

import (
	"encoding/json"
	"strconv"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// Render returns r as describe_im_cdr_list lists it
// (docs/record-model.md §5).
//
// R1: a tencent_desk record with Raw is its Raw, byte for byte (the returned
// slice is r.Raw itself; do not modify it). Any other chat record is built
// from its canonical fields (docs/mapping-tencent-desk.md): SessionId is
// source_id for a tencent_desk record and the cdrhub id otherwise (R2);
// missing data renders as "" and 0 (R4); nothing is synthesized (R5).
// IMCdrInfo has no scope field. Records of other channels are refused.
func Render(r *cdr.Record) (json.RawMessage, error) {
	if err := renderable(r); err != nil {
		return nil, err
	}
	if r.Source == cdr.SourceTencentDesk && len(r.Raw) > 0 {
		return r.Raw, nil
	}
	return cdr.EncodeJSON(build(r))
}

// FieldEndStatus is the IMCdrInfo enum a vendor filter may select on.
const FieldEndStatus = "EndStatus"

// Terms returns the rendered enum term tencent_desk.EndStatus=v of r, taken
// from what Render returns (docs/record-model.md §4.0). An EndStatus the
// output omits, holds as "" or as another JSON type has no term. Records
// Render refuses have none.
func Terms(r *cdr.Record) []cdr.Term {
	if renderable(r) != nil {
		return nil
	}
	var status string
	if r.Source == cdr.SourceTencentDesk && len(r.Raw) > 0 {
		var v map[string]json.RawMessage
		if json.Unmarshal(r.Raw, &v) != nil {
			return nil
		}
		_ = json.Unmarshal(v[FieldEndStatus], &status)
	} else {
		status = build(r).EndStatus
	}
	if status == "" {
		return nil
	}
	return []cdr.Term{{Kind: cdr.VendorTermKind(cdr.SourceTencentDesk, FieldEndStatus), Value: status}}
}

func renderable(r *cdr.Record) error {
	switch {
	case r == nil:
		return cdr.Errorf(cdr.EINVALID, "tencent_desk: no record")
	case r.Channel != cdr.ChannelChat:
		return cdr.Errorf(cdr.EINVALID, "tencent_desk: describe_im_cdr_list serves chat records, not %q", r.Channel)
	}
	return nil
}

// build maps the canonical fields of r to an IMCdrInfo
// (docs/mapping-tencent-desk.md; docs/record-model.md §5).
func build(r *cdr.Record) *IMCdrInfo {
	in := &IMCdrInfo{
		SessionId: sessionID(r), Timestamp: r.StartAt / 1000, Duration: new(int64),
		ClientUserId: r.Caller.Address, ClientUserNickName: r.Caller.Name,
		EndStatus: renderEndStatus(r.Disposition, r.HangupBy),
	}
	if r.TotalS != nil {
		*in.Duration = *r.TotalS
	}
	if r.Source == cdr.SourceTencentDesk && r.DispositionRaw != "" {
		in.EndStatus = r.DispositionRaw // R1: the vendor's own outcome
	}
	if len(r.Agents) > 0 {
		in.AgentId = r.Agents[0].ID
		if in.AgentId == "" {
			in.AgentId = r.Agents[0].Email
		}
	}
	if len(r.Queues) > 0 {
		in.AgentGroupId, in.AgentGroupName = r.Queues[0].ID, r.Queues[0].Name
	}
	in.SatisfactionSelected = satisfaction(r)
	return in
}

// satisfaction: a tencent_desk record's own value from satisfaction.raw
// when it is an int64 in canonical decimal (R1); else the score; else 0.
func satisfaction(r *cdr.Record) int64 {
	s := r.Satisfaction
	if s == nil {
		return 0
	}
	if r.Source == cdr.SourceTencentDesk {
		if v, err := strconv.ParseInt(s.Raw, 10, 64); err == nil && strconv.FormatInt(v, 10) == s.Raw {
			return v
		}
	}
	if s.Score != nil {
		return int64(*s.Score)
	}
	return 0
}

// sessionID is R2: the vendor id for a tencent_desk record, else the
// cdrhub id (computed from the natural key when r has not been prepared).
func sessionID(r *cdr.Record) string {
	switch {
	case r.Source == cdr.SourceTencentDesk:
		return r.SourceID
	case r.ID != "":
		return r.ID
	}
	return cdr.RecordID(r.Tenant, r.Source, r.SourceID)
}
