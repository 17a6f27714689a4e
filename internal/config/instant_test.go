package config

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

func TestInstantYAML(t *testing.T) {
	june := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		doc  string
		want time.Time
		err  string // substring of the error; "" when it parses
	}{
		{"from: 2026-06-01T00:00:00Z", june, ""},
		{"from: '2026-06-01T08:00:00+08:00'", june, ""},
		{"from: 2026-06-01T00:00:00.250Z", june.Add(250 * time.Millisecond), ""},
		{"from: 1780272000000", june, ""},                               // a YAML integer: Unix ms
		{"from: '1780272000250'", june.Add(250 * time.Millisecond), ""}, // a digit string: Unix ms
		{"from: 946684800000", time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), ""},
		{"from: -1", time.UnixMilli(-1).UTC(), ""}, // parses; Validate refuses it
		{"from:", time.Time{}, ""},
		{"from: null", time.Time{}, ""},
		{"from: 2026-06-01", time.Time{}, `line 1: invalid instant "2026-06-01"`},
		{"from: 2026-06-01 00:00:00", time.Time{}, "invalid instant"},
		{"from: '2026-06-01T00:00:00'", time.Time{}, "invalid instant"}, // no offset
		{"from: yesterday", time.Time{}, "invalid instant"},
		{"from: ''", time.Time{}, "invalid instant"},
		{"from: 1.5e12", time.Time{}, "invalid instant"},
		{"from: 0x10", time.Time{}, "invalid instant"},
		{"from: 99999999999999999999", time.Time{}, "invalid instant"}, // overflows int64
		{"from: 9999999999999999", time.Time{}, "invalid instant"},     // after year 9999
		{"from: 0001-01-01T00:00:00Z", time.Time{}, "invalid instant"}, // would read as unset
		{"x: 1\nfrom: [1]", time.Time{}, "line 2: an instant must be"},
		{"from: {a: 1}", time.Time{}, "line 1: an instant must be"},
	}
	for _, tt := range tests {
		t.Run(tt.doc, func(t *testing.T) {
			var v struct {
				X    int
				From Instant
			}
			err := yaml.Unmarshal([]byte(tt.doc), &v)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error = %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !v.From.Time().Equal(tt.want) || v.From.IsZero() != tt.want.IsZero() {
				t.Errorf("From = %v, want %v", v.From.Time(), tt.want)
			}
			if !v.From.IsZero() && v.From.Time().Location() != time.UTC {
				t.Errorf("From in %v, want UTC", v.From.Time().Location())
			}
		})
	}
}

func TestInstantMarshal(t *testing.T) {
	type doc struct {
		From Instant `yaml:"from" json:"from"`
	}
	in := doc{Instant(time.Date(2026, 6, 1, 8, 0, 0, 5e8, time.FixedZone("CST", 8*3600)).UTC())}
	out, err := yaml.Marshal(in)
	if err != nil || string(out) != "from: \"2026-06-01T00:00:00.5Z\"\n" {
		t.Fatalf("yaml.Marshal = %q, %v", out, err)
	}
	var back doc
	if err := yaml.Unmarshal(out, &back); err != nil || !back.From.Equal(in.From) {
		t.Errorf("round trip = %v, %v; want %v", back.From, err, in.From)
	}
	if out, _ := yaml.Marshal(doc{}); string(out) != "from: null\n" {
		t.Errorf("yaml.Marshal(unset) = %q", out)
	}
	if js, _ := json.Marshal(in); string(js) != `{"from":"2026-06-01T00:00:00.5Z"}` {
		t.Errorf("json = %s", js)
	}
	if s := (Instant{}).String(); s != "" {
		t.Errorf("unset String() = %q", s)
	}
	if !(Instant{}).Equal(Instant{}) || (Instant{}).Equal(in.From) {
		t.Error("Equal")
	}
}

func TestParseInstant(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"1780272000000", time.UnixMilli(1780272000000).UTC(), true},
		{"2026-06-01T08:00:00+08:00", time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), true},
		{"946684800000", time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), true},
		{"946684799999", time.Time{}, false},
		{"2026-06-01", time.Time{}, false},
		{"", time.Time{}, false},
		{"-5", time.Time{}, false},
	} {
		got, err := ParseInstant(tt.in)
		if (err == nil) != tt.ok || tt.ok && !got.Time().Equal(tt.want) {
			t.Errorf("ParseInstant(%q) = %v, %v; want %v (ok %v)", tt.in, got, err, tt.want, tt.ok)
		}
	}
}
