package tencentccc

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/cdrhub/cdrhub/internal/mapping/vendorjson"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// noInput is the survey Key of a customer who entered the survey and
// pressed nothing.
const noInput = "noInput"

// Ingest maps one TelCdrInfo object to the canonical record
// (docs/mapping-tencent-ccc.md): source tencent_ccc, channel voice, Raw the
// object byte for byte. sat maps a survey key to a 1–5 score (the tenant's
// map, docs/record-model.md §3.3); nil means DefaultSatisfaction. Scores
// outside 1–5 are dropped (score null, raw kept).
//
// Ingest checks the shape only: the input must be a JSON object with the
// SDK's JSON types and a SessionId, a Time (or StartTimestamp) and
// timestamps that fit in milliseconds. Errors name the vendor field. The
// semantic checks (ranges of times, order of end and answer, negative
// durations) are cdr.Record.Prepare's.
func Ingest(raw json.RawMessage, sat func(raw string) (int, bool)) (*cdr.Record, error) {
	info, err := decode(raw)
	if err != nil {
		return nil, err
	}
	if sat == nil {
		sat = DefaultSatisfaction
	}
	m := mapper{info: info}
	r := m.record(sat)
	if m.err != nil {
		return nil, m.err
	}
	r.Raw = append(json.RawMessage(nil), raw...)
	return r, nil
}

// decode decodes raw into a TelCdrInfo with the SDK's typing and checks the
// required fields.
func decode(raw []byte) (*TelCdrInfo, error) {
	var info TelCdrInfo
	if err := vendorjson.DecodeObject(cdr.SourceTencentCCC, "a TelCdrInfo", raw, &info); err != nil {
		return nil, err
	}
	if info.SessionId == "" {
		return nil, &cdr.FieldError{Field: "SessionId", Message: "required"}
	}
	if info.Time == 0 && info.StartTimestamp == 0 {
		return nil, &cdr.FieldError{Field: "Time", Message: "required (Unix seconds)"}
	}
	return &info, nil
}

// mapper builds the canonical record of info and keeps the first error.
type mapper struct {
	info *TelCdrInfo
	err  error
}

// ms converts a vendor time in Unix seconds to milliseconds: 0 is none.
func (m *mapper) ms(field string, s int64) *int64 {
	if s == 0 {
		return nil
	}
	if s < 0 || s > math.MaxInt64/1000 {
		if m.err == nil {
			m.err = &cdr.FieldError{Field: field, Message: fmt.Sprintf("%d is not a Unix time in seconds", s)}
		}
		return nil
	}
	v := s * 1000
	return &v
}

func (m *mapper) record(sat func(string) (int, bool)) *cdr.Record {
	in := m.info
	r := &cdr.Record{
		Channel:  cdr.ChannelVoice,
		Source:   cdr.SourceTencentCCC,
		SourceID: in.SessionId,
		Media:    cdr.MediaAudio,
		Caller:   cdr.Party{Address: in.Caller, ProtectedID: in.ProtectedCaller, Location: in.CallerLocation},
		Callee:   cdr.Party{Address: in.Callee, ProtectedID: in.ProtectedCallee},
		HangupBy: cdr.HangupByUnknown,
		Note:     in.Remark,
	}
	start, field := in.Time, "Time"
	if start == 0 { // decision: Time is the start; StartTimestamp stands in for it
		start, field = in.StartTimestamp, "StartTimestamp"
	}
	if p := m.ms(field, start); p != nil {
		r.StartAt = *p
	}
	r.QueuedAt = m.ms("QueuedTimestamp", in.QueuedTimestamp)
	r.RingAt = m.ms("RingTimestamp", in.RingTimestamp)
	r.AnswerAt = m.ms("AcceptTimestamp", in.AcceptTimestamp)
	r.EndAt = m.ms("EndedTimestamp", in.EndedTimestamp)
	r.Direction, r.CallType = ingestCallType(in.CallType, in.Direction)
	r.TalkS = copyInt(in.Duration)
	r.IVRS = copyInt(in.IVRDuration)
	r.Disposition = cdr.DispositionUnknown
	if in.EndStatus != nil {
		r.Disposition = EndStatusDisposition(*in.EndStatus)
		r.DispositionRaw = strconv.FormatInt(*in.EndStatus, 10)
	}
	if by, ok := hungUpSides[in.HungUpSide]; ok {
		r.HangupBy = by
	}
	r.Agents = ingestAgents(in)
	r.Queues = ingestQueues(in)
	r.Recordings = ingestRecordings(in)
	ivr := ingestKeys(cdr.PhaseIVR, in.IVRKeyPressedEx, in.IVRKeyPressed, nil)
	survey := ingestKeys(cdr.PhaseSurvey, in.PostIVRKeyPressedEx, nil, in.PostIVRKeyPressed)
	r.IVRKeys = append(ivr, survey...)
	r.Satisfaction = ingestSatisfaction(survey, sat)
	r.Participants = m.participants(in.ServeParticipants)
	return r
}

