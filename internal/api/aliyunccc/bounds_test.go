package aliyunccc_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// numbered returns n distinct values of width characters, comma-joined or
// as a JSON array.
func numbered(n, width int, asJSON bool) string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%0*d", width, i)
	}
	if asJSON {
		b, _ := json.Marshal(out)
		return string(b)
	}
	return strings.Join(out, ",")
}

// Every filter value is bounded (docs/design.md#bounds): at the bound a
// request works, over it the answer is 400 Parameter.Format.
func TestBounds(t *testing.T) {
	e := newEnv(t, 1000, 1000)
	const bad = "Parameter.Format"
	criteria := func(digits int) string { return fmt.Sprintf(`{"phoneNumber":%q}`, strings.Repeat("7", digits)) }
	for _, tc := range []struct {
		name string
		q    map[string]string
		want string
	}{
		{"calling number of 32 characters", list(map[string]string{"CallingNumber": strings.Repeat("1", 32)}), ""},
		{"calling number of 33 characters", list(map[string]string{"CallingNumber": strings.Repeat("1", 33)}), bad},
		{"called number of 32 characters, not bytes", list(map[string]string{"CalledNumber": "1" + strings.Repeat("١", 31)}), ""},
		{"called number of 33 characters", list(map[string]string{"CalledNumber": strings.Repeat("1", 33)}), bad},
		{"criteria of 32 digits", list(map[string]string{"Criteria": criteria(32)}), ""},
		{"criteria of 33 digits", list(map[string]string{"Criteria": criteria(33)}), bad},
		{"criteria of 100,000 digits", list(map[string]string{"Criteria": criteria(100_000)}), bad},
		{"agent of 256 bytes", list(map[string]string{"AgentId": strings.Repeat("a", 256)}), ""},
		{"agent of 257 bytes", list(map[string]string{"AgentId": strings.Repeat("a", 257)}), bad},
		{"skill group of 257 bytes", list(map[string]string{"SkillGroupId": strings.Repeat("q", 257)}), bad},
		{"contact id of 128 bytes", list(map[string]string{"ContactId": strings.Repeat("c", 128)}), ""},
		{"contact id of 129 bytes", list(map[string]string{"ContactId": strings.Repeat("c", 129)}), bad},
		{"100 labels of 256 bytes", list(map[string]string{"SatisfactionDescriptionList": numbered(100, 256, true)}), ""},
		{"label of 257 bytes", list(map[string]string{"SatisfactionDescriptionList": numbered(1, 257, true)}), bad},
		{"101 labels", list(map[string]string{"SatisfactionDescriptionList": numbered(101, 4, false)}), bad},
		{"100 contact types and duplicates", list(map[string]string{"ContactTypeList": numbered(100, 3, false) + "," + numbered(100, 3, false)}), ""},
		{"101 contact types", list(map[string]string{"ContactTypeList": numbered(101, 3, true)}), bad},
		{"single and list of 101", list(map[string]string{"ContactDisposition": "x", "ContactDispositionList": numbered(100, 3, false)}), bad},
		{"start at 2000-01-01", list(map[string]string{"StartTime": "946684800000"}), ""},
		{"start before 2000", list(map[string]string{"StartTime": "946684799999"}), bad},
		{"end before 2000", list(map[string]string{"StartTime": "0", "EndTime": "3600000"}), bad},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, alg := range []string{"", "v2"} {
				_, err := e.call(t, acmeID, acmeSecret, alg, "ListCallDetailRecords", tc.q)
				if tc.want == "" {
					if err != nil {
						t.Errorf("%q: %v", alg, err)
					}
					continue
				}
				wantError(t, err, tc.want, 400)
			}
		})
	}
	_, err := e.call(t, acmeID, acmeSecret, "", "GetCallDetailRecord", map[string]string{"InstanceId": "ccc-acme", "ContactId": strings.Repeat("c", 129)})
	wantError(t, err, bad, 400)
}
