package files

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	arrowcsv "github.com/apache/arrow-go/v18/arrow/csv"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/flexfun-script/flexfun-script/arrowbridge"
)

// CSVOptions are the arguments of csv.read and csv.parse.
type CSVOptions struct {
	// Header says whether the first line (after SkipRows) names the
	// columns; nil means true. Without a header the columns are named
	// f0, f1, ...
	Header *bool
	// Delimiter is the one-character field separator; "" means ",".
	Delimiter string
	// Columns maps column names to contract type strings ("int64",
	// "decimal128(12, 2)", "timestamp[us, tz=UTC]", ...), overriding the
	// inferred type of those columns.
	Columns map[string]string
	// NullValues are the field values read as null, in every column
	// (string columns too). nil means DefaultNullValues; an empty,
	// non-nil slice means none.
	NullValues []string
	// SkipRows is how many lines to skip before the header (or the first
	// row).
	SkipRows int
}

// DefaultNullValues are the null values when CSVOptions.NullValues is nil.
var DefaultNullValues = []string{"", "NULL", "null"}

// InferRows is how many rows the CSV readers look at to infer column
// types. A later value that does not fit its inferred type is an error
// naming its row; declare the column's type in CSVOptions.Columns then.
const InferRows = 10_000

// ReadCSV reads the CSV file at path (see Dirs.Open) into a table.
func (d *Dirs) ReadCSV(ctx context.Context, path string, opts CSVOptions, mem memory.Allocator) (*arrowbridge.Table, error) {
	f, err := d.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readCSV(ctx, f, path, opts, mem)
}

// ParseCSV reads CSV text into a table; errors call it "csv text".
func ParseCSV(ctx context.Context, data []byte, opts CSVOptions, mem memory.Allocator) (*arrowbridge.Table, error) {
	return readCSV(ctx, bytes.NewReader(data), "csv text", opts, mem)
}

// csvSource is one CSV input, read once to infer types and again to build.
type csvSource struct {
	r      io.ReadSeeker
	name   string
	opts   CSVOptions
	header bool
	comma  rune
	nulls  []string
}

// readCSV infers the schema from the first InferRows rows, then reads
// the whole input with arrow-go's CSV reader.
func readCSV(ctx context.Context, r io.ReadSeeker, name string, opts CSVOptions, mem memory.Allocator) (*arrowbridge.Table, error) {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	src, err := newCSVSource(r, name, opts)
	if err != nil {
		return nil, err
	}
	schema, inferred, err := src.schema()
	if err != nil {
		return nil, err
	}
	return src.read(ctx, schema, inferred, mem)
}

func newCSVSource(r io.ReadSeeker, name string, opts CSVOptions) (*csvSource, error) {
	s := &csvSource{r: r, name: name, opts: opts, header: opts.Header == nil || *opts.Header, comma: ','}
	if opts.Delimiter != "" {
		c, size := utf8.DecodeRuneInString(opts.Delimiter)
		if size != len(opts.Delimiter) || c == '"' || c == '\r' || c == '\n' || c == utf8.RuneError {
			return nil, fmt.Errorf("%s: delimiter %q: want one character other than a quote or a line break", name, opts.Delimiter)
		}
		s.comma = c
	}
	if opts.SkipRows < 0 {
		return nil, fmt.Errorf("%s: skip_rows %d is negative", name, opts.SkipRows)
	}
	s.nulls = opts.NullValues
	if s.nulls == nil {
		s.nulls = DefaultNullValues
	}
	return s, nil
}

// open rewinds the input, skips SkipRows lines and returns an
// encoding/csv reader over the rest, set as arrow-go's reader sets its own.
func (s *csvSource) open() (*bufio.Reader, error) {
	if _, err := s.r.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("%s: rewind: %w", s.name, err)
	}
	br := bufio.NewReaderSize(s.r, 1<<16)
	for i := 0; i < s.opts.SkipRows; i++ {
		if err := skipLine(br); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("%s: read: %w", s.name, err)
		}
	}
	return br, nil
}

func skipLine(br *bufio.Reader) error {
	for {
		_, err := br.ReadSlice('\n')
		if err != bufio.ErrBufferFull {
			return err
		}
	}
}

func (s *csvSource) csvReader(r io.Reader) *csv.Reader {
	cr := csv.NewReader(r)
	cr.Comma = s.comma
	cr.ReuseRecord = true
	return cr
}

// schema builds the table's schema: the header's names (or f0, f1, ...)
// and, for each column, its type in Columns or the type inferred from
// the first InferRows rows. inferred[i] tells which.
func (s *csvSource) schema() (*arrow.Schema, []bool, error) {
	br, err := s.open()
	if err != nil {
		return nil, nil, err
	}
	cr := s.csvReader(br)
	first, err := cr.Read()
	if err == io.EOF {
		return nil, nil, fmt.Errorf("%s: no data: want a header line", s.name)
	}
	if err != nil {
		return nil, nil, s.parseErr(err)
	}
	names := make([]string, len(first))
	var kinds []kindSet
	if s.header {
		copy(names, first)
		kinds = make([]kindSet, len(first))
	} else {
		for i := range names {
			names[i] = fmt.Sprintf("f%d", i)
		}
		kinds = make([]kindSet, len(first))
		s.observe(kinds, first)
	}
	for rows := 0; rows < InferRows; rows++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, s.parseErr(err)
		}
		s.observe(kinds, rec)
	}
	return s.buildSchema(names, kinds)
}

// observe records the kinds of the non-null values of one record.
func (s *csvSource) observe(kinds []kindSet, rec []string) {
	for i, v := range rec {
		if !slices.Contains(s.nulls, v) {
			kinds[i].add(v)
		}
	}
}