// ingestCallType applies (b1): CallType decides; when it is absent or
// unknown, Direction decides and the call_type is direct.
func ingestCallType(callType, direction *int64) (cdr.Direction, cdr.CallType) {
	if callType != nil {
		if c, ok := callTypeByCode[*callType]; ok {
			return c.Direction, c.CallType
		}
	}
	if direction != nil {
		if d, ok := directionByCode[*direction]; ok {
			return d, cdr.CallTypeDirect
		}
	}
	return cdr.DirectionUnknown, cdr.CallTypeDirect
}

func copyInt(p *int64) *int64 {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// decimal renders a vendor integer id as text: 0 is none.
func decimal(v int64) string {
	if v == 0 {
		return ""
	}
	return strconv.FormatInt(v, 10)
}

func ingestAgents(in *TelCdrInfo) []cdr.Agent {
	var agents []cdr.Agent
	if u := in.SeatUser; !isEmptySeatUser(u) {
		a := cdr.Agent{
			Kind: cdr.AgentHuman, ID: u.UserId, Name: u.Name, Email: u.Mail, Nick: u.Nick,
			StaffNumber: u.StaffNumber, Phone: u.Phone, Extension: u.ExtensionNumber, Role: decimal(u.Role),
		}
		if len(u.SkillGroupNameList) > 0 {
			a.Groups = append([]string(nil), u.SkillGroupNameList...)
		}
		agents = append(agents, a)
	}
	if in.AIAgentId != 0 || in.AIAgentName != "" {
		agents = append(agents, cdr.Agent{Kind: cdr.AgentAI, ID: decimal(in.AIAgentId), Name: in.AIAgentName})
	}
	return agents
}

func isEmptySeatUser(u SeatUserInfo) bool {
	return u.Name == "" && u.Mail == "" && u.StaffNumber == "" && u.Phone == "" && u.Nick == "" &&
		u.UserId == "" && len(u.SkillGroupNameList) == 0 && u.Role == 0 && u.ExtensionNumber == ""
}

// ingestQueues: SkillGroup is queues[0]; the queued skill group follows when
// it is set and differs, or leads when SkillGroup is empty.
func ingestQueues(in *TelCdrInfo) []cdr.Queue {
	var qs []cdr.Queue
	first := cdr.Queue{ID: decimal(in.SkillGroupId), Name: in.SkillGroup}
	if first != (cdr.Queue{}) {
		qs = append(qs, first)
	}
	queued := cdr.Queue{ID: decimal(in.QueuedSkillGroupId), Name: in.QueuedSkillGroupName}
	if queued != (cdr.Queue{}) && queued != first {
		qs = append(qs, queued)
	}
	return qs
}

// ingestRecordings: one main recording when any of RecordURL, RecordId,
// CustomRecordURL or AsrUrl is set (AsrStatus alone makes none), then one
// voicemail recording per index of VoicemailRecordURL/VoicemailAsrURL.
func ingestRecordings(in *TelCdrInfo) []cdr.Recording {
	var recs []cdr.Recording
	if in.RecordURL != "" || in.RecordId != "" || in.CustomRecordURL != "" || in.AsrUrl != "" {
		recs = append(recs, cdr.Recording{
			Kind: cdr.RecordingMain, ID: in.RecordId, URL: in.RecordURL, CopyURL: in.CustomRecordURL,
			TranscriptURL: in.AsrUrl, TranscriptStatus: in.AsrStatus,
		})
	}
	n := max(len(in.VoicemailRecordURL), len(in.VoicemailAsrURL))
	for i := range n {
		rec := cdr.Recording{Kind: cdr.RecordingVoicemail}
		if i < len(in.VoicemailRecordURL) {
			rec.URL = in.VoicemailRecordURL[i]
		}
		if i < len(in.VoicemailAsrURL) {
			rec.TranscriptURL = in.VoicemailAsrURL[i]
		}
		recs = append(recs, rec)
	}
	return recs
}

// ingestKeys maps the key presses of one phase. The Ex list is the source;
// when it is absent or empty, the deprecated list stands in for it (older
// records carry only IVRKeyPressed or PostIVRKeyPressed).
func ingestKeys(phase string, ex []IVRKeyPressedElement, keys []string, old []IVRKeyPressedElement) []cdr.IVRKey {
	if len(ex) == 0 {
		ex = old
	}
	if len(ex) == 0 {
		for _, k := range keys {
			ex = append(ex, IVRKeyPressedElement{Key: k})
		}
	}
	var out []cdr.IVRKey
	for _, e := range ex {
		k := cdr.IVRKey{Phase: phase, Key: e.Key, Label: e.Label, Node: e.NodeLabel, Content: e.OriginalContent, Prompt: e.TTSPrompt}
		if e.Timestamp != 0 {
			at := e.Timestamp
			k.At = &at
		}
		out = append(out, k)
	}
	return out
}

// ingestSatisfaction applies (b3) to the survey keys: the first key other
// than noInput (and "") gives raw, label and score; offered is whether the
// survey has any element.
func ingestSatisfaction(survey []cdr.IVRKey, sat func(string) (int, bool)) *cdr.Satisfaction {
	if len(survey) == 0 {
		return nil
	}
	s := &cdr.Satisfaction{Channel: "ivr", Offered: true}
	for _, k := range survey {
		if k.Key == noInput || k.Key == "" {
			continue
		}
		s.Raw, s.Label = k.Key, k.Label
		if score, ok := sat(k.Key); ok && score >= 1 && score <= 5 {
			s.Score = &score
		}
		break
	}
	return s
}

func (m *mapper) participants(sps []ServeParticipant) []cdr.Participant {
	var out []cdr.Participant
	for i, sp := range sps {
		f := fmt.Sprintf("ServeParticipants[%d].", i)
		out = append(out, cdr.Participant{
			Seq: int(sp.Sequence), Role: cdr.RoleAgent, Type: sp.Type, Email: sp.Mail, Address: sp.Phone,
			StartAt:  m.ms(f+"StartTimestamp", sp.StartTimestamp),
			RingAt:   m.ms(f+"RingTimestamp", sp.RingTimestamp),
			AnswerAt: m.ms(f+"AcceptTimestamp", sp.AcceptTimestamp),
			EndAt:    m.ms(f+"EndedTimestamp", sp.EndedTimestamp),
			QueueID:  decimal(sp.SkillGroupId), QueueName: sp.SkillGroupName, StatusRaw: sp.EndStatusString,
			RecordingID: sp.RecordId, RecordingURL: sp.RecordURL, RecordingCopyURL: sp.CustomRecordURL,
			TransferFrom: sp.TransferFrom, TransferTo: sp.TransferTo,
			TransferFromType: sp.TransferFromType, TransferToType: sp.TransferToType,
		})
	}
	return out
}
