package arrowbridge

import (
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// The fuzz targets of this file check the parsers of type strings and of
// the strings that columns accept against references written with the
// standard library (time, math/big) instead of the hand-written parsers'
// own arithmetic. Seeds: testdata/fuzz/<FuzzName>. Run one with
//
//	go test ./arrowbridge -run '^$' -fuzz '^FuzzParseType$' -fuzztime 30s

// FuzzParseType: ParseType never panics, and every type it accepts is
// spelled by TypeName in a way ParseType reads back as the same type.
func FuzzParseType(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		typ, nullable, err := ParseType(s)
		if err != nil {
			if typ != nil {
				t.Fatalf("ParseType(%q) = %v with error %v", s, typ, err)
			}
			return
		}
		name := TypeName(typ)
		if !nullable {
			name += " not null"
		}
		again, againNullable, err := ParseType(name)
		if err != nil || !arrow.TypeEqual(typ, again) || againNullable != nullable {
			t.Fatalf("ParseType(%q) = %v, %v; its spelling %q reads back as %v, %v, %v", s, typ, nullable, name, again, againNullable, err)
		}
		if _, err := NewSchema([]ColumnSpec{{Name: "c", Type: s}}); err != nil {
			t.Fatalf("NewSchema refuses type %q that ParseType accepts: %v", s, err)
		}
	})
}

// fuzzColumns are the columns FuzzAppendString appends every string to:
// one of each type of the contract, several timestamp units and decimal
// shapes.
var fuzzColumns = []string{
	"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
	"float32", "float64", "string", "large_string", "binary", "date32",
	"timestamp[s]", "timestamp[ms]", "timestamp[us]", "timestamp[ns, tz=Europe/Prague]",
	"decimal128(38, 0)", "decimal128(18, 4)", "decimal128(5, 5)",
}

// FuzzAppendString appends one string to a column of every type: the
// column stores what the reference says, or refuses the string and stays
// empty; nothing panics and the builder's memory is all released.
func FuzzAppendString(f *testing.F) {
	specs := make([]ColumnSpec, len(fuzzColumns))
	for i, typ := range fuzzColumns {
		specs[i] = ColumnSpec{Name: "c" + strconv.Itoa(i), Type: typ}
	}
	schema, err := NewSchema(specs)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		b := NewBuilder(schema, mem)
		defer b.Release()
		for i, field := range schema.Fields() {
			err := b.Column(i).AppendString(s)
			n := b.rb.Field(i).Len()
			if err != nil {
				if _, ok := err.(*ValueError); !ok {
					t.Fatalf("%s <- %q: error %T %v, want *ValueError", fuzzColumns[i], s, err, err)
				}
				if n != 0 {
					t.Fatalf("%s <- %q: refused (%v) but appended", fuzzColumns[i], s, err)
				}
				b.rb.Field(i).AppendNull() // keep the row whole
			} else if n != 1 {
				t.Fatalf("%s <- %q: accepted but the column has %d values", fuzzColumns[i], s, n)
			}
			want, ok := referenceString(field.Type, s)
			if ok != (err == nil) {
				t.Fatalf("%s <- %q: error %v, but the reference accepts it: %v", fuzzColumns[i], s, err, ok)
			}
			if ok {
				checkStored(t, b.rb.Field(i), field.Type, s, want)
			}
		}
	})
}

// checkStored compares the value just appended to bld with want, the
// reference's value: a string, []byte, int64 (days or the timestamp's unit)
// or *big.Int (an unscaled decimal).
func checkStored(t *testing.T, bld array.Builder, typ arrow.DataType, s string, want any) {
	t.Helper()
	arr := bld.NewArray()
	defer arr.Release()
	var got any
	switch a := arr.(type) {
	case *array.String:
		got = a.Value(0)
	case *array.LargeString:
		got = a.Value(0)
	case *array.Binary:
		got = string(a.Value(0))
		want = string(want.([]byte))
	case *array.Date32:
		got = int64(a.Value(0))
	case *array.Timestamp:
		got = int64(a.Value(0))
	case *array.Decimal128:
		g := a.Value(0).BigInt()
		if g.Cmp(want.(*big.Int)) != 0 {
			t.Fatalf("%s <- %q: stored %v, want %v", TypeName(typ), s, g, want)
		}
		bld.AppendNull() // NewArray emptied the builder; keep the row whole
		return
	default:
		t.Fatalf("%s <- %q: accepted by a column that should refuse strings", TypeName(typ), s)
	}
	if got != want {
		t.Fatalf("%s <- %q: stored %v, want %v", TypeName(typ), s, got, want)
	}
	bld.AppendNull()
}

