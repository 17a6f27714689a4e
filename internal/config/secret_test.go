package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// Every secret value in testdata contains this marker.
const marker = "S3cr3t"

func TestSecretReveal(t *testing.T) {
	s := Secret("k-S3cr3t")
	if s.Reveal() != "k-S3cr3t" || s.IsZero() || !Secret("").IsZero() {
		t.Error("Reveal/IsZero")
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10.3s", "%t", "%e"} {
		got := fmt.Sprintf(verb, s)
		if strings.Contains(got, marker) || !strings.Contains(got, "[redacted]") {
			t.Errorf("Sprintf(%q) = %q", verb, got)
		}
	}
	if got := fmt.Sprint(s, &s); strings.Contains(got, marker) {
		t.Errorf("Sprint = %q", got)
	}
}

func TestConfigRedacted(t *testing.T) {
	c := mustParseFile(t, "testdata/full.yaml")
	c.Storage = Storage{Driver: DriverPostgres, DSN: "postgres://u:pw-S3cr3t@db/cdrhub"}
	tn := &c.Tenants[0]
	// Every sync block's secret (tencent_ccc's comes from full.yaml).
	tn.TRTCCallKit.Sync.SecretKey = "ck-sync-S3cr3t"
	tn.AliyunCCC.Sync.AccessKeySecret = "ali-sync-S3cr3t"
	tn.Laaffic.Sync.APISecret = "laaffic-sync-S3cr3t"
	tn.TencentDesk.Sync.SecretKey = "desk-sync-S3cr3t"
	outputs := map[string]string{}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%q"} {
		outputs["fmt "+verb+" Config"] = fmt.Sprintf(verb, c)
		outputs["fmt "+verb+" *Config"] = fmt.Sprintf(verb, &c)
		outputs["fmt "+verb+" Tenant"] = fmt.Sprintf(verb, *tn)
		outputs["fmt "+verb+" *Tenant"] = fmt.Sprintf(verb, tn)
		outputs["fmt "+verb+" *TencentCCC"] = fmt.Sprintf(verb, tn.TencentCCC)
		outputs["fmt "+verb+" *TRTCCallKit"] = fmt.Sprintf(verb, tn.TRTCCallKit)
		outputs["fmt "+verb+" *AliyunCCC"] = fmt.Sprintf(verb, tn.AliyunCCC)
		outputs["fmt "+verb+" *Laaffic"] = fmt.Sprintf(verb, tn.Laaffic)
		outputs["fmt "+verb+" *TencentDesk"] = fmt.Sprintf(verb, tn.TencentDesk)
		outputs["fmt "+verb+" syncs"] = fmt.Sprintf(verb, []any{tn.TencentCCC.Sync, tn.TRTCCallKit.Sync,
			tn.AliyunCCC.Sync, tn.Laaffic.Sync, tn.TencentDesk.Sync})
		outputs["fmt "+verb+" credentials"] = fmt.Sprintf(verb, tn.AliyunCCC.Credentials)
	}
	for name, h := range map[string]func(*bytes.Buffer) slog.Handler{
		"json": func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
		"text": func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
	} {
		var buf bytes.Buffer
		slog.New(h(&buf)).Info("loaded", "config", c, "pconfig", &c, "tenant", *tn,
			"ccc", tn.TencentCCC, "key", tn.TencentCCC.Credentials[0].SecretKey,
			"syncs", []any{tn.TencentCCC.Sync, tn.TRTCCallKit.Sync, tn.AliyunCCC.Sync, tn.Laaffic.Sync, tn.TencentDesk.Sync},
			slog.Group("g", "dsn", c.Storage.DSN, "token", c.Admin.Tokens[0]))
		outputs["slog "+name] = buf.String()
	}
	js, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	outputs["json"] = string(js)
	ym, err := yaml.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	outputs["yaml"] = string(ym)
	outputs["error"] = fmt.Errorf("wrapped %v %s", tn.Laaffic, tn.Laaffic.APISecret).Error()
	// The secrets set above are in the configuration: the outputs would
	// show them if redaction failed.
	for _, want := range []Secret{tn.TencentCCC.Sync.SecretKey, tn.TRTCCallKit.Sync.SecretKey,
		tn.AliyunCCC.Sync.AccessKeySecret, tn.Laaffic.Sync.APISecret, tn.TencentDesk.Sync.SecretKey} {
		if !strings.Contains(want.Reveal(), marker) {
			t.Fatalf("sync secret %q lacks the marker", want.Reveal())
		}
	}

	for name, out := range outputs {
		if strings.Contains(out, marker) || strings.Contains(out, "pw-") {
			t.Errorf("%s reveals a secret:\n%s", name, out)
		}
		if !strings.Contains(out, "[redacted]") {
			t.Errorf("%s has no [redacted] field:\n%s", name, out)
		}
	}
	// The JSON form keeps the shape and the durations readable.
	if !strings.Contains(outputs["slog json"], `"Lookback":"48h0m0s"`) {
		t.Errorf("slog json: durations not rendered as strings:\n%s", outputs["slog json"])
	}
}

func TestDurationText(t *testing.T) {
	var d Duration
	if err := d.UnmarshalText([]byte("1m30s")); err != nil || d.Std() != 90*time.Second {
		t.Errorf("UnmarshalText = %v, %v", d, err)
	}
	if err := d.UnmarshalText([]byte("soon")); err == nil {
		t.Error("UnmarshalText(soon) succeeded")
	}
	if b, _ := d.MarshalText(); string(b) != "1m30s" {
		t.Errorf("MarshalText = %s", b)
	}
	var y struct{ D Duration }
	if err := yaml.Unmarshal([]byte("d: 48h"), &y); err != nil || y.D.Std() != 48*time.Hour {
		t.Errorf("yaml: %v, %v", y.D, err)
	}
	out, _ := yaml.Marshal(y)
	if string(out) != "d: 48h0m0s\n" {
		t.Errorf("yaml.Marshal = %q", out)
	}
}
