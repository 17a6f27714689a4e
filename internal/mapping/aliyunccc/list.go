package aliyunccc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/mapping/vendorjson"
)

// ParseList splits a body of vendor records into the CallDetailRecord
// objects it holds, each with its bytes as written. It accepts
//   - a JSON array of records;
//   - NDJSON: records one after another (blank lines skipped);
//   - the list response as an export keeps it,
//     {"Code":"OK","Data":{"List":[…],"TotalCount":…,"PageNumber":…,"PageSize":…},"RequestId":…},
//     or just {"Data":{"List":[…]}}; several may follow one another, as
//     NDJSON of pages;
//   - a GetCallDetailRecord response, {"Data":{…one record…}}: a Data
//     object without a List member is the record ("Data":null holds none).
//
// An object with a Data member is an envelope; an object without one whose
// Code is a string other than "OK" is an error response and an error. An
// element that is not an object is returned as it is; Ingest rejects it.
// A leading UTF-8 byte order mark is skipped. An empty body holds no
// records.
func ParseList(body []byte) ([]json.RawMessage, error) {
	return vendorjson.ParseList(cdr.SourceAliyunCCC, body, envelope,
		"a JSON array of call detail records, NDJSON of them or a ListCallDetailRecords or GetCallDetailRecord response")
}

// envelope returns the records of v: those of a response envelope, or v
// itself when it is a record.
func envelope(v json.RawMessage) ([]json.RawMessage, error) {
	if len(v) == 0 || v[0] != '{' {
		return []json.RawMessage{v}, nil
	}
	var outer struct {
		Data    json.RawMessage
		Code    json.RawMessage
		Message json.RawMessage
	}
	if err := json.Unmarshal(v, &outer); err != nil {
		return []json.RawMessage{v}, nil // not an envelope's shape: a record, for Ingest to judge
	}
	if outer.Data == nil {
		var code, msg string
		if json.Unmarshal(outer.Code, &code) == nil && code != "" && code != "OK" {
			_ = json.Unmarshal(outer.Message, &msg)
			return nil, fmt.Errorf("the response is an error: %s: %s", code, msg)
		}
		return []json.RawMessage{v}, nil
	}
	data := bytes.TrimSpace(outer.Data)
	switch {
	case string(data) == "null":
		return nil, nil
	case len(data) == 0 || data[0] != '{':
		return nil, fmt.Errorf("Data must be an object")
	}
	var d struct{ List json.RawMessage }
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, fmt.Errorf("Data: %v", err)
	}
	if d.List == nil && !hasMember(data, "List") {
		return []json.RawMessage{data}, nil // GetCallDetailRecord
	}
	if d.List == nil || string(d.List) == "null" {
		return nil, nil
	}
	var list []json.RawMessage
	if err := json.Unmarshal(d.List, &list); err != nil {
		return nil, fmt.Errorf("Data.List must be an array of records: %v", err)
	}
	return list, nil
}

// hasMember reports whether the object obj has a member named name
// (ignoring case, as the decoder matched it), whatever its value.
func hasMember(obj []byte, name string) bool {
	ms, err := vendorjson.Members(obj)
	if err != nil {
		return false
	}
	for _, m := range ms {
		if strings.EqualFold(m.Name, name) {
			return true
		}
	}
	return false
}
