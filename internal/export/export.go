// Package export writes records in the output formats of cdrhub export
// and GET /api/v1/export (docs/export.md): NDJSON, each record as the API
// returns it; CSV, a table of columns with the cells a spreadsheet would
// run as formulas escaped; and Parquet, one typed row per record.
//
// A Writer takes each record as the JSON the API writes for it: what a
// store streams (cdr.Store.StreamRecords) and what a server sends
// (client.ListResponse) alike. CSV and Parquet read that JSON with a
// decoder of their own that builds only the fields their columns need.
// Where the records come from and where the bytes go (a file replaced
// when the export completes, stdout, a response) is the caller's business.
package export

import "io"

// Writer writes records in one format.
type Writer interface {
	// Write writes one record, given as its JSON as the API writes it
	// (with raw when Options.Raw is set). It does not keep rec.
	Write(rec []byte) error
	// Close writes what the writer still holds and returns the first error
	// of the stream. It does not close the io.Writer under it.
	Close() error
}

// NewNDJSON returns a Writer of one record per line, byte for byte as the
// API returns it.
func NewNDJSON(w io.Writer) Writer { return &ndjsonWriter{w: w} }

type ndjsonWriter struct{ w io.Writer }

func (n *ndjsonWriter) Write(rec []byte) error {
	if _, err := n.w.Write(rec); err != nil {
		return err
	}
	_, err := io.WriteString(n.w, "\n")
	return err
}

func (n *ndjsonWriter) Close() error { return nil }
