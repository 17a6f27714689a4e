package trtccallkit

// CallRecord is one record of get_records_by_filter (data.callRecordList[i])
// and the data of get_record_by_callId, with the JSON names and JSON types of
// docs/wire-contracts.md §3.3. Ingest decodes with this typing, so a string
// where a number is due (or the reverse) is an error naming the field; Render
// encodes it and never writes null (callees is [] when empty).
type CallRecord struct {
	CallId          string   `json:"callId"`
	SdkAppId        uint64   `json:"sdkAppId"`
	MediaType       string   `json:"mediaType"` // audio, video
	RoomId          string   `json:"roomId"`
	StartCallTs     int64    `json:"startCallTs"` // Unix s
	AcceptTs        int64    `json:"acceptTs"`    // Unix s, 0 = none
	EndTs           int64    `json:"endTs"`       // Unix s, 0 = none
	Caller          string   `json:"caller"`
	TotalUserNumber int64    `json:"totalUserNumber"` // 0 = not counted
	CallType        string   `json:"callType"`        // single, group
	CallResult      string   `json:"callResult"`
	Callees         []string `json:"callees"`
}
