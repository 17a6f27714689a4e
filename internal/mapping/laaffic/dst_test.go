package laaffic

import (
	"encoding/json"
	"testing"
	"time"
)

// A local time that a DST change repeats is read at its earlier instant,
// whichever side of UTC the zone lies (time.Date alone reads New York's at
// the earlier offset and Berlin's at the later); a time next to a change,
// and a skipped one, keep the instant time.Date gives.
func TestDSTLocalTimes(t *testing.T) {
	for _, tc := range []struct {
		zone, local, want string
	}{
		{"America/New_York", "2026-11-01 01:30:00", "2026-11-01T01:30:00-04:00"},
		{"America/New_York", "2026-11-01 01:00:00", "2026-11-01T01:00:00-04:00"},
		{"America/New_York", "2026-11-01 01:59:59", "2026-11-01T01:59:59-04:00"},
		{"America/New_York", "2026-11-01 00:59:59", "2026-11-01T00:59:59-04:00"},
		{"America/New_York", "2026-11-01 02:00:00", "2026-11-01T02:00:00-05:00"},
		{"America/New_York", "2026-03-08 01:59:59", "2026-03-08T01:59:59-05:00"},
		{"America/New_York", "2026-03-08 03:00:00", "2026-03-08T03:00:00-04:00"},
		{"America/New_York", "2026-03-08 02:30:00", "2026-03-08T01:30:00-05:00"}, // skipped
		{"Europe/Berlin", "2026-10-25 02:30:00", "2026-10-25T02:30:00+02:00"},
		{"Europe/Berlin", "2026-10-25 03:00:00", "2026-10-25T03:00:00+01:00"},
		{"Australia/Lord_Howe", "2026-04-05 01:45:00", "2026-04-05T01:45:00+11:00"}, // a half-hour change
		{"Asia/Shanghai", "2026-11-01 01:30:00", "2026-11-01T01:30:00+08:00"},
	} {
		t.Run(tc.zone+" "+tc.local, func(t *testing.T) {
			loc, err := time.LoadLocation(tc.zone)
			if err != nil {
				t.Skip(err)
			}
			want, err := time.Parse(time.RFC3339, tc.want)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 3; i++ { // deterministically
				ms, err := parseRecordTime(tc.local, loc)
				if err != nil || ms != want.UnixMilli() {
					t.Fatalf("parseRecordTime = %v, %v; want %v", time.UnixMilli(ms).In(loc).Format(time.RFC3339), err, tc.want)
				}
			}
			for _, s := range []string{tc.local, tc.local[:10] + "T" + tc.local[11:]} {
				got, err := ParseTime(s, loc)
				if err != nil || !got.Equal(want) {
					t.Errorf("ParseTime(%q) = %v, %v; want %v", s, got.Format(time.RFC3339), err, tc.want)
				}
			}
			raw := json.RawMessage(`{"callSessionId":"dst","callStartTime":"` + tc.local + `"}`)
			r, err := Ingest(raw, loc)
			if err != nil || r.StartAt != want.UnixMilli() {
				t.Errorf("Ingest: start %v, %v; want %v", r, err, tc.want)
			}
		})
	}
}
