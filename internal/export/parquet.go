package export

import (
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/parquet-go/parquet-go"
)

// The Parquet export (docs/export.md): one typed row per record (row), its
// fields named as in the record's JSON. Times are TIMESTAMP(MILLIS, UTC),
// durations integers, enums dictionary-encoded strings, lists of structs
// where an item has several fields; optional values are optional columns.
// Pages are zstd-compressed, and a row group is flushed at 64 MiB of
// buffered pages or 100,000 rows, whichever comes first, so that memory
// stays flat whatever the number of records.
//
// Rows go to parquet-go's GenericWriter, which writes the fields of a Go
// struct straight into its column buffers. A selection of columns is the
// same struct with the other top-level fields' tags replaced by "-", so
// that every selection takes that path.

// Row groups end at whichever limit comes first.
const (
	parquetGroupRows  = 100_000
	parquetGroupBytes = 64 << 20
	parquetBatch      = 256 // rows handed to the writer at once
)

// ParquetColumns returns the top-level fields of the Parquet export, in
// the schema's order: the names Options.Columns may select.
func ParquetColumns() []string { return rowFields.names() }

// NewParquet returns a Writer of a Parquet file of the top-level fields
// Columns selects (all by default, in the schema's order whatever the
// order of Columns), raw only with Raw. An unknown column is an error
// that names it, as is raw without Raw, and a zone (Parquet times are
// instants). The file is complete only after Close.
func NewParquet(w io.Writer, opt Options) (Writer, error) {
	if opt.Zone != nil {
		return nil, fmt.Errorf("tz: Parquet times are UTC instants")
	}
	sel := selectAll()
	if len(opt.Columns) > 0 {
		sel.fields = 0
		for _, name := range opt.Columns {
			i, ok := rowFields.byName[name]
			if !ok {
				return nil, fmt.Errorf("no Parquet column %q (columns: %s)", name, strings.Join(ParquetColumns(), ", "))
			}
			sel.fields |= 1 << i
		}
	}
	if raw := rowFields.mask("raw"); !opt.Raw {
		if len(opt.Columns) > 0 && sel.fields&raw != 0 {
			return nil, fmt.Errorf("the Parquet column raw needs the records' raw objects (include=raw)")
		}
		sel.fields &^= raw
	}
	codec, err := newZstdCodec()
	if err != nil {
		return nil, err
	}
	// The fields left out: their tags replaced by "-", in the schema (a
	// SchemaOption) and in the writer's mapping of row to columns (a
	// WriterOption).
	var schemaTags []parquet.SchemaOption
	var writerTags []parquet.WriterOption
	rt := reflect.TypeFor[row]()
	for i := range rowFields.list {
		if sel.fields&(1<<i) == 0 {
			tag := &parquet.StructTagOption{ColumnPath: []string{rt.Field(i).Name}, StructTag: `parquet:"-"`}
			schemaTags, writerTags = append(schemaTags, tag), append(writerTags, tag)
		}
	}
	options := append([]parquet.WriterOption{
		parquet.NewSchema("cdrhub_record", parquet.SchemaOf(row{}, schemaTags...)),
		parquet.Compression(codec),
		parquet.CreatedBy("cdrhub", "", ""),
	}, writerTags...)
	p := &parquetWriter{sel: sel, rows: make([]row, parquetBatch), groupRows: parquetGroupRows, groupBytes: parquetGroupBytes}
	p.w = parquet.NewGenericWriter[row](w, options...)
	return p, nil
}

type parquetWriter struct {
	w    *parquet.GenericWriter[row]
	sel  *selection // the row fields of the file
	dec  decoder
	rows []row // a batch
	n    int   // rows in the batch
	inRG int   // rows in the row group being written
	rgAt int64 // the writer's size when the row group began
	err  error // the first of the output: every later call returns it
	// groupRows and groupBytes are the row group's limits
	// (parquetGroupRows, parquetGroupBytes; tests lower them).
	groupRows  int
	groupBytes int64
}

func (p *parquetWriter) Write(rec []byte) error {
	if p.err != nil {
		return p.err
	}
	r := &p.rows[p.n]
	*r = row{}
	if err := decodeRow(&p.dec, rec, r, p.sel); err != nil {
		*r = row{}
		return fmt.Errorf("decoding a record: %w", err)
	}
	p.n++
	if p.n == len(p.rows) {
		return p.flushBatch()
	}
	return nil
}

// flushBatch hands the batch to the writer, and ends the row group when it
// reached a limit.
func (p *parquetWriter) flushBatch() error {
	rows := p.rows[:p.n]
	p.n = 0
	for len(rows) > 0 {
		n := min(len(rows), p.groupRows-p.inRG)
		if _, err := p.w.Write(rows[:n]); err != nil {
			p.err = fmt.Errorf("writing Parquet rows: %w", err)
			return p.err
		}
		rows, p.inRG = rows[n:], p.inRG+n
		if p.inRG >= p.groupRows || p.w.Size()-p.rgAt >= p.groupBytes {
			if err := p.w.Flush(); err != nil {
				p.err = fmt.Errorf("writing a Parquet row group: %w", err)
				return p.err
			}
			p.inRG, p.rgAt = 0, p.w.Size()
		}
	}
	clear(p.rows) // the batch keeps no record alive
	return nil
}

func (p *parquetWriter) Close() error {
	if p.err != nil {
		return p.err
	}
	if err := p.flushBatch(); err != nil {
		return err
	}
	if err := p.w.Close(); err != nil {
		p.err = fmt.Errorf("writing the Parquet footer: %w", err)
		return p.err
	}
	return nil
}
