package query

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// NextCursor returns the cursor of the page after the record at last,
// bound to l's filters and order.
func (l List) NextCursor(last cdr.Cursor) string {
	return encodeCursor(cursor{V: 1, K: cursorKey{last.StartAt, last.ID}, O: string(orderOf(&l.Filter)), H: l.hash})
}

func orderOf(f *cdr.Filter) cdr.Order {
	if f.Desc() {
		return cdr.OrderDesc
	}
	return cdr.OrderAsc
}

// filterHash covers the filters and the order, not the page parameters.
func filterHash(f *cdr.Filter) string {
	c := *f
	c.Limit, c.Count, c.After, c.Offset = 0, false, nil, 0
	c.Order = orderOf(f)
	b, _ := json.Marshal(c)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// cursor is the opaque keyset position of docs/record-model.md §6.2.
type cursor struct {
	V int       `json:"v"`
	K cursorKey `json:"k"`
	O string    `json:"o"`
	H string    `json:"h"`
}

// cursorKey is the [start_at, "id"] pair.
type cursorKey struct {
	StartAt int64
	ID      string
}

func (k cursorKey) MarshalJSON() ([]byte, error) { return json.Marshal([]any{k.StartAt, k.ID}) }

func (k *cursorKey) UnmarshalJSON(b []byte) error {
	var pair []json.RawMessage
	if err := json.Unmarshal(b, &pair); err != nil || len(pair) != 2 {
		return invalid("bad cursor key")
	}
	if err := json.Unmarshal(pair[0], &k.StartAt); err != nil {
		return err
	}
	return json.Unmarshal(pair[1], &k.ID)
}

func encodeCursor(c cursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor parses an opaque cursor.
func decodeCursor(s string) (cursor, error) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return c, invalid("cursor: not a cursor from next_cursor")
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil || c.V != 1 || c.K.ID == "" || len(c.K.ID) > cdr.MaxIDLen || (c.O != "asc" && c.O != "desc") {
		return cursor{}, invalid("cursor: not a cursor from next_cursor")
	}
	return c, nil
}
