package sqldb

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// A pgDecoder appends one non-NULL value, as pgx received it, to its
// column's builder. Its error is the reason a value does not fit.
type pgDecoder func(raw []byte) error

// PostgreSQL's epoch (2000-01-01) in Arrow's units.
const (
	pgEpochDays   = 10957
	pgEpochMicros = pgEpochDays * 86400 * 1_000_000
)

var be = binary.BigEndian

// pgColumn maps a result field to an Arrow column and its decoder. A type
// with no mapping returns a nil column and the hint for its error.
func pgColumn(mem memory.Allocator, fd pgconn.FieldDescription, m *pgtype.Map) (*column, pgDecoder, string) {
	bin := fd.Format == pgtype.BinaryFormatCode
	col := func(t arrow.DataType) *column { return newColumn(mem, fd.Name, "", t) }
	text := pgText(func(c *column, dst any, add func()) pgDecoder {
		return func(raw []byte) error {
			if err := m.Scan(fd.DataTypeOID, pgtype.TextFormatCode, raw, dst); err != nil {
				return err
			}
			add()
			return nil
		}
	})
	switch fd.DataTypeOID {
	case pgtype.BoolOID:
		return pgFixed(col(arrow.FixedWidthTypes.Boolean), bin, text, 1,
			func(raw []byte) bool { return raw[0] != 0 })
	case pgtype.Int2OID, pgtype.Int4OID, pgtype.Int8OID:
		return pgInteger(col, fd, bin, text)
	case pgtype.Float4OID:
		return pgFixed(col(arrow.PrimitiveTypes.Float32), bin, text, 4,
			func(raw []byte) float32 { return math.Float32frombits(be.Uint32(raw)) })
	case pgtype.Float8OID:
		return pgFixed(col(arrow.PrimitiveTypes.Float64), bin, text, 8,
			func(raw []byte) float64 { return math.Float64frombits(be.Uint64(raw)) })
	case pgtype.NumericOID:
		return pgDecimal(col, fd, bin)
	case pgtype.TextOID, pgtype.VarcharOID, pgtype.BPCharOID, pgtype.NameOID, pgtype.QCharOID,
		pgtype.JSONOID, pgtype.XMLOID, pgtype.UnknownOID:
		// The same bytes in both formats.
		c := col(arrow.BinaryTypes.String)
		return c, func(raw []byte) error { c.varb.Append(raw); return nil }, ""
	case pgtype.JSONBOID:
		c := col(arrow.BinaryTypes.String)
		return c, func(raw []byte) error {
			if bin {
				if len(raw) == 0 || raw[0] != 1 {
					return errors.New("unknown jsonb format version")
				}
				raw = raw[1:]
			}
			c.varb.Append(raw)
			return nil
		}, ""
	case pgtype.UUIDOID:
		c := col(arrow.BinaryTypes.String)
		var buf [36]byte
		return c, func(raw []byte) error {
			if !bin {
				c.varb.Append(raw)
				return nil
			}
			if len(raw) != 16 {
				return errBadLength
			}
			c.varb.Append(formatUUID(&buf, raw))
			return nil
		}, ""
	case pgtype.ByteaOID:
		c := col(arrow.BinaryTypes.Binary)
		if !bin {
			var v []byte
			return c, text(c, &v, func() { c.varb.Append(v) }), ""
		}
		return c, func(raw []byte) error { c.varb.Append(raw); return nil }, ""
	case pgtype.DateOID:
		return pgDate(col, bin, text)
	case pgtype.TimestampOID:
		return pgTimestamp(col(timestampUS), bin, text, false)
	case pgtype.TimestamptzOID:
		return pgTimestamp(col(timestampUTC), bin, text, true)
	}
	return nil, nil, pgHint(fd)
}

var errBadLength = errors.New("malformed binary value (wrong length)")

// pgHint suggests a cast for a type with no mapping.
func pgHint(fd pgconn.FieldDescription) string {
	cast := "text"
	switch fd.DataTypeOID {
	case pgtype.IntervalOID:
		cast = "text (or extract(epoch FROM col) for seconds)"
	case pgtype.NumericOID:
		cast = "float8 (or numeric(38, s) with s from 0 to 38)"
	case pgtype.OIDOID, pgtype.XIDOID, pgtype.CIDOID:
		cast = "int8"
	}
	return fmt.Sprintf("cast it in the query: SELECT %s::%s", quoteForHint(Postgres, fd.Name), cast)
}

