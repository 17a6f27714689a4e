package demo

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

const n = 3000

var now = time.Date(2026, 3, 18, 15, 4, 5, 0, time.UTC)

func TestRecordsPrepare(t *testing.T) {
	recs := Records("acme", now, n)
	if len(recs) != n {
		t.Fatalf("got %d records, want %d", len(recs), n)
	}
	tenant := cdr.MustTenantID("acme")
	from, to := now.Add(-90*24*time.Hour).UnixMilli(), now.UnixMilli()
	version := DayStart(now).UnixMilli()
	ids := map[string]bool{}
	for _, r := range recs {
		if err := r.Prepare(tenant, now.UnixMilli()); err != nil {
			t.Fatalf("%s: Prepare: %v", r.SourceID, err)
		}
		if ids[r.SourceID] {
			t.Fatalf("duplicate source_id %s", r.SourceID)
		}
		ids[r.SourceID] = true
		if r.Source != cdr.SourceNative || r.Version != version {
			t.Errorf("%s: source %s version %d, want native %d", r.SourceID, r.Source, r.Version, version)
		}
		if r.StartAt < from || r.StartAt >= to {
			t.Errorf("%s: start_at %d outside [%d, %d)", r.SourceID, r.StartAt, from, to)
		}
		checkConsistent(t, r)
	}
}

// checkConsistent checks the timeline and disposition rules of the brief.
func checkConsistent(t *testing.T, r *cdr.Record) {
	t.Helper()
	if r.EndAt == nil || *r.EndAt < r.StartAt || *r.EndAt > DayStart(now).UnixMilli() {
		t.Errorf("%s: end_at %v not in [start_at, start of today]", r.SourceID, r.EndAt)
		return
	}
	if r.TalkS == nil || r.TotalS == nil {
		t.Errorf("%s: talk_s/total_s not derived", r.SourceID)
	}
	last := r.StartAt
	for _, at := range []*int64{r.QueuedAt, r.RingAt, r.AnswerAt, r.EndAt} {
		if at != nil {
			if *at < last {
				t.Errorf("%s: times not increasing", r.SourceID)
			}
			last = *at
		}
	}
	answered := r.Disposition == cdr.DispositionAnswered || r.Disposition == cdr.DispositionTransferred
	if (r.AnswerAt != nil) != answered {
		t.Errorf("%s: disposition %s with answer_at %v", r.SourceID, r.Disposition, r.AnswerAt)
	}
	if r.Disposition == cdr.DispositionUnknown || r.HangupBy == "" {
		t.Errorf("%s: disposition %s hangup_by %q", r.SourceID, r.Disposition, r.HangupBy)
	}
	for _, rec := range r.Recordings {
		if rec.Kind == cdr.RecordingMain && *rec.DurationS != *r.TalkS {
			t.Errorf("%s: recording of %d s, talk_s %d", r.SourceID, *rec.DurationS, *r.TalkS)
		}
	}
	switch r.Channel {
	case cdr.ChannelVoice:
		if r.Caller.Digits == "" || r.Callee.Digits == "" || r.CountryCode != "86" {
			t.Errorf("%s: voice parties %+v %+v", r.SourceID, r.Caller, r.Callee)
		}
	case cdr.ChannelRTC:
		if r.Direction != cdr.DirectionInternal || len(r.Participants) != int(*r.ParticipantCount)-1 ||
			(r.CallType == cdr.CallTypeConference) != (r.RoomID != "") {
			t.Errorf("%s: rtc shape", r.SourceID)
		}
	case cdr.ChannelChat:
		if r.Media != cdr.MediaText || len(r.Queues) != 1 || answered != (len(r.Agents) == 1) {
			t.Errorf("%s: chat shape", r.SourceID)
		}
	}
}