// buildSchema combines the names, the declared Columns and the inferred
// kinds into a schema.
func (s *csvSource) buildSchema(names []string, kinds []kindSet) (*arrow.Schema, []bool, error) {
	for col := range s.opts.Columns {
		if !slices.Contains(names, col) {
			return nil, nil, fmt.Errorf("%s: columns names %q, which is not a column; the columns are %s", s.name, col, quoteAll(names))
		}
	}
	specs := make([]arrowbridge.ColumnSpec, len(names))
	inferred := make([]bool, len(names))
	for i, name := range names {
		typ, ok := s.opts.Columns[name]
		if !ok {
			typ, inferred[i] = kinds[i].typeName(), true
		}
		specs[i] = arrowbridge.ColumnSpec{Name: name, Type: typ}
	}
	schema, err := arrowbridge.NewSchema(specs)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", s.name, err)
	}
	// Every column may hold nulls, whatever "not null" says: the CSV
	// reader does not check it, and the script's own schema does.
	fields := schema.Fields()
	for i := range fields {
		fields[i].Nullable = true
	}
	return arrow.NewSchema(fields, nil), inferred, nil
}

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

// read reads every row with arrow-go's CSV reader, in batches of
// arrowbridge.MaxBatchRows.
func (s *csvSource) read(ctx context.Context, schema *arrow.Schema, inferred []bool, mem memory.Allocator) (*arrowbridge.Table, error) {
	br, err := s.open()
	if err != nil {
		return nil, err
	}
	opts := []arrowcsv.Option{
		arrowcsv.WithHeader(s.header),
		arrowcsv.WithComma(s.comma),
		arrowcsv.WithChunk(arrowbridge.MaxBatchRows),
		arrowcsv.WithAllocator(mem),
	}
	if len(s.nulls) > 0 {
		opts = append(opts, arrowcsv.WithNullReader(true, s.nulls...))
	}
	rdr := arrowcsv.NewReader(br, schema, opts...)
	defer rdr.Release()
	t := &arrowbridge.Table{Schema: schema}
	fail := func(err error) (*arrowbridge.Table, error) {
		t.Release()
		return nil, err
	}
	for rdr.Next() {
		rec := rdr.RecordBatch()
		if err := rdr.Err(); err != nil {
			return fail(s.locate(err, t.Rows, rec, inferred))
		}
		if err := ctx.Err(); err != nil {
			return fail(fmt.Errorf("%s: %w", s.name, err))
		}
		rec.Retain()
		t.Batches = append(t.Batches, rec)
		t.Rows += rec.NumRows()
	}
	if err := rdr.Err(); err != nil {
		return fail(s.locate(err, t.Rows, nil, inferred))
	}
	return t, nil
}

// parseErr names the file, line and column of an encoding/csv error.
// Lines count from the top of the input, skipped lines included.
func (s *csvSource) parseErr(err error) error {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return fmt.Errorf("%s: read: %w", s.name, err)
	}
	line := pe.Line + s.opts.SkipRows
	if errors.Is(pe.Err, csv.ErrFieldCount) {
		return fmt.Errorf("%s:%d: wrong number of fields", s.name, line)
	}
	return fmt.Errorf("%s:%d:%d: %w", s.name, line, pe.Column, pe.Err)
}

// locate explains an error of arrow-go's CSV reader. A value that did not
// convert is not located by the reader, which only leaves a null where
// it was: find the first such null among the rows of the failed batch
// (rec, whose first row is row+1) by reading them again.
func (s *csvSource) locate(err error, before int64, rec arrow.RecordBatch, inferred []bool) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) || rec == nil {
		return s.parseErr(err)
	}
	row, col, line, value, ok := s.findFailure(before, rec)
	if !ok {
		return fmt.Errorf("%s: rows %d to %d: %w", s.name, before+1, before+rec.NumRows(), err)
	}
	f := rec.Schema().Field(col)
	msg := fmt.Sprintf("%s:%d: row %d, column %q (%s): got %q: %v", s.name, line, row, f.Name, arrowbridge.TypeName(f.Type), value, err)
	if inferred[col] {
		msg += fmt.Sprintf("; the type was inferred from the first %d rows: declare the column's type in columns, e.g. {%q: \"string\"}", InferRows, f.Name)
	}
	return errors.New(msg)
}

// findFailure reads the rows of rec again and returns the first value
// that is not a null value but became null: its row (1-based), column,
// line and text.
func (s *csvSource) findFailure(before int64, rec arrow.RecordBatch) (row int64, col, line int, value string, ok bool) {
	br, err := s.open()
	if err != nil {
		return 0, 0, 0, "", false
	}
	cr := s.csvReader(br)
	if s.header {
		if _, err := cr.Read(); err != nil {
			return 0, 0, 0, "", false
		}
	}
	for n := int64(0); n < before+rec.NumRows(); n++ {
		fields, err := cr.Read()
		if err != nil {
			return 0, 0, 0, "", false
		}
		if n < before {
			continue
		}
		i := int(n - before)
		for c, v := range fields {
			if c < int(rec.NumCols()) && rec.Column(c).IsNull(i) && !slices.Contains(s.nulls, v) && !nullText(rec.Column(c), v) {
				line, _ := cr.FieldPos(c)
				return n + 1, c, line + s.opts.SkipRows, v, true
			}
		}
	}
	return 0, 0, 0, "", false
}

// nullText reports whether arrow-go reads v as null in this column
// regardless of the null values: timestamp columns read "(null)" so.
func nullText(a arrow.Array, v string) bool {
	_, isTS := a.(*array.Timestamp)
	return isTS && v == array.NullValueStr
}
