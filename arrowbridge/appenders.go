package arrowbridge

import (
	"math"
	"math/big"
	"strconv"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// newAppender returns the Appender that converts values for field and
// writes them into bld, the field's builder. Appenders of string and binary
// columns add the bytes they append to *size.
func newAppender(field arrow.Field, bld array.Builder, size *int64) Appender {
	base := base{typ: TypeName(field.Type), nullable: field.Nullable}
	switch b := bld.(type) {
	case *array.BooleanBuilder:
		return &boolAppender{base, b}
	case *array.Int8Builder:
		return &intAppender[int8, *array.Int8Builder]{base, b, math.MinInt8, math.MaxInt8}
	case *array.Int16Builder:
		return &intAppender[int16, *array.Int16Builder]{base, b, math.MinInt16, math.MaxInt16}
	case *array.Int32Builder:
		return &intAppender[int32, *array.Int32Builder]{base, b, math.MinInt32, math.MaxInt32}
	case *array.Int64Builder:
		return &intAppender[int64, *array.Int64Builder]{base, b, math.MinInt64, math.MaxInt64}
	case *array.Uint8Builder:
		return &intAppender[uint8, *array.Uint8Builder]{base, b, 0, math.MaxUint8}
	case *array.Uint16Builder:
		return &intAppender[uint16, *array.Uint16Builder]{base, b, 0, math.MaxUint16}
	case *array.Uint32Builder:
		return &intAppender[uint32, *array.Uint32Builder]{base, b, 0, math.MaxUint32}
	case *array.Uint64Builder:
		return &intAppender[uint64, *array.Uint64Builder]{base, b, 0, math.MaxUint64}
	case *array.Float32Builder:
		return &floatAppender[float32, *array.Float32Builder]{base, b}
	case *array.Float64Builder:
		return &floatAppender[float64, *array.Float64Builder]{base, b}
	case *array.StringBuilder:
		return &stringAppender{base, b.BinaryBuilder, size}
	case *array.LargeStringBuilder:
		return &stringAppender{base, b.BinaryBuilder, size}
	case *array.BinaryBuilder:
		if field.Type.ID() == arrow.BINARY {
			return &binaryAppender{base, b, size}
		}
	case *array.Date32Builder:
		return &date32Appender{base, b}
	case *array.TimestampBuilder:
		return &timestampAppender{base, b, field.Type.(*arrow.TimestampType).Unit}
	case *array.Decimal128Builder:
		t := field.Type.(*arrow.Decimal128Type)
		return &decimalAppender{base, b, t.Precision, t.Scale}
	}
	base.reason = "unsupported column type"
	return &otherAppender{base, bld}
}

// base holds what every appender shares. Its methods reject every kind of
// value; each appender overrides the methods of the kinds its column
// accepts. No method appends anything before it has checked the value, so
// a rejected value leaves the column as it was.
type base struct {
	typ      string // TypeName of the column
	nullable bool
	reason   string // Reason of every rejection by base, usually ""
}

func (a *base) reject(got string) error {
	return &ValueError{Type: a.typ, Got: got, Reason: a.reason}
}

func (a *base) rejectFor(got, reason string) error {
	return &ValueError{Type: a.typ, Got: got, Reason: reason}
}

func (a *base) notNull() error {
	return &ValueError{Type: a.typ, Got: "null", Reason: "column is not nullable"}
}

func (a *base) outOfRange() string { return "out of range for " + a.typ }

func (a *base) AppendBool(v bool) error       { return a.reject(describeBool(v)) }
func (a *base) AppendInt(v int64) error       { return a.reject(describeInt(v)) }
func (a *base) AppendBigInt(v *big.Int) error { return a.reject(describeBigInt(v)) }
func (a *base) AppendFloat(v float64) error   { return a.reject(describeFloat(v)) }
func (a *base) AppendNumber(v float64) error  { return a.reject(describeNumber(v)) }
func (a *base) AppendString(v string) error   { return a.reject(describeString(v)) }
func (a *base) AppendBytes(v []byte) error    { return a.reject(describeBytes(v)) }
func (a *base) AppendTime(v time.Time) error  { return a.reject(describeTime(v)) }

func (a *base) appendNull(b array.Builder) error {
	if !a.nullable {
		return a.notNull()
	}
	b.AppendNull()
	return nil
}

// otherAppender serves a column of a type outside the contract: it accepts
// only nulls.
type otherAppender struct {
	base
	b array.Builder
}

func (a *otherAppender) AppendNull() error { return a.appendNull(a.b) }

// boolAppender accepts booleans only.
type boolAppender struct {
	base
	b *array.BooleanBuilder
}

func (a *boolAppender) AppendNull() error { return a.appendNull(a.b) }

func (a *boolAppender) AppendBool(v bool) error {
	a.b.Append(v)
	return nil
}

// builderOf is the part of a typed Arrow builder that the generic
// appenders use.
type builderOf[T any] interface {
	array.Builder
	Append(T)
}

// intType is the element type of an integer column.
type intType interface {
	int8 | int16 | int32 | int64 | uint8 | uint16 | uint32 | uint64
}

// intAppender accepts integers within [lo, hi], and whole numbers within
// ±2^53 in that range.
type intAppender[T intType, B builderOf[T]] struct {
	base
	b  B
	lo int64
	hi uint64
}

func (a *intAppender[T, B]) AppendNull() error { return a.appendNull(a.b) }

func (a *intAppender[T, B]) fits(v int64) bool {
	return v >= a.lo && (v < 0 || uint64(v) <= a.hi)
}

func (a *intAppender[T, B]) AppendInt(v int64) error {
	if !a.fits(v) {
		return a.rejectFor(describeInt(v), a.outOfRange())
	}
	a.b.Append(T(v))
	return nil
}

func (a *intAppender[T, B]) AppendBigInt(v *big.Int) error {
	switch {
	case v.IsInt64():
		return a.AppendInt(v.Int64())
	case v.IsUint64() && v.Uint64() <= a.hi:
		a.b.Append(T(v.Uint64()))
		return nil
	}
	return a.rejectFor(describeBigInt(v), a.outOfRange())
}

func (a *intAppender[T, B]) AppendNumber(v float64) error {
	i, reason := wholeNumber(v)
	if reason == "" && !a.fits(i) {
		reason = a.outOfRange()
	}
	if reason != "" {
		return a.rejectFor(describeNumber(v), reason)
	}
	a.b.Append(T(i))
	return nil
}

// maxExact is the largest magnitude up to which every whole float64 is exact.
const maxExact = 1 << 53

// wholeNumber returns v as an integer, or why it is not one exactly.
func wholeNumber(v float64) (int64, string) {
	switch {
	case v != math.Trunc(v) || math.IsInf(v, 0):
		return 0, "not a whole number"
	case v > maxExact || v < -maxExact:
		return 0, "not exact beyond ±2^53"
	}
	return int64(v), ""
}

// floatAppender accepts floats, numbers and integers. Values too large for
// float32 are out of range; precision is rounded as Go converts.
type floatAppender[T float32 | float64, B builderOf[T]] struct {
	base
	b B
}

func (a *floatAppender[T, B]) AppendNull() error { return a.appendNull(a.b) }

// overflows reports whether finite v becomes infinite as a T. The size
// test is constant for each instantiation, so float64 pays nothing.
func (a *floatAppender[T, B]) overflows(v float64) bool {
	var t T
	return unsafe.Sizeof(t) == 4 && math.IsInf(float64(float32(v)), 0) && !math.IsInf(v, 0)
}

func (a *floatAppender[T, B]) AppendFloat(v float64) error {
	if a.overflows(v) {
		return a.rejectFor(describeFloat(v), a.outOfRange())
	}
	a.b.Append(T(v))
	return nil
}

func (a *floatAppender[T, B]) AppendNumber(v float64) error {
	if a.overflows(v) {
		return a.rejectFor(describeNumber(v), a.outOfRange())
	}
	a.b.Append(T(v))
	return nil
}

func (a *floatAppender[T, B]) AppendInt(v int64) error {
	a.b.Append(T(v))
	return nil
}

func (a *floatAppender[T, B]) AppendBigInt(v *big.Int) error {
	f, _ := new(big.Float).SetInt(v).Float64()
	if math.IsInf(f, 0) || a.overflows(f) {
		return a.rejectFor(describeBigInt(v), a.outOfRange())
	}
	a.b.Append(T(f))
	return nil
}

// stringAppender accepts valid UTF-8 strings, for string and large_string.
type stringAppender struct {
	base
	b    *array.BinaryBuilder
	size *int64
}

func (a *stringAppender) AppendNull() error { return a.appendNull(a.b) }

func (a *stringAppender) AppendString(v string) error {
	if !utf8.ValidString(v) {
		return a.rejectFor(describeString(v), "invalid UTF-8")
	}
	a.b.Append(stringBytes(v))
	*a.size += int64(len(v))
	return nil
}

// binaryAppender accepts bytes and strings.
type binaryAppender struct {
	base
	b    *array.BinaryBuilder
	size *int64
}

func (a *binaryAppender) AppendNull() error { return a.appendNull(a.b) }

func (a *binaryAppender) AppendBytes(v []byte) error {
	a.b.Append(v)
	*a.size += int64(len(v))
	return nil
}

func (a *binaryAppender) AppendString(v string) error {
	return a.AppendBytes(stringBytes(v))
}

// stringBytes returns the bytes of s without copying them. The builders
// copy what they append, so they never write to or keep the result.
func stringBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// date32Appender accepts "YYYY-MM-DD", times (their date in UTC), and
// integer counts of days since 1970-01-01.
type date32Appender struct {
	base
	b *array.Date32Builder
}

func (a *date32Appender) AppendNull() error { return a.appendNull(a.b) }

func (a *date32Appender) AppendString(v string) error {
	days, ok := parseDate(v)
	if !ok {
		return a.rejectFor(describeString(v), `want "YYYY-MM-DD"`)
	}
	a.b.Append(arrow.Date32(days))
	return nil
}

func (a *date32Appender) AppendTime(v time.Time) error {
	days := floorDiv(v.Unix(), secondsPerDay)
	if days < math.MinInt32 || days > math.MaxInt32 {
		return a.rejectFor(describeTime(v), a.outOfRange())
	}
	a.b.Append(arrow.Date32(days))
	return nil
}

func (a *date32Appender) AppendInt(v int64) error {
	if v < math.MinInt32 || v > math.MaxInt32 {
		return a.rejectFor(describeInt(v), a.outOfRange())
	}
	a.b.Append(arrow.Date32(v))
	return nil
}

func (a *date32Appender) AppendBigInt(v *big.Int) error {
	if v.IsInt64() {
		return a.AppendInt(v.Int64())
	}
	return a.rejectFor(describeBigInt(v), a.outOfRange())
}

func (a *date32Appender) AppendNumber(v float64) error {
	i, reason := wholeNumber(v)
	if reason == "" && (i < math.MinInt32 || i > math.MaxInt32) {
		reason = a.outOfRange()
	}
	if reason != "" {
		return a.rejectFor(describeNumber(v), reason)
	}
	a.b.Append(arrow.Date32(i))
	return nil
}

// timestampAppender accepts ISO-8601 strings, times, and integer counts of
// the column's unit since the epoch. A time more precise than the unit is
// rounded down (toward the past), never toward zero.
type timestampAppender struct {
	base
	b    *array.TimestampBuilder
	unit arrow.TimeUnit
}

func (a *timestampAppender) AppendNull() error { return a.appendNull(a.b) }

// convert returns sec seconds plus nsec nanoseconds (0 ≤ nsec < 1e9)
// as a count of the column's unit, rounded down.
func (a *timestampAppender) convert(sec int64, nsec int64) (int64, bool) {
	switch a.unit {
	case arrow.Second:
		return sec, true
	case arrow.Millisecond:
		return mulAdd(sec, 1e3, nsec/1e6)
	case arrow.Microsecond:
		return mulAdd(sec, 1e6, nsec/1e3)
	default:
		return mulAdd(sec, 1e9, nsec)
	}
}

// mulAdd returns a*m+b for m > 0 and 0 ≤ b < m, or false if it overflows.
func mulAdd(a, m, b int64) (int64, bool) {
	if a >= 0 {
		if a > (math.MaxInt64-b)/m {
			return 0, false
		}
		return a*m + b, true
	}
	// a*m+b = (a+1)*m - c, which avoids overflowing before adding b.
	a++
	c := m - b // 0 < c ≤ m
	if a < math.MinInt64/m {
		return 0, false
	}
	p := a * m
	if p < math.MinInt64+c {
		return 0, false
	}
	return p - c, true
}

func (a *timestampAppender) AppendString(v string) error {
	sec, nsec, ok := parseTime(v)
	if !ok {
		return a.rejectFor(describeString(v), `want an ISO-8601 time such as "2024-01-02T03:04:05Z"`)
	}
	n, ok := a.convert(sec, nsec)
	if !ok {
		return a.rejectFor(describeString(v), a.outOfRange())
	}
	a.b.Append(arrow.Timestamp(n))
	return nil
}

func (a *timestampAppender) AppendTime(v time.Time) error {
	n, ok := a.convert(v.Unix(), int64(v.Nanosecond()))
	if !ok {
		return a.rejectFor(describeTime(v), a.outOfRange())
	}
	a.b.Append(arrow.Timestamp(n))
	return nil
}

func (a *timestampAppender) AppendInt(v int64) error {
	a.b.Append(arrow.Timestamp(v))
	return nil
}

func (a *timestampAppender) AppendBigInt(v *big.Int) error {
	if v.IsInt64() {
		return a.AppendInt(v.Int64())
	}
	return a.rejectFor(describeBigInt(v), a.outOfRange())
}

func (a *timestampAppender) AppendNumber(v float64) error {
	i, reason := wholeNumber(v)
	if reason != "" {
		return a.rejectFor(describeNumber(v), reason)
	}
	a.b.Append(arrow.Timestamp(i))
	return nil
}

// decimalAppender accepts decimal strings, integers and floats whose exact
// value fits the precision and scale. It never rounds.
type decimalAppender struct {
	base
	b     *array.Decimal128Builder
	prec  int32
	scale int32
}

func (a *decimalAppender) AppendNull() error { return a.appendNull(a.b) }

func (a *decimalAppender) AppendString(v string) error {
	n, reason := parseDecimal(v, a.prec, a.scale)
	if reason != "" {
		return a.rejectFor(describeString(v), reason)
	}
	a.b.Append(n)
	return nil
}

func (a *decimalAppender) AppendInt(v int64) error {
	var buf [24]byte
	n, reason := parseDecimal(bytesString(strconv.AppendInt(buf[:0], v, 10)), a.prec, a.scale)
	if reason != "" {
		return a.rejectFor(describeInt(v), reason)
	}
	a.b.Append(n)
	return nil
}

func (a *decimalAppender) AppendBigInt(v *big.Int) error {
	n, reason := parseDecimal(v.String(), a.prec, a.scale)
	if reason != "" {
		return a.rejectFor(describeBigInt(v), reason)
	}
	a.b.Append(n)
	return nil
}

func (a *decimalAppender) AppendFloat(v float64) error {
	n, reason := a.fromFloat(v)
	if reason != "" {
		return a.rejectFor(describeFloat(v), reason)
	}
	a.b.Append(n)
	return nil
}

func (a *decimalAppender) AppendNumber(v float64) error {
	n, reason := a.fromFloat(v)
	if reason != "" {
		return a.rejectFor(describeNumber(v), reason)
	}
	a.b.Append(n)
	return nil
}

// fromFloat converts the shortest decimal spelling of v, so 0.1 is 0.1 and
// not the binary fraction nearest to it.
func (a *decimalAppender) fromFloat(v float64) (decimal128.Num, string) {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return decimal128.Num{}, "not a finite number"
	}
	var buf [32]byte
	return parseDecimal(bytesString(strconv.AppendFloat(buf[:0], v, 'e', -1, 64)), a.prec, a.scale)
}

// bytesString returns b as a string without copying it. The caller must
// not change b while the string is in use.
func bytesString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }
