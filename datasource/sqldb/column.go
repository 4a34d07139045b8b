package sqldb

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Arrow types of result columns. Every column is nullable.
var (
	timestampUS   = &arrow.TimestampType{Unit: arrow.Microsecond}
	timestampUTC  = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	unconstrained = &arrow.Decimal128Type{Precision: maxDecimalDigits, Scale: unconstrainedScale}
)

// A column is one result column: its name, its database type (for errors)
// and the Arrow builder its values go into.
type column struct {
	name   string
	dbType string
	typ    arrow.DataType
	b      array.Builder
	width  int                  // bytes per value of a fixed-width type
	varb   *array.BinaryBuilder // the builder of a string or binary column
}

// newColumn makes a column and its builder. The caller releases the
// builder (columns.release).
func newColumn(mem memory.Allocator, name, dbType string, typ arrow.DataType) *column {
	c := &column{name: name, dbType: dbType, typ: typ, b: array.NewBuilder(mem, typ)}
	switch b := c.b.(type) {
	case *array.StringBuilder:
		c.varb = b.BinaryBuilder
	case *array.BinaryBuilder:
		c.varb = b
	}
	if fw, ok := typ.(arrow.FixedWidthDataType); ok {
		c.width = max(fw.BitWidth()/8, 1)
	}
	return c
}

// columns is a result's columns, in order.
type columns []*column

// schema returns the Arrow schema of the columns, all nullable.
func (cs columns) schema() *arrow.Schema {
	fields := make([]arrow.Field, len(cs))
	for i, c := range cs {
		fields[i] = arrow.Field{Name: c.name, Type: c.typ, Nullable: true}
	}
	return arrow.NewSchema(fields, nil)
}

// size returns the buffer bytes of the rows pending in the builders: fixed
// widths times rows plus string and binary data and offsets.
func (cs columns) size(rows int) int64 {
	var n int64
	for _, c := range cs {
		if c.varb != nil {
			n += int64(c.varb.DataLen()) + 4*int64(rows)
		} else {
			n += int64(c.width) * int64(rows)
		}
	}
	return n
}

// batch moves the pending rows out of the builders into a record batch.
func (cs columns) batch(schema *arrow.Schema, rows int) arrow.RecordBatch {
	arrays := make([]arrow.Array, len(cs))
	for i, c := range cs {
		arrays[i] = c.b.NewArray()
	}
	rec := array.NewRecordBatch(schema, arrays, int64(rows))
	for _, a := range arrays {
		a.Release()
	}
	return rec
}

func (cs columns) release() {
	for _, c := range cs {
		c.b.Release()
	}
}

// valueError builds a ValueError for the column at a 1-based row.
func (c *column) valueError(conn string, row int64, format string, args ...any) *ValueError {
	return &ValueError{Conn: conn, Row: row, Column: c.name, Type: c.typ.String(), Reason: fmt.Sprintf(format, args...)}
}
