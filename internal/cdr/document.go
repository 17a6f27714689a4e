package cdr

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
)

// AppendJSON appends to dst the JSON of the record whose document (see
// Document) is doc and whose store-kept fields are id, version, createdAt
// and updatedAt: byte for byte the record's JSON without raw as the APIs
// write it (json.Encoder without HTML escaping), without decoding the
// document. Exports and lists stream stored records through it.
//
// It relies on the document's fixed layout: tenant, channel, source and
// source_id come first (all required), then same_as if set, then start_at
// (required). A `,"name":` with an unescaped quote cannot occur inside a
// JSON string, so the first occurrence of each key is the key.
func AppendJSON(dst, doc []byte, id string, version, createdAt, updatedAt int64) ([]byte, error) {
	start := bytes.Index(doc, []byte(`,"start_at":`))
	if len(doc) < 2 || doc[0] != '{' || start < 0 {
		return dst, errors.New("not a record document")
	}
	head := doc[1:start] // "tenant":…,"source_id":…[,"same_as":…]
	sameAs := bytes.Index(head, []byte(`,"same_as":`))
	if sameAs < 0 {
		sameAs = len(head)
	}
	dst = append(dst, '{')
	if id != "" {
		dst = append(dst, `"id":`...)
		dst = strconv.AppendQuote(dst, id) // ids are lower-case ASCII
		dst = append(dst, ',')
	}
	dst = append(dst, head[:sameAs]...)
	dst = append(dst, `,"version":`...) // always, 0 included, as Record encodes it
	dst = strconv.AppendInt(dst, version, 10)
	dst = append(dst, head[sameAs:]...)
	if createdAt != 0 {
		dst = append(dst, `,"created_at":`...)
		dst = strconv.AppendInt(dst, createdAt, 10)
	}
	if updatedAt != 0 {
		dst = append(dst, `,"updated_at":`...)
		dst = strconv.AppendInt(dst, updatedAt, 10)
	}
	return append(dst, doc[start:]...), nil
}

// AppendJSONRaw is AppendJSON with the record's raw vendor object: byte for
// byte the record's JSON with raw as the APIs write it (raw compacted, in
// its place before attributes). A nil raw is AppendJSON.
func AppendJSONRaw(dst, doc, raw []byte, id string, version, createdAt, updatedAt int64) ([]byte, error) {
	at := len(dst)
	dst, err := AppendJSON(dst, doc, id, version, createdAt, updatedAt)
	if err != nil || len(raw) == 0 {
		return dst, err
	}
	var field bytes.Buffer
	field.WriteString(`,"raw":`)
	if err := json.Compact(&field, raw); err != nil {
		return dst, errors.New("the raw vendor object is not JSON")
	}
	// raw comes before attributes, the document's last key, else last.
	pos := len(dst) - 1
	if i := bytes.Index(dst[at:], []byte(`,"attributes":`)); i >= 0 {
		pos = at + i
	}
	dst = append(dst, field.Bytes()...)
	copy(dst[pos+field.Len():], dst[pos:len(dst)-field.Len()])
	copy(dst[pos:], field.Bytes())
	return dst, nil
}
