package tencentccc_test

import (
	"fmt"
	"strings"
	"testing"
)

// numbered returns n distinct values of width characters.
func numbered(n, width int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%0*d", width, i)
	}
	return out
}

// Every filter value is bounded (docs/design.md#bounds): at the bound a
// request works, over it the answer is InvalidParameterValue.
func TestBounds(t *testing.T) {
	e := newEnv(t, 1000, 1000)
	const invalid = "InvalidParameterValue"
	withDups := append(numbered(100, 11), numbered(100, 11)...)
	for _, tc := range []struct {
		name   string
		params map[string]any
		want   string
	}{
		{"phone of 32 characters", window(map[string]any{"Phones": []string{strings.Repeat("1", 32)}}), ""},
		{"phone of 32 characters, not bytes", window(map[string]any{"Phones": []string{"+86 " + strings.Repeat("١", 28)}}), ""},
		{"phone of 33 characters", window(map[string]any{"Phones": []string{strings.Repeat("1", 33)}}), invalid},
		{"phone of a million digits", window(map[string]any{"Phones": []string{strings.Repeat("1", 1_000_000)}}), invalid},
		{"100 phones and duplicates", window(map[string]any{"Phones": withDups}), ""},
		{"101 phones", window(map[string]any{"Phones": numbered(101, 11)}), invalid},
		{"2,000 phones", window(map[string]any{"Phones": numbered(2000, 11)}), invalid},
		{"session id of 128 bytes", window(map[string]any{"SessionIds": []string{strings.Repeat("s", 128)}}), ""},
		{"session id of 129 bytes", window(map[string]any{"SessionIds": []string{strings.Repeat("s", 129)}}), invalid},
		{"100 session ids", window(map[string]any{"SessionIds": numbered(100, 40)}), ""},
		{"101 session ids", window(map[string]any{"SessionIds": numbered(101, 40)}), invalid},
		{"16,000 session ids", window(map[string]any{"SessionIds": numbered(16000, 40)}), invalid},
		{"start at 2000-01-01", window(map[string]any{"StartTimeStamp": 946684800, "EndTimeStamp": 946684800 + 10*day}), ""},
		{"start before 2000", window(map[string]any{"StartTimeStamp": 946684799, "EndTimeStamp": 946684800 + 10*day}), invalid},
		{"start at 0", window(map[string]any{"StartTimeStamp": 0, "EndTimeStamp": 3600}), invalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.call(t, acmeID, acmeKey, "DescribeTelCdr", tc.params)
			if got := code(err); got != tc.want {
				t.Errorf("code %q, want %q (%v)", got, tc.want, err)
			}
		})
	}
}
