package tencentccc

import (
	"encoding/json"
	"strings"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/mapping/vendorjson"
)

// protectRaw rewrites a raw TelCdrInfo for DescribeProtectedTelCdr: Caller
// and Callee become "", ProtectedCaller and ProtectedCallee keep their
// string value, or become "" when absent or not a string. Names match as
// the SDK's JSON decoder matches them, ignoring case, so that no spelling
// of Caller can carry the number through.
func protectRaw(raw []byte) (json.RawMessage, error) {
	ms, err := vendorjson.Members(raw)
	if err != nil {
		return nil, cdr.Errorf(cdr.EINTERNAL, "tencent_ccc: stored raw record: %v", err)
	}
	empty := json.RawMessage(`""`)
	seen := make(map[string]bool)
	for i, m := range ms {
		for _, name := range []string{"Caller", "Callee", "ProtectedCaller", "ProtectedCallee"} {
			if !strings.EqualFold(m.Name, name) {
				continue
			}
			seen[name] = true
			if !strings.HasPrefix(name, "Protected") || len(m.Value) == 0 || m.Value[0] != '"' {
				ms[i].Value = empty
			}
		}
	}
	for _, name := range []string{"Caller", "Callee", "ProtectedCaller", "ProtectedCallee"} {
		if !seen[name] {
			ms = append(ms, vendorjson.Member{Name: name, Value: empty})
		}
	}
	return vendorjson.Object(ms)
}
