package aliyunccc

import (
	"testing"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/google/go-cmp/cmp"
)

// renderIngest renders a prepared native record and ingests the output.
func renderIngest(t *testing.T, r *cdr.Record) (*CallDetailRecord, *cdr.Record) {
	t.Helper()
	r.Channel, r.Source, r.SourceID, r.StartAt = cdr.ChannelVoice, cdr.SourceNative, "n-1", 1700000000000
	mustPrepare(t, r)
	in := renderRecord(t, r)
	out, _ := Render(r, "ccc-test")
	back, err := Ingest(out, nil)
	if err != nil {
		t.Fatalf("Ingest(Render(r)): %v", err)
	}
	return in, back
}

// Every disposition renders to values that ingest back to it, in every
// context the render column looks at, except the documented lossy ones.
func TestDispositionRoundTrip(t *testing.T) {
	lossy := map[cdr.Disposition]cdr.Disposition{
		cdr.DispositionSelfService: cdr.DispositionAbandoned,
		cdr.DispositionCancelled:   cdr.DispositionNoAnswer,
	}
	notOutbound := map[cdr.Disposition]cdr.Disposition{ // (b2): "" unless outbound
		cdr.DispositionBlocked: cdr.DispositionUnknown,
		cdr.DispositionFailed:  cdr.DispositionUnknown,
	}
	contexts := []struct {
		name     string
		outbound bool
		mod      func(r *cdr.Record)
	}{
		{"inbound", false, func(r *cdr.Record) { r.Direction = cdr.DirectionInbound }},
		{"outbound", true, func(r *cdr.Record) { r.Direction = cdr.DirectionOutbound }},
		{"unknown direction", false, func(r *cdr.Record) {}},
		{"ringing", false, func(r *cdr.Record) { r.RingAt = new(int64(1700000001000)) }},
		{"ring_s", true, func(r *cdr.Record) { r.Direction, r.RingS = cdr.DirectionOutbound, new(int64(3)) }},
		{"queued", false, func(r *cdr.Record) { r.QueuedAt = new(int64(1700000001000)) }},
		{"queue_s", false, func(r *cdr.Record) { r.QueueS = new(int64(3)) }},
	}
	for _, d := range cdr.Dispositions {
		for _, c := range contexts {
			r := &cdr.Record{Disposition: d}
			c.mod(r)
			in, back := renderIngest(t, r)
			want := d
			if l, ok := lossy[d]; ok {
				want = l
			} else if l, ok := notOutbound[d]; ok && !c.outbound {
				want = l
			}
			if back.Disposition != want {
				t.Errorf("%s, %s: %s/%s ingests as %s, want %s", d, c.name, in.ContactDisposition, in.EarlyMediaState, back.Disposition, want)
			}
			if back.DispositionRaw != in.ContactDisposition {
				t.Errorf("%s: disposition_raw %q", d, back.DispositionRaw)
			}
		}
	}
}

// An aliyun_ccc record without raw renders its own ContactDisposition from
// disposition_raw with an EarlyMediaState that keeps its disposition (R1).
func TestRenderOwnSourceWithoutRaw(t *testing.T) {
	for _, tt := range []struct {
		d        cdr.Disposition
		raw      string
		dir      cdr.Direction
		cd, ems  string
		ingested cdr.Disposition
	}{
		{cdr.DispositionFailed, "NoAnswer", cdr.DirectionInbound, "NoAnswer", "OutOfService", cdr.DispositionFailed},
		{cdr.DispositionFailed, "IVRException", cdr.DirectionInbound, "IVRException", "", cdr.DispositionFailed},
		{cdr.DispositionBusy, "NoAnswer", cdr.DirectionOutbound, "NoAnswer", "Busy", cdr.DispositionBusy},
		{cdr.DispositionNoAnswer, "NoAnswer", cdr.DirectionOutbound, "NoAnswer", "NoAnswer", cdr.DispositionNoAnswer},
		{cdr.DispositionAnswered, "Weird", cdr.DirectionOutbound, "Weird", "", cdr.DispositionUnknown},
		{cdr.DispositionAbandoned, "", cdr.DirectionInbound, "AbandonedInIVR", "", cdr.DispositionAbandoned},
	} {
		r := mustPrepare(t, &cdr.Record{Channel: cdr.ChannelVoice, Source: cdr.SourceAliyunCCC, SourceID: "c-9", StartAt: 1700000000000,
			Disposition: tt.d, DispositionRaw: tt.raw, Direction: tt.dir})
		in := renderRecord(t, r)
		if in.ContactId != "c-9" || in.ContactDisposition != tt.cd || in.EarlyMediaState != tt.ems ||
			IngestDisposition(in.ContactDisposition, in.EarlyMediaState) != tt.ingested {
			t.Errorf("%s/%s: %s/%s", tt.d, tt.raw, in.ContactDisposition, in.EarlyMediaState)
		}
	}
}

