package mapping_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/mapping"
	alimap "github.com/cdrhub/cdrhub/internal/mapping/aliyunccc"
	lafmap "github.com/cdrhub/cdrhub/internal/mapping/laaffic"
	tcmap "github.com/cdrhub/cdrhub/internal/mapping/tencentccc"
)

// Every vendor source has a decoder and a renderer of its channel; native
// has neither.
func TestFormatsSources(t *testing.T) {
	fs := mapping.NewFormats(mapping.Tenant{})
	want := map[cdr.Source]cdr.Channel{
		cdr.SourceTencentCCC: cdr.ChannelVoice, cdr.SourceAliyunCCC: cdr.ChannelVoice, cdr.SourceLaaffic: cdr.ChannelVoice,
		cdr.SourceTRTCCallKit: cdr.ChannelRTC, cdr.SourceTencentDesk: cdr.ChannelChat,
	}
	if len(fs.Decoders) != len(want) || len(fs.Renderers) != len(want) {
		t.Errorf("%d decoders, %d renderers; want %d", len(fs.Decoders), len(fs.Renderers), len(want))
	}
	for src, ch := range want {
		d, r := fs.Decoders[src], fs.Renderers[src]
		if d == nil || r == nil || d.Source() != src || r.Source() != src || r.Channel() != ch {
			t.Errorf("%s: decoder %v, renderer %v", src, d, r)
		}
	}
	if fs.Decoders[cdr.SourceNative] != nil || fs.Renderers[cdr.SourceNative] != nil {
		t.Error("a native format")
	}
}

func score(t *testing.T, d mapping.Decoder, obj string) (string, int) {
	t.Helper()
	objs, err := d.ParseList([]byte(obj))
	if err != nil || len(objs) != 1 {
		t.Fatalf("%s: %d objects, %v", d.Source(), len(objs), err)
	}
	r, err := d.Decode(objs[0])
	if err != nil {
		t.Fatalf("%s: %v", d.Source(), err)
	}
	if string(r.Raw) != string(objs[0]) {
		t.Errorf("%s: raw %s", d.Source(), r.Raw)
	}
	if r.Satisfaction == nil || r.Satisfaction.Score == nil {
		return r.Satisfaction.Raw, 0
	}
	return r.Satisfaction.Raw, *r.Satisfaction.Score
}

// A tenant's satisfaction table replaces its source's default; an empty
// table maps nothing; a source without one keeps the mapping's default.
func TestFormatsSatisfaction(t *testing.T) {
	objs := map[cdr.Source]string{
		cdr.SourceTencentCCC:  `{"SessionId":"s","Time":1700000000,"PostIVRKeyPressedEx":[{"Key":"2","Label":"ok"}]}`,
		cdr.SourceAliyunCCC:   `{"ContactId":"c","StartTime":1700000000000,"SatisfactionIndex":2}`,
		cdr.SourceTencentDesk: `{"SessionId":"d","Timestamp":1700000000,"SatisfactionSelected":2}`,
	}
	tests := []struct {
		name string
		sat  map[cdr.Source]map[string]int
		want map[cdr.Source]int
	}{
		{"defaults", nil, map[cdr.Source]int{cdr.SourceTencentCCC: 3, cdr.SourceAliyunCCC: 3, cdr.SourceTencentDesk: 2}},
		{"tables", map[cdr.Source]map[string]int{cdr.SourceTencentCCC: {"2": 4}, cdr.SourceAliyunCCC: {"2": 1}, cdr.SourceTencentDesk: {"2": 5}},
			map[cdr.Source]int{cdr.SourceTencentCCC: 4, cdr.SourceAliyunCCC: 1, cdr.SourceTencentDesk: 5}},
		{"empty tables", map[cdr.Source]map[string]int{cdr.SourceTencentCCC: {}, cdr.SourceAliyunCCC: {}, cdr.SourceTencentDesk: {}},
			map[cdr.Source]int{}},
		{"one source", map[cdr.Source]map[string]int{cdr.SourceAliyunCCC: {"2": 5}},
			map[cdr.Source]int{cdr.SourceTencentCCC: 3, cdr.SourceAliyunCCC: 5, cdr.SourceTencentDesk: 2}},
	}
	for _, tt := range tests {
		fs := mapping.NewFormats(mapping.Tenant{Satisfaction: tt.sat})
		for src, obj := range objs {
			if raw, got := score(t, fs.Decoders[src], obj); raw != "2" || got != tt.want[src] {
				t.Errorf("%s: %s: raw %q score %d, want \"2\" %d", tt.name, src, raw, got, tt.want[src])
			}
		}
	}
}

