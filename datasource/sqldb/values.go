package sqldb

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// MySQL and SQLite go through database/sql. Each result column gets a
// scanner: database/sql hands it the driver's value as is (int64, float64,
// []byte in the driver's buffer, string, time.Time or nil) and the scanner
// appends it to the Arrow builder, so no row is copied in between.

// A scanner is a column's sql.Scanner.
type scanner struct {
	add func(v any) error // appends a non-nil value
	b   array.Builder
	err error // the reason the last value did not fit
}

// Scan implements sql.Scanner.
func (s *scanner) Scan(v any) error {
	if v == nil {
		s.b.AppendNull()
		return nil
	}
	if err := s.add(v); err != nil {
		s.err = err
		return err
	}
	return nil
}

// newScanner returns the scanner that converts driver values for c.
func newScanner(c *column) *scanner {
	s := &scanner{b: c.b}
	switch t := c.typ.(type) {
	case *arrow.Int8Type:
		b := c.b.(*array.Int8Builder)
		s.add = intAppender(math.MinInt8, math.MaxInt8, func(v int64) { b.Append(int8(v)) })
	case *arrow.Int16Type:
		b := c.b.(*array.Int16Builder)
		s.add = intAppender(math.MinInt16, math.MaxInt16, func(v int64) { b.Append(int16(v)) })
	case *arrow.Int32Type:
		b := c.b.(*array.Int32Builder)
		s.add = intAppender(math.MinInt32, math.MaxInt32, func(v int64) { b.Append(int32(v)) })
	case *arrow.Int64Type:
		b := c.b.(*array.Int64Builder)
		s.add = intAppender(math.MinInt64, math.MaxInt64, b.Append)
	case *arrow.Uint64Type:
		b := c.b.(*array.Uint64Builder)
		s.add = func(v any) error {
			u, err := toUint64(v)
			if err == nil {
				b.Append(u)
			}
			return err
		}
	case *arrow.Float32Type:
		b := c.b.(*array.Float32Builder)
		s.add = func(v any) error {
			f, err := toFloat64(v)
			if err == nil {
				b.Append(float32(f))
			}
			return err
		}
	case *arrow.Float64Type:
		b := c.b.(*array.Float64Builder)
		s.add = func(v any) error {
			f, err := toFloat64(v)
			if err == nil {
				b.Append(f)
			}
			return err
		}
	case *arrow.BooleanType:
		b := c.b.(*array.BooleanBuilder)
		s.add = func(v any) error {
			x, err := toBool(v)
			if err == nil {
				b.Append(x)
			}
			return err
		}
	case *arrow.StringType:
		s.add = stringAppender(c.varb)
	case *arrow.BinaryType:
		s.add = func(v any) error {
			switch x := v.(type) {
			case []byte:
				c.varb.Append(x)
			case string:
				c.varb.AppendString(x)
			default:
				return unexpected(v)
			}
			return nil
		}
	case *arrow.Decimal128Type:
		b := c.b.(*array.Decimal128Builder)
		s.add = func(v any) error {
			d, err := toDecimal(v, t.Precision, t.Scale)
			if err == nil {
				b.Append(d)
			}
			return err
		}
	case *arrow.Date32Type:
		b := c.b.(*array.Date32Builder)
		s.add = timeAppender(b, func(tm time.Time) { b.Append(arrow.Date32FromTime(tm)) })
	case *arrow.TimestampType:
		b := c.b.(*array.TimestampBuilder)
		s.add = timeAppender(b, func(tm time.Time) { b.Append(arrow.Timestamp(tm.UnixMicro())) })
	default:
		panic(fmt.Sprintf("sqldb: no scanner for %s", c.typ)) // the type maps only make the types above
	}
	return s
}

func intAppender(lo, hi int64, add func(int64)) func(any) error {
	return func(v any) error {
		n, err := toInt64(v)
		if err != nil {
			return err
		}
		if n < lo || n > hi {
			return fmt.Errorf("got %s: out of range", describeValue(v))
		}
		add(n)
		return nil
	}
}

func toInt64(v any) (int64, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case uint64:
		if x <= math.MaxInt64 {
			return int64(x), nil
		}
		return 0, fmt.Errorf("got %s: out of range", describeValue(v))
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	case []byte:
		if n, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return n, nil
		}
	case float64:
		if x == math.Trunc(x) && x >= math.MinInt64 && x < math.MaxInt64 {
			return int64(x), nil
		}
	}
	return 0, unexpected(v)
}

