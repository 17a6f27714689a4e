package main

import (
	"encoding/json"
	"testing"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/config"
)

// A tenant's satisfaction maps, time zone and scope ids reach its vendor
// formats; a tenant the configuration does not name gets the defaults.
func TestVendorFormatsSettings(t *testing.T) {
	cfg, err := config.Parse([]byte(`
tenants:
  - id: acme
    timezone: Asia/Shanghai
    satisfaction: {aliyun_ccc: {"2": 4}}
    aliyun_ccc: {instance_id: inst-1, credentials: [{access_key_id: x, access_key_secret: y}]}
    trtc_callkit: {sdk_app_id: 7, admin_identifiers: [admin], secret_key: k}
  - id: globex
`), "")
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	all := vendorFormats(cfg)
	acme, globex := cdr.MustTenantID("acme"), cdr.MustTenantID("globex")
	if len(all) != 2 {
		t.Fatalf("formats of %d tenants, want 2", len(all))
	}
	ali := `{"ContactId":"c","StartTime":1700000000000,"SatisfactionIndex":2}`
	desk := `{"SessionId":"d","Timestamp":1700000000,"SatisfactionSelected":2}`
	laf := `{"callSessionId":"l","callStartTime":"2023-11-15 06:20:00"}`
	tests := []struct {
		name             string
		tenant           cdr.TenantID
		aliScore, deskSc int
		lafStart         int64
		instance, sdkApp string
		viaTenantFormats bool
	}{
		{"acme", acme, 4, 2, 1700000400000, `"inst-1"`, "7", false},
		{"acme for import", acme, 4, 2, 1700000400000, `"inst-1"`, "7", true},
		{"globex", globex, 3, 2, 1700029200000, `""`, "0", false},
		{"unknown tenant", cdr.MustTenantID("nobody"), 3, 2, 1700029200000, `""`, "0", true},
	}
	for _, tt := range tests {
		fs := all[tt.tenant]
		if tt.viaTenantFormats {
			fs = tenantFormats(cfg, tt.tenant)
		}
		decode := func(src cdr.Source, obj string) *cdr.Record {
			r, err := fs.Decoders[src].Decode(json.RawMessage(obj))
			if err != nil {
				t.Fatalf("%s: %s: %v", tt.name, src, err)
			}
			return r
		}
		if r := decode(cdr.SourceAliyunCCC, ali); *r.Satisfaction.Score != tt.aliScore {
			t.Errorf("%s: aliyun_ccc score %d, want %d", tt.name, *r.Satisfaction.Score, tt.aliScore)
		}
		if r := decode(cdr.SourceTencentDesk, desk); *r.Satisfaction.Score != tt.deskSc {
			t.Errorf("%s: tencent_desk score %d, want %d", tt.name, *r.Satisfaction.Score, tt.deskSc)
		}
		if r := decode(cdr.SourceLaaffic, laf); r.StartAt != tt.lafStart {
			t.Errorf("%s: laaffic start %d, want %d", tt.name, r.StartAt, tt.lafStart)
		}
		for src, want := range map[cdr.Source][2]string{
			cdr.SourceAliyunCCC:   {"InstanceId", tt.instance},
			cdr.SourceTRTCCallKit: {"sdkAppId", tt.sdkApp},
		} {
			ch := cdr.ChannelVoice
			if src == cdr.SourceTRTCCallKit {
				ch = cdr.ChannelRTC
			}
			out, err := fs.Renderers[src].Render(&cdr.Record{Channel: ch, Source: cdr.SourceNative, SourceID: "n", ID: "rec_n", StartAt: 1700000000000})
			var m map[string]json.RawMessage
			if err != nil || json.Unmarshal(out, &m) != nil || string(m[want[0]]) != want[1] {
				t.Errorf("%s: %s %s = %s, want %s (%v)", tt.name, src, want[0], m[want[0]], want[1], err)
			}
		}
	}
}
