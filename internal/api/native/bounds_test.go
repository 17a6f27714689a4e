package native_test

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/cdrhub/cdrhub/internal/api/native"
	"github.com/cdrhub/cdrhub/internal/cdr"
)

// query builds a query string from key, value pairs, escaping the values.
func query(kv ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(kv); i += 2 {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(kv[i] + "=" + url.QueryEscape(kv[i+1]))
	}
	return b.String()
}

// distinct returns n distinct values made with format from 0..n-1.
func distinct(format string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf(format, i)
	}
	return out
}

// listQuery gives the values of key half comma-separated in one parameter,
// half as repeated parameters, then dups of them again.
func listQuery(key string, vs []string, dups int) string {
	h := len(vs) / 2
	kv := []string{key, strings.Join(vs[:h], ",")}
	for _, v := range vs[h:] {
		kv = append(kv, key, v)
	}
	for i := range dups {
		kv = append(kv, key, vs[i%len(vs)])
	}
	return query(kv...)
}

func TestFilterBounds(t *testing.T) {
	e := newEnv(t, native.DefaultLimits)
	post(t, e, acmeToken, "", rec("b", 1700000000000, ""))
	rep := strings.Repeat
	type tc struct {
		name, query string
		param       string // "": accepted; else 400 invalid naming it
	}
	var tests []tc
	// The value at the bound works; one byte or character more does not.
	bounds := []struct {
		param, at, over, with string
	}{
		{"phone", rep("1", 32), rep("1", 33), ""},
		{"phone", "1" + rep("é", 31), "1" + rep("é", 32), ""}, // characters, not bytes
		{"phone_contains", rep("2", 32), rep("2", 33), ""},
		{"phone_contains", "123" + rep("é", 29), "123" + rep("é", 30), ""},
		{"source_id", rep("s", 128), rep("s", 129), "native"},
		{"caller", rep("c", 128), rep("c", 129), ""},
		{"callee", rep("é", 64), rep("é", 64) + "x", ""}, // bytes
		{"agent", rep("a", 256), rep("a", 257), ""},
		{"queue", rep("q", 256), rep("q", 257), ""},
		{"tag", rep("t", 256), rep("t", 257), ""},
		{"country_code", rep("C", 256), rep("C", 257), ""},
	}
	for _, b := range bounds {
		for _, v := range []struct {
			what, value, param string
		}{{"at the bound", b.at, ""}, {"over the bound", b.over, b.param}} {
			kv := []string{b.param, v.value}
			if b.with != "" {
				kv = append(kv, "source", b.with)
			}
			tests = append(tests, tc{fmt.Sprintf("%s %d bytes %s", b.param, len(v.value), v.what), query(kv...), v.param})
		}
	}
	// 100 distinct values with duplicates work, 101 do not, in both forms.
	lists := []struct{ param, format, with string }{
		{"phone", "139%08d", ""},
		{"source_id", "id-%d", "native"},
		{"caller", "user-%d", ""},
		{"callee", "+86 139 %08d", ""},
		{"agent", "agent-%d", ""},
		{"queue", "queue-%d", ""},
		{"tag", "tag-%d", ""},
		{"country_code", "C%d", ""},
	}
	for _, l := range lists {
		with := ""
		if l.with != "" {
			with = "&source=" + l.with
		}
		tests = append(tests,
			tc{l.param + " 100 distinct and duplicates", listQuery(l.param, distinct(l.format, 100), 150) + with, ""},
			tc{l.param + " 101 distinct", listQuery(l.param, distinct(l.format, 101), 0) + with, l.param},
		)
	}
	for _, p := range []string{"channel", "source", "direction", "call_type", "media", "disposition", "hangup_by"} {
		vals := map[string]string{"channel": "voice", "source": "native", "direction": "inbound", "call_type": "direct",
			"media": "audio", "disposition": "answered", "hangup_by": "agent"}
		tests = append(tests, tc{p + " duplicates", listQuery(p, []string{vals[p], vals[p]}, 200), ""})
	}
	// Time bounds, in both forms.
	tests = append(tests,
		tc{"from 2000 RFC 3339", "from=2000-01-01T00:00:00Z", ""},
		tc{"from 2000 ms", "from=946684800000", ""},
		tc{"to 2000 with an offset", query("to", "2000-01-01T01:00:00+01:00"), ""},
		tc{"from before 2000 RFC 3339", "from=1999-12-31T23:59:59.999Z", "from"},
		tc{"from before 2000 with an offset", query("from", "2000-01-01T00:30:00+01:00"), "from"},
		tc{"from before 1970", "from=1969-12-31T23:00:00Z", "from"},
		tc{"to the epoch", "to=1970-01-01T00:00:00Z", "to"},
		tc{"to before 2000 ms", "to=946684799999", "to"},
	)
	// A cursor holding an id over the bound.
	long := base64.RawURLEncoding.EncodeToString([]byte(`{"v":1,"k":[1700000000000,"` + rep("r", 129) + `"],"o":"desc","h":"x"}`))
	tests = append(tests, tc{"cursor with a long id", "cursor=" + long, "cursor"})

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.reads.Load()
			var body native.ErrorBody
			code := e.do(t, "GET", "/api/v1/records?"+tt.query, acmeToken, "", "", &body)
			if tt.param == "" {
				if code != 200 {
					t.Errorf("status %d %+v, want 200", code, body.Error)
				}
				return
			}
			if code != 400 || body.Error.Code != cdr.EINVALID || !strings.HasPrefix(body.Error.Message, tt.param+":") {
				t.Errorf("status %d %+v, want 400 invalid naming %s", code, body.Error, tt.param)
			}
			if n := e.reads.Load() - before; n != 0 {
				t.Errorf("%d store reads before the refusal", n)
			}
		})
	}
}

func TestRecordIDBound(t *testing.T) {
	e := newEnv(t, native.DefaultLimits)
	tests := []struct {
		id    string
		want  int
		reads int64
	}{
		{strings.Repeat("r", 128), 404, 1},
		{strings.Repeat("r", 129), 400, 0},
	}
	for _, tt := range tests {
		before := e.reads.Load()
		var body native.ErrorBody
		code := e.do(t, "GET", "/api/v1/records/"+tt.id, acmeToken, "", "", &body)
		if code != tt.want || tt.want == 400 && !strings.HasPrefix(body.Error.Message, "id:") {
			t.Errorf("id of %d bytes: %d %+v, want %d", len(tt.id), code, body.Error, tt.want)
		}
		if n := e.reads.Load() - before; n != tt.reads {
			t.Errorf("id of %d bytes: %d store reads, want %d", len(tt.id), n, tt.reads)
		}
	}
}
