package trtccallkit

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/mapping/vendorjson"
)

// errNoRecords is the errorCode of "no records found"; such a response
// holds no records rather than being an error.
const errNoRecords = 70011

// ParseList splits a body of vendor records into the CallRecord objects it
// holds, each with its bytes as written. It accepts
//   - a JSON array of records;
//   - NDJSON: records one after another (blank lines skipped);
//   - a get_records_by_filter response,
//     {"errorCode":0,"errorMessage":"Success","requestId":…,"data":{"totalNum":…,"page":…,"callRecordList":[…]}},
//     or several as NDJSON of pages;
//   - a get_record_by_callId response, whose data is one record.
//
// An object with a member named exactly data or errorCode is an envelope.
// A non-zero errorCode other than 70011 (no records found) is an error;
// data null or absent holds no records. An element that is not an object
// is returned as it is; Ingest rejects it. A leading UTF-8 byte order mark
// is skipped; an empty body holds no records.
func ParseList(body []byte) ([]json.RawMessage, error) {
	return vendorjson.ParseList(cdr.SourceTRTCCallKit, body, envelope,
		"a JSON array of call records, NDJSON of them or a get_records_by_filter or get_record_by_callId response")
}

func envelope(v json.RawMessage) ([]json.RawMessage, error) {
	var m map[string]json.RawMessage
	if len(v) == 0 || v[0] != '{' || json.Unmarshal(v, &m) != nil {
		return []json.RawMessage{v}, nil // a record, for Ingest to judge
	}
	data, hasData := m["data"]
	code, hasCode := m["errorCode"]
	if !hasData && !hasCode {
		return []json.RawMessage{v}, nil
	}
	if hasCode {
		var n int64
		if err := json.Unmarshal(code, &n); err != nil {
			return nil, fmt.Errorf("errorCode must be an integer")
		}
		if n == errNoRecords {
			return nil, nil
		}
		if n != 0 {
			var msg string
			_ = json.Unmarshal(m["errorMessage"], &msg)
			return nil, fmt.Errorf("the response is an error: %d: %s", n, msg)
		}
	}
	data = bytes.TrimSpace(data)
	if len(data) == 0 || string(data) == "null" {
		return nil, nil
	}
	var d map[string]json.RawMessage
	if data[0] != '{' || json.Unmarshal(data, &d) != nil {
		return nil, fmt.Errorf("data must be an object")
	}
	list, ok := d["callRecordList"]
	if !ok {
		return []json.RawMessage{data}, nil // get_record_by_callId
	}
	var recs []json.RawMessage
	if string(list) == "null" {
		return nil, nil
	}
	if err := json.Unmarshal(list, &recs); err != nil {
		return nil, fmt.Errorf("data.callRecordList must be an array of records: %v", err)
	}
	return recs, nil
}
