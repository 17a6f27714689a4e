package laaffic

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// FuzzFilter feeds arbitrary bodies to the request decoding and
// validation: never a panic; a refusal is a status with a reason; an
// accepted query is a voice filter of 1 to 100 rows over at most 31 days
// from 2000 on, within the bounds every store checks (cdr.Filter.Check).
func FuzzFilter(f *testing.F) {
	f.Add(`{"current":1,"size":10,"params":{"strTime":"2026-11-01T00:00:00+08:00","endTime":"2026-11-02 00:00:00","callType":[1],"calledOrCaller":"8613"}}`, false)
	f.Add(`{"current":9223372036854775807,"size":100,"params":{"startTime":"2026-11-01T00:00:00Z","endTime":"2026-12-01T00:00:00Z","seatId":["a"]}}`, true)
	f.Add(`{"current":1,"size":0,"params":{}}`, false)
	f.Add(`{"params":null}`, true)
	f.Add(`{"current":1,"size":1,"params":{"strTime":"1969-12-31T23:00:00Z","endTime":"1969-12-31T23:59:59Z"}}`, false)
	f.Add(`{"current":1,"size":1,"params":{"startTime":"9999-12-31T00:00:00Z","endTime":"9999-12-31T23:00:00-01:00"}}`, true)
	f.Add(`{"current":1,"size":1,"params":{"strTime":"2000-01-01 08:00:00","endTime":"2000-01-01 08:00:00","seatNameList":["a","a","b"],"hangupReason":[1,1],"ccode":["86"],"labelNames":["x"],"sipGroupName":"q"}}`, false)
	f.Add(`{"current":1,"size":1,"params":{"startTime":"2026-11-01T00:00:00Z","endTime":"2026-11-01T00:00:00Z","voiceGroupId":"g","calledOrCaller":"١١١١١١١١١١١١١١١١١١١١١١١١١١١١١١١١1"}}`, true)
	a := &API{now: func() time.Time { return time.Unix(1795000000, 0) }}
	tn := &tenant{Tenant: Tenant{ID: cdr.MustTenantID("acme"), Location: time.FixedZone("CST", 8*3600)}}
	f.Fuzz(func(t *testing.T, body string, v3 bool) {
		var q queryBody
		if json.Unmarshal([]byte(body), &q) != nil {
			return
		}
		filter, err := a.filter(&q, tn, v3)
		if err != nil {
			var se *statusError
			if !errors.As(err, &se) || se.status == "" || se.reason == "" {
				t.Fatalf("%q: %v is not a status", body, err)
			}
			return
		}
		if filter.Limit < 1 || filter.Limit > 100 || filter.Offset < 0 || filter.To-filter.From > (31*24*3600+1)*1000 || filter.Channels[0] != cdr.ChannelVoice ||
			filter.From < cdr.MinTime || filter.To > cdr.MaxTime || filter.To <= filter.From {
			t.Fatalf("%q accepted as %+v", body, filter)
		}
		checked := filter
		if err := checked.Check(); err != nil {
			t.Fatalf("%q accepted, but the store would refuse it: %v", body, err)
		}
		if diff := cmp.Diff(filter, checked, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("%q accepted with duplicates (-api +store):\n%s", body, diff)
		}
	})
}
