package laaffic

import (
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// The same record renders 8 h apart in Asia/Shanghai and UTC; a raw record
// is its raw in any zone.
func TestRenderTimeZone(t *testing.T) {
	r := mustPrepare(t, &cdr.Record{Channel: cdr.ChannelVoice, Source: cdr.SourceNative, SourceID: "tz", StartAt: 1700000000000,
		AnswerAt: new(int64(1700000005000)), EndAt: new(int64(1700000065999))})
	sh, utc := renderRecord(t, r, shanghai), renderRecord(t, r, time.UTC)
	want := [][2]string{{"2023-11-15 06:13:20", "2023-11-14 22:13:20"}, {"2023-11-15 06:13:25", "2023-11-14 22:13:25"}, {"2023-11-15 06:14:25", "2023-11-14 22:14:25"}}
	got := [][2]string{{sh.CallStartTime, utc.CallStartTime}, {sh.AnswerTime, utc.AnswerTime}, {sh.CallEndTime, utc.CallEndTime}}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("time %d: %q, want %q", i, got[i], want[i])
		}
		a, _ := time.Parse(TimeLayout, got[i][0])
		b, _ := time.Parse(TimeLayout, got[i][1])
		if a.Sub(b) != 8*time.Hour {
			t.Errorf("time %d: %v apart", i, a.Sub(b))
		}
	}
	if nilZone := renderRecord(t, r, nil); nilZone.CallStartTime != utc.CallStartTime {
		t.Errorf("nil zone: %q", nilZone.CallStartTime)
	}
	// Ingest reads the times in the zone it is given.
	x := `{"callSessionId":"z","callStartTime":"2023-11-15 06:13:20"}`
	a, _ := Ingest([]byte(x), shanghai)
	b, _ := Ingest([]byte(x), time.UTC)
	if a.StartAt != 1700000000000 || b.StartAt-a.StartAt != 8*3600*1000 {
		t.Errorf("ingest zones: %d %d", a.StartAt, b.StartAt)
	}
}

func TestParseTime(t *testing.T) {
	sh := time.Date(2022, 1, 1, 0, 0, 0, 0, shanghai)
	for _, tt := range []struct {
		s    string
		loc  *time.Location
		want time.Time
	}{
		{"2022-01-01T00:00:00+08:00", time.UTC, sh},
		{"2021-12-31T16:00:00Z", shanghai, sh},
		{"2022-01-01T00:00:00.000+0800", nil, sh},
		{"2022-01-01T00:00:00", shanghai, sh},
		{"2022-01-01 00:00:00", shanghai, sh},
		{"2022-01-01 00:00:00", nil, time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"2022-01-01T00:00:00.5", time.UTC, time.Date(2022, 1, 1, 0, 0, 0, 5e8, time.UTC)},
	} {
		got, err := ParseTime(tt.s, tt.loc)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("%q in %v: %v, %v; want %v", tt.s, tt.loc, got, err, tt.want)
		}
	}
	for _, s := range []string{"", "2022-01-01", " 2022-01-01 00:00:00", "2022-01-01 00:00", "2022/01/01 00:00:00",
		"1640966400", "2022-01-01 24:00:00", "2022-02-30 00:00:00", "2022-01-01T00:00:00+8"} {
		if _, err := ParseTime(s, shanghai); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
}
