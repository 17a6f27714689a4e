package tencentccc

import (
	"encoding/json"
	"fmt"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/mapping/vendorjson"
)

// ParseList splits a body of vendor records into the TelCdrInfo objects it
// holds, each with its bytes as written. It accepts
//   - a JSON array of TelCdrInfo objects;
//   - NDJSON: TelCdrInfo objects one after another (blank lines skipped);
//   - the list response as an export keeps it,
//     {"Response":{"TelCdrList":[…],"TelCdrs":[…],"TotalCount":…,"RequestId":…}},
//     or the same object without the Response wrapper; several such
//     envelopes may follow one another, as NDJSON of pages. TelCdrList is
//     preferred; the deprecated TelCdrs is read when TelCdrList is absent,
//     null or empty. An error response (Response.Error) is an error.
//
// An element that is not an object is returned as it is; Ingest rejects it.
// A leading UTF-8 byte order mark is skipped. An empty body holds no records.
func ParseList(body []byte) ([]json.RawMessage, error) {
	return vendorjson.ParseList(cdr.SourceTencentCCC, body, records,
		"a JSON array of TelCdrInfo objects, NDJSON of them or a DescribeTelCdr response")
}

// records returns the records of v: those of a list response, or v.
func records(v json.RawMessage) ([]json.RawMessage, error) {
	recs, isEnvelope, err := envelope(v)
	if !isEnvelope && err == nil {
		recs = []json.RawMessage{v}
	}
	return recs, err
}

// listResponse is the part of a DescribeTelCdr response ParseList reads.
type listResponse struct {
	TelCdrList json.RawMessage
	TelCdrs    json.RawMessage
	Error      *struct{ Code, Message string }
}

// envelope returns the records of v if v is a list response, with or
// without its Response wrapper.
func envelope(v json.RawMessage) ([]json.RawMessage, bool, error) {
	if len(v) == 0 || v[0] != '{' {
		return nil, false, nil
	}
	var outer struct {
		Response json.RawMessage
		listResponse
	}
	if err := json.Unmarshal(v, &outer); err != nil {
		return nil, false, nil // not an envelope's shape: a record, for Ingest to judge
	}
	resp := outer.listResponse
	if len(outer.Response) > 0 && outer.Response[0] == '{' {
		resp = listResponse{}
		if err := json.Unmarshal(outer.Response, &resp); err != nil {
			return nil, true, fmt.Errorf("Response: %v", err)
		}
	} else if resp.TelCdrList == nil && resp.TelCdrs == nil {
		return nil, false, nil
	}
	if e := resp.Error; e != nil {
		return nil, true, fmt.Errorf("the response is an error: %s: %s", e.Code, e.Message)
	}
	var list []json.RawMessage
	if err := unmarshalList(resp.TelCdrList, &list, "TelCdrList"); err != nil {
		return nil, true, err
	}
	if len(list) == 0 {
		if err := unmarshalList(resp.TelCdrs, &list, "TelCdrs"); err != nil {
			return nil, true, err
		}
	}
	return list, true, nil
}

func unmarshalList(raw json.RawMessage, list *[]json.RawMessage, name string) error {
	if raw == nil {
		return nil
	}
	if err := json.Unmarshal(raw, list); err != nil {
		return fmt.Errorf("%s must be an array of records: %v", name, err)
	}
	return nil
}
