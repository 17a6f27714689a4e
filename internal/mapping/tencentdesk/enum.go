package tencentdesk

import "github.com/cdrhub/cdrhub/internal/cdr"

// The EndStatus table (b) as data. The Markdown tables of
// docs/mapping-tencent-desk.md are checked against it.

// EndCode is one EndStatus: what it ingests as, and whether a foreign
// record with that disposition and hangup side renders as it (Render
// false: lossy, it never renders). A Render row whose disposition has no
// hangup side in another Render row matches any hangup side.
type EndCode struct {
	EndStatus   string
	Disposition cdr.Disposition
	HangupBy    cdr.HangupBy
	Render      bool
}

// endCodes is (b). Any other EndStatus ingests as unknown/unknown; a
// record no Render row matches renders "".
var endCodes = []EndCode{
	{"AgentEndedSession", cdr.DispositionAnswered, cdr.HangupByAgent, true},
	{"UserEndedSession", cdr.DispositionAnswered, cdr.HangupByCustomer, true},
	{"UserTimeout", cdr.DispositionAnswered, cdr.HangupBySystem, true},
	{"AgentTimeout", cdr.DispositionAnswered, cdr.HangupBySystem, false},
	{"ChatbotReception", cdr.DispositionSelfService, cdr.HangupByUnknown, true},
	{"NoAgentsOnline", cdr.DispositionNoAgent, cdr.HangupBySystem, true},
	{"TimeoutTransfer", cdr.DispositionNoAgent, cdr.HangupBySystem, false},
	{"ManualTransfer", cdr.DispositionTransferred, cdr.HangupByAgent, true},
	{"UserAbandonedDuringQueueing", cdr.DispositionAbandoned, cdr.HangupByCustomer, true},
}

// EndCodes returns a copy of the EndStatus table.
func EndCodes() []EndCode { return append([]EndCode(nil), endCodes...) }

// IngestEndStatus maps an EndStatus; any other value (and "") is unknown.
func IngestEndStatus(s string) (cdr.Disposition, cdr.HangupBy) {
	for _, c := range endCodes {
		if c.EndStatus == s {
			return c.Disposition, c.HangupBy
		}
	}
	return cdr.DispositionUnknown, cdr.HangupByUnknown
}

// renderEndStatus is the foreign-render column of (b): answered renders by
// its hangup side (answered with hangup_by unknown renders ""); the other
// rendered dispositions render whatever the hangup side.
func renderEndStatus(d cdr.Disposition, by cdr.HangupBy) string {
	for _, c := range endCodes {
		if c.Render && c.Disposition == d && (d != cdr.DispositionAnswered || c.HangupBy == by) {
			return c.EndStatus
		}
	}
	return ""
}

// IdentitySatisfaction is the default satisfaction map of tencent_desk
// (docs/record-model.md §3.3): "1"…"5" score as themselves.
func IdentitySatisfaction(raw string) (int, bool) {
	if len(raw) == 1 && raw[0] >= '1' && raw[0] <= '5' {
		return int(raw[0] - '0'), true
	}
	return 0, false
}
