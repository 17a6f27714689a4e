package imrest

import (
	"encoding/json"

	"github.com/cdrhub/cdrhub/internal/cdr"
	deskmap "github.com/cdrhub/cdrhub/internal/mapping/tencentdesk"
	trtcmap "github.com/cdrhub/cdrhub/internal/mapping/trtccallkit"
)

const day = 86400

// filterBody is the body of get_records_by_filter.
type filterBody struct {
	StartTimestamp *int64 `json:"startTimestamp"`
	EndTimestamp   *int64 `json:"endTimestamp"`
	CallResult     string `json:"callResult"`
	CallType       string `json:"callType"`
	NumberPerPage  *int64 `json:"numberPerPage"`
	Page           *int64 `json:"page"`
}

// filterData is B's data object.
type filterData struct {
	TotalNum       int               `json:"totalNum"`
	Page           int               `json:"page"`
	CallRecordList []json.RawMessage `json:"callRecordList"`
}

func invalidB(msg string) error { return imErr(CodeJSONParse, msg) }

// recordsByFilter answers get_records_by_filter (record model §4.B(c)).
func (a *API) recordsByFilter(q *request) (any, error) {
	var b filterBody
	if err := decodeBody(q, apiCallKit, &b); err != nil {
		return nil, err
	}
	if b.StartTimestamp == nil {
		return nil, invalidB("startTimestamp is required")
	}
	start := *b.StartTimestamp
	end := start + 7*day
	if b.EndTimestamp != nil {
		end = *b.EndTimestamp
	}
	if start < 0 || end < start || end > cdr.MaxTime/1000 {
		return nil, invalidB("startTimestamp must be a Unix time in seconds, not after endTimestamp")
	}
	size := int64(100)
	if b.NumberPerPage != nil {
		if *b.NumberPerPage < 1 {
			return nil, invalidB("numberPerPage must be at least 1")
		}
		size = min(*b.NumberPerPage, 100)
	}
	page := int64(1)
	if b.Page != nil && *b.Page > 1 {
		page = min(*b.Page, 1<<30)
	}
	f := cdr.Filter{Channels: []cdr.Channel{cdr.ChannelRTC}, From: start * 1000, To: (end + 1) * 1000,
		Limit: int(size), Offset: int((page - 1) * size), Count: true, WithRaw: true}
	for _, e := range [][2]string{{trtcmap.FieldCallResult, b.CallResult}, {trtcmap.FieldCallType, b.CallType}} {
		if e[1] != "" {
			f.VendorEnums = append(f.VendorEnums, cdr.VendorEnum{Source: cdr.SourceTRTCCallKit, Field: e[0], Values: []string{e[1]}})
		}
	}
	recs, total, err := a.store.FindRecords(q.Context(), q.block.Tenant, f)
	if err != nil {
		return nil, err
	}
	d := &filterData{TotalNum: total, CallRecordList: make([]json.RawMessage, 0, len(recs))}
	if f.Offset+len(recs) < total {
		d.Page = int(page) // more rows remain
	}
	for _, r := range recs {
		out, err := trtcmap.Render(r, q.app.SdkAppID)
		if err != nil {
			return nil, err
		}
		d.CallRecordList = append(d.CallRecordList, out)
	}
	return d, nil
}

// recordByCallID answers get_record_by_callId.
func (a *API) recordByCallID(q *request) (any, error) {
	var b struct {
		CallID string `json:"callId"`
	}
	if err := decodeBody(q, apiCallKit, &b); err != nil {
		return nil, err
	}
	if b.CallID == "" {
		return nil, invalidB("callId is required")
	}
	recs, _, err := a.store.FindRecords(q.Context(), q.block.Tenant, cdr.Filter{Channels: []cdr.Channel{cdr.ChannelRTC},
		VendorIDs: cdr.VendorIDs{Source: cdr.SourceTRTCCallKit, Values: []string{b.CallID}}, Limit: 1, WithRaw: true})
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, imErr(CodeNoRecord, "no record found")
	}
	return trtcmap.Render(recs[0], q.app.SdkAppID)
}

// deskBody is the body of describe_im_cdr_list.
type deskBody struct {
	StartTimestamp *int64 `json:"StartTimestamp"`
	EndTimestamp   *int64 `json:"EndTimestamp"`
	Limit          *int64 `json:"Limit"`
	Offset         *int64 `json:"Offset"`
	ClientUserID   string `json:"ClientUserId"`
}

// deskData is E's answer besides the status fields.
type deskData struct {
	TotalCount int
	IMCdrList  []json.RawMessage
}

func invalidE(msg string) error { return imErr(CodeDeskInvalid, msg) }

// imCdrList answers describe_im_cdr_list (record model §4.E(c)).
func (a *API) imCdrList(q *request) (any, error) {
	var b deskBody
	if err := decodeBody(q, apiDesk, &b); err != nil {
		return nil, err
	}
	switch {
	case b.StartTimestamp == nil || b.EndTimestamp == nil:
		return nil, invalidE("StartTimestamp and EndTimestamp are required")
	case *b.StartTimestamp < 0 || *b.EndTimestamp < *b.StartTimestamp || *b.EndTimestamp > cdr.MaxTime/1000:
		return nil, invalidE("StartTimestamp must be a Unix time in seconds, not after EndTimestamp")
	}
	limit, offset := int64(20), int64(0)
	if b.Limit != nil {
		if *b.Limit < 1 || *b.Limit > 100 {
			return nil, invalidE("Limit must be from 1 to 100")
		}
		limit = *b.Limit
	}
	if b.Offset != nil {
		if *b.Offset < 0 || *b.Offset > 1<<40 {
			return nil, invalidE("Offset must be 0 or more")
		}
		offset = *b.Offset
	}
	f := cdr.Filter{Channels: []cdr.Channel{cdr.ChannelChat}, From: *b.StartTimestamp * 1000, To: (*b.EndTimestamp + 1) * 1000,
		Limit: int(limit), Offset: int(offset), Count: true, WithRaw: true}
	if b.ClientUserID != "" {
		f.CallerAddrs = []string{b.ClientUserID}
	}
	recs, total, err := a.store.FindRecords(q.Context(), q.block.Tenant, f)
	if err != nil {
		return nil, err
	}
	d := &deskData{TotalCount: total, IMCdrList: make([]json.RawMessage, 0, len(recs))}
	for _, r := range recs {
		out, err := deskmap.Render(r)
		if err != nil {
			return nil, err
		}
		d.IMCdrList = append(d.IMCdrList, out)
	}
	return d, nil
}
