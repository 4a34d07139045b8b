package arrowbridge

import (
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Builder appends rows for one schema and cuts them into record batches.
// A Builder is not safe for concurrent use.
//
// Rows may be appended one at a time (a value for every column, then
// EndRow) or column by column (n values for every column, then EndRows(n)).
// Values appended but not yet ended are dropped by Rollback; Finish panics
// if any are left.
//
// A batch is cut only at EndRow or EndRows, so a column-by-column caller
// should append in chunks of a few thousand rows (4096, say): a chunk that
// takes a batch past MaxBatchRows or TargetBatchBytes makes the Builder
// split the batch into equal slices, which then fall short of the limits.
type Builder struct {
	schema  *arrow.Schema
	mem     memory.Allocator
	rb      *array.RecordBuilder
	cols    []Appender
	strs    []*array.BinaryBuilder // builders of string and binary columns
	rowBits int64                  // buffer bits of a row, excluding string and binary data
	size    int64                  // string and binary bytes in the current batch; bumped by appenders
	pending int64                  // rows ended in the current batch
	rows    int64                  // rows ended in all
	batches []arrow.RecordBatch
	done    bool

	doneBytes                 int64 // buffer bytes of the finished batches
	limits                    Limits
	rowsSetting, bytesSetting string
}

// NewBuilder returns a Builder for schema that allocates from mem.
// A column of a type outside the contract accepts only nulls.
func NewBuilder(schema *arrow.Schema, mem memory.Allocator) *Builder {
	b := &Builder{
		schema: schema,
		mem:    mem,
		rb:     array.NewRecordBuilder(mem, schema),
		cols:   make([]Appender, schema.NumFields()),
	}
	for i, f := range schema.Fields() {
		fb := b.rb.Field(i)
		b.cols[i] = newAppender(f, fb, &b.size)
		b.rowBits += rowBits(f.Type)
		switch fb := fb.(type) {
		case *array.BinaryBuilder:
			b.strs = append(b.strs, fb)
		case *array.StringBuilder:
			b.strs = append(b.strs, fb.BinaryBuilder)
		case *array.LargeStringBuilder:
			b.strs = append(b.strs, fb.BinaryBuilder)
		}
	}
	return b
}

// rowBits returns the bits a value of type t takes in the buffers of a
// batch: its validity bit, its fixed-width value or its offset. The bytes
// of a string are counted as they are appended.
func rowBits(t arrow.DataType) int64 {
	bits := int64(1)
	switch t := t.(type) {
	case arrow.FixedWidthDataType:
		bits += int64(t.BitWidth())
	case *arrow.LargeStringType, *arrow.LargeBinaryType:
		bits += 64
	case arrow.BinaryDataType:
		bits += 32
	default:
		bits += 64 // a guess for types outside the contract
	}
	return bits
}

// Schema returns the schema the Builder was made for.
func (b *Builder) Schema() *arrow.Schema { return b.schema }

// NumColumns returns the number of columns.
func (b *Builder) NumColumns() int { return len(b.cols) }

// ColumnIndex returns the index of the named column, or -1.
func (b *Builder) ColumnIndex(name string) int {
	if i := b.schema.FieldIndices(name); len(i) > 0 {
		return i[0]
	}
	return -1
}

// Column returns the appender of column i.
func (b *Builder) Column(i int) Appender { return b.cols[i] }

// EndRow ends a row: every column has received exactly one more value.
// It cuts a batch when the limits are reached.
func (b *Builder) EndRow() {
	b.pending++
	b.rows++
	if b.pending >= MaxBatchRows || b.batchBytes() >= TargetBatchBytes {
		b.cut(true)
	}
}

// EndRows ends n rows appended column by column (every column received n values).
// It cuts a batch when the limits are reached; see Builder for chunk sizes.
func (b *Builder) EndRows(n int) {
	if n < 0 {
		panic("arrowbridge: EndRows with negative count")
	}
	b.pending += int64(n)
	b.rows += int64(n)
	if b.pending >= MaxBatchRows || b.batchBytes() >= TargetBatchBytes {
		b.cut(true)
	}
}

// batchBytes estimates the buffer bytes of the current batch.
func (b *Builder) batchBytes() int64 { return (b.pending*b.rowBits+7)/8 + b.size }

// Rollback drops every value appended since the last EndRow or EndRows,
// so that a row abandoned halfway leaves no trace. A runtime calls it when
// a row fails but the script may go on, e.g. a JavaScript emit whose error
// the script catches. It costs little when nothing was appended.
func (b *Builder) Rollback() {
	for _, f := range b.rb.Fields() {
		if int64(f.Len()) != b.pending {
			f.Resize(int(b.pending)) // truncates, strings and nulls included
		}
	}
	b.size = 0
	for _, s := range b.strs {
		b.size += int64(s.DataLen())
	}
}

// Rows returns the number of rows ended so far.
func (b *Builder) Rows() int64 { return b.rows }

// Locate turns an Appender error for column col of the row being built into
// a *ConversionError. Other errors, and errors already located, pass
// through.
//
// The row number is that of the value col would receive next: Rows()+1
// when appending row by row, Rows()+k+1 for the k-th value (from 0) of a
// column-by-column chunk. This holds because a rejected value is never
// appended.
func (b *Builder) Locate(col int, err error) error {
	var ce *ConversionError
	if errors.As(err, &ce) {
		return err
	}
	var ve *ValueError
	if !errors.As(err, &ve) {
		return err
	}
	return &ConversionError{Row: b.nextRow(col), Column: b.schema.Field(col).Name, ValueError: *ve}
}

// Mismatch returns a *ConversionError for a value of a kind the runtime
// cannot hand to an Appender at all (e.g. got = "list"). The row is
// numbered as by Locate.
func (b *Builder) Mismatch(col int, got string) error {
	f := b.schema.Field(col)
	return &ConversionError{
		Row:        b.nextRow(col),
		Column:     f.Name,
		ValueError: ValueError{Type: TypeName(f.Type), Got: got},
	}
}

// nextRow returns the 1-based row number of the next value of column col.
func (b *Builder) nextRow(col int) int64 {
	return b.rows - b.pending + int64(b.rb.Field(col).Len()) + 1
}

// Finish flushes the last batch and returns the Table. The Builder must not
// be used afterwards, except for Release, which is then a no-op.
//
// Finish panics if a column holds more or fewer values than the rows ended:
// that is a bug in the caller, not in a script.
func (b *Builder) Finish() *Table {
	if b.done {
		panic("arrowbridge: Finish after Finish or Release")
	}
	if b.pending > 0 {
		b.cut(false)
	}
	b.checkLengths()
	t := &Table{Schema: b.schema, Batches: b.batches, Rows: b.rows}
	b.batches = nil
	b.Release()
	return t
}

// Release frees everything built so far; a no-op after Finish.
// It may be called more than once.
func (b *Builder) Release() {
	b.done = true
	if b.rb != nil {
		b.rb.Release()
		b.rb = nil
	}
	for _, r := range b.batches {
		r.Release()
	}
	b.batches = nil
}

// checkLengths panics unless every column holds exactly the pending rows.
func (b *Builder) checkLengths() {
	for i, f := range b.rb.Fields() {
		if int64(f.Len()) != b.pending {
			panic(fmt.Sprintf("arrowbridge: column %q has %d values, want %d (rows ended); a failed row needs Rollback",
				b.schema.Field(i).Name, f.Len(), b.pending))
		}
	}
}

// cut turns the pending rows into one or more batches (see addBatch).
// With reserve set, the builders are then sized for a batch like the one
// just cut.
func (b *Builder) cut(reserve bool) {
	b.checkLengths()
	n := b.pending
	var data []int
	if reserve {
		data = make([]int, len(b.strs))
		for i, s := range b.strs {
			data[i] = min(s.DataLen(), TargetBatchBytes)
		}
	}
	b.addBatch(b.rb.NewRecordBatch(), b.batchBytes())
	b.pending = 0
	b.size = 0
	if reserve {
		b.rb.Reserve(int(min(n, MaxBatchRows)))
		for i, s := range b.strs {
			s.ReserveData(data[i])
		}
	}
}

// addBatch adds rec, of about size buffer bytes, to the finished batches.
// A batch that exceeds MaxBatchRows, or TargetBatchBytes by more than a
// quarter, is split into equal slices of at most MaxBatchRows rows and
// about TargetBatchBytes each; that happens only after EndRows, after a
// row of more than half a MiB, or for an appended table.
func (b *Builder) addBatch(rec arrow.RecordBatch, size int64) {
	b.doneBytes += size
	n := rec.NumRows()
	pieces := ceilDiv(n, MaxBatchRows)
	if size > TargetBatchBytes+TargetBatchBytes/4 {
		pieces = max(pieces, ceilDiv(size, TargetBatchBytes))
	}
	if pieces <= 1 {
		b.batches = append(b.batches, rec)
		return
	}
	step := ceilDiv(n, pieces)
	for lo := int64(0); lo < n; lo += step {
		b.batches = append(b.batches, rec.NewSlice(lo, min(lo+step, n)))
	}
	rec.Release()
}

func ceilDiv(a, b int64) int64 { return (a + b - 1) / b }
