package aliyunccc

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/cdrhub/cdrhub/internal/mapping/vendorjson"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// Ingest maps one CallDetailRecord object to the canonical record
// (docs/mapping-aliyun-ccc.md): source aliyun_ccc, channel voice, Raw the
// object byte for byte. sat maps a SatisfactionIndex in decimal to a 1–5
// score (the tenant's map, docs/record-model.md §3.3); nil means
// DefaultSatisfaction. Scores outside 1–5 are dropped (score null, raw kept).
//
// Ingest checks the shape only: the input must be a JSON object with the
// SDK's JSON types, a ContactId, a StartTime and no negative time. Errors
// name the vendor field. The semantic checks are cdr.Record.Prepare's.
// InstanceId is not read: the scope is the tenant's
// (docs/record-model.md §5 R3).
func Ingest(raw json.RawMessage, sat func(raw string) (int, bool)) (*cdr.Record, error) {
	in, err := decode(raw)
	if err != nil {
		return nil, err
	}
	if sat == nil {
		sat = DefaultSatisfaction
	}
	r := record(in, sat)
	r.Raw = append(json.RawMessage(nil), raw...)
	return r, nil
}

// decode decodes raw with the SDK's typing and checks the required fields.
func decode(raw []byte) (*CallDetailRecord, error) {
	var in CallDetailRecord
	if err := vendorjson.DecodeObject(cdr.SourceAliyunCCC, "a call detail record", raw, &in); err != nil {
		return nil, err
	}
	switch {
	case in.ContactId == "":
		return nil, &cdr.FieldError{Field: "ContactId", Message: "required"}
	case in.StartTime == 0:
		return nil, &cdr.FieldError{Field: "StartTime", Message: "required (Unix milliseconds)"}
	}
	for _, f := range []struct {
		name string
		v    int64
	}{{"StartTime", in.StartTime}, {"EstablishedTime", in.EstablishedTime}, {"ReleaseTime", in.ReleaseTime}} {
		if f.v < 0 {
			return nil, &cdr.FieldError{Field: f.name, Message: fmt.Sprintf("%d is not a Unix time in milliseconds", f.v)}
		}
	}
	return &in, nil
}

func record(in *CallDetailRecord, sat func(string) (int, bool)) *cdr.Record {
	r := &cdr.Record{
		Channel:  cdr.ChannelVoice,
		Source:   cdr.SourceAliyunCCC,
		SourceID: in.ContactId,
		Media:    cdr.MediaAudio,
		StartAt:  in.StartTime,
		AnswerAt: msTime(in.EstablishedTime),
		EndAt:    msTime(in.ReleaseTime),
		Caller:   cdr.Party{Address: in.CallingNumber, Location: in.CallerLocation},
		Callee:   cdr.Party{Address: in.CalledNumber, Location: in.CalleeLocation},
		HangupBy: ingestReleaseInitiator(in.ReleaseInitiator),
		TotalS:   seconds(in.CallDuration),
		TalkS:    copyInt(in.TalkTime),
		RingS:    copyInt(in.RingTime),
		IVRS:     copyInt(in.IvrTime),
		QueueS:   copyInt(in.QueueTime),
		HoldS:    copyInt(in.HeldTime),
		DialS:    copyInt(in.DialingTime),
	}
	r.Direction, r.CallType = ingestContactType(in.ContactType)
	r.Disposition = IngestDisposition(in.ContactDisposition, in.EarlyMediaState)
	r.DispositionRaw = in.ContactDisposition
	for _, z := range zip(in.AgentIds, in.AgentNames) {
		r.Agents = append(r.Agents, cdr.Agent{Kind: cdr.AgentHuman, ID: z[0], Name: z[1]})
	}
	for _, z := range zip(in.SkillGroupIds, in.SkillGroupNames) {
		r.Queues = append(r.Queues, cdr.Queue{ID: z[0], Name: z[1]})
	}
	if in.RecordingReady {
		r.Recordings = []cdr.Recording{{Kind: cdr.RecordingMain, DurationS: copyInt(in.RecordingDuration)}}
	}
	r.Satisfaction = ingestSatisfaction(in, sat)
	return r
}

// msTime: a vendor time of 0 is none.
func msTime(ms int64) *int64 {
	if ms == 0 {
		return nil
	}
	return &ms
}

// seconds parses CallDuration: ASCII digits only ("30", "030"); anything
// else ("", "30.5", "-1", "+3", " 3", too large) is not ingested.
func seconds(s string) *int64 {
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return nil
	}
	return &v
}

func copyInt(p *int64) *int64 {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// split splits a comma list; "" is the empty list. Elements are verbatim.
func split(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// zip pairs the elements of two comma lists by index, padding the shorter
// with "", and drops the pairs whose both elements are "".
func zip(ids, names string) [][2]string {
	a, b := split(ids), split(names)
	var out [][2]string
	for i := range max(len(a), len(b)) {
		var z [2]string
		if i < len(a) {
			z[0] = a[i]
		}
		if i < len(b) {
			z[1] = b[i]
		}
		if z != ([2]string{}) {
			out = append(out, z)
		}
	}
	return out
}

// ingestSatisfaction: none when SatisfactionIndex is 0, the survey was not
// offered and description and channel are empty. Otherwise raw is the
// index in decimal ("" for 0), scored by sat.
func ingestSatisfaction(in *CallDetailRecord, sat func(string) (int, bool)) *cdr.Satisfaction {
	if in.SatisfactionIndex == 0 && !in.SatisfactionSurveyOffered && in.SatisfactionDescription == "" && in.SatisfactionSurveyChannel == "" {
		return nil
	}
	s := &cdr.Satisfaction{
		Label:   in.SatisfactionDescription,
		Channel: ingestSurveyChannel(in.SatisfactionSurveyChannel),
		Offered: in.SatisfactionSurveyOffered,
	}
	if in.SatisfactionIndex != 0 {
		s.Raw = strconv.FormatInt(int64(in.SatisfactionIndex), 10)
		if score, ok := sat(s.Raw); ok && score >= 1 && score <= 5 {
			s.Score = &score
		}
	}
	return s
}
