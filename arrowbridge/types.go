package arrowbridge

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

// validTypes lists every spelling ParseType accepts, for error messages.
const validTypes = "bool, boolean, " +
	"int8, int16, int32, int64, uint8, uint16, uint32, uint64, " +
	"float32, float, float64, double, " +
	"string, utf8, large_string, large_utf8, binary, " +
	"date32, date32[day], date, " +
	"timestamp[s], timestamp[ms], timestamp[us], timestamp[ns], timestamp[<unit>, tz=<zone>], " +
	"decimal128(p, s); any of them may end in \" not null\""

// simpleTypes maps the lower-case spellings without parameters to their types.
var simpleTypes = map[string]arrow.DataType{
	"bool":         arrow.FixedWidthTypes.Boolean,
	"boolean":      arrow.FixedWidthTypes.Boolean,
	"int8":         arrow.PrimitiveTypes.Int8,
	"int16":        arrow.PrimitiveTypes.Int16,
	"int32":        arrow.PrimitiveTypes.Int32,
	"int64":        arrow.PrimitiveTypes.Int64,
	"uint8":        arrow.PrimitiveTypes.Uint8,
	"uint16":       arrow.PrimitiveTypes.Uint16,
	"uint32":       arrow.PrimitiveTypes.Uint32,
	"uint64":       arrow.PrimitiveTypes.Uint64,
	"float32":      arrow.PrimitiveTypes.Float32,
	"float":        arrow.PrimitiveTypes.Float32,
	"float64":      arrow.PrimitiveTypes.Float64,
	"double":       arrow.PrimitiveTypes.Float64,
	"string":       arrow.BinaryTypes.String,
	"utf8":         arrow.BinaryTypes.String,
	"large_string": arrow.BinaryTypes.LargeString,
	"large_utf8":   arrow.BinaryTypes.LargeString,
	"binary":       arrow.BinaryTypes.Binary,
	"date32":       arrow.FixedWidthTypes.Date32,
	"date":         arrow.FixedWidthTypes.Date32,
}

// ParseType parses a contract type string into an Arrow type and whether the
// column is nullable ("int64 not null" → Int64, false).
//
// Keywords are case-insensitive and whitespace around them is ignored:
// "Decimal128( 18 ,2 )" and "TIMESTAMP[us,tz=UTC]" are accepted. A time
// zone must be a name that time.LoadLocation knows; it is kept as written.
func ParseType(s string) (arrow.DataType, bool, error) {
	base, nullable := cutNotNull(s)
	t, err := parseBase(base)
	if err != nil {
		if errors.Is(err, errUnknownType) {
			return nil, false, fmt.Errorf("unknown type %q; valid types: %s", s, validTypes)
		}
		return nil, false, fmt.Errorf("invalid type %q: %w", s, err)
	}
	return t, nullable, nil
}

var errUnknownType = errors.New("unknown type")