func toUint64(v any) (uint64, error) {
	switch x := v.(type) {
	case uint64:
		return x, nil
	case int64:
		if x >= 0 {
			return uint64(x), nil
		}
		return 0, fmt.Errorf("got %s: out of range", describeValue(v))
	case []byte:
		if n, err := strconv.ParseUint(string(x), 10, 64); err == nil {
			return n, nil
		}
	}
	return 0, unexpected(v)
}

func toFloat64(v any) (float64, error) {
	switch x := v.(type) {
	case float64:
		return x, nil
	case float32:
		return float64(x), nil
	case int64:
		return float64(x), nil
	case uint64:
		return float64(x), nil
	case []byte:
		if f, err := strconv.ParseFloat(string(x), 64); err == nil {
			return f, nil
		}
	}
	return 0, unexpected(v)
}

func toBool(v any) (bool, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case int64:
		return x != 0, nil
	case []byte:
		if b, err := strconv.ParseBool(string(x)); err == nil {
			return b, nil
		}
	case string:
		if b, err := strconv.ParseBool(x); err == nil {
			return b, nil
		}
	}
	return false, unexpected(v)
}

func toDecimal(v any, precision, scale int32) (decimal128.Num, error) {
	var d decimal128.Num
	var err error
	switch x := v.(type) {
	case []byte:
		d, err = parseDecimal(x, precision, scale)
	case string:
		d, err = parseDecimal(x, precision, scale)
	case int64:
		var buf [24]byte
		d, err = parseDecimal(strconv.AppendInt(buf[:0], x, 10), precision, scale)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return d, fmt.Errorf("got %s, which has no decimal value", describeValue(v))
		}
		// The shortest decimal that reads back as x: what was stored
		// (SQLite keeps 12.34 as a REAL), rounded half away from zero.
		var buf [32]byte
		d, err = parseDecimal(strconv.AppendFloat(buf[:0], x, 'e', -1, 64), precision, scale)
	default:
		return d, unexpected(v)
	}
	if err != nil {
		return d, fmt.Errorf("got %s: %w", describeValue(v), err)
	}
	return d, nil
}

// stringAppender appends text; numbers (SQLite's dynamic typing puts them
// in text columns) are written in their shortest form.
func stringAppender(b *array.BinaryBuilder) func(any) error {
	var buf []byte
	return func(v any) error {
		switch x := v.(type) {
		case []byte:
			b.Append(x)
		case string:
			b.AppendString(x)
		case int64:
			buf = strconv.AppendInt(buf[:0], x, 10)
			b.Append(buf)
		case uint64:
			buf = strconv.AppendUint(buf[:0], x, 10)
			b.Append(buf)
		case float64:
			buf = strconv.AppendFloat(buf[:0], x, 'g', -1, 64)
			b.Append(buf)
		case time.Time:
			buf = x.AppendFormat(buf[:0], time.RFC3339Nano)
			b.Append(buf)
		default:
			return unexpected(v)
		}
		return nil
	}
}

// timeAppender appends a time. MySQL's zero date (0000-00-00), which the
// driver delivers as the zero time, is NULL.
func timeAppender(b array.Builder, add func(time.Time)) func(any) error {
	return func(v any) error {
		switch x := v.(type) {
		case time.Time:
			if x.IsZero() {
				b.AppendNull()
				return nil
			}
			add(x)
			return nil
		case []byte:
			return appendParsedTime(string(x), v, add)
		case string:
			return appendParsedTime(x, v, add)
		}
		return unexpected(v)
	}
}

// timeLayouts are the text forms of dates and times that databases write.
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02"}

func appendParsedTime(s string, v any, add func(time.Time)) error {
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			add(t)
			return nil
		}
	}
	return fmt.Errorf("got %s, which is not a date or time (want YYYY-MM-DD or YYYY-MM-DD HH:MM:SS)", describeValue(v))
}

// unexpected describes a value of a kind its column cannot hold.
func unexpected(v any) error {
	return fmt.Errorf("got %s", describeValue(v))
}

// describeValue names a driver value's kind and shows it, for errors.
func describeValue(v any) string {
	switch x := v.(type) {
	case int64, uint64:
		return fmt.Sprintf("integer %d", x)
	case float64, float32:
		return fmt.Sprintf("real %v", x)
	case []byte:
		return "text " + quoteShort(string(x))
	case string:
		return "text " + quoteShort(x)
	case time.Time:
		return "time " + x.Format(time.RFC3339Nano)
	case bool:
		return fmt.Sprintf("boolean %t", x)
	}
	return fmt.Sprintf("%T", v)
}

func quoteShort(s string) string {
	const max = 40
	if len(s) > max {
		return strconv.Quote(s[:max]) + "..."
	}
	return strconv.Quote(s)
}
