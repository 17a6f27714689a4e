package tencentdesk

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/cdrhub/cdrhub/internal/mapping/vendorjson"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// Ingest maps one IMCdrInfo object to the canonical record
// (docs/mapping-tencent-desk.md): source tencent_desk, channel chat, inbound,
// direct, text, Raw the object byte for byte. sat maps SatisfactionSelected
// in decimal to a 1–5 score (the tenant's map, docs/record-model.md §3.3);
// nil means IdentitySatisfaction. Scores outside 1–5 are dropped (score null,
// raw kept).
//
// Ingest checks the shape only: the input must be a JSON object with the
// documented JSON types, a SessionId, a Timestamp, no negative Timestamp
// or Duration. Errors name the vendor field. The semantic checks are
// cdr.Record.Prepare's.
func Ingest(raw json.RawMessage, sat func(raw string) (int, bool)) (*cdr.Record, error) {
	in, err := decode(raw)
	if err != nil {
		return nil, err
	}
	if sat == nil {
		sat = IdentitySatisfaction
	}
	r := record(in, sat)
	r.Raw = append(json.RawMessage(nil), raw...)
	return r, nil
}

func decode(raw []byte) (*IMCdrInfo, error) {
	var in IMCdrInfo
	if err := vendorjson.DecodeObject(cdr.SourceTencentDesk, "a session record", raw, &in); err != nil {
		return nil, err
	}
	switch {
	case in.SessionId == "":
		return nil, &cdr.FieldError{Field: "SessionId", Message: "required"}
	case in.Timestamp == 0:
		return nil, &cdr.FieldError{Field: "Timestamp", Message: "required (Unix seconds)"}
	case in.Timestamp < 0 || in.Timestamp > math.MaxInt64/1000:
		return nil, &cdr.FieldError{Field: "Timestamp", Message: fmt.Sprintf("%d is not a Unix time in seconds", in.Timestamp)}
	case in.Duration != nil && *in.Duration < 0:
		return nil, &cdr.FieldError{Field: "Duration", Message: "must not be negative"}
	}
	return &in, nil
}

func record(in *IMCdrInfo, sat func(string) (int, bool)) *cdr.Record {
	r := &cdr.Record{
		Channel:        cdr.ChannelChat,
		Source:         cdr.SourceTencentDesk,
		SourceID:       in.SessionId,
		StartAt:        in.Timestamp * 1000,
		Direction:      cdr.DirectionInbound,
		CallType:       cdr.CallTypeDirect,
		Media:          cdr.MediaText,
		DispositionRaw: in.EndStatus,
		Caller:         cdr.Party{Address: in.ClientUserId, Name: in.ClientUserNickName},
	}
	r.Disposition, r.HangupBy = IngestEndStatus(in.EndStatus)
	if in.Duration != nil {
		d := *in.Duration
		r.TotalS = &d
	}
	if in.AgentId != "" {
		r.Agents = []cdr.Agent{{Kind: cdr.AgentHuman, ID: in.AgentId}}
	}
	if in.AgentGroupId != "" || in.AgentGroupName != "" {
		r.Queues = []cdr.Queue{{ID: in.AgentGroupId, Name: in.AgentGroupName}}
	}
	if in.SatisfactionSelected != 0 {
		s := &cdr.Satisfaction{Raw: strconv.FormatInt(in.SatisfactionSelected, 10), Offered: true}
		if score, ok := sat(s.Raw); ok && score >= 1 && score <= 5 {
			s.Score = &score
		}
		r.Satisfaction = s
	}
	return r
}
