package laaffic

// Record is one record of ccRecordQuery (data.records[i]), written from
// docs/wire-contracts.md §5.3 with its JSON names and JSON types:
// callDuration, callType, hangupReason and hangingDirection are JSON numbers,
// the times strings, labels a string array. Ingest decodes with this typing,
// so a string where a number is due (or the reverse) is an error naming the
// field; Render encodes it.
//
// The enums are pointers: absent is no value, and hangingDirection 0
// (customer) and hangupReason 0 (outbound not answered) are values. Render
// omits an enum without mapping (docs/record-model.md §5 R4) and never writes
// agentAccount, which only the push variant carries.
type Record struct {
	CallID           string   `json:"callId"` // raw only
	CallSessionID    string   `json:"callSessionId"`
	Called           string   `json:"called"`
	CalledInfo       string   `json:"calledInfo"` // raw only
	Caller           string   `json:"caller"`
	Ccode            string   `json:"ccode"`
	CcodeName        string   `json:"ccodeName"`
	AgentName        string   `json:"agentName"`
	AgentAccount     string   `json:"agentAccount,omitzero"` // push variant; never rendered
	AgentGroupName   string   `json:"agentGroupName"`
	CallDuration     *int64   `json:"callDuration"` // s
	CallType         *int     `json:"callType,omitzero"`
	HangingDirection *int     `json:"hangingDirection,omitzero"`
	HangupReason     *int     `json:"hangupReason,omitzero"`
	HangupCode       string   `json:"hangupCode"` // SIP code; raw only
	Labels           []string `json:"labels"`
	Remark           string   `json:"remark"`
	CallStartTime    string   `json:"callStartTime"` // yyyy-MM-dd HH:mm:ss
	AnswerTime       string   `json:"answerTime"`
	CallEndTime      string   `json:"callEndTime"`
	VoiceURL         string   `json:"voiceUrl"`
}

// RecordV3 is one record of /v3/cc/record/query: Record with keyId (the
// vendor id, or the cdrhub id for foreign records) and encryptCalled
// (called masked by MaskCalled).
type RecordV3 struct {
	Record
	KeyID         string `json:"keyId"`
	EncryptCalled string `json:"encryptCalled"`
}

// Term fields: the Record enums a ccRecordQuery filter may select on
// (docs/record-model.md §4.D).
const (
	FieldCallType         = "callType"
	FieldHangupReason     = "hangupReason"
	FieldHangingDirection = "hangingDirection"
)

// TimeLayout is the layout of the record times.
const TimeLayout = "2006-01-02 15:04:05"
