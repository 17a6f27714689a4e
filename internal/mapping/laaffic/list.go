package laaffic

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/mapping/vendorjson"
)

// ParseList splits a body of vendor records into the Record objects it
// holds, each with its bytes as written. It accepts
//   - a JSON array of records;
//   - NDJSON: records one after another (blank lines skipped);
//   - the response envelope,
//     {"status":"0","reason":"success","data":{"records":[…],"total":…,"size":…,"current":…,"pages":…}},
//     or just {"data":{"records":[…]}}; several may follow one another, as
//     NDJSON of pages.
//
// An object with a status or data member is an envelope. A status that is
// not the JSON string "0" is an error naming status and reason; data null,
// records null or records absent hold no records. An element that is not
// an object is returned as it is; Ingest rejects it. A leading UTF-8 byte
// order mark is skipped. An empty body holds no records.
func ParseList(body []byte) ([]json.RawMessage, error) {
	return vendorjson.ParseList(cdr.SourceLaaffic, body, envelope,
		"a JSON array of records, NDJSON of them or a ccRecordQuery response")
}

// envelope returns the records of v: those of a response envelope, or v
// itself when it is a record.
func envelope(v json.RawMessage) ([]json.RawMessage, error) {
	if len(v) == 0 || v[0] != '{' {
		return []json.RawMessage{v}, nil
	}
	var outer struct {
		Status json.RawMessage `json:"status"`
		Reason json.RawMessage `json:"reason"`
		Data   json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(v, &outer); err != nil {
		return []json.RawMessage{v}, nil // not an envelope's shape: a record, for Ingest to judge
	}
	if outer.Status == nil && outer.Data == nil {
		return []json.RawMessage{v}, nil
	}
	if outer.Status != nil && string(bytes.TrimSpace(outer.Status)) != `"0"` {
		return nil, fmt.Errorf("the response is an error: status %s: reason %s", bytes.TrimSpace(outer.Status), bytes.TrimSpace(outer.Reason))
	}
	data := bytes.TrimSpace(outer.Data)
	switch {
	case len(data) == 0 || string(data) == "null":
		return nil, nil
	case data[0] != '{':
		return nil, fmt.Errorf("data must be an object")
	}
	var d struct {
		Records json.RawMessage `json:"records"`
	}
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, fmt.Errorf("data: %v", err)
	}
	if d.Records == nil || string(d.Records) == "null" {
		return nil, nil
	}
	var list []json.RawMessage
	if err := json.Unmarshal(d.Records, &list); err != nil {
		return nil, fmt.Errorf("data.records must be an array of records: %v", err)
	}
	return list, nil
}
