package query

import (
	"testing"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// FuzzDecodeCursor: arbitrary cursors are rejected with invalid or decode
// to a cursor that re-encodes to an equivalent one.
func FuzzDecodeCursor(f *testing.F) {
	f.Add(encodeCursor(cursor{V: 1, K: cursorKey{1700000000000, "rec_abc"}, O: "desc", H: "00ff"}))
	f.Add("eyJ2IjoxfQ")
	f.Add("!!!")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := decodeCursor(s)
		if err != nil {
			if cdr.ErrorCode(err) != cdr.EINVALID {
				t.Fatalf("error code %s", cdr.ErrorCode(err))
			}
			return
		}
		c2, err := decodeCursor(encodeCursor(c))
		if err != nil || c2 != c {
			t.Fatalf("round trip: %+v → %+v, %v", c, c2, err)
		}
	})
}
