package trtccallkit

import "github.com/cdrhub/cdrhub/internal/cdr"

// The enum tables as data. The Markdown tables of
// docs/mapping-trtc-callkit.md are checked against them by doc_test.go.

// ResultCode is one callResult value: what it ingests as, and the
// dispositions of foreign records that render as it.
type ResultCode struct {
	CallResult  string
	Disposition cdr.Disposition
	RenderFrom  []cdr.Disposition
}

// resultCodes is (b). Any other callResult ingests as unknown; a
// disposition no row renders from (unknown) renders "".
var resultCodes = []ResultCode{
	{"normal_end", cdr.DispositionAnswered, []cdr.Disposition{cdr.DispositionAnswered, cdr.DispositionSelfService, cdr.DispositionTransferred}},
	{"cancel", cdr.DispositionCancelled, []cdr.Disposition{cdr.DispositionCancelled, cdr.DispositionAbandoned}},
	{"reject", cdr.DispositionRejected, []cdr.Disposition{cdr.DispositionRejected, cdr.DispositionBlocked}},
	{"not_answer", cdr.DispositionNoAnswer, []cdr.Disposition{cdr.DispositionNoAnswer, cdr.DispositionNoAgent, cdr.DispositionVoicemail}},
	{"call_busy", cdr.DispositionBusy, []cdr.Disposition{cdr.DispositionBusy}},
	{"interrupt", cdr.DispositionFailed, []cdr.Disposition{cdr.DispositionFailed}},
	{"offline", cdr.DispositionFailed, nil}, // undocumented; in the doc sample
}

// ResultCodes returns a copy of the callResult table.
func ResultCodes() []ResultCode { return append([]ResultCode(nil), resultCodes...) }

// IngestCallResult maps a callResult to its disposition; any other value
// (and "") is unknown.
func IngestCallResult(s string) cdr.Disposition {
	for _, c := range resultCodes {
		if c.CallResult == s {
			return c.Disposition
		}
	}
	return cdr.DispositionUnknown
}

// renderCallResult is the foreign-render column of (b).
func renderCallResult(d cdr.Disposition) string {
	for _, c := range resultCodes {
		for _, f := range c.RenderFrom {
			if f == d {
				return c.CallResult
			}
		}
	}
	return ""
}

// callTypes maps callType to call_type. Any other callType (and "")
// ingests as direct; any call_type other than conference renders single.
var callTypes = map[string]cdr.CallType{
	"single": cdr.CallTypeDirect,
	"group":  cdr.CallTypeConference,
}

func ingestCallType(s string) cdr.CallType {
	if ct, ok := callTypes[s]; ok {
		return ct
	}
	return cdr.CallTypeDirect
}

func renderCallType(ct cdr.CallType) string {
	if ct == cdr.CallTypeConference {
		return "group"
	}
	return "single"
}

// mediaTypes maps mediaType to media. Any other mediaType (and "") ingests
// as no media; any other media (text, none) renders "".
var mediaTypes = map[string]cdr.Media{
	"audio": cdr.MediaAudio,
	"video": cdr.MediaVideo,
}

func renderMediaType(m cdr.Media) string {
	for s, v := range mediaTypes {
		if v == m {
			return s
		}
	}
	return ""
}
