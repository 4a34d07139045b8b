package arrowbridge

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// AppendTable appends the rows of t, in bulk, after the rows appended so
// far (which are first cut into a batch of their own, so that rows keep
// their order). Columns are matched to the Builder's schema by name: a
// column t lacks is all null, a column the schema lacks is an error
// naming it. Each column is converted to its declared type: kept as it is
// (shared, not copied) when the types are equal, otherwise value by value
// under the rules of the Appenders (integer widths, floats that are whole
// numbers into integers, strings into dates, timestamps and decimals, and
// dates, timestamps and decimals into strings). A value that does not
// convert is a *ConversionError naming the row of the result, the column,
// the declared type and the value. On error nothing of t is appended.
func (b *Builder) AppendTable(t *Table) error {
	src, err := b.matchColumns(t.Schema)
	if err != nil {
		return err
	}
	if b.pending > 0 {
		b.checkLengths()
		b.cut(false)
	}
	var out []arrow.RecordBatch
	base := b.rows
	for _, rec := range t.Batches {
		if rec.NumRows() == 0 {
			continue
		}
		conv, err := b.convertBatch(rec, src, base)
		if err != nil {
			for _, r := range out {
				r.Release()
			}
			return err
		}
		out = append(out, conv)
		base += rec.NumRows()
	}
	for _, rec := range out {
		b.addBatch(rec, recordBytes(rec))
	}
	b.rows = base
	return nil
}

// matchColumns returns, for each column of the Builder's schema, the index
// of the column of the same name in schema, or -1.
func (b *Builder) matchColumns(schema *arrow.Schema) ([]int, error) {
	for _, f := range schema.Fields() {
		if b.ColumnIndex(f.Name) < 0 {
			names := make([]string, b.schema.NumFields())
			for i, g := range b.schema.Fields() {
				names[i] = g.Name
			}
			return nil, fmt.Errorf("table column %q is not in the schema (columns: %s)", f.Name, strings.Join(names, ", "))
		}
	}
	src := make([]int, b.schema.NumFields())
	for i, f := range b.schema.Fields() {
		src[i] = -1
		if idx := schema.FieldIndices(f.Name); len(idx) > 0 {
			src[i] = idx[0]
		}
	}
	return src, nil
}

// convertBatch returns rec with the Builder's schema: its columns matched
// by src and converted. base is the number of result rows before rec.
func (b *Builder) convertBatch(rec arrow.RecordBatch, src []int, base int64) (arrow.RecordBatch, error) {
	n := rec.NumRows()
	cols := make([]arrow.Array, len(src))
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	for i, j := range src {
		field := b.schema.Field(i)
		var err error
		if j < 0 {
			if !field.Nullable {
				return nil, &ConversionError{Row: base + 1, Column: field.Name,
					ValueError: ValueError{Type: TypeName(field.Type), Got: "null", Reason: "the table has no such column, and it is not nullable"}}
			}
			cols[i] = array.MakeArrayOfNull(b.mem, field.Type, int(n))
			continue
		}
		if cols[i], err = b.convertColumn(field, rec.Column(j), base); err != nil {
			return nil, err
		}
	}
	return array.NewRecordBatch(b.schema, cols, n), nil
}

// convertColumn returns col as a column of field, retained when it needs
// no conversion.
func (b *Builder) convertColumn(field arrow.Field, col arrow.Array, base int64) (arrow.Array, error) {
	if !field.Nullable && col.NullN() > 0 {
		for i := range col.Len() {
			if col.IsNull(i) {
				return nil, &ConversionError{Row: base + int64(i) + 1, Column: field.Name,
					ValueError: ValueError{Type: TypeName(field.Type), Got: "null", Reason: "column is not nullable"}}
			}
		}
	}
	if arrow.TypeEqual(col.DataType(), field.Type) {
		col.Retain()
		return col, nil
	}
	if from, ok := col.DataType().(*arrow.TimestampType); ok {
		if to, ok := field.Type.(*arrow.TimestampType); ok && from.Unit == to.Unit {
			// Another zone only: the instants are the same numbers.
			data := array.NewSliceData(col.Data(), 0, int64(col.Len()))
			defer data.Release()
			retyped := array.NewData(to, data.Len(), data.Buffers(), nil, data.NullN(), data.Offset())
			defer retyped.Release()
			return array.MakeFromData(retyped), nil
		}
	}
	bld := array.NewBuilder(b.mem, field.Type)
	defer bld.Release()
	bld.Reserve(col.Len())
	var size int64
	a := newAppender(field, bld, &size)
	read := arrowReader(col, a)
	for i := range col.Len() {
		if err := read(i); err != nil {
			var ve *ValueError
			if errors.As(err, &ve) {
				ve.Got = describeArrow(col, i)
				return nil, &ConversionError{Row: base + int64(i) + 1, Column: field.Name, ValueError: *ve}
			}
			return nil, err
		}
	}
	return bld.NewArray(), nil
}

