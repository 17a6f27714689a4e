package cdr

import (
	"bytes"
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"strings"
)

var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// RecordID returns the stable id of the record with natural key
// (tenant, source, sourceID): "rec_" + lowercase unpadded base32 of the first
// 15 bytes of SHA-256(tenant NUL source NUL source_id). Clients can compute it.
func RecordID(tenant string, source Source, sourceID string) string {
	h := sha256.New()
	h.Write([]byte(tenant))
	h.Write([]byte{0})
	h.Write([]byte(source))
	h.Write([]byte{0})
	h.Write([]byte(sourceID))
	sum := h.Sum(nil)
	return "rec_" + strings.ToLower(idEncoding.EncodeToString(sum[:15]))
}

// Digits normalizes a phone number: it keeps 0-9 and the mask character *,
// then drops one leading "00" ("+86 139-1234-5678" → "8613912345678").
func Digits(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= '0' && c <= '9' || c == '*' {
			b.WriteByte(c)
		}
	}
	return strings.TrimPrefix(b.String(), "00")
}

// Tail7 returns the last seven characters of normalized digits, the key of
// the exact phone match index.
func Tail7(d string) string {
	if len(d) > 7 {
		return d[len(d)-7:]
	}
	return d
}

// PhoneMatches reports whether the stored digits d match the normalized
// query q exactly (docs/record-model.md §1.4): equal, or d has no mask, the
// shorter has at least seven digits and is a suffix of the other.
func PhoneMatches(d, q string) bool {
	if d == "" || q == "" {
		return false
	}
	if d == q {
		return true
	}
	if strings.Contains(d, "*") || strings.Contains(q, "*") {
		return false
	}
	short, long := d, q
	if len(short) > len(long) {
		short, long = long, short
	}
	return len(short) >= 7 && strings.HasSuffix(long, short)
}

// derive computes the derived values of docs/record-model.md §1.4: talk_s
// and total_s when the source gave none, the party digits and the id.
func (r *Record) derive() {
	if r.EndAt != nil {
		if r.TalkS == nil {
			talk := int64(0)
			if r.AnswerAt != nil {
				talk = (*r.EndAt - *r.AnswerAt) / 1000
			}
			r.TalkS = &talk
		}
		if r.TotalS == nil {
			total := (*r.EndAt - r.StartAt) / 1000
			r.TotalS = &total
		}
	}
	r.Caller.Digits, r.Callee.Digits = "", ""
	if r.Channel == ChannelVoice {
		r.Caller.Digits = Digits(r.Caller.Address)
		r.Callee.Digits = Digits(r.Callee.Address)
	}
	r.ID = RecordID(r.Tenant, r.Source, r.SourceID)
}

// Document returns the canonical JSON of r — the form stores keep — and sets
// r.Hash to the content hash of docs/record-model.md §2. The document leaves
// out what the store keeps in columns or beside it: id, version, created_at,
// updated_at and raw.
//
// The hash is SHA-256 of the key-sorted raw vendor object when the record
// has one (the same object may arrive with its keys in another order by
// another path), else of the document itself. The document is canonical by
// construction: its fields come in the struct's fixed order, map keys are
// sorted, and Prepare has key-sorted the attribute values.
func (r *Record) Document() ([]byte, error) {
	c := *r
	c.ID, c.Version, c.CreatedAt, c.UpdatedAt, c.Raw = "", 0, 0, 0, nil
	doc, err := EncodeJSON(document{Record: &c})
	if err != nil {
		return nil, err
	}
	hashed := doc
	if len(r.Raw) > 0 {
		if hashed, err = canonicalJSON(r.Raw); err != nil {
			return nil, fmt.Errorf("raw: %w", err)
		}
	}
	sum := sha256.Sum256(hashed)
	r.Hash = sum[:]
	return doc, nil
}

// document is a record as Document encodes it: its zero Version field
// hides the record's, which is always encoded, so that the document has no
// version (the store keeps it in a column) and is byte for byte what it
// was when the record left a zero version out.
type document struct {
	*Record
	Version int64 `json:"version,omitzero"`
}

// EncodeJSON encodes v as the APIs write JSON: without escaping <, > and
// &, without a trailing newline.
func EncodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// ComputeHash sets r.Hash; see Document.
func (r *Record) ComputeHash() error {
	_, err := r.Document()
	return err
}

// canonicalJSON re-encodes a JSON document with object keys sorted and
// insignificant whitespace removed, keeping number literals as written:
// what encoding/json writes for the document decoded into an any with
// numbers as json.Number (canonicalSlow), byte for byte, as content hashes
// depend on it. canonicalFast writes it without building the value; what
// it does not take (invalid JSON, deep nesting) goes the slow way.
func canonicalJSON(doc []byte) ([]byte, error) {
	if out, ok := canonicalFast(doc); ok {
		return out, nil
	}
	return canonicalSlow(doc)
}

// canonicalSlow is canonicalJSON by encoding/json.
func canonicalSlow(doc []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