// referenceString returns what a column of type typ should store for the
// string s, and false when it should refuse it.
func referenceString(typ arrow.DataType, s string) (any, bool) {
	switch typ := typ.(type) {
	case *arrow.StringType, *arrow.LargeStringType:
		return s, utf8.ValidString(s)
	case *arrow.BinaryType:
		return []byte(s), true
	case *arrow.Date32Type:
		if !dateRef.MatchString(s) {
			return nil, false
		}
		tm, ok := referenceTime(s)
		if !ok {
			return nil, false
		}
		return tm.Unix() / (24 * 3600), true // midnight UTC: a whole number of days
	case *arrow.TimestampType:
		tm, ok := referenceTime(s)
		if !ok {
			return nil, false
		}
		return referenceTimestamp(tm, typ.Unit)
	case *arrow.Decimal128Type:
		return referenceDecimal(s, typ.Precision, typ.Scale)
	}
	return nil, false
}

// dateRef is the only form a date32 column reads from a string.
var dateRef = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)

// timeRef is the grammar of the times timestamp columns read: a date, then
// optionally a time with optional seconds, fraction and zone.
var timeRef = regexp.MustCompile(`^([0-9]{4})-([0-9]{2})-([0-9]{2})` +
	`(?:[Tt ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:[.,]([0-9]+))?)?` +
	`(Z|z|([+-])([0-9]{2})(?::?([0-9]{2}))?)?)?$`)

// referenceTime reads s with timeRef and the time package, checking every
// field's range (time.Date would normalise 2024-02-30 to March 1st).
func referenceTime(s string) (time.Time, bool) {
	m := timeRef.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, false
	}
	num := func(i int) int {
		n, _ := strconv.Atoi(m[i])
		return n
	}
	y, mo, d, h, mi, sec := num(1), num(2), num(3), num(4), num(5), num(6)
	if mo < 1 || mo > 12 || d < 1 || d > time.Date(y, time.Month(mo)+1, 0, 0, 0, 0, 0, time.UTC).Day() || h > 23 || mi > 59 || sec > 59 {
		return time.Time{}, false
	}
	frac := m[7]
	if len(frac) > 9 {
		frac = frac[:9]
	}
	ns := 0
	if frac != "" {
		ns, _ = strconv.Atoi(frac + strings.Repeat("0", 9-len(frac)))
	}
	off := 0
	if m[9] != "" {
		zh, zm := num(10), num(11)
		if zh > 23 || zm > 59 {
			return time.Time{}, false
		}
		off = zh*3600 + zm*60
		if m[9] == "-" {
			off = -off
		}
	}
	return time.Date(y, time.Month(mo), d, h, mi, sec, ns, time.FixedZone("", off)), true
}

// referenceTimestamp converts tm to a count of unit since the epoch,
// rounded down, with math/big; false when it does not fit an int64.
func referenceTimestamp(tm time.Time, unit arrow.TimeUnit) (any, bool) {
	per := map[arrow.TimeUnit]int64{arrow.Second: 1, arrow.Millisecond: 1e3, arrow.Microsecond: 1e6, arrow.Nanosecond: 1e9}[unit]
	n := new(big.Int).Mul(big.NewInt(tm.Unix()), big.NewInt(per))
	n.Add(n, big.NewInt(int64(tm.Nanosecond())/(1e9/per)))
	if !n.IsInt64() {
		return nil, false
	}
	return n.Int64(), true
}

// decimalRef is the grammar of decimal strings.
var decimalRef = regexp.MustCompile(`^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$`)

// referenceDecimal returns the unscaled value of s in a decimal128(prec,
// scale) computed with big.Rat, or false when s is no decimal, has digits
// past the scale or more than prec digits. Exponents larger than the
// string's length plus 40 are judged without big.Rat, which would build
// the huge number: only zero survives them. A non-zero D×10^e with such an
// e has more than 40 digits (e > 0) or digits past any scale (e < 0).
func referenceDecimal(s string, prec, scale int32) (any, bool) {
	m := decimalRef.FindStringSubmatch(s)
	if m == nil {
		return nil, false
	}
	if m[2] != "" {
		exp, err := strconv.Atoi(strings.TrimLeft(m[2][1:], "+-"))
		if err != nil || exp > len(s)+40 {
			if strings.Trim(m[1], "0.") == "" {
				return new(big.Int), true
			}
			return nil, false
		}
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return nil, false
	}
	r.Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil)))
	if !r.IsInt() {
		return nil, false
	}
	limit := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(prec)), nil)
	if new(big.Int).Abs(r.Num()).Cmp(limit) >= 0 {
		return nil, false
	}
	return r.Num(), true
}

