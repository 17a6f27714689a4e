package native

import (
	"encoding/json"
	"fmt"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// Format is a vendor's own record format (internal/mapping/<vendor>), for
// POST ?format=<source> and GET ?as=<source>. The tenant argument lets a
// format use the tenant's settings (satisfaction maps, scope ids).
type Format interface {
	// Channel is the channel the vendor's API serves.
	Channel() cdr.Channel
	// ParseList returns the vendor objects of a body: a JSON array,
	// NDJSON, or the vendor's list-response envelope.
	ParseList(body []byte) ([]json.RawMessage, error)
	// Ingest turns one vendor object into a canonical record keeping the
	// object as raw.
	Ingest(t cdr.TenantID, raw json.RawMessage) (*cdr.Record, error)
	// Render returns the record as the vendor's API would list it.
	Render(t cdr.TenantID, r *cdr.Record) (json.RawMessage, error)
}

// vendorLines ingests the vendor objects of body: each becomes a line
// whose record is already decoded, or a line error.
func (a *API) vendorLines(f Format, t cdr.TenantID, body []byte) ([]*cdr.Record, []*LineError, error) {
	objs, err := f.ParseList(body)
	if err != nil {
		return nil, nil, cdr.Errorf(cdr.EINVALID, "%v", err)
	}
	if len(objs) > a.limits.MaxRecords {
		return nil, nil, cdr.Errorf(cdr.ETOOLARGE, "%d records in one request; the limit is %d", len(objs), a.limits.MaxRecords)
	}
	recs := make([]*cdr.Record, len(objs))
	errs := make([]*LineError, len(objs))
	for i, obj := range objs {
		if len(obj) > a.limits.MaxRecord {
			errs[i] = &LineError{Line: i + 1, Code: cdr.ETOOLARGE, Message: fmt.Sprintf("record of %d bytes; the limit is %d", len(obj), a.limits.MaxRecord)}
			continue
		}
		rec, err := f.Ingest(t, obj)
		if err != nil {
			errs[i] = &LineError{Line: i + 1, Code: cdr.ErrorCode(err), Message: cdr.ErrorMessage(err)}
			if fe, ok := err.(*cdr.FieldError); ok {
				errs[i].Field, errs[i].Message = fe.Field, fe.Message
			}
			continue
		}
		recs[i] = rec
	}
	return recs, errs, nil
}