func TestRecordsMix(t *testing.T) {
	recs := Records("acme", now, n)
	channels := map[cdr.Channel]int{}
	disps := map[cdr.Disposition]int{}
	phones := map[string]int{}
	var daytime, weekday int
	for _, r := range recs {
		channels[r.Channel]++
		disps[r.Disposition]++
		if r.Channel == cdr.ChannelVoice {
			phones[r.Caller.Address]++
			phones[r.Callee.Address]++
		}
		local := time.UnixMilli(r.StartAt).In(shanghai)
		if h := local.Hour(); h >= 9 && h < 21 {
			daytime++
		}
		if wd := local.Weekday(); wd != time.Saturday && wd != time.Sunday {
			weekday++
		}
	}
	within := func(what string, got int, lo, hi float64) {
		t.Helper()
		if f := float64(got) / n; f < lo || f > hi {
			t.Errorf("%s: %.3f of the records, want [%.2f, %.2f]", what, f, lo, hi)
		}
	}
	within("voice", channels[cdr.ChannelVoice], 0.55, 0.65)
	within("rtc", channels[cdr.ChannelRTC], 0.16, 0.24)
	within("chat", channels[cdr.ChannelChat], 0.16, 0.24)
	within("answered", disps[cdr.DispositionAnswered], 0.55, 0.75)
	within("business hours", daytime, 0.7, 0.95)
	within("weekdays", weekday, 0.78, 0.9)
	for _, d := range cdr.Dispositions {
		if d != cdr.DispositionUnknown && disps[d] == 0 {
			t.Errorf("no %s record", d)
		}
		if d != cdr.DispositionAnswered && disps[d] > n/10 {
			t.Errorf("%d %s records, want at most %d", disps[d], d, n/10)
		}
	}
	frequent := 0
	for p, c := range phones {
		if c >= 5 && p[0] == '+' && p[3] == '1' { // a customer's mobile
			frequent++
		}
	}
	if frequent == 0 {
		t.Error("no customer number appears in 5 or more records")
	}
}

func TestRecordsDeterministic(t *testing.T) {
	a := Records("acme", now, 500)
	b := Records("acme", DayStart(now).Add(23*time.Hour), 500)
	if !reflect.DeepEqual(a, b) {
		t.Error("two calls on the same day differ")
	}
	c := Records("acme", now.Add(24*time.Hour), 500)
	if c[0].Version != a[0].Version+24*60*60*1000 || c[0].SourceID != a[0].SourceID {
		t.Errorf("next day: %s version %d, want %s version %d", c[0].SourceID, c[0].Version, a[0].SourceID, a[0].Version+24*60*60*1000)
	}
	if Records("acme", now, 0) != nil {
		t.Error("n = 0 returned records")
	}
}

func TestBatch(t *testing.T) {
	seen := map[string]bool{}
	numbers := map[string]bool{}
	for i := range 3 {
		for _, r := range Batch("acme", i, 500) {
			if seen[r.SourceID] {
				t.Fatalf("duplicate source id %s", r.SourceID)
			}
			seen[r.SourceID] = true
			if err := r.Prepare(cdr.MustTenantID("acme"), 1); err != nil {
				t.Fatalf("%s: %v", r.SourceID, err)
			}
			if r.Channel == cdr.ChannelVoice {
				numbers[r.Caller.Digits] = true
			}
		}
	}
	if len(numbers) < 500 {
		t.Errorf("only %d distinct caller numbers in 1500 records", len(numbers))
	}
}

func TestAudio(t *testing.T) {
	a := Audio(3, 2)
	if string(a[:4]) != "RIFF" || string(a[8:16]) != "WAVEfmt " || len(a) != 44+2*2*AudioRate {
		t.Fatalf("not a 2-second WAV: %q, %d bytes", a[:16], len(a))
	}
	if !bytes.Equal(a, Audio(3, 2)) || bytes.Equal(a, Audio(4, 2)) {
		t.Errorf("a clip depends on its variant, and only on it")
	}
	if len(Audio(0, 100)) != 44+2*30*AudioRate || len(Audio(0, 0)) != 44+2*AudioRate {
		t.Errorf("lengths are not bounded to 1..30 s")
	}
}
