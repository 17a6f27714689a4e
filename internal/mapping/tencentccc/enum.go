package tencentccc

import "github.com/cdrhub/cdrhub/internal/cdr"

// The enum tables (b1, b2, HungUpSide) as data. The Markdown tables of
// docs/mapping-tencent-ccc.md are checked against them by doc_test.go, so the
// two cannot drift apart.

// EndStatusCode is one EndStatus code: its EndStatusString and the
// disposition it ingests to.
type EndStatusCode struct {
	Code        int64
	Name        string
	Disposition cdr.Disposition
}

// endStatusCodes is the EndStatus table, codes, names and the disposition
// each ingests to (docs/mapping-tencent-ccc.md, EndStatus (b2)). Every other
// code ingests to unknown and renders an EndStatusString of "".
var endStatusCodes = []EndStatusCode{
	{1, "ok", cdr.DispositionAnswered},
	{17, "seatGiveUp", cdr.DispositionNoAnswer},
	{100, "blackList", cdr.DispositionBlocked},
	{102, "ivrGiveUp", cdr.DispositionAbandoned},
	{103, "waitingGiveUp", cdr.DispositionAbandoned},
	{104, "ringingGiveUp", cdr.DispositionAbandoned},
	{105, "noSeatOnline", cdr.DispositionNoAgent},
	{106, "notWorkTime", cdr.DispositionNoAgent},
	{107, "ivrEnd", cdr.DispositionSelfService},
	{108, "restrictedCallee", cdr.DispositionBlocked},
	{109, "tooManyRequest", cdr.DispositionBlocked},
	{110, "restrictedArea", cdr.DispositionBlocked},
	{111, "restrictedTime", cdr.DispositionBlocked},
	{202, "notAnswer", cdr.DispositionNoAnswer},
	{203, "userReject", cdr.DispositionRejected},
	{204, "powerOff", cdr.DispositionFailed},
	{205, "numberNotExist", cdr.DispositionFailed},
	{206, "busy", cdr.DispositionBusy},
	{207, "outOfCredit", cdr.DispositionFailed},
	{208, "operatorError", cdr.DispositionFailed},
	{209, "callerCancel", cdr.DispositionCancelled},
	{210, "notInService", cdr.DispositionFailed},
	{211, "clientError", cdr.DispositionFailed},
	{212, "carrierBlocked", cdr.DispositionBlocked},
	{213, "callReminder", cdr.DispositionFailed},
	{215, "numberInvalid", cdr.DispositionFailed},
	{216, "callRestricted", cdr.DispositionBlocked},
	{217, "calleeRestricted", cdr.DispositionBlocked},
	{218, "areaRestricted", cdr.DispositionBlocked},
	{219, "promptCallForwarding", cdr.DispositionFailed},
	{220, "callerCancelWhileRing", cdr.DispositionCancelled},
	{221, "callerCancelWithoutRing", cdr.DispositionFailed},
	{222, "voiceMailReached", cdr.DispositionVoicemail},
	{225, "asrError", cdr.DispositionFailed},
	{226, "llmasrError", cdr.DispositionFailed},
	{227, "ttsError", cdr.DispositionFailed},
	{228, "functionCallHangup", cdr.DispositionSelfService},
	{229, "maxCallDurationReached", cdr.DispositionSelfService},
	{230, "userInactivity", cdr.DispositionSelfService},
	{231, "callTerminatedByAPI", cdr.DispositionSelfService},
	{232, "userHangupDuringAiCall", cdr.DispositionSelfService},
	{233, "aiAgentEndCall", cdr.DispositionSelfService},
	{501, "callConflict", cdr.DispositionFailed},
	{502, "clientTimeout", cdr.DispositionFailed},
	{503, "voipClientError", cdr.DispositionFailed},
}

var endStatusByCode = func() map[int64]EndStatusCode {
	m := make(map[int64]EndStatusCode, len(endStatusCodes))
	for _, c := range endStatusCodes {
		m[c.Code] = c
	}
	return m
}()

// EndStatusCodes returns a copy of the EndStatus table, in code order.
func EndStatusCodes() []EndStatusCode {
	return append([]EndStatusCode(nil), endStatusCodes...)
}

// EndStatusName returns the EndStatusString of code, or "" for a code
// outside the table.
func EndStatusName(code int64) string { return endStatusByCode[code].Name }

// EndStatusDisposition returns the disposition code ingests to: unknown for
// a code outside the table.
func EndStatusDisposition(code int64) cdr.Disposition {
	if c, ok := endStatusByCode[code]; ok {
		return c.Disposition
	}
	return cdr.DispositionUnknown
}

// endStatusRule is the foreign-render column of (b2) for one disposition: the
// first condition that holds picks the code. A zero field is a condition the
// disposition does not use.
type endStatusRule struct {
	AIAgent   int64 // the record has an agent of kind ai
	Ringing   int64 // ring_at is set
	Queued    int64 // queued_at is set
	Inbound   int64 // direction is inbound
	Otherwise int64
}