// quoteForHint writes a column name as it would appear in SQL.
func quoteForHint(d Dialect, name string) string {
	if isPlainIdent(name) {
		return name
	}
	if q, err := d.QuoteIdent(name); err == nil {
		return q
	}
	return name
}

func isPlainIdent(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return s != ""
}

func pgInteger(col func(arrow.DataType) *column, fd pgconn.FieldDescription, bin bool,
	text pgText) (*column, pgDecoder, string) {
	switch fd.DataTypeOID {
	case pgtype.Int2OID:
		return pgFixed(col(arrow.PrimitiveTypes.Int16), bin, text, 2,
			func(raw []byte) int16 { return int16(be.Uint16(raw)) })
	case pgtype.Int4OID:
		return pgFixed(col(arrow.PrimitiveTypes.Int32), bin, text, 4,
			func(raw []byte) int32 { return int32(be.Uint32(raw)) })
	}
	return pgFixed(col(arrow.PrimitiveTypes.Int64), bin, text, 8,
		func(raw []byte) int64 { return int64(be.Uint64(raw)) })
}

// pgText makes the decoder of a text-format value: pgx's own parser scans
// it into dst, then add appends dst.
type pgText func(c *column, dst any, add func()) pgDecoder

// pgFixed decodes a fixed-width number into c, whose builder appends T:
// width big-endian bytes read by decode in the binary format, pgx's parser
// in the text format.
func pgFixed[T any](c *column, bin bool, text pgText, width int, decode func([]byte) T) (*column, pgDecoder, string) {
	b := c.b.(interface{ Append(T) })
	if !bin {
		var v T
		return c, text(c, &v, func() { b.Append(v) }), ""
	}
	return c, func(raw []byte) error {
		if len(raw) != width {
			return errBadLength
		}
		b.Append(decode(raw))
		return nil
	}, ""
}

// pgNumericType maps numeric's type modifier: numeric(p, s) is
// decimal128(p, s); plain numeric is decimal128(38, 10); a precision above
// 38 keeps its scale (values that do not fit are errors). A negative scale
// or one above 38 has no mapping.
func pgNumericType(typmod int32) (*arrow.Decimal128Type, bool) {
	if typmod < 4 {
		return unconstrained, true
	}
	precision := int32((typmod - 4) >> 16 & 0xffff)
	scale := ((typmod-4)&0x7ff ^ 1024) - 1024 // 11-bit signed since PostgreSQL 15
	if scale < 0 || scale > maxDecimalDigits {
		return nil, false
	}
	return &arrow.Decimal128Type{Precision: min(precision, maxDecimalDigits), Scale: scale}, true
}

func pgDecimal(col func(arrow.DataType) *column, fd pgconn.FieldDescription, bin bool) (*column, pgDecoder, string) {
	t, ok := pgNumericType(fd.TypeModifier)
	if !ok {
		return nil, nil, pgHint(fd)
	}
	c := col(t)
	b := c.b.(*array.Decimal128Builder)
	return c, func(raw []byte) error {
		var v decimal128.Num
		var err error
		if bin {
			v, err = pgNumeric(raw, t.Precision, t.Scale)
		} else {
			v, err = parseDecimal(raw, t.Precision, t.Scale)
		}
		if err != nil {
			return err
		}
		b.Append(v)
		return nil
	}, ""
}

