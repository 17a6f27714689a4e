package tencentdesk

import (
	"encoding/json"
	"fmt"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/mapping/vendorjson"
)

// ParseList splits a body of vendor records into the IMCdrInfo objects it
// holds, each with its bytes as written. It accepts
//   - a JSON array of records;
//   - NDJSON: records one after another (blank lines skipped);
//   - a describe_im_cdr_list response,
//     {"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","TotalCount":…,"IMCdrList":[…]},
//     or several as NDJSON of pages.
//
// An object with a member named exactly IMCdrList, ActionStatus or
// ErrorCode is an envelope; ActionStatus other than "OK" or a non-zero
// ErrorCode is an error; IMCdrList null or absent holds no records. An
// element that is not an object is returned as it is; Ingest rejects it. A
// leading UTF-8 byte order mark is skipped; an empty body holds no records.
func ParseList(body []byte) ([]json.RawMessage, error) {
	return vendorjson.ParseList(cdr.SourceTencentDesk, body, envelope,
		"a JSON array of IMCdrInfo objects, NDJSON of them or a describe_im_cdr_list response")
}

func envelope(v json.RawMessage) ([]json.RawMessage, error) {
	var m map[string]json.RawMessage
	if len(v) == 0 || v[0] != '{' || json.Unmarshal(v, &m) != nil {
		return []json.RawMessage{v}, nil // a record, for Ingest to judge
	}
	list, hasList := m["IMCdrList"]
	status, hasStatus := m["ActionStatus"]
	code, hasCode := m["ErrorCode"]
	if !hasList && !hasStatus && !hasCode {
		return []json.RawMessage{v}, nil
	}
	var st, info string
	var n int64
	if hasStatus && json.Unmarshal(status, &st) != nil {
		return nil, fmt.Errorf("ActionStatus must be a string")
	}
	if hasCode && json.Unmarshal(code, &n) != nil {
		return nil, fmt.Errorf("ErrorCode must be an integer")
	}
	if (hasStatus && st != "OK") || n != 0 {
		_ = json.Unmarshal(m["ErrorInfo"], &info)
		return nil, fmt.Errorf("the response is an error: %s %d: %s", st, n, info)
	}
	if !hasList || string(list) == "null" {
		return nil, nil
	}
	var recs []json.RawMessage
	if err := json.Unmarshal(list, &recs); err != nil {
		return nil, fmt.Errorf("IMCdrList must be an array of records: %v", err)
	}
	return recs, nil
}