// ContactType is a bijection between the table's rows and their
// (direction, call_type) pairs, in both spellings.
func TestContactTypeRoundTrip(t *testing.T) {
	for _, c := range contactTypes {
		for _, s := range []string{c.Name, c.Upper} {
			d, ct := ingestContactType(s)
			if d != c.Direction || ct != c.CallType || renderContactType(d, ct) != c.Name || upperContactType(c.Name) != c.Upper {
				t.Errorf("%s: %s %s renders %q", s, d, ct, renderContactType(d, ct))
			}
		}
	}
	for _, tt := range []struct {
		d    cdr.Direction
		ct   cdr.CallType
		want string
	}{
		{cdr.DirectionUnknown, cdr.CallTypeDirect, ""},
		{cdr.DirectionInbound, cdr.CallTypePredictive, "Predictive"},
		{cdr.DirectionInbound, cdr.CallTypeConference, "Conference"},
		{cdr.DirectionInternal, "", "Internal"},
	} {
		if got := renderContactType(tt.d, tt.ct); got != tt.want {
			t.Errorf("%s %s renders %q, want %q", tt.d, tt.ct, got, tt.want)
		}
	}
	if d, ct := ingestContactType("inbound"); d != cdr.DirectionUnknown || ct != cdr.CallTypeDirect {
		t.Errorf("a third spelling ingested: %s %s", d, ct)
	}
}

func TestReleaseInitiatorAndChannel(t *testing.T) {
	for s, want := range map[string]cdr.HangupBy{"customer": "customer", "agent": "agent", "system": "system", "x": "system", "": "unknown"} {
		if got := ingestReleaseInitiator(s); got != want {
			t.Errorf("%q → %s, want %s", s, got, want)
		}
	}
	for by, want := range map[cdr.HangupBy]string{"customer": "customer", "agent": "agent", "system": "", "unknown": ""} {
		if got := renderReleaseInitiator(by); got != want {
			t.Errorf("%s renders %q, want %q", by, got, want)
		}
	}
	if ingestSurveyChannel("IVR") != "ivr" || surveyChannels["sms"] != "SMS" || surveyChannels["web"] != "" {
		t.Error("survey channel")
	}
}

// Foreign satisfaction render: the lowest index whose score matches.
func TestSatisfactionIndexRender(t *testing.T) {
	for score, want := range map[int]int32{5: 1, 3: 2, 1: 3, 4: 0} {
		r := &cdr.Record{Source: cdr.SourceTencentCCC, Satisfaction: &cdr.Satisfaction{Score: new(score), Raw: "9"}}
		if got := satisfactionIndex(r, DefaultSatisfaction); got != want {
			t.Errorf("score %d renders %d, want %d", score, got, want)
		}
	}
	r := &cdr.Record{Source: cdr.SourceAliyunCCC, Satisfaction: &cdr.Satisfaction{Score: new(5), Raw: "7"}}
	if got := satisfactionIndex(r, DefaultSatisfaction); got != 7 {
		t.Errorf("own index renders %d", got)
	}
}

func TestTerms(t *testing.T) {
	r := mustIngest(t, `{"ContactId":"c","StartTime":1700000000000,"ContactType":"Outbound","ContactDisposition":"NoAnswer",
	  "EarlyMediaState":"Busy","SatisfactionIndex":2,"SatisfactionSurveyChannel":"SMS"}`)
	k := func(f, v string) cdr.Term { return cdr.Term{Kind: "aliyun_ccc." + f, Value: v} }
	want := []cdr.Term{k("ContactType", "Outbound"), k("ContactDisposition", "NoAnswer"), k("EarlyMediaState", "Busy"),
		k("SatisfactionIndex", "2"), k("SatisfactionSurveyChannel", "SMS")}
	if d := cmp.Diff(want, Terms(r)); d != "" {
		t.Errorf("raw terms (-want +got):\n%s", d)
	}
	// Terms follow the output, not the canonical fields.
	r.Disposition = cdr.DispositionAnswered
	if d := cmp.Diff(want, Terms(r)); d != "" {
		t.Errorf("after a canonical change (-want +got):\n%s", d)
	}
	// A native record with none of the fields: only SatisfactionIndex 0.
	n := mustPrepare(t, &cdr.Record{Channel: cdr.ChannelVoice, Source: cdr.SourceNative, SourceID: "x", StartAt: 1700000000000})
	if d := cmp.Diff([]cdr.Term{k("SatisfactionIndex", "0")}, Terms(n)); d != "" {
		t.Errorf("native terms (-want +got):\n%s", d)
	}
	n.Channel = cdr.ChannelChat
	if Terms(n) != nil {
		t.Error("a chat record has terms")
	}
}
