package tencentccc

import (
	"encoding/json"
	"strconv"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// Render returns r as DescribeTelCdr lists it (docs/record-model.md §5).
//
// R1: a tencent_ccc record with Raw is its Raw, byte for byte (the returned
// slice is r.Raw itself; do not modify it). Any other voice record is built
// from its canonical fields (docs/mapping-tencent-ccc.md): SessionId is
// source_id for a tencent_ccc record and the cdrhub id otherwise (R2);
// missing data renders as zeros, "" and [] (R4); nothing is synthesized (R5);
// a string id goes into an integer field only when it is a base-10 int64
// (R7).
//
// TelCdrInfo has no scope field, so sdkAppID is not written into the
// record; it keeps the signature of the renderers whose objects carry their
// scope (R3). Records of other channels are refused: the API serves voice.
func Render(r *cdr.Record, sdkAppID int64) (json.RawMessage, error) {
	if err := renderable(r); err != nil {
		return nil, err
	}
	if r.Source == cdr.SourceTencentCCC && len(r.Raw) > 0 {
		return r.Raw, nil
	}
	return marshal(build(r))
}

// RenderProtected returns r as DescribeProtectedTelCdr lists it
// (docs/mapping-tencent-ccc.md, DescribeProtectedTelCdr (d)): as Render, but
// with Caller and Callee "" and ProtectedCaller and ProtectedCallee as stored
// ("" if none). A Raw object is rewritten: those four members get their new
// values (added when absent) and every other member keeps its bytes; members
// keep their order, whitespace between them is dropped.
func RenderProtected(r *cdr.Record, sdkAppID int64) (json.RawMessage, error) {
	if err := renderable(r); err != nil {
		return nil, err
	}
	if r.Source == cdr.SourceTencentCCC && len(r.Raw) > 0 {
		return protectRaw(r.Raw)
	}
	info := build(r)
	info.Caller, info.Callee = "", ""
	return marshal(info)
}

// Term fields: the TelCdrInfo enums a vendor filter may select on.
const (
	FieldEndStatus = "EndStatus"
	FieldCallType  = "CallType"
	FieldDirection = "Direction"
)

// Terms returns the rendered enum terms of r, tencent_ccc.F=v for F in
// EndStatus, CallType and Direction, read from Render's output so that a
// filter on them always agrees with what the API returns
// (docs/record-model.md §4.0). A field that the output omits, or holds as
// null or a non-integer, has no term. Records Render refuses have none.
func Terms(r *cdr.Record) []cdr.Term {
	if renderable(r) != nil {
		return nil
	}
	var fields [3]json.RawMessage // EndStatus, CallType, Direction
	if r.Source == cdr.SourceTencentCCC && len(r.Raw) > 0 {
		// Render returns the raw object: read the three members from it.
		var v struct{ EndStatus, CallType, Direction json.RawMessage }
		if json.Unmarshal(r.Raw, &v) != nil {
			return nil
		}
		fields = [3]json.RawMessage{v.EndStatus, v.CallType, v.Direction}
	} else {
		// The values build gives Render, without encoding them.
		info := build(r)
		for k, p := range []*int64{info.EndStatus, info.CallType, info.Direction} {
			if p != nil {
				fields[k] = json.RawMessage(strconv.FormatInt(*p, 10))
			}
		}
	}
	var ts []cdr.Term
	for k, name := range []string{FieldEndStatus, FieldCallType, FieldDirection} {
		if n, err := strconv.ParseInt(string(fields[k]), 10, 64); err == nil {
			ts = append(ts, cdr.Term{Kind: cdr.VendorTermKind(cdr.SourceTencentCCC, name), Value: strconv.FormatInt(n, 10)})
		}
	}
	return ts
}

func renderable(r *cdr.Record) error {
	switch {
	case r == nil:
		return cdr.Errorf(cdr.EINVALID, "tencent_ccc: no record")
	case r.Channel != cdr.ChannelVoice:
		return cdr.Errorf(cdr.EINVALID, "tencent_ccc: DescribeTelCdr serves voice records, not %q", r.Channel)
	}
	return nil
}

// marshal encodes v as the APIs write JSON.
func marshal(v any) (json.RawMessage, error) { return cdr.EncodeJSON(v) }

// build maps the canonical fields of r to a TelCdrInfo
// (docs/mapping-tencent-ccc.md; docs/record-model.md §5).
func build(r *cdr.Record) *TelCdrInfo {
	start := r.StartAt / 1000
	info := &TelCdrInfo{
		SessionId: sessionID(r),
		Caller:    r.Caller.Address, Callee: r.Callee.Address,
		ProtectedCaller: r.Caller.ProtectedID, ProtectedCallee: r.Callee.ProtectedID,
		CallerLocation: r.Caller.Location,
		Time:           start, StartTimestamp: start,
		QueuedTimestamp: seconds(r.QueuedAt), RingTimestamp: seconds(r.RingAt),
		AcceptTimestamp: seconds(r.AnswerAt), EndedTimestamp: seconds(r.EndAt),
		Direction: new(renderDirection[direction(r)]), CallType: new(callType(r)),
		Duration: new(deref(r.TalkS)), IVRDuration: new(deref(r.IVRS)),
		HungUpSide: renderHungUpSide[r.HangupBy],
		Remark:     r.Note,
		SeatUser:   SeatUserInfo{SkillGroupNameList: []string{}},
	}
	code := endStatus(r)
	info.EndStatus, info.EndStatusString = &code, EndStatusName(code)
	buildAgents(info, r.Agents)
	buildQueues(info, r.Queues)
	buildRecordings(info, r.Recordings)
	buildKeys(info, r.IVRKeys)
	info.ServeParticipants = buildParticipants(r.Participants)
	return info
}

// sessionID is R2: the vendor id for a tencent_ccc record, else the cdrhub
// id (computed from the natural key when r has not been prepared).
func sessionID(r *cdr.Record) string {
	switch {
	case r.Source == cdr.SourceTencentCCC:
		return r.SourceID
	case r.ID != "":
		return r.ID
	}
	return cdr.RecordID(r.Tenant, r.Source, r.SourceID)
}

func direction(r *cdr.Record) cdr.Direction {
	if r.Direction == "" {
		return cdr.DirectionUnknown
	}
	return r.Direction
}

func callType(r *cdr.Record) int64 {
	if r.CallType == cdr.CallTypePredictive {
		return predictiveCallType
	}
	return renderCallType[direction(r)]
}

// endStatus is the code of r: a tencent_ccc record's own code from
// disposition_raw (R1), else the foreign-render column of (b2).
func endStatus(r *cdr.Record) int64 {
	if r.Source == cdr.SourceTencentCCC {
		if code, ok := int64ID(r.DispositionRaw); ok {
			return code
		}
	}
	return foreignEndStatus(r)
}

// int64ID is R7: s as an int64 if it is one written in canonical base 10
// ("42", "-7"; not "042", "+7" or " 7"), so that it ingests back to s.
func int64ID(s string) (int64, bool) {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || strconv.FormatInt(v, 10) != s {
		return 0, false
	}
	return v, true
}

func intOrZero(s string) int64 {
	v, _ := int64ID(s)
	return v
}

func seconds(ms *int64) int64 {
	if ms == nil {
		return 0
	}
	return *ms / 1000
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// buildAgents: SeatUser from the first human agent, else an empty-field
// object; AIAgentId/AIAgentName from the first AI agent. Other agents are
// dropped (they may still appear as ServeParticipants).
func buildAgents(info *TelCdrInfo, agents []cdr.Agent) {
	var human, ai bool
	for _, a := range agents {
		switch {
		case agentKind(a) == cdr.AgentHuman && !human:
			human = true
			info.SeatUser = SeatUserInfo{
				Name: a.Name, Mail: a.Email, StaffNumber: a.StaffNumber, Phone: a.Phone, Nick: a.Nick,
				UserId: a.ID, SkillGroupNameList: nonNil(append([]string(nil), a.Groups...)),
				Role: intOrZero(a.Role), ExtensionNumber: a.Extension,
			}
		case a.Kind == cdr.AgentAI && !ai:
			ai = true
			info.AIAgentId, info.AIAgentName = intOrZero(a.ID), a.Name
		}
	}
}

// buildQueues: SkillGroup from queues[0], QueuedSkillGroup from queues[1]
// if there is one, else queues[0].
func buildQueues(info *TelCdrInfo, qs []cdr.Queue) {
	if len(qs) == 0 {
		return
	}
	info.SkillGroupId, info.SkillGroup = intOrZero(qs[0].ID), qs[0].Name
	q := qs[0]
	if len(qs) > 1 {
		q = qs[1]
	}
	info.QueuedSkillGroupId, info.QueuedSkillGroupName = intOrZero(q.ID), q.Name
}

// buildRecordings: the Record* and Asr* fields from the first main
// recording; one VoicemailRecordURL per voicemail recording ("" when it has
// no URL) and VoicemailAsrURL aligned with it when any voicemail has a
// transcript URL, else [].
func buildRecordings(info *TelCdrInfo, recs []cdr.Recording) {
	info.VoicemailRecordURL, info.VoicemailAsrURL = []string{}, []string{}
	var main bool
	var asr []string
	var anyAsr bool
	for _, rec := range recs {
		switch rec.Kind {
		case cdr.RecordingVoicemail:
			info.VoicemailRecordURL = append(info.VoicemailRecordURL, rec.URL)
			asr = append(asr, rec.TranscriptURL)
			anyAsr = anyAsr || rec.TranscriptURL != ""
		case cdr.RecordingMain, "":
			if !main {
				main = true
				info.RecordURL, info.RecordId, info.CustomRecordURL = rec.URL, rec.ID, rec.CopyURL
				info.AsrUrl, info.AsrStatus = rec.TranscriptURL, rec.TranscriptStatus
			}
		}
	}
	if anyAsr {
		info.VoicemailAsrURL = asr
	}
}

// buildKeys: IVRKeyPressedEx and PostIVRKeyPressedEx from the keys of phase
// ivr and survey; the deprecated IVRKeyPressed holds the ivr keys' Key and
// PostIVRKeyPressed is a copy of PostIVRKeyPressedEx. A satisfaction score
// never becomes a key press (R5).
func buildKeys(info *TelCdrInfo, keys []cdr.IVRKey) {
	info.IVRKeyPressed = []string{}
	info.IVRKeyPressedEx, info.PostIVRKeyPressedEx = []IVRKeyPressedElement{}, []IVRKeyPressedElement{}
	for _, k := range keys {
		e := IVRKeyPressedElement{Key: k.Key, Label: k.Label, Timestamp: deref(k.At), NodeLabel: k.Node, OriginalContent: k.Content, TTSPrompt: k.Prompt}
		if k.Phase == cdr.PhaseSurvey {
			info.PostIVRKeyPressedEx = append(info.PostIVRKeyPressedEx, e)
			continue
		}
		info.IVRKeyPressedEx = append(info.IVRKeyPressedEx, e)
		info.IVRKeyPressed = append(info.IVRKeyPressed, k.Key)
	}
	info.PostIVRKeyPressed = append([]IVRKeyPressedElement{}, info.PostIVRKeyPressedEx...)
}

// buildParticipants renders the agent legs; participants of other roles
// (callees, others) have no ServeParticipant and are dropped.
func buildParticipants(ps []cdr.Participant) []ServeParticipant {
	out := []ServeParticipant{}
	for _, p := range ps {
		if p.Role != cdr.RoleAgent {
			continue
		}
		out = append(out, ServeParticipant{
			Mail: p.Email, Phone: p.Address, Type: p.Type, Sequence: int64(p.Seq),
			StartTimestamp: seconds(p.StartAt), RingTimestamp: seconds(p.RingAt),
			AcceptTimestamp: seconds(p.AnswerAt), EndedTimestamp: seconds(p.EndAt),
			SkillGroupId: intOrZero(p.QueueID), SkillGroupName: p.QueueName, EndStatusString: p.StatusRaw,
			RecordId: p.RecordingID, RecordURL: p.RecordingURL, CustomRecordURL: p.RecordingCopyURL,
			TransferFrom: p.TransferFrom, TransferFromType: p.TransferFromType,
			TransferTo: p.TransferTo, TransferToType: p.TransferToType,
		})
	}
	return out
}