// pgNumeric decodes numeric's binary form (base-10000 digits with a weight)
// into a decimal128 of the given scale, rounding half away from zero as
// PostgreSQL does.
func pgNumeric(raw []byte, precision, scale int32) (decimal128.Num, error) {
	if len(raw) < 8 {
		return decimal128.Num{}, errBadLength
	}
	ndigits, weight := int(int16(be.Uint16(raw))), int(int16(be.Uint16(raw[2:])))
	switch sign := be.Uint16(raw[4:]); sign {
	case 0xC000:
		return decimal128.Num{}, errors.New("NaN has no decimal128 value")
	case 0xD000, 0xF000:
		return decimal128.Num{}, errors.New("infinity has no decimal128 value")
	}
	if ndigits < 0 || len(raw) != 8+2*ndigits {
		return decimal128.Num{}, errBadLength
	}
	var d decimalDigits
	roundUp, cut := false, false
	exp := 4*weight + 3 // decimal exponent of the next digit
	for i := 0; i < ndigits && !cut; i++ {
		group := be.Uint16(raw[8+2*i:])
		for div := uint16(1000); div > 0; div /= 10 {
			digit := uint64(group / div % 10)
			if exp < -int(scale) {
				roundUp, cut = digit >= 5, true
				break
			}
			d.push(digit)
			exp--
		}
	}
	if !cut {
		d.pad(exp + 1 + int(scale))
	}
	v, err := d.value(be.Uint16(raw[4:]) == 0x4000, roundUp, precision)
	if errors.Is(err, errDecimalRange) {
		return v, fmt.Errorf("%w: more than %d digits", err, maxDecimalDigits)
	}
	return v, err
}

func pgDate(col func(arrow.DataType) *column, bin bool, text pgText) (*column, pgDecoder, string) {
	c := col(arrow.FixedWidthTypes.Date32)
	b := c.b.(*array.Date32Builder)
	if !bin {
		var v pgtype.Date
		var err error
		dec := text(c, &v, func() {
			err = nil
			if v.InfinityModifier != pgtype.Finite {
				err = errInfinity
				b.AppendNull()
				return
			}
			b.Append(arrow.Date32FromTime(v.Time))
		})
		return c, func(raw []byte) error {
			if e := dec(raw); e != nil {
				return e
			}
			return err
		}, ""
	}
	return c, func(raw []byte) error {
		if len(raw) != 4 {
			return errBadLength
		}
		days := int64(int32(be.Uint32(raw)))
		if days == math.MaxInt32 || days == math.MinInt32 {
			return errInfinity
		}
		days += pgEpochDays
		if days > math.MaxInt32 {
			return errors.New("date out of date32's range")
		}
		b.Append(arrow.Date32(days))
		return nil
	}, ""
}

var errInfinity = errors.New("infinity has no Arrow value; filter it out or cast it in the query")

func pgTimestamp(c *column, bin bool, text pgText, tz bool) (*column, pgDecoder, string) {
	b := c.b.(*array.TimestampBuilder)
	if !bin {
		var err error
		add := func(t pgtype.InfinityModifier, us int64) {
			err = nil
			if t != pgtype.Finite {
				err = errInfinity
				b.AppendNull()
				return
			}
			b.Append(arrow.Timestamp(us))
		}
		var dec pgDecoder
		if tz {
			var v pgtype.Timestamptz
			dec = text(c, &v, func() { add(v.InfinityModifier, v.Time.UnixMicro()) })
		} else {
			var v pgtype.Timestamp
			dec = text(c, &v, func() { add(v.InfinityModifier, v.Time.UnixMicro()) })
		}
		return c, func(raw []byte) error {
			if e := dec(raw); e != nil {
				return e
			}
			return err
		}, ""
	}
	return c, func(raw []byte) error {
		if len(raw) != 8 {
			return errBadLength
		}
		us := int64(be.Uint64(raw))
		if us == math.MaxInt64 || us == math.MinInt64 {
			return errInfinity
		}
		if us > math.MaxInt64-pgEpochMicros {
			return errors.New("timestamp out of range")
		}
		b.Append(arrow.Timestamp(us + pgEpochMicros))
		return nil
	}, ""
}

// formatUUID writes the 16 bytes of a UUID in its 36-character form.
func formatUUID(buf *[36]byte, u []byte) []byte {
	hex.Encode(buf[0:8], u[0:4])
	buf[8] = '-'
	hex.Encode(buf[9:13], u[4:6])
	buf[13] = '-'
	hex.Encode(buf[14:18], u[6:8])
	buf[18] = '-'
	hex.Encode(buf[19:23], u[8:10])
	buf[23] = '-'
	hex.Encode(buf[24:], u[10:16])
	return buf[:]
}
