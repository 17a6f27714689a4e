package imrest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/cdrhub/cdrhub/internal/api/imrest"
	"github.com/cdrhub/cdrhub/internal/cdr"
	deskmap "github.com/cdrhub/cdrhub/internal/mapping/tencentdesk"
	trtcmap "github.com/cdrhub/cdrhub/internal/mapping/trtccallkit"
)

// code is the error code of an answer of B or E.
func code(m map[string]any) int {
	if _, desk := m["ErrorCode"]; desk {
		return num(m["ErrorCode"])
	}
	return num(m["errorCode"])
}

// message is the error message of an answer of B or E.
func message(m map[string]any) string {
	if v, desk := m["ErrorInfo"]; desk {
		s, _ := v.(string)
		return s
	}
	s, _ := m["errorMessage"].(string)
	return s
}

// found is how many records an answer of B or E holds in all: totalNum,
// TotalCount, or 1 for get_record_by_callId's record.
func found(m map[string]any) int {
	if _, desk := m["TotalCount"]; desk {
		return num(m["TotalCount"])
	}
	data, _ := m["data"].(map[string]any)
	if _, list := data["totalNum"]; list {
		return num(data["totalNum"])
	}
	if data["callId"] != nil {
		return 1
	}
	return 0
}

// Every value a client filters by is bounded (internal/cdr/bounds.go): at
// the bound a request is answered, over it the answer is the API's
// parameter error (60003, 141004) naming the parameter, before any read of
// the store. Time bounds run from 2000-01-01T00:00:00Z to
// 9999-12-31T23:59:59Z. Neither API takes a list filter.
func TestBounds(t *testing.T) {
	e := newEnv(t, 1000, 1000)
	longCall, longClient := strings.Repeat("c", cdr.MaxIDLen), strings.Repeat("u", cdr.MaxIDLen)
	rtc, err := trtcmap.Ingest(json.RawMessage(fmt.Sprintf(`{"callId":%q,"sdkAppId":%d,"mediaType":"audio","roomId":"r2","startCallTs":%d,"endTs":%d,"caller":"user_acme","callees":["user_bob"],"totalUserNumber":2,"callType":"single","callResult":"cancel"}`,
		longCall, acmeApp, base.Unix()+5000, base.Unix()+5010)))
	if err != nil {
		t.Fatal(err)
	}
	chat, err := deskmap.Ingest(json.RawMessage(fmt.Sprintf(`{"SessionId":"s-long","AgentGroupId":"3067","AgentId":"agent@acme","ChannelType":"SDK","ClientUserId":%q,"Duration":5,"EndStatus":"UserEndedSession","Timestamp":%d}`,
		longClient, base.Unix()+5000)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.UpsertRecords(context.Background(), cdr.MustTenantID("acme"), []*cdr.Record{rtc, chat}, cdr.UpsertOptions{}); err != nil {
		t.Fatal(err)
	}

	const (
		b, e141 = imrest.CodeJSONParse, imrest.CodeDeskInvalid
		y2k     = int64(946684800)    // 2000-01-01T00:00:00Z
		last    = int64(253402300799) // 9999-12-31T23:59:59Z
	)
	str := func(name string, n int, c string) string { return fmt.Sprintf(`,%q:%q`, name, strings.Repeat(c, n)) }
	times := func(start, end any) string {
		return fmt.Sprintf(`{"startTimestamp":%v,"endTimestamp":%v}`, start, end)
	}
	deskTimes := func(start, end any) string {
		return fmt.Sprintf(`{"StartTimestamp":%v,"EndTimestamp":%v}`, start, end)
	}
	// padded is body padded with spaces to n bytes.
	padded := func(body string, n int) string { return body + strings.Repeat(" ", n-len(body)) }
	tests := []struct {
		name, path, body string
		want             int    // 0: answered
		param            string // named by the refusal
		found            int    // records found when answered
	}{
		{"callResult of 256 bytes", filterPath, window(str("callResult", 256, "r")), 0, "", 0},
		{"callResult of 257 bytes", filterPath, window(str("callResult", 257, "r")), b, "callResult", 0},
		{"callResult of 1,000,000 bytes", filterPath, window(str("callResult", 1_000_000, "r")), b, "callResult", 0},
		{"callResult of 256 multibyte bytes", filterPath, window(str("callResult", 128, "é")), 0, "", 0},
		{"callResult of 258 multibyte bytes", filterPath, window(str("callResult", 129, "é")), b, "callResult", 0},
		{"callType of 256 bytes", filterPath, window(str("callType", 256, "t")), 0, "", 0},
		{"callType of 257 bytes", filterPath, window(str("callType", 257, "t")), b, "callType", 0},
		{"start at 2000-01-01, no end", filterPath, fmt.Sprintf(`{"startTimestamp":%d}`, y2k), 0, "", 0},
		{"start at 2000-01-01", filterPath, times(y2k, base.Unix()+86400), 0, "", 8},
		{"start before 2000", filterPath, times(y2k-1, base.Unix()+86400), b, "startTimestamp", 0},
		{"start at 0", filterPath, times(0, base.Unix()+86400), b, "startTimestamp", 0},
		{"start at 0, no end", filterPath, `{"startTimestamp":0}`, b, "startTimestamp", 0},
		{"start negative", filterPath, times(-1, base.Unix()+86400), b, "startTimestamp", 0},
		{"end before 2000", filterPath, times(y2k, y2k-1), b, "endTimestamp", 0},
		{"end at 0", filterPath, times(y2k, 0), b, "endTimestamp", 0},
		{"end at 9999-12-31T23:59:59Z", filterPath, times(base.Unix(), last), 0, "", 8},
		{"end at 10000-01-01", filterPath, times(base.Unix(), last+1), b, "endTimestamp", 0},
		{"start at 9999-12-31T23:59:59Z, no end", filterPath, fmt.Sprintf(`{"startTimestamp":%d}`, last), 0, "", 0},
		{"start at 10000-01-01", filterPath, fmt.Sprintf(`{"startTimestamp":%d}`, last+1), b, "startTimestamp", 0},
		{"start at the largest int64", filterPath, `{"startTimestamp":9223372036854775807}`, b, "startTimestamp", 0},
		{"body of 1 MiB", filterPath, padded(window(""), 1<<20), 0, "", 8},
		{"body over 1 MiB", filterPath, padded(window(""), 1<<20+1), imrest.CodeHTTPParse, "", 0},

		{"callId of 128 bytes", byIDPath, fmt.Sprintf(`{"callId":%q}`, longCall), 0, "", 1},
		{"callId of 129 bytes", byIDPath, fmt.Sprintf(`{"callId":%q}`, longCall+"c"), b, "callId", 0},
		{"callId of 1,000,000 bytes", byIDPath, fmt.Sprintf(`{"callId":%q}`, strings.Repeat("c", 1_000_000)), b, "callId", 0},

		{"ClientUserId of 128 bytes", deskPath, deskWindow(fmt.Sprintf(`,"ClientUserId":%q`, longClient)), 0, "", 1},
		{"ClientUserId of 129 bytes", deskPath, deskWindow(fmt.Sprintf(`,"ClientUserId":%q`, longClient+"u")), e141, "ClientUserId", 0},
		{"ClientUserId of 1,000,000 bytes", deskPath, deskWindow(str("ClientUserId", 1_000_000, "u")), e141, "ClientUserId", 0},
		{"E start at 2000-01-01", deskPath, deskTimes(y2k, base.Unix()+86400), 0, "", 8},
		{"E start before 2000", deskPath, deskTimes(y2k-1, base.Unix()+86400), e141, "StartTimestamp", 0},
		{"E start at 0", deskPath, deskTimes(0, base.Unix()+86400), e141, "StartTimestamp", 0},
		{"E both before 2000", deskPath, deskTimes(0, 3600), e141, "StartTimestamp", 0},
		{"E end before 2000", deskPath, deskTimes(y2k, y2k-1), e141, "EndTimestamp", 0},
		{"E end at 9999-12-31T23:59:59Z", deskPath, deskTimes(base.Unix(), last), 0, "", 8},
		{"E end at 10000-01-01", deskPath, deskTimes(base.Unix(), last+1), e141, "EndTimestamp", 0},
		{"E body over 1 MiB", deskPath, padded(deskWindow(""), 1<<20+1), imrest.CodeHTTPParse, "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := e.reads.Load()
			m := e.post(t, tc.path, acmeApp, acmeKey, admin, tc.body)
			reads := e.reads.Load() - before
			if got := code(m); got != tc.want {
				t.Fatalf("code %d, want %d (%.200s)", got, tc.want, message(m))
			}
			if tc.want != 0 {
				if !strings.Contains(message(m), tc.param) {
					t.Errorf("message %q does not name %s", message(m), tc.param)
				}
				if reads != 0 {
					t.Errorf("%d store reads before the refusal", reads)
				}
				return
			}
			if got := found(m); got != tc.found || reads == 0 {
				t.Errorf("found %d, want %d (%d store reads)", got, tc.found, reads)
			}
		})
	}
}
