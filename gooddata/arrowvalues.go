package gooddata

import (
	"fmt"
	"math"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// labelType reports whether a column type can hold a label's values.
func labelType(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.STRING, arrow.LARGE_STRING, arrow.BINARY, arrow.BOOL,
		arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64,
		arrow.FLOAT32, arrow.FLOAT64, arrow.DATE32, arrow.DATE64,
		arrow.TIMESTAMP, arrow.DECIMAL128:
		return true
	}
	return false
}

// nanKey stands for every NaN in a distinct-value map (NaN != NaN).
type nanKey struct{}

// keyAt returns a comparable key for a non-null value: equal values get
// equal keys, and keys of one column sort with lessKey.
func keyAt(a arrow.Array, i int) any {
	switch a := a.(type) {
	case *array.String:
		return a.Value(i)
	case *array.LargeString:
		return a.Value(i)
	case *array.Binary:
		return a.ValueString(i)
	case *array.Boolean:
		return a.Value(i)
	case *array.Float32:
		return floatKey(float64(a.Value(i)))
	case *array.Float64:
		return floatKey(a.Value(i))
	case *array.Decimal128:
		return a.Value(i)
	case *array.Uint64:
		return a.Value(i)
	case *array.Timestamp:
		return int64(a.Value(i))
	case *array.Date64:
		return int64(a.Value(i))
	case *array.Date32:
		return int64(a.Value(i))
	}
	if n, ok := intAt(a, i); ok {
		return n
	}
	return nil
}

func floatKey(f float64) any {
	if math.IsNaN(f) {
		return nanKey{}
	}
	if f == 0 {
		return 0.0 // -0 and +0 are one value
	}
	return f
}

// intAt returns a signed or small unsigned integer as an int64.
func intAt(a arrow.Array, i int) (int64, bool) {
	switch a := a.(type) {
	case *array.Int8:
		return int64(a.Value(i)), true
	case *array.Int16:
		return int64(a.Value(i)), true
	case *array.Int32:
		return int64(a.Value(i)), true
	case *array.Int64:
		return a.Value(i), true
	case *array.Uint8:
		return int64(a.Value(i)), true
	case *array.Uint16:
		return int64(a.Value(i)), true
	case *array.Uint32:
		return int64(a.Value(i)), true
	}
	return 0, false
}

// lessKey orders two keys of one column: strings byte-wise (Unicode code
// point order), numbers numerically, false before true, NaN after every
// number, dates and times chronologically.
func lessKey(a, b any) bool {
	switch a := a.(type) {
	case string:
		return a < b.(string)
	case int64:
		return a < b.(int64)
	case uint64:
		return a < b.(uint64)
	case bool:
		return !a && b.(bool)
	case decimal128.Num:
		return a.Less(b.(decimal128.Num))
	case float64:
		if _, nan := b.(nanKey); nan {
			return true
		}
		return a < b.(float64)
	}
	return false // nanKey
}

// valueAt returns a value as Go code and scripts see it: nil for null,
// string, bool, int64, uint64, float32, float64, Date (date32, date64), time.Time
// (timestamp, in the column's zone or UTC) or, for decimals, the decimal
// string.
func valueAt(a arrow.Array, i int) any {
	if a.IsNull(i) {
		return nil
	}
	switch a := a.(type) {
	case *array.String:
		return a.Value(i)
	case *array.LargeString:
		return a.Value(i)
	case *array.Binary:
		return a.ValueString(i)
	case *array.Boolean:
		return a.Value(i)
	case *array.Float32:
		return a.Value(i) // float32, so that its text is "0.1", not 0.10000000149011612
	case *array.Float64:
		return a.Value(i)
	case *array.Uint64:
		return a.Value(i)
	case *array.Decimal128:
		return a.Value(i).ToString(a.DataType().(*arrow.Decimal128Type).Scale)
	case *array.Date32:
		return DateFromDays(int32(a.Value(i)))
	case *array.Date64:
		return DateOf(a.Value(i).ToTime())
	case *array.Timestamp:
		return timestampAt(a, i)
	}
	if n, ok := intAt(a, i); ok {
		return n
	}
	return a.ValueStr(i)
}

func timestampAt(a *array.Timestamp, i int) time.Time {
	tt := a.DataType().(*arrow.TimestampType)
	t := a.Value(i).ToTime(tt.Unit)
	if tt.TimeZone != "" {
		if loc, err := loadZone(tt.TimeZone); err == nil {
			t = t.In(loc)
		}
	}
	return t
}

// appendAt appends a's value at i to b, a builder of a's type.
func appendAt(b array.Builder, a arrow.Array, i int) error {
	switch a := a.(type) {
	case *array.String:
		b.(*array.StringBuilder).Append(a.Value(i))
	case *array.LargeString:
		b.(*array.LargeStringBuilder).Append(a.Value(i))
	case *array.Binary:
		b.(*array.BinaryBuilder).Append(a.Value(i))
	case *array.Boolean:
		b.(*array.BooleanBuilder).Append(a.Value(i))
	case *array.Int8:
		b.(*array.Int8Builder).Append(a.Value(i))
	case *array.Int16:
		b.(*array.Int16Builder).Append(a.Value(i))
	case *array.Int32:
		b.(*array.Int32Builder).Append(a.Value(i))
	case *array.Int64:
		b.(*array.Int64Builder).Append(a.Value(i))
	case *array.Uint8:
		b.(*array.Uint8Builder).Append(a.Value(i))
	case *array.Uint16:
		b.(*array.Uint16Builder).Append(a.Value(i))
	case *array.Uint32:
		b.(*array.Uint32Builder).Append(a.Value(i))
	case *array.Uint64:
		b.(*array.Uint64Builder).Append(a.Value(i))
	case *array.Float32:
		b.(*array.Float32Builder).Append(a.Value(i))
	case *array.Float64:
		b.(*array.Float64Builder).Append(a.Value(i))
	case *array.Date32:
		b.(*array.Date32Builder).Append(a.Value(i))
	case *array.Date64:
		b.(*array.Date64Builder).Append(a.Value(i))
	case *array.Timestamp:
		b.(*array.TimestampBuilder).Append(a.Value(i))
	case *array.Decimal128:
		b.(*array.Decimal128Builder).Append(a.Value(i))
	default:
		return fmt.Errorf("type %s is not supported", a.DataType())
	}
	return nil
}
