package laaffic

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/cdrhub/cdrhub/internal/mapping/vendorjson"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// Ingest maps one Record object to the canonical record
// (docs/mapping-laaffic.md): source laaffic, channel voice, Raw the object
// byte for byte. The record times are read in loc, the tenant's time zone
// (nil is UTC).
//
// Ingest checks the shape only: the input must be a JSON object with the
// JSON types of Record, a callSessionId, a callStartTime, times of the
// form yyyy-MM-dd HH:mm:ss or "", and no negative callDuration. Errors
// name the vendor field. The semantic checks are cdr.Record.Prepare's.
func Ingest(raw json.RawMessage, loc *time.Location) (*cdr.Record, error) {
	in, err := decode(raw)
	if err != nil {
		return nil, err
	}
	r, err := record(in, loc)
	if err != nil {
		return nil, err
	}
	r.Raw = append(json.RawMessage(nil), raw...)
	return r, nil
}

// decode decodes raw with Record's typing and checks the required fields.
func decode(raw []byte) (*Record, error) {
	var in Record
	if err := vendorjson.DecodeObject(cdr.SourceLaaffic, "a record", raw, &in); err != nil {
		return nil, err
	}
	switch {
	case in.CallSessionID == "":
		return nil, &cdr.FieldError{Field: "callSessionId", Message: "required"}
	case in.CallStartTime == "":
		return nil, &cdr.FieldError{Field: "callStartTime", Message: "required (yyyy-MM-dd HH:mm:ss)"}
	case in.CallDuration != nil && *in.CallDuration < 0:
		return nil, &cdr.FieldError{Field: "callDuration", Message: fmt.Sprintf("%d is not a duration in seconds", *in.CallDuration)}
	}
	return &in, nil
}

func record(in *Record, loc *time.Location) (*cdr.Record, error) {
	r := &cdr.Record{
		Channel:     cdr.ChannelVoice,
		Source:      cdr.SourceLaaffic,
		SourceID:    in.CallSessionID,
		Media:       cdr.MediaAudio,
		Caller:      cdr.Party{Address: in.Caller},
		Callee:      cdr.Party{Address: in.Called},
		CountryCode: in.Ccode,
		CountryName: in.CcodeName,
		HangupBy:    ingestHangingDirection(in.HangingDirection),
		Disposition: IngestDisposition(in.HangupReason, in.HangingDirection),
		TalkS:       copyInt(in.CallDuration),
		Note:        in.Remark,
	}
	if in.HangupReason != nil {
		r.DispositionRaw = itoa(*in.HangupReason)
	}
	r.Direction, r.CallType = ingestCallType(in.CallType)
	times := []struct {
		field string
		s     string
		dst   **int64
	}{{"callStartTime", in.CallStartTime, nil}, {"answerTime", in.AnswerTime, &r.AnswerAt}, {"callEndTime", in.CallEndTime, &r.EndAt}}
	for _, f := range times {
		if f.s == "" {
			continue
		}
		ms, err := parseRecordTime(f.s, loc)
		if err != nil {
			return nil, &cdr.FieldError{Field: f.field, Message: fmt.Sprintf("%q: %v", f.s, err)}
		}
		if f.dst == nil {
			r.StartAt = ms
		} else {
			*f.dst = &ms
		}
	}
	if in.AgentName != "" || in.AgentAccount != "" {
		r.Agents = []cdr.Agent{{Kind: cdr.AgentHuman, ID: in.AgentAccount, Name: in.AgentName}}
	}
	if in.AgentGroupName != "" {
		r.Queues = []cdr.Queue{{Name: in.AgentGroupName}}
	}
	if len(in.Labels) > 0 {
		r.Tags = append([]string(nil), in.Labels...)
	}
	if in.VoiceURL != "" {
		r.Recordings = []cdr.Recording{{Kind: cdr.RecordingMain, URL: in.VoiceURL}}
	}
	return r, nil
}

func copyInt(p *int64) *int64 {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
