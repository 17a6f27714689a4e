package aliyunccc

import (
	"encoding/json"
	"strings"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/mapping/vendorjson"
)

// upperRaw rewrites a raw record for GetCallDetailRecord: every member
// named ContactType (ignoring case) whose value is a string in the
// ListCallDetailRecords spelling gets the upper-case spelling.
func upperRaw(raw []byte) (json.RawMessage, error) {
	ms, err := vendorjson.Members(raw)
	if err != nil {
		return nil, cdr.Errorf(cdr.EINTERNAL, "aliyun_ccc: stored raw record: %v", err)
	}
	for i, m := range ms {
		var s string
		if strings.EqualFold(m.Name, FieldContactType) && json.Unmarshal(m.Value, &s) == nil {
			if u := upperContactType(s); u != s {
				ms[i].Value, _ = cdr.EncodeJSON(u)
			}
		}
	}
	return vendorjson.Object(ms)
}
