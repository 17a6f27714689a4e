package tencentdesk

// IMCdrInfo is one record of describe_im_cdr_list (IMCdrList[i]), with the
// JSON names and JSON types of docs/wire-contracts.md §6.3: AgentGroupId is a
// string; Timestamp, Duration and SatisfactionSelected are integers. Ingest
// decodes with this typing, so a number where a string is due (or the
// reverse) is an error naming the field; Render encodes it.
//
// Duration is a pointer because absent means unknown while 0 is a known zero
// (docs/record-model.md §1.4); Render always sets it.
type IMCdrInfo struct {
	SessionId            string `json:"SessionId"`
	AgentGroupId         string `json:"AgentGroupId"`
	AgentGroupName       string `json:"AgentGroupName"`
	AgentId              string `json:"AgentId"` // agent e-mail
	ChannelType          string `json:"ChannelType"`
	ClientUserId         string `json:"ClientUserId"`
	ClientUserNickName   string `json:"ClientUserNickName"`
	Duration             *int64 `json:"Duration"` // s
	EndStatus            string `json:"EndStatus"`
	SatisfactionSelected int64  `json:"SatisfactionSelected"` // 1–5, 0 = none
	Timestamp            int64  `json:"Timestamp"`            // Unix s
}
