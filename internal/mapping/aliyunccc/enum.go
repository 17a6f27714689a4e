package aliyunccc

import (
	"strings"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// The enum tables (b1, b2, ReleaseInitiator, SatisfactionSurveyChannel) as
// data. The Markdown tables of docs/mapping-aliyun-ccc.md are checked against
// them by doc_test.go.

// ContactType is one ContactType value (b1): its ListCallDetailRecords
// spelling, its GetCallDetailRecord spelling and what it maps to.
type ContactType struct {
	Name      string
	Upper     string
	Direction cdr.Direction
	CallType  cdr.CallType
}

// contactTypes is (b1). It is a bijection between its rows and the
// (direction, call_type) pairs it names; the render of any other pair is in
// renderContactType.
var contactTypes = []ContactType{
	{"Inbound", "INBOUND", cdr.DirectionInbound, cdr.CallTypeDirect},
	{"Outbound", "OUTBOUND", cdr.DirectionOutbound, cdr.CallTypeDirect},
	{"Internal", "INTERNAL", cdr.DirectionInternal, cdr.CallTypeDirect},
	{"Predictive", "PREDICTIVE", cdr.DirectionOutbound, cdr.CallTypePredictive},
	{"Back2Back", "BACK2BACK", cdr.DirectionOutbound, cdr.CallTypeDual},
	{"PrivacyDial", "PRIVACY_DIAL", cdr.DirectionOutbound, cdr.CallTypePrivacy},
	{"Conference", "CONFERENCE", cdr.DirectionUnknown, cdr.CallTypeConference},
}

// ContactTypes returns a copy of the ContactType table.
func ContactTypes() []ContactType { return append([]ContactType(nil), contactTypes...) }

// ingestContactType maps either spelling; any other value (and "") is an
// unknown direct call.
func ingestContactType(s string) (cdr.Direction, cdr.CallType) {
	for _, c := range contactTypes {
		if s == c.Name || s == c.Upper {
			return c.Direction, c.CallType
		}
	}
	return cdr.DirectionUnknown, cdr.CallTypeDirect
}

// renderContactType: a call_type other than direct picks its row whatever
// the direction; a direct call picks the row of its direction, and a direct
// call of unknown direction renders "".
func renderContactType(d cdr.Direction, ct cdr.CallType) string {
	for _, c := range contactTypes {
		if ct != cdr.CallTypeDirect && ct != "" && c.CallType == ct {
			return c.Name
		}
		if (ct == cdr.CallTypeDirect || ct == "") && c.CallType == cdr.CallTypeDirect && c.Direction == d {
			return c.Name
		}
	}
	return ""
}

// upperContactType returns the GetCallDetailRecord spelling of a
// ListCallDetailRecords ContactType, or s itself when it has none.
func upperContactType(s string) string {
	for _, c := range contactTypes {
		if s == c.Name {
			return c.Upper
		}
	}
	return s
}

// anyEMS is the EarlyMediaState wildcard of the disposition table.
const anyEMS = "*"

// DispositionCode is one row of the ingest column of (b2): a
// ContactDisposition, an EarlyMediaState ("*": any value not named in
// another row of the same ContactDisposition) and the disposition.
type DispositionCode struct {
	ContactDisposition string
	EarlyMediaState    string
	Disposition        cdr.Disposition
}

// dispositionCodes is the ingest column of (b2). Any other
// ContactDisposition ingests as unknown.
var dispositionCodes = []DispositionCode{
	{"Success", anyEMS, cdr.DispositionAnswered},
	{"AbandonedInIVR", anyEMS, cdr.DispositionAbandoned},
	{"AbandonedInQueue", anyEMS, cdr.DispositionAbandoned},
	{"AbandonedInRing", anyEMS, cdr.DispositionAbandoned},
	{"AbandonedInVoiceNavigator", anyEMS, cdr.DispositionAbandoned},
	{"QueuingTimeout", anyEMS, cdr.DispositionNoAgent},
	{"QueuingFailed", anyEMS, cdr.DispositionNoAgent},
	{"QueuingOverflow", anyEMS, cdr.DispositionNoAgent},
	{"NoAnswer", "Busy", cdr.DispositionBusy},
	{"NoAnswer", "Restricted", cdr.DispositionBlocked},
	{"NoAnswer", "PowerOff", cdr.DispositionFailed},
	{"NoAnswer", "NotExist", cdr.DispositionFailed},
	{"NoAnswer", "OutOfService", cdr.DispositionFailed},
	{"NoAnswer", "NotConnected", cdr.DispositionFailed},
	{"NoAnswer", anyEMS, cdr.DispositionNoAnswer},
	{"IVRException", anyEMS, cdr.DispositionFailed},
	{"Reject", anyEMS, cdr.DispositionRejected},
	{"Voicemail", anyEMS, cdr.DispositionVoicemail},
	{"ForwardToOutsideNumber", anyEMS, cdr.DispositionTransferred},
}

// DispositionCodes returns a copy of the ingest table of (b2).
func DispositionCodes() []DispositionCode {
	return append([]DispositionCode(nil), dispositionCodes...)
}

// IngestDisposition maps a ContactDisposition and an EarlyMediaState to a
// disposition: the row naming both, else the wildcard row of the
// ContactDisposition, else unknown.
func IngestDisposition(contactDisposition, ems string) cdr.Disposition {
	wild := cdr.DispositionUnknown
	for _, c := range dispositionCodes {
		if c.ContactDisposition != contactDisposition {
			continue
		}
		if c.EarlyMediaState == ems {
			return c.Disposition
		}
		if c.EarlyMediaState == anyEMS {
			wild = c.Disposition
		}
	}
	return wild
}

// outcome is a rendered ContactDisposition and EarlyMediaState.
type outcome struct{ ContactDisposition, EarlyMediaState string }

// dispositionRule is the foreign-render column of (b2) for one
// disposition: the first condition that holds picks the outcome. A zero
// field is a condition the disposition does not use; Otherwise may be zero
// (both "").
type dispositionRule struct {
	Ringing   outcome // ring_at set or ring_s > 0
	Queued    outcome // queued_at set or queue_s > 0
	Outbound  outcome // direction outbound
	Otherwise outcome
}

// dispositionRender is the foreign-render column of (b2).
var dispositionRender = map[cdr.Disposition]dispositionRule{
	cdr.DispositionAnswered:    {Otherwise: outcome{"Success", ""}},
	cdr.DispositionSelfService: {Otherwise: outcome{"AbandonedInIVR", ""}}, // lossy
	cdr.DispositionAbandoned: {Ringing: outcome{"AbandonedInRing", ""}, Queued: outcome{"AbandonedInQueue", ""},
		Otherwise: outcome{"AbandonedInIVR", ""}},
	cdr.DispositionNoAgent:     {Queued: outcome{"QueuingTimeout", ""}, Otherwise: outcome{"QueuingFailed", ""}},
	cdr.DispositionNoAnswer:    {Outbound: outcome{"NoAnswer", "NoAnswer"}, Otherwise: outcome{"NoAnswer", ""}},
	cdr.DispositionBusy:        {Otherwise: outcome{"NoAnswer", "Busy"}},
	cdr.DispositionBlocked:     {Outbound: outcome{"NoAnswer", "Restricted"}}, // lossy when not outbound
	cdr.DispositionFailed:      {Outbound: outcome{"NoAnswer", "NotConnected"}},
	cdr.DispositionRejected:    {Otherwise: outcome{"Reject", ""}},
	cdr.DispositionCancelled:   {Otherwise: outcome{"NoAnswer", ""}}, // lossy
	cdr.DispositionVoicemail:   {Otherwise: outcome{"Voicemail", ""}},
	cdr.DispositionTransferred: {Otherwise: outcome{"ForwardToOutsideNumber", ""}},
	cdr.DispositionUnknown:     {},
}

// foreignOutcome applies dispositionRender to r.
func foreignOutcome(r *cdr.Record) outcome {
	rule := dispositionRender[r.Disposition] // unset is zero, as unknown
	switch {
	case rule.Ringing != (outcome{}) && (r.RingAt != nil || positive(r.RingS)):
		return rule.Ringing
	case rule.Queued != (outcome{}) && (r.QueuedAt != nil || positive(r.QueueS)):
		return rule.Queued
	case rule.Outbound != (outcome{}) && r.Direction == cdr.DirectionOutbound:
		return rule.Outbound
	}
	return rule.Otherwise
}

func positive(p *int64) bool { return p != nil && *p > 0 }

// earlyMediaStates lists the EarlyMediaState values, in the vendor's order.
var earlyMediaStates = []string{"NoAnswer", "OutOfService", "NotExist", "Restricted", "Busy", "NotConnected", "PowerOff"}

// releaseInitiators maps ReleaseInitiator to hangup_by; any other
// non-empty value ingests as system, "" as unknown. system and unknown
// render "".
var releaseInitiators = map[string]cdr.HangupBy{
	"customer": cdr.HangupByCustomer,
	"agent":    cdr.HangupByAgent,
}

func ingestReleaseInitiator(s string) cdr.HangupBy {
	if by, ok := releaseInitiators[s]; ok {
		return by
	}
	if s == "" {
		return cdr.HangupByUnknown
	}
	return cdr.HangupBySystem
}

func renderReleaseInitiator(by cdr.HangupBy) string {
	for s, b := range releaseInitiators {
		if b == by {
			return s
		}
	}
	return ""
}

// surveyChannels maps satisfaction.channel to SatisfactionSurveyChannel on
// render. Ingest lower-cases any value.
var surveyChannels = map[string]string{"ivr": "IVR", "sms": "SMS"}

func ingestSurveyChannel(s string) string { return strings.ToLower(s) }

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

// maxSatisfactionIndex bounds the indexes the foreign render tries.
const maxSatisfactionIndex = 10
