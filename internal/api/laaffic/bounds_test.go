package laaffic_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"runtime"
	"strings"
	"testing"
	"time"
)

// numbered returns n distinct values of width characters.
func numbered(n, width int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%0*d", width, i)
	}
	return out
}

// ints returns 0 to n-1.
func ints(n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = int64(i)
	}
	return out
}

// twice returns vs followed by vs again.
func twice[T any](vs []T) []T { return append(append([]T(nil), vs...), vs...) }

// body is a query of the window start–end (both set, or neither for
// 2026-11-01 in Shanghai) with extra params; start is strTime or, on
// /v3/cc/record/query, startTime.
func body(v3 bool, start, end string, extra map[string]any) string {
	if start == "" {
		start, end = "2026-11-01T00:00:00+08:00", "2026-11-02T00:00:00+08:00"
	}
	name := "strTime"
	if v3 {
		name = "startTime"
	}
	params := map[string]any{name: start, "endTime": end}
	maps.Copy(params, extra)
	b, err := json.Marshal(map[string]any{"current": 1, "size": 100, "params": params})
	if err != nil {
		panic(err)
	}
	return string(b)
}

// TestBounds checks every filter value's bound over HTTP: at the bound the
// query is answered, over it the answer is -22 with a reason naming the
// parameter, before any store call; lists count distinct elements; no time
// bound is before 2000-01-01T00:00:00Z.
func TestBounds(t *testing.T) {
	e := newEnv(t, 1e6, 1e6, nil)
	now := time.Now().Unix()
	const old, v3, both = 1, 2, 3 // the endpoints a case runs on
	tests := []struct {
		name       string
		on         int
		start, end string // "" for a day of 2026
		params     map[string]any
		want       string // status
		reason     string // a -22 reason holds it
	}{
		// Numbers: 32 characters.
		{"calledOrCaller of 32 characters", both, "", "", map[string]any{"calledOrCaller": strings.Repeat("1", 32)}, "0", ""},
		{"calledOrCaller of 32 characters, not bytes", both, "", "", map[string]any{"calledOrCaller": "8613" + strings.Repeat("١", 28)}, "0", ""},
		{"calledOrCaller of 33 characters", both, "", "", map[string]any{"calledOrCaller": strings.Repeat("1", 33)}, "-22", "calledOrCaller"},
		// Names and ids of queues and agents, country codes, labels: 256 bytes.
		{"sipGroupName of 256 bytes", both, "", "", map[string]any{"sipGroupName": strings.Repeat("é", 128)}, "0", ""},
		{"sipGroupName of 257 bytes", both, "", "", map[string]any{"sipGroupName": strings.Repeat("s", 257)}, "-22", "sipGroupName"},
		{"sipGroupName of 129 characters, 258 bytes", both, "", "", map[string]any{"sipGroupName": strings.Repeat("é", 129)}, "-22", "sipGroupName"},
		{"seatNameList element of 256 bytes", both, "", "", map[string]any{"seatNameList": []string{strings.Repeat("s", 256)}}, "0", ""},
		{"seatNameList element of 257 bytes", both, "", "", map[string]any{"seatNameList": []string{"Seats01", strings.Repeat("s", 257)}}, "-22", "seatNameList"},
		{"ccode element of 256 bytes", both, "", "", map[string]any{"ccode": []string{strings.Repeat("8", 256)}}, "0", ""},
		{"ccode element of 257 bytes", both, "", "", map[string]any{"ccode": []string{strings.Repeat("8", 257)}}, "-22", "ccode"},
		{"labelNames element of 256 bytes", both, "", "", map[string]any{"labelNames": []string{strings.Repeat("l", 256)}}, "0", ""},
		{"labelNames element of 257 bytes", both, "", "", map[string]any{"labelNames": []string{strings.Repeat("l", 257)}}, "-22", "labelNames"},
		{"voiceGroupId of 256 bytes", v3, "", "", map[string]any{"voiceGroupId": strings.Repeat("q", 256)}, "0", ""},
		{"voiceGroupId of 257 bytes", v3, "", "", map[string]any{"voiceGroupId": strings.Repeat("q", 257)}, "-22", "voiceGroupId"},
		{"seatId element of 256 bytes", v3, "", "", map[string]any{"seatId": []string{strings.Repeat("a", 256)}}, "0", ""},
		{"seatId element of 257 bytes", v3, "", "", map[string]any{"seatId": []string{strings.Repeat("a", 257)}}, "-22", "seatId"},
		// Lists: 100 distinct elements, duplicates not counted.
		{"100 seatNameList and duplicates", both, "", "", map[string]any{"seatNameList": twice(numbered(100, 20))}, "0", ""},
		{"101 seatNameList", both, "", "", map[string]any{"seatNameList": numbered(101, 20)}, "-22", "seatNameList"},
		{"4,000 seatNameList", both, "", "", map[string]any{"seatNameList": numbered(4000, 20)}, "-22", "seatNameList"},
		{"100 ccode and duplicates", both, "", "", map[string]any{"ccode": twice(numbered(100, 3))}, "0", ""},
		{"101 ccode", both, "", "", map[string]any{"ccode": numbered(101, 3)}, "-22", "ccode"},
		{"100 labelNames and duplicates", both, "", "", map[string]any{"labelNames": twice(numbered(100, 30))}, "0", ""},
		{"101 labelNames", both, "", "", map[string]any{"labelNames": numbered(101, 30)}, "-22", "labelNames"},
		{"100 seatId and duplicates", v3, "", "", map[string]any{"seatId": twice(numbered(100, 36))}, "0", ""},
		{"101 seatId", v3, "", "", map[string]any{"seatId": numbered(101, 36)}, "-22", "seatId"},
		{"100 callType and duplicates", both, "", "", map[string]any{"callType": twice(ints(100))}, "0", ""},
		{"101 callType", both, "", "", map[string]any{"callType": ints(101)}, "-22", "callType"},
		{"100 hangupReason and duplicates", both, "", "", map[string]any{"hangupReason": twice(ints(100))}, "0", ""},
		{"101 hangupReason", both, "", "", map[string]any{"hangupReason": ints(101)}, "-22", "hangupReason"},
		{"100 hangingDirection and duplicates", both, "", "", map[string]any{"hangingDirection": twice(ints(100))}, "0", ""},
		{"101 hangingDirection", both, "", "", map[string]any{"hangingDirection": ints(101)}, "-22", "hangingDirection"},
		{"every list at its bound", v3, "", "", map[string]any{"seatNameList": numbered(100, 20), "ccode": numbered(100, 3),
			"labelNames": numbered(100, 30), "seatId": numbered(100, 36), "callType": ints(100), "hangupReason": ints(100),
			"hangingDirection": ints(100)}, "0", ""},
		// Times: from 2000-01-01T00:00:00Z, and the 31-day rule.
		{"from 2000-01-01T00:00:00Z", both, "2000-01-01T00:00:00Z", "2000-02-01T00:00:00Z", nil, "0", ""},
		{"from 2000-01-01 08:00:00 in Shanghai", both, "2000-01-01 08:00:00", "2000-01-02 08:00:00", nil, "0", ""},
		{"from 1999-12-31T23:59:59Z", both, "1999-12-31T23:59:59Z", "2000-01-02T00:00:00Z", nil, "-22", "Time"},
		{"from 2000-01-01 07:59:59 in Shanghai", both, "2000-01-01 07:59:59", "2000-01-02 08:00:00", nil, "-22", "Time"},
		{"before 1970", both, "1969-12-31T23:00:00Z", "1969-12-31T23:59:59Z", nil, "-22", "Time"},
		{"ending at 1970", both, "1969-12-31T23:00:00Z", "1970-01-01T00:00:00Z", nil, "-22", "Time"},
		{"at 1970", both, "1970-01-01T00:00:00Z", "1970-01-01T01:00:00Z", nil, "-22", "Time"},
		{"in 1999", both, "1999-06-01T00:00:00+08:00", "1999-06-02T00:00:00+08:00", nil, "-22", "Time"},
		{"year 1", both, "0001-01-01T00:00:00Z", "0001-01-02T00:00:00Z", nil, "-22", "Time"},
		{"before 2000, over 31 days", both, "1990-01-01T00:00:00Z", "2026-11-01T00:00:00Z", nil, "-22", "Time"},
		{"to the end of 9999", both, "9999-12-20T00:00:00Z", "9999-12-31T23:59:59Z", nil, "0", ""},
		{"to 9999-12-31T23:59:59.999Z", both, "9999-12-20T00:00:00Z", "9999-12-31T23:59:59.999Z", nil, "0", ""},
		{"to 10000-01-01T00:00:00Z", both, "9999-12-20T00:00:00Z", "9999-12-31T23:00:00-01:00", nil, "-22", "endTime"},
		{"from 10000-01-01T00:00:00Z", both, "9999-12-31T23:00:00-01:00", "9999-12-31T23:00:00-01:00", nil, "-22", "Time"},
		{"31 days", both, "2000-01-01T00:00:00Z", "2000-02-01T00:00:00Z", nil, "0", ""},
		{"31 days and a second", both, "2000-01-01T00:00:00Z", "2000-02-01T00:00:01Z", nil, "-25", ""},
		{"a time of 100,000 bytes", both, "2026-11-01T00:00:00Z" + strings.Repeat("0", 100_000), "2026-11-02T00:00:00Z", nil, "-22", "Time"},
	}
	for _, tc := range tests {
		for _, ep := range []struct {
			on   int
			path string
			v3   bool
		}{{old, "/v3/voice/ccRecordQuery", false}, {v3, "/v3/cc/record/query", true}} {
			if tc.on&ep.on == 0 {
				continue
			}
			t.Run(tc.name+" "+ep.path, func(t *testing.T) {
				a := e.post(t, ep.path, acmeKey, acmeSecret, now, body(ep.v3, tc.start, tc.end, tc.params), nil)
				if a.Status != tc.want || !strings.Contains(a.Reason, tc.reason) {
					t.Errorf("%s %q, want %s naming %q", a.Status, a.Reason, tc.want, tc.reason)
				}
				if (a.Data != nil) != (tc.want == "0") {
					t.Errorf("data %+v with status %s", a.Data, a.Status)
				}
			})
		}
	}

	// A calledOrCaller of a megabyte (once 18 s and 2 GB in the store) is
	// refused before any query. The deadline and the allocation bound are
	// guards against that regression, not measurements.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	a := e.postContext(ctx, t, "/v3/voice/ccRecordQuery", acmeKey, acmeSecret, now, query(`,"calledOrCaller":"`+strings.Repeat("1", 1_000_000)+`"`), nil)
	runtime.ReadMemStats(&after)
	if a.Status != "-22" || !strings.Contains(a.Reason, "calledOrCaller") {
		t.Errorf("calledOrCaller of 1 MB: %s %q", a.Status, a.Reason)
	}
	if mb := (after.TotalAlloc - before.TotalAlloc) >> 20; mb > 64 {
		t.Errorf("calledOrCaller of 1 MB: %d MiB allocated", mb)
	}

	// A refused value is the API's answer, not a store failure: nothing is
	// logged at ERROR.
	e.srv.Close()
	for _, l := range strings.Split(strings.TrimSpace(e.logs.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line is not JSON: %.200s", l)
		}
		if m["level"] == "ERROR" {
			t.Errorf("logged at ERROR: %.300s", l)
		}
	}
}
