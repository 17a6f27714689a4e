package laaffic

import "github.com/cdrhub/cdrhub/internal/cdr"

// The enum tables (b1, b2, hangingDirection) as data. The Markdown tables of
// docs/mapping-laaffic.md are checked against them by doc_test.go.

// none is "no value": the enum is omitted on render.
const none = -1

// CallType is one callType value (b1) and what it maps to.
type CallType struct {
	Code      int
	Direction cdr.Direction
	CallType  cdr.CallType
}

// callTypes is (b1). Any other value (and absent) ingests as an unknown
// direct call.
var callTypes = []CallType{
	{1, cdr.DirectionOutbound, cdr.CallTypePredictive},
	{2, cdr.DirectionInbound, cdr.CallTypeDirect},
	{3, cdr.DirectionOutbound, cdr.CallTypeDirect},
}

// CallTypes returns a copy of the callType table.
func CallTypes() []CallType { return append([]CallType(nil), callTypes...) }

func ingestCallType(p *int) (cdr.Direction, cdr.CallType) {
	for _, c := range callTypes {
		if p != nil && *p == c.Code {
			return c.Direction, c.CallType
		}
	}
	return cdr.DirectionUnknown, cdr.CallTypeDirect
}

// renderCallType: predictive is 1 whatever the direction; otherwise
// inbound is 2, outbound 3 (direct, dual, privacy, conference alike), and
// any other direction has no value.
func renderCallType(d cdr.Direction, ct cdr.CallType) int {
	switch {
	case ct == cdr.CallTypePredictive:
		return 1
	case d == cdr.DirectionInbound:
		return 2
	case d == cdr.DirectionOutbound:
		return 3
	}
	return none
}

// anyDirection is the hangingDirection wildcard of the reason table.
const anyDirection = "*"

// HangupReason is one row of the ingest column of (b2): a hangupReason, a
// hangingDirection ("*": any value, absent included, not named in another
// row of the same reason) and the disposition.
type HangupReason struct {
	Code             int
	HangingDirection string
	Disposition      cdr.Disposition
}

// hangupReasons is the ingest column of (b2). Any other hangupReason (and
// absent) ingests as unknown.
var hangupReasons = []HangupReason{
	{0, anyDirection, cdr.DispositionNoAnswer},
	{1, anyDirection, cdr.DispositionAnswered},
	{2, anyDirection, cdr.DispositionAbandoned},
	{3, anyDirection, cdr.DispositionAnswered},
	{4, anyDirection, cdr.DispositionFailed},
	{5, anyDirection, cdr.DispositionFailed},
	{6, anyDirection, cdr.DispositionFailed},
	{7, anyDirection, cdr.DispositionBusy},
	{8, "0", cdr.DispositionAbandoned},
	{8, anyDirection, cdr.DispositionNoAnswer},
	{9, anyDirection, cdr.DispositionAnswered},
}

// HangupReasons returns a copy of the ingest table of (b2).
func HangupReasons() []HangupReason { return append([]HangupReason(nil), hangupReasons...) }

// IngestDisposition maps a hangupReason and a hangingDirection (nil:
// absent) to a disposition.
func IngestDisposition(reason, dir *int) cdr.Disposition {
	if reason == nil {
		return cdr.DispositionUnknown
	}
	d := ""
	if dir != nil {
		d = itoa(*dir)
	}
	wild := cdr.DispositionUnknown
	for _, h := range hangupReasons {
		switch {
		case h.Code != *reason:
		case h.HangingDirection == d:
			return h.Disposition
		case h.HangingDirection == anyDirection:
			wild = h.Disposition
		}
	}
	return wild
}

// reasonRule is the foreign-render column of (b2) for one disposition:
// Inbound for direction inbound, else Predictive for call_type predictive,
// else Other. none omits hangupReason.
type reasonRule struct{ Inbound, Predictive, Other int }

// reasonRender is the foreign-render column of (b2).
var reasonRender = map[cdr.Disposition]reasonRule{
	cdr.DispositionAnswered:    {9, 3, 1},
	cdr.DispositionSelfService: {9, 1, 1},
	cdr.DispositionTransferred: {9, 3, 3},
	cdr.DispositionAbandoned:   {8, 2, 0},
	cdr.DispositionNoAnswer:    {8, 0, 0},
	cdr.DispositionBusy:        {8, 7, 7},
	cdr.DispositionFailed:      {8, 4, 4},
	cdr.DispositionBlocked:     {8, 4, 4},
	cdr.DispositionNoAgent:     {8, 0, 0},
	cdr.DispositionVoicemail:   {8, 0, 0},
	cdr.DispositionRejected:    {8, 0, 0},
	cdr.DispositionCancelled:   {8, 0, 0},
	cdr.DispositionUnknown:     {none, none, none},
}

// foreignReason applies reasonRender to r; a disposition not in the table
// ("" included) has no value.
func foreignReason(r *cdr.Record) int {
	rule, ok := reasonRender[r.Disposition]
	switch {
	case !ok:
		return none
	case r.Direction == cdr.DirectionInbound:
		return rule.Inbound
	case r.CallType == cdr.CallTypePredictive:
		return rule.Predictive
	}
	return rule.Other
}

// hangingDirections maps hangingDirection to hangup_by; any other value
// (and absent) ingests as unknown, and unknown has no value.
var hangingDirections = map[int]cdr.HangupBy{
	0: cdr.HangupByCustomer,
	1: cdr.HangupByAgent,
	3: cdr.HangupBySystem,
}

func ingestHangingDirection(p *int) cdr.HangupBy {
	if p != nil {
		if by, ok := hangingDirections[*p]; ok {
			return by
		}
	}
	return cdr.HangupByUnknown
}

func renderHangingDirection(by cdr.HangupBy) int {
	for code, b := range hangingDirections {
		if b == by {
			return code
		}
	}
	return none
}
