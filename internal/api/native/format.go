package native

import (
	"fmt"

	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/mapping"
)

// SetFormats serves tenant t's vendor record formats (internal/mapping) for
// POST ?format=<source> and GET ?as=<source>. A tenant without them is
// served native records only.
func (a *API) SetFormats(t cdr.TenantID, f mapping.Formats) { a.formats[t] = f }

// vendorLines decodes the vendor objects of body: each becomes a line
// whose record is already decoded, or a line error.
func (a *API) vendorLines(d mapping.Decoder, body []byte) ([]*cdr.Record, []*LineError, error) {
	objs, err := d.ParseList(body)
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
		rec, err := d.Decode(obj)
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
