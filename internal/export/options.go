package export

import (
	"fmt"
	"io"
	"time"
)

// Options shape an export beyond its records.
type Options struct {
	// Columns selects the CSV columns by Header name, written in the
	// order of Columns (a name may repeat), or the Parquet top-level
	// fields by ParquetColumns name, written in the schema's order; none
	// means all. An unknown name is an error of the constructor that
	// names it. NDJSON has no columns.
	Columns []string
	// Zone is the zone CSV writes times in (RFC 3339 with its offset);
	// nil means UTC. NDJSON and Parquet times are instants.
	Zone *time.Location
	// Raw adds each record's raw vendor object: the records given to
	// Write then carry it (NDJSON writes it as it is; Parquet as the JSON
	// text of its raw column). CSV has no raw column.
	Raw bool
	// EscapeFormulas escapes CSV cells a spreadsheet would run (NewCSV).
	EscapeFormulas bool
}

// Formats are the export's formats, as New takes them.
var Formats = []string{"ndjson", "csv", "parquet"}

// New returns the Writer of format (ndjson, csv or parquet) on w with opt;
// an option the format does not take, or an unknown column, is an error
// that names it.
func New(format string, w io.Writer, opt Options) (Writer, error) {
	switch format {
	case "ndjson":
		if len(opt.Columns) > 0 {
			return nil, fmt.Errorf("columns: NDJSON writes every field")
		}
		if opt.Zone != nil {
			return nil, fmt.Errorf("tz: NDJSON times are Unix ms")
		}
		return NewNDJSON(w), nil
	case "csv":
		return newCSVWith(w, opt)
	case "parquet":
		return NewParquet(w, opt)
	}
	return nil, fmt.Errorf("format %q: want ndjson, csv or parquet", format)
}

// Columns returns the names Options.Columns may select in format, in
// order: Header for csv, ParquetColumns for parquet, none for ndjson.
func Columns(format string) ([]string, error) {
	switch format {
	case "ndjson":
		return nil, nil
	case "csv":
		return Header(), nil
	case "parquet":
		return ParquetColumns(), nil
	}
	return nil, fmt.Errorf("format %q: want ndjson, csv or parquet", format)
}
