package recordio

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

var fuzzSeeds = []string{
	`[{"channel":"voice","source":"native","source_id":"a","start_at":1700000000000}]`,
	"{\"channel\":\"voice\"}\n\n{\"source\":\"native\"}\n{",
	"{\"a\":1}\r\n  \r\n{\"b\":2}",
	`[1, "x", null, {"caller":{"address":12}}]`,
	`{"participants":[{"seq":"x"}],"attributes":{"k":[1,2]}}`,
	"\xef\xbb\xbf[]",
	"\xef\xbb\xbf{}\n{}",
	`[{"start_at":1e30}]`,
	"[\n  {\"a\": 1},\n  {\"b\": [1, 2]}\n]\n",
	`[{}] []`,
	`[{} {}]`,
	"",
	" \n",
}

// FuzzReader reads arbitrary input as an array and as NDJSON, in small and
// large reads: it never panics, line numbers increase, and the records of
// a valid input are those of a reference split, each exactly once.
func FuzzReader(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s, true, uint8(0))
		f.Add(s, false, uint8(7))
	}
	f.Fuzz(func(t *testing.T, in string, asArray bool, mode uint8) {
		maxLine := int(mode >> 2) // 0 (none) to 63
		var src io.Reader = strings.NewReader(in)
		if mode&1 != 0 {
			src = iotest.OneByteReader(src)
		}
		size := bufSize
		if mode&2 != 0 {
			size = 16
		}
		kind := NDJSON
		if asArray {
			kind = Array
		}
		rd := newReaderSize(src, kind, size)
		rd.MaxLine = maxLine
		var got []item
		var terminal error
		prev := 0
		for {
			l, err := rd.Next()
			if err == io.EOF {
				break
			}
			var le *LineError
			if err != nil && !errors.As(err, &le) {
				if c := cdr.ErrorCode(err); c != cdr.EINVALID && c != cdr.ETOOLARGE {
					t.Fatalf("terminal error with code %s: %v", c, err)
				}
				terminal = err
				break
			}
			if l.N <= prev {
				t.Fatalf("line numbers not increasing: %d after %d", l.N, prev)
			}
			prev = l.N
			if le != nil {
				if kind != NDJSON || le.Code != cdr.ETOOLARGE || le.Line != l.N {
					t.Fatalf("per-line error %+v", le)
				}
				got = append(got, item{N: l.N, Code: le.Code})
				continue
			}
			if len(l.Raw) == 0 {
				t.Fatalf("line %d: empty record", l.N)
			}
			if !strings.Contains(in, string(l.Raw)) {
				t.Fatalf("line %d: %q is not a part of the input", l.N, l.Raw)
			}
			got = append(got, item{N: l.N, Raw: string(l.Raw)})
		}
		body := strings.TrimPrefix(in, "\xef\xbb\xbf")
		if kind == NDJSON {
			if terminal != nil {
				t.Fatalf("NDJSON terminal error: %v", terminal)
			}
			want := splitNDJSON(body, maxLine)
			if !equalItems(got, want) {
				t.Fatalf("got %+v, want %+v", got, want)
			}
			return
		}
		var elems []json.RawMessage
		err := json.Unmarshal([]byte(body), &elems)
		if err == nil && !strings.HasPrefix(strings.TrimLeft(body, " \t\r\n"), "[") {
			err = errors.New("null is no array") // Unmarshal takes null for an empty slice
		}
		if err != nil {
			if terminal == nil {
				t.Fatalf("invalid array %q read without error (%v)", body, err)
			}
			return
		}
		if terminal != nil {
			if cdr.ErrorCode(terminal) == cdr.ETOOLARGE && maxLine > 0 {
				return
			}
			t.Fatalf("valid array: %v", terminal)
		}
		if len(got) != len(elems) {
			t.Fatalf("%d elements, want %d", len(got), len(elems))
		}
		for i, e := range elems {
			if got[i].N != i+1 || got[i].Raw != string(e) {
				t.Fatalf("element %d: %+v, want %q", i+1, got[i], e)
			}
		}
	})
}

// splitNDJSON is the reference: physical lines, trimmed, blank ones skipped,
// those over maxLine (without LF or CRLF) too large.
func splitNDJSON(in string, maxLine int) []item {
	var out []item
	for i, l := range strings.Split(in, "\n") {
		switch {
		case maxLine > 0 && len(strings.TrimSuffix(l, "\r")) > maxLine:
			out = append(out, item{N: i + 1, Code: cdr.ETOOLARGE})
		case len(bytes.TrimSpace([]byte(l))) > 0:
			out = append(out, item{N: i + 1, Raw: string(bytes.TrimSpace([]byte(l)))})
		}
	}
	return out
}

func equalItems(a, b []item) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// FuzzDecode: the record decoder never panics; an error has a code and a
// message; an accepted record marshals, and when it prepares it hashes, and
// its marshalled form (what export writes) decodes and prepares again to
// the same hash (what a re-import compares).
func FuzzDecode(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Add([]byte(`{"channel":"voice","source":"native","source_id":"a","start_at":1700000000000,"answer_at":1700000001000,"end_at":1700000060000,"caller":{"address":"+86 139 1234 5678"},"agents":[{"id":"x"}],"satisfaction":{"score":5},"attributes":{"k":{"b":[1,2.50]}}}`))
	f.Add([]byte(`{"channel":"chat","source":"native","source_id":"\u00e9<>&","start_at":1700000000000,"note":"\xff"}`))
	f.Add([]byte(`{"channel":"rtc","source":"native","source_id":"v0","start_at":1700000000000,"version":0}`))
	tenant := cdr.MustTenantID("acme")
	f.Fuzz(func(t *testing.T, b []byte) {
		r, le := Decode(b, 4096)
		if le != nil {
			if le.Code == "" || le.Message == "" {
				t.Fatalf("line error without code or message: %+v", le)
			}
			return
		}
		if _, err := json.Marshal(r); err != nil {
			t.Fatalf("accepted record does not marshal: %v", err)
		}
		if err := r.Prepare(tenant, 1700000000000); err != nil {
			return
		}
		if err := r.ComputeHash(); err != nil {
			t.Fatalf("prepared record does not hash: %v", err)
		}
		out, err := json.Marshal(r)
		if err != nil {
			t.Fatalf("prepared record does not marshal: %v", err)
		}
		r2, le := Decode(out, 1<<20)
		if le != nil {
			t.Fatalf("exported form %s rejected: %v", out, le)
		}
		if err := r2.Prepare(tenant, 1700000000001); err != nil {
			t.Fatalf("exported form %s does not prepare: %v", out, err)
		}
		if err := r2.ComputeHash(); err != nil || !bytes.Equal(r.Hash, r2.Hash) || r2.Version != r.Version {
			t.Fatalf("exported form %s: hash or version changed (%v)", out, err)
		}
	})
}