// endStatusRender is the foreign-render column of (b2). It is used for every
// record rendered from its canonical fields, except that a tencent_ccc record
// keeps its own code from disposition_raw (docs/record-model.md §5 R1).
var endStatusRender = map[cdr.Disposition]endStatusRule{
	cdr.DispositionAnswered:    {Otherwise: 1},
	cdr.DispositionTransferred: {Otherwise: 1}, // lossy: ingests as answered
	cdr.DispositionSelfService: {AIAgent: 233, Otherwise: 107},
	cdr.DispositionAbandoned:   {Ringing: 104, Queued: 103, Otherwise: 102},
	cdr.DispositionNoAgent:     {Otherwise: 105},
	cdr.DispositionNoAnswer:    {Inbound: 17, Otherwise: 202},
	cdr.DispositionBusy:        {Otherwise: 206},
	cdr.DispositionRejected:    {Otherwise: 203},
	cdr.DispositionCancelled:   {Ringing: 220, Otherwise: 209},
	cdr.DispositionVoicemail:   {Otherwise: 222},
	cdr.DispositionBlocked:     {Inbound: 100, Otherwise: 108},
	cdr.DispositionFailed:      {Inbound: 211, Otherwise: 208},
	cdr.DispositionUnknown:     {Otherwise: 0},
}

// foreignEndStatus applies endStatusRender to r.
func foreignEndStatus(r *cdr.Record) int64 {
	rule := endStatusRender[r.Disposition] // an unset disposition is 0, as unknown
	switch {
	case rule.AIAgent != 0 && hasAgent(r, cdr.AgentAI):
		return rule.AIAgent
	case rule.Ringing != 0 && r.RingAt != nil:
		return rule.Ringing
	case rule.Queued != 0 && r.QueuedAt != nil:
		return rule.Queued
	case rule.Inbound != 0 && r.Direction == cdr.DirectionInbound:
		return rule.Inbound
	}
	return rule.Otherwise
}

// callTypeCode is one CallType value and what it ingests to
// (docs/mapping-tencent-ccc.md, CallType and Direction (b1)).
type callTypeCode struct {
	Code      int64
	Name      string
	Direction cdr.Direction
	CallType  cdr.CallType
}

// callTypeCodes decides direction and call_type on ingest. CallType 3 (VoIP
// inbound) is ingest only: inbound direct renders as 2.
var callTypeCodes = []callTypeCode{
	{1, "outbound", cdr.DirectionOutbound, cdr.CallTypeDirect},
	{2, "inbound", cdr.DirectionInbound, cdr.CallTypeDirect},
	{3, "VoIP inbound", cdr.DirectionInbound, cdr.CallTypeDirect},
	{5, "predictive outbound", cdr.DirectionOutbound, cdr.CallTypePredictive},
	{6, "internal", cdr.DirectionInternal, cdr.CallTypeDirect},
}

var callTypeByCode = func() map[int64]callTypeCode {
	m := make(map[int64]callTypeCode, len(callTypeCodes))
	for _, c := range callTypeCodes {
		m[c.Code] = c
	}
	return m
}()

// directionByCode decides the direction when CallType is absent or unknown;
// the call_type is then direct. Any other Direction is unknown.
var directionByCode = map[int64]cdr.Direction{
	0: cdr.DirectionInbound,
	1: cdr.DirectionOutbound,
}

// Rendering (b1): call_type predictive renders CallType 5 whatever the
// direction; otherwise the direction picks the CallType. Direction is
// rendered from the direction alone.
const predictiveCallType = 5

var renderCallType = map[cdr.Direction]int64{
	cdr.DirectionInbound:  2,
	cdr.DirectionOutbound: 1,
	cdr.DirectionInternal: 6,
	cdr.DirectionUnknown:  0, // lossy: CallType 0 ingests by Direction
}

var renderDirection = map[cdr.Direction]int64{
	cdr.DirectionInbound:  0,
	cdr.DirectionOutbound: 1,
	cdr.DirectionInternal: 1, // lossy
	cdr.DirectionUnknown:  0, // lossy
}

// hungUpSides maps HungUpSide to hangup_by; any other value, "" included,
// ingests to unknown, and unknown renders "".
var hungUpSides = map[string]cdr.HangupBy{
	"user":   cdr.HangupByCustomer,
	"seat":   cdr.HangupByAgent,
	"system": cdr.HangupBySystem,
}

var renderHungUpSide = func() map[cdr.HangupBy]string {
	m := make(map[cdr.HangupBy]string, len(hungUpSides))
	for side, by := range hungUpSides {
		m[by] = side
	}
	return m
}()

// DefaultSatisfaction is the satisfaction map used when Ingest gets none
// (docs/record-model.md §3.3): "1" → 5, "2" → 3, "3" → 1.
func DefaultSatisfaction(raw string) (int, bool) {
	switch raw {
	case "1":
		return 5, true
	case "2":
		return 3, true
	case "3":
		return 1, true
	}
	return 0, false
}

func hasAgent(r *cdr.Record, kind string) bool {
	for _, a := range r.Agents {
		if agentKind(a) == kind {
			return true
		}
	}
	return false
}

// agentKind is a's kind with Prepare's default (human) applied.
func agentKind(a cdr.Agent) string {
	if a.Kind == "" {
		return cdr.AgentHuman
	}
	return a.Kind
}