// arrowReader returns a function that appends value i of col to a,
// following a's column type. The type switch is done once per column.
func arrowReader(col arrow.Array, a Appender) func(i int) error {
	toString := isStringColumn(a)
	withNulls := func(read func(i int) error) func(i int) error {
		return func(i int) error {
			if col.IsNull(i) {
				return a.AppendNull()
			}
			return read(i)
		}
	}
	switch c := col.(type) {
	case *array.Null:
		return func(int) error { return a.AppendNull() }
	case *array.Boolean:
		return withNulls(func(i int) error { return a.AppendBool(c.Value(i)) })
	case *array.Int8:
		return withNulls(func(i int) error { return a.AppendInt(int64(c.Value(i))) })
	case *array.Int16:
		return withNulls(func(i int) error { return a.AppendInt(int64(c.Value(i))) })
	case *array.Int32:
		return withNulls(func(i int) error { return a.AppendInt(int64(c.Value(i))) })
	case *array.Int64:
		return withNulls(func(i int) error { return a.AppendInt(c.Value(i)) })
	case *array.Uint8:
		return withNulls(func(i int) error { return a.AppendInt(int64(c.Value(i))) })
	case *array.Uint16:
		return withNulls(func(i int) error { return a.AppendInt(int64(c.Value(i))) })
	case *array.Uint32:
		return withNulls(func(i int) error { return a.AppendInt(int64(c.Value(i))) })
	case *array.Uint64:
		return withNulls(func(i int) error {
			if v := c.Value(i); v > math.MaxInt64 {
				return a.AppendBigInt(new(big.Int).SetUint64(v))
			}
			return a.AppendInt(int64(c.Value(i)))
		})
	case *array.Float32:
		return withNulls(func(i int) error { return a.AppendNumber(float64(c.Value(i))) })
	case *array.Float64:
		return withNulls(func(i int) error { return a.AppendNumber(c.Value(i)) })
	case *array.String:
		return withNulls(func(i int) error { return a.AppendString(c.Value(i)) })
	case *array.LargeString:
		return withNulls(func(i int) error { return a.AppendString(c.Value(i)) })
	case *array.Binary:
		return withNulls(func(i int) error { return a.AppendBytes(c.Value(i)) })
	case *array.LargeBinary:
		return withNulls(func(i int) error { return a.AppendBytes(c.Value(i)) })
	case *array.Date32, *array.Date64, *array.Timestamp:
		return withNulls(func(i int) error {
			t := ValueAt(col, i).(time.Time)
			if toString {
				return a.AppendString(formatTime(col.DataType(), t))
			}
			return a.AppendTime(t)
		})
	case *array.Decimal128:
		scale := c.DataType().(*arrow.Decimal128Type).Scale
		return withNulls(func(i int) error { return appendDecimal(a, c.Value(i), scale, toString) })
	case *array.Dictionary:
		values := arrowReader(c.Dictionary(), a)
		return withNulls(func(i int) error { return values(c.GetValueIndex(i)) })
	}
	return func(i int) error {
		if col.IsNull(i) {
			return a.AppendNull()
		}
		return &ValueError{Type: columnType(a), Got: TypeName(col.DataType())}
	}
}

// appendDecimal appends a decimal: its exact string to string and decimal
// columns, a float to float columns, and an integer, when it is a whole
// number, to integer columns.
func appendDecimal(a Appender, v decimal128.Num, scale int32, toString bool) error {
	s := v.ToString(scale)
	switch a.(type) {
	case *floatAppender[float64, *array.Float64Builder], *floatAppender[float32, *array.Float32Builder]:
		f, _ := strconv.ParseFloat(s, 64)
		return a.AppendFloat(f)
	case *stringAppender, *decimalAppender:
		return a.AppendString(s)
	}
	if toString {
		return a.AppendString(s)
	}
	whole, frac, _ := strings.Cut(s, ".")
	if strings.Trim(frac, "0") != "" {
		return &ValueError{Type: columnType(a), Got: "decimal " + s, Reason: "not a whole number"}
	}
	n, _ := new(big.Int).SetString(whole, 10)
	return a.AppendBigInt(n)
}

// isStringColumn reports whether a appends to a string column.
func isStringColumn(a Appender) bool {
	_, ok := a.(*stringAppender)
	return ok
}

// columnType returns the type name of a's column.
func columnType(a Appender) string {
	if t, ok := a.(interface{ columnType() string }); ok {
		return t.columnType()
	}
	return "?"
}

func (a *base) columnType() string { return a.typ }

// formatTime spells a date as YYYY-MM-DD and a timestamp as RFC 3339.
func formatTime(t arrow.DataType, v time.Time) string {
	switch t.ID() {
	case arrow.DATE32, arrow.DATE64:
		return v.Format(time.DateOnly)
	}
	return v.Format(time.RFC3339Nano)
}

// describeArrow spells value i of col for a ValueError: `float64 2.5`,
// `string "abc"`.
func describeArrow(col arrow.Array, i int) string {
	switch v := ValueAt(col, i).(type) {
	case string:
		if col.DataType().ID() == arrow.DECIMAL128 {
			return TypeName(col.DataType()) + " " + v
		}
		return describeString(v)
	case time.Time:
		return TypeName(col.DataType()) + " " + formatTime(col.DataType(), v)
	case []byte:
		return describeBytes(v)
	case float64:
		return TypeName(col.DataType()) + " " + strconv.FormatFloat(v, 'g', -1, 64)
	default:
		return TypeName(col.DataType()) + " " + fmt.Sprint(v)
	}
}

// recordBytes estimates the buffer bytes of rec, as the Builder counts
// them: validity bits, fixed-width values and offsets, and the bytes of
// strings and binaries (of the slice only, for a sliced array).
func recordBytes(rec arrow.RecordBatch) int64 {
	n := rec.NumRows()
	var bits, data int64
	for _, col := range rec.Columns() {
		bits += rowBits(col.DataType())
		switch c := col.(type) {
		case *array.String:
			data += spanOf(c.ValueOffsets())
		case *array.Binary:
			data += spanOf(c.ValueOffsets())
		case *array.LargeString:
			data += spanOf(c.ValueOffsets())
		}
	}
	return (n*bits+7)/8 + data
}

// spanOf returns the bytes of values that offsets (of a slice of an
// array) spans.
func spanOf[T int32 | int64](offsets []T) int64 {
	if len(offsets) == 0 {
		return 0
	}
	return int64(offsets[len(offsets)-1] - offsets[0])
}