// FuzzParseDecimal compares parseDecimal with big.Rat for any precision
// and scale of the contract.
func FuzzParseDecimal(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string, p, sc uint8) {
		prec := int32(p%38) + 1
		scale := int32(sc) % (prec + 1)
		n, reason := parseDecimal(s, prec, scale)
		want, ok := referenceDecimal(s, prec, scale)
		switch {
		case ok && reason != "":
			t.Fatalf("parseDecimal(%q, %d, %d) refuses it (%s); want %v", s, prec, scale, reason, want)
		case !ok && reason == "":
			t.Fatalf("parseDecimal(%q, %d, %d) = %v; want a refusal", s, prec, scale, n.BigInt())
		case ok && n.BigInt().Cmp(want.(*big.Int)) != 0:
			t.Fatalf("parseDecimal(%q, %d, %d) = %v; want %v", s, prec, scale, n.BigInt(), want)
		}
	})
}

// FuzzParseTime compares parseTime with the time package.
func FuzzParseTime(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		sec, nsec, ok := parseTime(s)
		want, wantOK := referenceTime(s)
		switch {
		case ok != wantOK:
			t.Fatalf("parseTime(%q) = %d, %d, %v; the reference says %v, %v", s, sec, nsec, ok, want, wantOK)
		case ok && (sec != want.Unix() || nsec != int64(want.Nanosecond())):
			t.Fatalf("parseTime(%q) = %d, %d; want %d, %d (%v)", s, sec, nsec, want.Unix(), want.Nanosecond(), want)
		case ok && (nsec < 0 || nsec >= 1e9):
			t.Fatalf("parseTime(%q): nanoseconds %d out of range", s, nsec)
		}
	})
}

// FuzzAppendNumber appends one float to every numeric, date and decimal
// column as AppendNumber (a JavaScript number) and AppendFloat (a Starlark
// float): nothing panics, refusals leave the column empty, and integer
// columns store exactly the whole number they were given.
func FuzzAppendNumber(f *testing.F) {
	types := []string{"int8", "int64", "uint8", "uint64", "float32", "float64", "date32", "timestamp[ms]", "decimal128(38, 10)", "decimal128(4, 2)"}
	specs := make([]ColumnSpec, len(types))
	for i, typ := range types {
		specs[i] = ColumnSpec{Name: "c" + strconv.Itoa(i), Type: typ}
	}
	schema, err := NewSchema(specs)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, bitsOf uint64, js bool) {
		v := math.Float64frombits(bitsOf)
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		b := NewBuilder(schema, mem)
		defer b.Release()
		for i := range types {
			col := b.Column(i)
			var err error
			if js {
				err = col.AppendNumber(v)
			} else {
				err = col.AppendFloat(v)
			}
			bld := b.rb.Field(i)
			if err != nil {
				if bld.Len() != 0 {
					t.Fatalf("%s <- %v: refused (%v) but appended", types[i], v, err)
				}
				continue
			}
			arr := bld.NewArray()
			checkNumber(t, types[i], arr, v)
			arr.Release()
		}
	})
}

// checkNumber checks the value arr stored for v where the expected value
// is plain: integers exact, floats as Go converts them.
func checkNumber(t *testing.T, typ string, arr arrow.Array, v float64) {
	t.Helper()
	var got float64
	switch a := arr.(type) {
	case *array.Int8:
		got = float64(a.Value(0))
	case *array.Int64:
		got = float64(a.Value(0))
	case *array.Uint8:
		got = float64(a.Value(0))
	case *array.Uint64:
		got = float64(a.Value(0))
	case *array.Float64:
		got = a.Value(0)
	case *array.Float32:
		if f := float32(v); a.Value(0) != f && !(math.IsNaN(float64(f)) && math.IsNaN(float64(a.Value(0)))) {
			t.Fatalf("%s <- %v: stored %v", typ, v, a.Value(0))
		}
		return
	default:
		return // dates, timestamps and decimals are checked by the table tests
	}
	if got != v && !(math.IsNaN(got) && math.IsNaN(v)) {
		t.Fatalf("%s <- %v: stored %v", typ, v, got)
	}
}
