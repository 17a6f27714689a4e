package tencentccc

// The vendor types below are written from docs/wire-contracts.md §2.3, the
// record fields of the newest official SDK, with its JSON names and JSON
// types: every SDK *int64 is a Go int64 here, so an encoded value is always a
// JSON number, and a decoded JSON string where a number is due fails as it
// fails in the SDK. Field names follow the vendor's spelling (RecordId, not
// RecordID) so that they read like the vendor documentation.
//
// Most fields are plain values: JSON null decodes to the zero value, which
// the mapping treats as "none", and Render emits every field with Go's zero
// value when the canonical record has no data (docs/record-model.md §5 R4).
// Five fields are pointers because their absence means something other than
// 0: Direction and CallType (0 is a direction; an absent CallType defers to
// Direction), EndStatus (absent means no disposition_raw) and the durations
// Duration and IVRDuration (absent is unknown, 0 is a known zero). Render
// always sets them, so a rendered object never holds null.

// TelCdrInfo is one record of DescribeTelCdr (Response.TelCdrList[i]).
type TelCdrInfo struct {
	Caller                string                 `json:"Caller"`
	Callee                string                 `json:"Callee"`
	Time                  int64                  `json:"Time"` // Unix s, call initiated
	Direction             *int64                 `json:"Direction"`
	CallType              *int64                 `json:"CallType"`
	Duration              *int64                 `json:"Duration"` // s
	RecordURL             string                 `json:"RecordURL"`
	RecordId              string                 `json:"RecordId"`
	SeatUser              SeatUserInfo           `json:"SeatUser"`
	EndStatus             *int64                 `json:"EndStatus"`
	SkillGroup            string                 `json:"SkillGroup"`
	CallerLocation        string                 `json:"CallerLocation"`
	IVRDuration           *int64                 `json:"IVRDuration"`     // s
	RingTimestamp         int64                  `json:"RingTimestamp"`   // Unix s, 0 = none
	AcceptTimestamp       int64                  `json:"AcceptTimestamp"` // Unix s, 0 = none
	EndedTimestamp        int64                  `json:"EndedTimestamp"`  // Unix s, 0 = none
	IVRKeyPressed         []string               `json:"IVRKeyPressed"`   // deprecated
	IVRKeyPressedEx       []IVRKeyPressedElement `json:"IVRKeyPressedEx"`
	HungUpSide            string                 `json:"HungUpSide"`
	ServeParticipants     []ServeParticipant     `json:"ServeParticipants"`
	SkillGroupId          int64                  `json:"SkillGroupId"`
	EndStatusString       string                 `json:"EndStatusString"`
	StartTimestamp        int64                  `json:"StartTimestamp"`    // Unix s
	QueuedTimestamp       int64                  `json:"QueuedTimestamp"`   // Unix s, 0 = none
	PostIVRKeyPressed     []IVRKeyPressedElement `json:"PostIVRKeyPressed"` // deprecated
	PostIVRKeyPressedEx   []IVRKeyPressedElement `json:"PostIVRKeyPressedEx"`
	QueuedSkillGroupId    int64                  `json:"QueuedSkillGroupId"`
	SessionId             string                 `json:"SessionId"`
	ProtectedCaller       string                 `json:"ProtectedCaller"`
	ProtectedCallee       string                 `json:"ProtectedCallee"`
	Uui                   string                 `json:"Uui"` // deprecated
	UUI                   string                 `json:"UUI"`
	AsrUrl                string                 `json:"AsrUrl"`
	AsrStatus             string                 `json:"AsrStatus"`
	CustomRecordURL       string                 `json:"CustomRecordURL"`
	Remark                string                 `json:"Remark"`
	QueuedSkillGroupName  string                 `json:"QueuedSkillGroupName"`
	VoicemailRecordURL    []string               `json:"VoicemailRecordURL"`
	VoicemailAsrURL       []string               `json:"VoicemailAsrURL"`
	AIAgentId             int64                  `json:"AIAgentId"`
	AIAgentName           string                 `json:"AIAgentName"`
	SysHangupReason       int64                  `json:"SysHangupReason"`
	SysHangupReasonString string                 `json:"SysHangupReasonString"`
}

// SeatUserInfo is the agent of a record. An object whose fields are all
// empty means no agent.
type SeatUserInfo struct {
	Name               string   `json:"Name"`
	Mail               string   `json:"Mail"`
	StaffNumber        string   `json:"StaffNumber"`
	Phone              string   `json:"Phone"`
	Nick               string   `json:"Nick"`
	UserId             string   `json:"UserId"`
	SkillGroupNameList []string `json:"SkillGroupNameList"`
	Role               int64    `json:"Role"` // 1 admin, 2 QA, 3 agent, else a custom role id
	ExtensionNumber    string   `json:"ExtensionNumber"`
}

// IVRKeyPressedElement is one key press in the IVR or in the post-call
// survey. Its Timestamp is in Unix milliseconds, unlike every other time of
// the record.
type IVRKeyPressedElement struct {
	Key             string `json:"Key"`
	Label           string `json:"Label"`
	Timestamp       int64  `json:"Timestamp"` // Unix ms, 0 = none
	NodeLabel       string `json:"NodeLabel"`
	OriginalContent string `json:"OriginalContent"`
	TTSPrompt       string `json:"TTSPrompt"`
}

// ServeParticipant is one agent leg of a record: the first agent and every
// agent a transfer reached.
type ServeParticipant struct {
	Mail             string `json:"Mail"`
	Phone            string `json:"Phone"`
	RingTimestamp    int64  `json:"RingTimestamp"`
	AcceptTimestamp  int64  `json:"AcceptTimestamp"`
	EndedTimestamp   int64  `json:"EndedTimestamp"`
	RecordId         string `json:"RecordId"`
	Type             string `json:"Type"` // staffSeat, outboundSeat, staffPhoneSeat
	TransferFrom     string `json:"TransferFrom"`
	TransferFromType string `json:"TransferFromType"`
	TransferTo       string `json:"TransferTo"`
	TransferToType   string `json:"TransferToType"`
	SkillGroupId     int64  `json:"SkillGroupId"`
	EndStatusString  string `json:"EndStatusString"`
	RecordURL        string `json:"RecordURL"`
	Sequence         int64  `json:"Sequence"` // 0-based
	StartTimestamp   int64  `json:"StartTimestamp"`
	SkillGroupName   string `json:"SkillGroupName"`
	CustomRecordURL  string `json:"CustomRecordURL"`
}