// cutNotNull removes a trailing " not null" (any case, any whitespace)
// from s and reports whether the column stays nullable.
func cutNotNull(s string) (base string, nullable bool) {
	t := strings.TrimSpace(s)
	n := len(t)
	if n < len("not null") || !strings.EqualFold(t[n-4:], "null") {
		return t, true
	}
	rest := strings.TrimRight(t[:n-4], " \t\r\n")
	if len(rest) == n-4 || len(rest) < 3 || !strings.EqualFold(rest[len(rest)-3:], "not") {
		return t, true
	}
	rest = rest[:len(rest)-3]
	if rest != "" && !isSpace(rest[len(rest)-1]) {
		return t, true
	}
	return strings.TrimSpace(rest), false
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// parseBase parses a type string without its " not null" suffix.
func parseBase(s string) (arrow.DataType, error) {
	open := strings.IndexAny(s, "[(")
	if open < 0 {
		if t, ok := simpleTypes[strings.ToLower(s)]; ok {
			return t, nil
		}
		return nil, errUnknownType
	}
	keyword := strings.ToLower(strings.TrimSpace(s[:open]))
	closing := byte(')')
	if s[open] == '[' {
		closing = ']'
	}
	switch {
	case keyword == "date32" && s[open] == '[',
		keyword == "timestamp" && s[open] == '[',
		keyword == "decimal128" && s[open] == '(':
	default:
		return nil, errUnknownType
	}
	if s[len(s)-1] != closing || strings.IndexAny(s[open+1:len(s)-1], "[]()") >= 0 {
		return nil, fmt.Errorf("want %s%c...%c", keyword, s[open], closing)
	}
	args := strings.Split(s[open+1:len(s)-1], ",")
	for i := range args {
		args[i] = strings.TrimSpace(args[i])
	}
	switch keyword {
	case "date32":
		if len(args) != 1 || !strings.EqualFold(args[0], "day") {
			return nil, errors.New("the only date32 unit is day")
		}
		return arrow.FixedWidthTypes.Date32, nil
	case "timestamp":
		return parseTimestampType(args)
	default:
		return parseDecimalType(args)
	}
}

// parseTimestampType parses the arguments of timestamp[unit] and
// timestamp[unit, tz=Zone].
func parseTimestampType(args []string) (arrow.DataType, error) {
	if len(args) > 2 {
		return nil, errors.New("want timestamp[unit] or timestamp[unit, tz=Zone]")
	}
	unit, ok := parseUnit(args[0])
	if !ok {
		return nil, fmt.Errorf("unit %q: want s, ms, us or ns", args[0])
	}
	t := &arrow.TimestampType{Unit: unit}
	if len(args) == 1 {
		return t, nil
	}
	key, zone, ok := strings.Cut(args[1], "=")
	if !ok || !strings.EqualFold(strings.TrimSpace(key), "tz") {
		return nil, fmt.Errorf("%q: want tz=Zone", args[1])
	}
	zone = strings.TrimSpace(zone)
	if zone == "" {
		return nil, errors.New("empty time zone")
	}
	if _, err := time.LoadLocation(zone); err != nil || strings.EqualFold(zone, "local") {
		return nil, fmt.Errorf("unknown time zone %q", zone)
	}
	t.TimeZone = zone
	return t, nil
}

func parseUnit(s string) (arrow.TimeUnit, bool) {
	switch strings.ToLower(s) {
	case "s":
		return arrow.Second, true
	case "ms":
		return arrow.Millisecond, true
	case "us":
		return arrow.Microsecond, true
	case "ns":
		return arrow.Nanosecond, true
	}
	return 0, false
}

// parseDecimalType parses the arguments of decimal128(p, s).
func parseDecimalType(args []string) (arrow.DataType, error) {
	if len(args) != 2 {
		return nil, errors.New("want decimal128(precision, scale)")
	}
	p, err1 := strconv.Atoi(args[0])
	s, err2 := strconv.Atoi(args[1])
	switch {
	case err1 != nil || err2 != nil:
		return nil, errors.New("precision and scale must be integers")
	case p < 1 || p > 38:
		return nil, fmt.Errorf("precision %d is not between 1 and 38", p)
	case s < 0 || s > p:
		return nil, fmt.Errorf("scale %d is not between 0 and the precision %d", s, p)
	}
	return &arrow.Decimal128Type{Precision: int32(p), Scale: int32(s)}, nil
}

// TypeName returns the contract spelling of t ("int64", "timestamp[us, tz=UTC]").
// Types outside the contract are spelled as Arrow spells them.
func TypeName(t arrow.DataType) string {
	switch t := t.(type) {
	case *arrow.BooleanType:
		return "bool"
	case *arrow.StringType:
		return "string"
	case *arrow.LargeStringType:
		return "large_string"
	case *arrow.BinaryType:
		return "binary"
	case *arrow.Date32Type:
		return "date32"
	case *arrow.TimestampType:
		if t.TimeZone == "" {
			return "timestamp[" + t.Unit.String() + "]"
		}
		return "timestamp[" + t.Unit.String() + ", tz=" + t.TimeZone + "]"
	case *arrow.Decimal128Type:
		return fmt.Sprintf("decimal128(%d, %d)", t.Precision, t.Scale)
	case nil:
		return "<nil>"
	}
	return t.String() // int8 ... uint64, float32, float64 are spelled alike
}

// NewSchema builds the Arrow schema for specs, in order. Errors name the column.
//
// A spec's Nullable, when set, overrides the " not null" suffix of its Type.
// Column names must be unique and not empty.
func NewSchema(specs []ColumnSpec) (*arrow.Schema, error) {
	fields := make([]arrow.Field, len(specs))
	seen := make(map[string]bool, len(specs))
	for i, spec := range specs {
		if spec.Name == "" {
			return nil, fmt.Errorf("column %d: empty name", i+1)
		}
		if seen[spec.Name] {
			return nil, fmt.Errorf("column %q: duplicate name", spec.Name)
		}
		seen[spec.Name] = true
		t, nullable, err := ParseType(spec.Type)
		if err != nil {
			return nil, fmt.Errorf("column %q: %w", spec.Name, err)
		}
		if spec.Nullable != nil {
			nullable = *spec.Nullable
		}
		fields[i] = arrow.Field{Name: spec.Name, Type: t, Nullable: nullable}
		if len(spec.Metadata) > 0 {
			fields[i].Metadata = arrow.MetadataFrom(spec.Metadata)
		}
	}
	return arrow.NewSchema(fields, nil), nil
}
