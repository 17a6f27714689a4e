package imrest

import (
	"encoding/json"
	"fmt"

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

// invalid is api's invalid-parameter error: 60003 for B, 141004 for E.
func invalid(api, msg string) error {
	if api == apiDesk {
		return invalidE(msg)
	}
	return invalidB(msg)
}

// checkLen refuses, with api's invalid-parameter error, a value of param
// longer than max (the bounds every API shares, internal/cdr/bounds.go).
func checkLen(api, param, v string, max int, unit cdr.Unit) error {
	if err := cdr.CheckString(param, v, max, unit); err != nil {
		return invalid(api, cdr.ErrorMessage(err))
	}
	return nil
}

// Time bounds of a request, in Unix seconds: 2000-01-01T00:00:00Z to
// 9999-12-31T23:59:59Z. An end bound becomes the exclusive (end+1)·1000
// ms, which must not pass cdr.MaxTime.
const (
	minSeconds = cdr.MinTime / 1000
	maxSeconds = cdr.MaxTime/1000 - 1
)

// checkSeconds refuses, with api's invalid-parameter error, a time bound
// outside [minSeconds, maxSeconds]: one before 2000 is not read as open.
func checkSeconds(api, param string, s int64) error {
	if s < minSeconds || s > maxSeconds {
		return invalid(api, fmt.Sprintf("%s must be a Unix time in seconds from %d (2000-01-01T00:00:00Z) to %d (9999-12-31T23:59:59Z)",
			param, int64(minSeconds), int64(maxSeconds)))
	}
	return nil
}

// recordsByFilter answers get_records_by_filter (docs/record-model.md §4.B).
func (a *API) recordsByFilter(q *request) (any, error) {
	var b filterBody
	if err := decodeBody(q, apiCallKit, &b); err != nil {
		return nil, err
	}
	if b.StartTimestamp == nil {
		return nil, invalidB("startTimestamp is required")
	}
	start := *b.StartTimestamp
	if err := checkSeconds(apiCallKit, "startTimestamp", start); err != nil {
		return nil, err
	}
	end := min(start+7*day, maxSeconds)
	if b.EndTimestamp != nil {
		end = *b.EndTimestamp
		if err := checkSeconds(apiCallKit, "endTimestamp", end); err != nil {
			return nil, err
		}
	}
	if end < start {
		return nil, invalidB("startTimestamp must not be after endTimestamp")
	}
	for _, v := range [][2]string{{"callResult", b.CallResult}, {"callType", b.CallType}} {
		if err := checkLen(apiCallKit, v[0], v[1], cdr.MaxNameLen, cdr.Bytes); err != nil {
			return nil, err
		}
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
	if err := checkLen(apiCallKit, "callId", b.CallID, cdr.MaxIDLen, cdr.Bytes); err != nil {
		return nil, err
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

// imCdrList answers describe_im_cdr_list (docs/record-model.md §4.E).
func (a *API) imCdrList(q *request) (any, error) {
	var b deskBody
	if err := decodeBody(q, apiDesk, &b); err != nil {
		return nil, err
	}
	if b.StartTimestamp == nil || b.EndTimestamp == nil {
		return nil, invalidE("StartTimestamp and EndTimestamp are required")
	}
	if err := checkSeconds(apiDesk, "StartTimestamp", *b.StartTimestamp); err != nil {
		return nil, err
	}
	if err := checkSeconds(apiDesk, "EndTimestamp", *b.EndTimestamp); err != nil {
		return nil, err
	}
	if *b.EndTimestamp < *b.StartTimestamp {
		return nil, invalidE("StartTimestamp must not be after EndTimestamp")
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
	// ClientUserId is the caller's address, a record identity.
	if err := checkLen(apiDesk, "ClientUserId", b.ClientUserID, cdr.MaxIDLen, cdr.Bytes); err != nil {
		return nil, err
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