// laaffic times are read and written in the tenant's zone (UTC without
// one), and rendered objects carry the tenant's scope ids (TelCdrInfo has
// no scope field).
func TestFormatsZoneAndScopes(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	obj := `{"callSessionId":"l","callStartTime":"2023-11-15 06:20:00"}`
	for loc, want := range map[*time.Location]int64{nil: 1700029200000, shanghai: 1700000400000} {
		fs := mapping.NewFormats(mapping.Tenant{Location: loc})
		r, err := fs.Decoders[cdr.SourceLaaffic].Decode(json.RawMessage(obj))
		if err != nil || r.StartAt != want {
			t.Errorf("zone %v: start %d, %v; want %d", loc, r.StartAt, err, want)
			continue
		}
		r.Source, r.Raw = cdr.SourceNative, nil
		out, err := fs.Renderers[cdr.SourceLaaffic].Render(r)
		if want, _ := lafmap.Render(r, loc); err != nil || string(out) != string(want) {
			t.Errorf("zone %v: rendered %s, %v; want %s", loc, out, err, want)
		}
	}

	fs := mapping.NewFormats(mapping.Tenant{TencentCCCSdkAppID: 1400000001, AliyunCCCInstanceID: "inst-1", TRTCCallKitSdkAppID: 1400000002})
	voice := &cdr.Record{Channel: cdr.ChannelVoice, Source: cdr.SourceNative, SourceID: "v", StartAt: 1700000000000, ID: "rec_v"}
	rtc := &cdr.Record{Channel: cdr.ChannelRTC, Source: cdr.SourceNative, SourceID: "r", StartAt: 1700000000000, ID: "rec_r"}
	for _, tt := range []struct {
		src        cdr.Source
		rec        *cdr.Record
		field, val string
	}{
		{cdr.SourceAliyunCCC, voice, "InstanceId", `"inst-1"`},
		{cdr.SourceTRTCCallKit, rtc, "sdkAppId", "1400000002"},
	} {
		out, err := fs.Renderers[tt.src].Render(tt.rec)
		var m map[string]json.RawMessage
		if err != nil || json.Unmarshal(out, &m) != nil || string(m[tt.field]) != tt.val {
			t.Errorf("%s: %s = %s, want %s (%v)", tt.src, tt.field, m[tt.field], tt.val, err)
		}
	}
	// A record of another channel is refused.
	if _, err := fs.Renderers[cdr.SourceTencentCCC].Render(rtc); cdr.ErrorCode(err) != cdr.EINVALID {
		t.Errorf("rtc as tencent_ccc: %v", err)
	}
}

func TestTerms(t *testing.T) {
	voice := &cdr.Record{Channel: cdr.ChannelVoice, Source: cdr.SourceNative, SourceID: "v", StartAt: 1700000000000,
		Direction: cdr.DirectionInbound, Disposition: cdr.DispositionAnswered}
	want := slices.Concat(tcmap.Terms(voice), alimap.Terms(voice), lafmap.Terms(voice))
	if got := mapping.Terms(voice); len(want) == 0 || !slices.Equal(got, want) {
		t.Errorf("voice terms %v, want %v", got, want)
	}
}
