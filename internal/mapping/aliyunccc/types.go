package aliyunccc

// CallDetailRecord is one record of ListCallDetailRecords (Data.List[i]),
// written from docs/wire-contracts.md §4.3 (SDK
// ListCallDetailRecordsResponseBodyDataList) with its JSON names and JSON
// types: CallDuration is a JSON string of decimal seconds; every other
// duration and every time is a JSON number; RecordingReady and
// SatisfactionSurveyOffered are booleans; SatisfactionIndex is an int32.
// Ingest decodes with this typing, so a number where a string is due (or the
// reverse) is an error naming the field; Render encodes it, so the output
// never mixes them up.
//
// The durations are pointers because absent means unknown while 0 is a known
// zero (docs/record-model.md §1.4). Render always sets them, so a rendered
// object never holds null.
type CallDetailRecord struct {
	AdditionalBroker          string `json:"AdditionalBroker"`
	AgentIds                  string `json:"AgentIds"`   // comma list
	AgentNames                string `json:"AgentNames"` // comma list
	Broker                    string `json:"Broker"`
	CallDuration              string `json:"CallDuration"` // decimal seconds
	CallIds                   string `json:"CallIds"`
	CalledNumber              string `json:"CalledNumber"`
	CalleeLocation            string `json:"CalleeLocation"`
	CallerLocation            string `json:"CallerLocation"`
	CallingNumber             string `json:"CallingNumber"`
	ContactDisposition        string `json:"ContactDisposition"`
	ContactId                 string `json:"ContactId"`
	ContactType               string `json:"ContactType"`
	DialingTime               *int64 `json:"DialingTime"` // s
	EarlyMediaState           string `json:"EarlyMediaState"`
	EstablishedTime           int64  `json:"EstablishedTime"` // Unix ms, 0 = none
	HeldTime                  *int64 `json:"HeldTime"`        // s
	InstanceId                string `json:"InstanceId"`
	IvrTime                   *int64 `json:"IvrTime"`           // s
	QueueTime                 *int64 `json:"QueueTime"`         // s
	RecordingDuration         *int64 `json:"RecordingDuration"` // s
	RecordingReady            bool   `json:"RecordingReady"`
	ReleaseInitiator          string `json:"ReleaseInitiator"`
	ReleaseReason             string `json:"ReleaseReason"`
	ReleaseTime               int64  `json:"ReleaseTime"` // Unix ms, 0 = none
	RingTime                  *int64 `json:"RingTime"`    // s
	SatisfactionDescription   string `json:"SatisfactionDescription"`
	SatisfactionIndex         int32  `json:"SatisfactionIndex"`
	SatisfactionSurveyChannel string `json:"SatisfactionSurveyChannel"` // IVR, SMS
	SatisfactionSurveyOffered bool   `json:"SatisfactionSurveyOffered"`
	SkillGroupIds             string `json:"SkillGroupIds"`   // comma list
	SkillGroupNames           string `json:"SkillGroupNames"` // comma list
	StartTime                 int64  `json:"StartTime"`       // Unix ms
	TalkTime                  *int64 `json:"TalkTime"`        // s
	WaitTime                  int64  `json:"WaitTime"`        // s; raw only
}
