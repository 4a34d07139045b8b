package arrowbridge

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// op is one Appender call.
type op struct {
	name string
	fn   func(Appender) error
}

func (o op) String() string { return o.name }

func null() op { return op{"null", func(a Appender) error { return a.AppendNull() }} }
func boolean(v bool) op {
	return op{fmt.Sprintf("bool %v", v), func(a Appender) error { return a.AppendBool(v) }}
}
func integer(v int64) op {
	return op{fmt.Sprintf("int %d", v), func(a Appender) error { return a.AppendInt(v) }}
}
func bigint(s string) op {
	v, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic(s)
	}
	return op{"bigint " + s, func(a Appender) error { return a.AppendBigInt(v) }}
}
func float(v float64) op {
	return op{fmt.Sprintf("float %v", v), func(a Appender) error { return a.AppendFloat(v) }}
}
func number(v float64) op {
	return op{fmt.Sprintf("number %v", v), func(a Appender) error { return a.AppendNumber(v) }}
}
func str(v string) op {
	return op{fmt.Sprintf("string %q", v), func(a Appender) error { return a.AppendString(v) }}
}
func byteSlice(v ...byte) op {
	return op{fmt.Sprintf("bytes %q", v), func(a Appender) error { return a.AppendBytes(v) }}
}
func tm(v time.Time) op {
	return op{"time " + v.String(), func(a Appender) error { return a.AppendTime(v) }}
}

// raw spells value i of arr as the test tables do: integers (dates and
// timestamps as their counts, decimals unscaled), floats with %g, binary
// quoted, "null".
func raw(arr arrow.Array, i int) string {
	if arr.IsNull(i) {
		return "null"
	}
	switch a := arr.(type) {
	case *array.Float32:
		return strconv.FormatFloat(float64(a.Value(i)), 'g', -1, 32)
	case *array.Float64:
		return strconv.FormatFloat(a.Value(i), 'g', -1, 64)
	case *array.Binary:
		return strconv.Quote(string(a.Value(i)))
	case *array.Date32:
		return strconv.FormatInt(int64(a.Value(i)), 10)
	case *array.Timestamp:
		return strconv.FormatInt(int64(a.Value(i)), 10)
	case *array.Decimal128:
		return a.Value(i).BigInt().String()
	}
	return arr.ValueStr(i)
}

// convert appends one value through o to a one-column table of type typ
// and returns the stored value, spelled by raw.
func convert(t *testing.T, typ string, o op) (string, error) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema, err := NewSchema([]ColumnSpec{{Name: "c", Type: typ}})
	if err != nil {
		t.Fatal(err)
	}
	b := NewBuilder(schema, mem)
	defer b.Release()
	if err := o.fn(b.Column(0)); err != nil {
		if n := b.rb.Field(0).Len(); n != 0 {
			t.Errorf("%s %s: rejected value was appended (len %d)", typ, o, n)
		}
		return "", err
	}
	b.EndRow()
	tab := b.Finish()
	defer tab.Release()
	if len(tab.Batches) != 1 || tab.Rows != 1 {
		t.Fatalf("got %d batches, %d rows", len(tab.Batches), tab.Rows)
	}
	col := tab.Batches[0].Column(0)
	if !arrow.TypeEqual(col.DataType(), schema.Field(0).Type) {
		t.Errorf("column type %s, want %s", col.DataType(), schema.Field(0).Type)
	}
	return raw(col, 0), nil
}

type conversion struct {
	typ  string
	in   op
	want string // stored value, when err is ""
	err  string // exact error text
}

func runConversions(t *testing.T, tests []conversion) {
	t.Helper()
	for _, tt := range tests {
		got, err := convert(t, tt.typ, tt.in)
		switch {
		case tt.err != "":
			if err == nil {
				t.Errorf("%s <- %s: stored %s, want error %s", tt.typ, tt.in, got, tt.err)
			} else if err.Error() != tt.err {
				t.Errorf("%s <- %s: error\n got %s\nwant %s", tt.typ, tt.in, err, tt.err)
			} else if _, ok := err.(*ValueError); !ok {
				t.Errorf("%s <- %s: error is %T, want *ValueError", tt.typ, tt.in, err)
			}
		case err != nil:
			t.Errorf("%s <- %s: %v", tt.typ, tt.in, err)
		case got != tt.want:
			t.Errorf("%s <- %s: stored %s, want %s", tt.typ, tt.in, got, tt.want)
		}
	}
}

func TestConvertBool(t *testing.T) {
	runConversions(t, []conversion{
		{typ: "bool", in: boolean(true), want: "true"},
		{typ: "bool", in: boolean(false), want: "false"},
		{typ: "bool", in: integer(1), err: "(bool): got int 1"},
		{typ: "bool", in: number(1), err: "(bool): got number 1"},
		{typ: "bool", in: float(1), err: "(bool): got float 1.0"},
		{typ: "bool", in: str("true"), err: `(bool): got string "true"`},
		{typ: "bool", in: byteSlice(1), err: `(bool): got bytes (1 byte)`},
	})
}

func TestConvertIntegers(t *testing.T) {
	var tests []conversion
	edges := []struct {
		typ    string
		lo, hi int64
	}{
		{"int8", math.MinInt8, math.MaxInt8},
		{"int16", math.MinInt16, math.MaxInt16},
		{"int32", math.MinInt32, math.MaxInt32},
		{"uint8", 0, math.MaxUint8},
		{"uint16", 0, math.MaxUint16},
		{"uint32", 0, math.MaxUint32},
	}
	for _, e := range edges {
		tests = append(tests,
			conversion{typ: e.typ, in: integer(e.lo), want: fmt.Sprint(e.lo)},
			conversion{typ: e.typ, in: integer(e.hi), want: fmt.Sprint(e.hi)},
			conversion{typ: e.typ, in: integer(e.lo - 1), err: fmt.Sprintf("(%s): got int %d: out of range for %s", e.typ, e.lo-1, e.typ)},
			conversion{typ: e.typ, in: integer(e.hi + 1), err: fmt.Sprintf("(%s): got int %d: out of range for %s", e.typ, e.hi+1, e.typ)},
			conversion{typ: e.typ, in: number(float64(e.lo)), want: fmt.Sprint(e.lo)},
			conversion{typ: e.typ, in: number(float64(e.hi)), want: fmt.Sprint(e.hi)},
			conversion{typ: e.typ, in: number(float64(e.hi + 1)), err: fmt.Sprintf("(%s): got number %d: out of range for %s", e.typ, e.hi+1, e.typ)},
			conversion{typ: e.typ, in: bigint(fmt.Sprint(e.hi)), want: fmt.Sprint(e.hi)},
			conversion{typ: e.typ, in: bigint(fmt.Sprint(e.lo - 1)), err: fmt.Sprintf("(%s): got int %d: out of range for %s", e.typ, e.lo-1, e.typ)},
		)
	}
	tests = append(tests, []conversion{
		{typ: "int64", in: integer(math.MaxInt64), want: "9223372036854775807"},
		{typ: "int64", in: integer(math.MinInt64), want: "-9223372036854775808"},
		{typ: "int64", in: bigint("-5"), want: "-5"},
		{typ: "int64", in: bigint("9223372036854775808"), err: "(int64): got int 9223372036854775808: out of range for int64"},
		{typ: "int64", in: bigint("-9223372036854775809"), err: "(int64): got int -9223372036854775809: out of range for int64"},
		{typ: "int64", in: bigint("123456789012345678901234"), err: "(int64): got int 123456789012345678901234: out of range for int64"},
		{typ: "uint64", in: integer(math.MaxInt64), want: "9223372036854775807"},
		{typ: "uint64", in: bigint("18446744073709551615"), want: "18446744073709551615"},
		{typ: "uint64", in: bigint("18446744073709551616"), err: "(uint64): got int 18446744073709551616: out of range for uint64"},
		{typ: "uint64", in: integer(-1), err: "(uint64): got int -1: out of range for uint64"},
		{typ: "uint64", in: number(-1), err: "(uint64): got number -1: out of range for uint64"},
		{typ: "uint32", in: bigint("4294967296"), err: "(uint32): got int 4294967296: out of range for uint32"},

		// JavaScript numbers: whole, within ±2^53.
		{typ: "int64", in: number(3), want: "3"},
		{typ: "int64", in: number(math.Copysign(0, -1)), want: "0"},
		{typ: "int64", in: number(1 << 53), want: "9007199254740992"},
		{typ: "int64", in: number(-(1 << 53)), want: "-9007199254740992"},
		{typ: "int64", in: number(1<<53 + 2), err: "(int64): got number 9007199254740994: not exact beyond ±2^53"},
		{typ: "int64", in: number(-(1<<53 + 2)), err: "(int64): got number -9007199254740994: not exact beyond ±2^53"},
		{typ: "int64", in: number(1e21), err: "(int64): got number 1e+21: not exact beyond ±2^53"},
		{typ: "int64", in: number(2.5), err: "(int64): got number 2.5: not a whole number"},
		{typ: "int64", in: number(-0.5), err: "(int64): got number -0.5: not a whole number"},
		{typ: "int64", in: number(math.NaN()), err: "(int64): got number NaN: not a whole number"},
		{typ: "int64", in: number(math.Inf(1)), err: "(int64): got number Infinity: not a whole number"},
		{typ: "int8", in: number(300), err: "(int8): got number 300: out of range for int8"},
		{typ: "int8", in: number(-128), want: "-128"},

		// Starlark floats never become integers.
		{typ: "int64", in: float(2), err: "(int64): got float 2.0"},
		{typ: "int64", in: float(2.5), err: "(int64): got float 2.5"},
		{typ: "int8", in: float(1e20), err: "(int8): got float 1e+20"},
		{typ: "int64", in: str("5"), err: `(int64): got string "5"`},
		{typ: "int64", in: boolean(true), err: "(int64): got bool true"},
		{typ: "int64", in: byteSlice(make([]byte, 12)...), err: "(int64): got bytes (12 bytes)"},
		{typ: "int64", in: tm(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)), err: "(int64): got time 2024-01-02T03:04:05Z"},
	}...)
	runConversions(t, tests)
}

func TestConvertFloats(t *testing.T) {
	runConversions(t, []conversion{
		{typ: "float64", in: float(2.5), want: "2.5"},
		{typ: "float64", in: float(-0.1), want: "-0.1"},
		{typ: "float64", in: number(0.1), want: "0.1"},
		{typ: "float64", in: integer(3), want: "3"},
		{typ: "float64", in: integer(math.MaxInt64), want: "9.223372036854776e+18"},
		{typ: "float64", in: bigint("1180591620717411303424"), want: "1.1805916207174113e+21"},
		{typ: "float64", in: float(math.Inf(-1)), want: "-Inf"},
		{typ: "float64", in: number(math.NaN()), want: "NaN"},
		{typ: "float64", in: bigint("1" + strings.Repeat("0", 400)), err: "(float64): got int 1" + strings.Repeat("0", 400) + ": out of range for float64"},
		{typ: "float64", in: str("2.5"), err: `(float64): got string "2.5"`},
		{typ: "float64", in: boolean(false), err: "(float64): got bool false"},
		{typ: "float32", in: float(1.5), want: "1.5"},
		{typ: "float32", in: number(3.25), want: "3.25"},
		{typ: "float32", in: integer(7), want: "7"},
		{typ: "float32", in: float(math.Inf(1)), want: "+Inf"},
		{typ: "float32", in: float(1e39), err: "(float32): got float 1e+39: out of range for float32"},
		{typ: "float32", in: number(-1e39), err: "(float32): got number -1e+39: out of range for float32"},
		{typ: "float32", in: bigint("1" + strings.Repeat("0", 40)), err: "(float32): got int 1" + strings.Repeat("0", 40) + ": out of range for float32"},
	})
}

func TestConvertStrings(t *testing.T) {
	long := strings.Repeat("a", 50)
	runConversions(t, []conversion{
		{typ: "string", in: str("héllo"), want: "héllo"},
		{typ: "string", in: str(""), want: ""},
		{typ: "large_string", in: str("x"), want: "x"},
		{typ: "string", in: byteSlice('a', 'b', 'c'), err: "(string): got bytes (3 bytes)"},
		{typ: "string", in: integer(5), err: "(string): got int 5"},
		{typ: "string", in: bigint("123456789012345678901234"), err: "(string): got int 123456789012345678901234"},
		{typ: "string", in: str("a\xffb"), err: `(string): got string "a\xffb": invalid UTF-8`},
		{typ: "large_string", in: number(1e21), err: "(large_string): got number 1e+21"},
		{typ: "binary", in: byteSlice(0, 1, 2), want: `"\x00\x01\x02"`},
		{typ: "binary", in: str("abc"), want: `"abc"`},
		{typ: "binary", in: str("\xff"), want: `"\xff"`},
		{typ: "binary", in: integer(5), err: "(binary): got int 5"},
		{typ: "date32", in: str(long), err: `(date32): got string "` + long[:40] + `...": want "YYYY-MM-DD"`},
		{typ: "date32", in: str(strings.Repeat("é", 30)), err: `(date32): got string "` + strings.Repeat("é", 20) + `...": want "YYYY-MM-DD"`},
	})
}

// days returns the days since the epoch of a "2006-01-02" date, via time.
func days(s string) string {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return fmt.Sprint(d.Unix() / 86400)
}

func TestConvertDate32(t *testing.T) {
	badDate := `want "YYYY-MM-DD"`
	runConversions(t, []conversion{
		{typ: "date32", in: str("2024-01-02"), want: "19724"},
		{typ: "date32", in: str("1970-01-01"), want: "0"},
		{typ: "date32", in: str("1969-12-31"), want: "-1"},
		{typ: "date32", in: str("2000-02-29"), want: days("2000-02-29")},
		{typ: "date32", in: str("0001-01-01"), want: "-719162"},
		{typ: "date32", in: str("9999-12-31"), want: "2932896"},
		{typ: "date32", in: str("2023-02-29"), err: `(date32): got string "2023-02-29": ` + badDate},
		{typ: "date32", in: str("1900-02-29"), err: `(date32): got string "1900-02-29": ` + badDate},
		{typ: "date32", in: str("2024-13-01"), err: `(date32): got string "2024-13-01": ` + badDate},
		{typ: "date32", in: str("2024-1-2"), err: `(date32): got string "2024-1-2": ` + badDate},
		{typ: "date32", in: str("2024-01-02T00:00:00Z"), err: `(date32): got string "2024-01-02T00:00:00Z": ` + badDate},
		{typ: "date32", in: str("+024-01-02"), err: `(date32): got string "+024-01-02": ` + badDate},
		{typ: "date32", in: tm(time.Date(2024, 1, 2, 23, 30, 0, 0, time.FixedZone("-05", -5*3600))), want: "19725"},
		{typ: "date32", in: tm(time.Date(2024, 1, 2, 0, 30, 0, 0, time.FixedZone("+01", 3600))), want: "19723"},
		{typ: "date32", in: tm(time.Date(1969, 12, 31, 23, 0, 0, 0, time.UTC)), want: "-1"},
		{typ: "date32", in: tm(time.Date(6_000_000, 1, 1, 0, 0, 0, 0, time.UTC)), err: "(date32): got time 6000000-01-01T00:00:00Z: out of range for date32"},
		{typ: "date32", in: integer(19724), want: "19724"},
		{typ: "date32", in: bigint("-5"), want: "-5"},
		{typ: "date32", in: integer(math.MinInt32), want: "-2147483648"},
		{typ: "date32", in: integer(1 << 40), err: "(date32): got int 1099511627776: out of range for date32"},
		{typ: "date32", in: bigint("100000000000000000000"), err: "(date32): got int 100000000000000000000: out of range for date32"},
		{typ: "date32", in: number(19724), want: "19724"},
		{typ: "date32", in: number(1.5), err: "(date32): got number 1.5: not a whole number"},
		{typ: "date32", in: number(1e12), err: "(date32): got number 1000000000000: out of range for date32"},
		{typ: "date32", in: float(1), err: "(date32): got float 1.0"},
		{typ: "date32", in: boolean(true), err: "(date32): got bool true"},
	})
}

func TestDaysFromCivil(t *testing.T) {
	step := 1
	if testing.Short() {
		step = 13
	}
	for d := time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() <= 9999; d = d.AddDate(0, 0, step) {
		want := floorDiv(d.Unix(), 86400)
		if got := daysFromCivil(int64(d.Year()), int64(d.Month()), int64(d.Day())); got != want {
			t.Fatalf("daysFromCivil(%s) = %d, want %d", d.Format(time.DateOnly), got, want)
		}
	}
}

func TestConvertTimestamp(t *testing.T) {
	base := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC).Unix() // 1704164645
	prague, err := time.LoadLocation("Europe/Prague")
	if err != nil {
		t.Fatal(err)
	}
	badTime := `want an ISO-8601 time such as "2024-01-02T03:04:05Z"`
	n := func(v int64) string { return strconv.FormatInt(v, 10) }
	runConversions(t, []conversion{
		{typ: "timestamp[s]", in: str("2024-01-02T03:04:05Z"), want: n(base)},
		{typ: "timestamp[s]", in: str("2024-01-02t03:04:05z"), want: n(base)},
		{typ: "timestamp[ms]", in: str("2024-01-02T03:04:05.678Z"), want: n(base*1e3 + 678)},
		{typ: "timestamp[us]", in: str("2024-01-02T03:04:05.123456+01:00"), want: n((base-3600)*1e6 + 123456)},
		{typ: "timestamp[ns]", in: str("2024-01-02T03:04:05.123456789-05:30"), want: n((base+5*3600+1800)*1e9 + 123456789)},
		{typ: "timestamp[us]", in: str("2024-01-02T03:04:05+0530"), want: n((base - 5*3600 - 1800) * 1e6)},
		{typ: "timestamp[us]", in: str("2024-01-02T03:04:05-02"), want: n((base + 2*3600) * 1e6)},
		{typ: "timestamp[us]", in: str("2024-01-02T03:04:05,5Z"), want: n(base*1e6 + 500000)},
		{typ: "timestamp[us]", in: str("2024-01-02 03:04:05"), want: n(base * 1e6)},
		{typ: "timestamp[us]", in: str("2024-01-02T03:04:05"), want: n(base * 1e6)},
		{typ: "timestamp[us]", in: str("2024-01-02T03:04"), want: n((base - 5) * 1e6)},
		{typ: "timestamp[us]", in: str("2024-01-02"), want: n((base - 3*3600 - 4*60 - 5) * 1e6)},
		{typ: "timestamp[ns]", in: str("2024-01-02T03:04:05.1234567891234Z"), want: n(base*1e9 + 123456789)},

		// More precision than the unit: rounded down, toward the past.
		{typ: "timestamp[ms]", in: str("2024-01-02T03:04:05.1239Z"), want: n(base*1e3 + 123)},
		{typ: "timestamp[s]", in: str("1969-12-31T23:59:59.9Z"), want: "-1"},
		{typ: "timestamp[ms]", in: tm(time.Unix(-1, 999_999_999)), want: "-1"},
		{typ: "timestamp[us]", in: tm(time.Unix(-1, 999_999_999)), want: "-1"},
		{typ: "timestamp[s]", in: tm(time.Unix(-1, 1)), want: "-1"},
		{typ: "timestamp[ns]", in: tm(time.Unix(-1, 1)), want: "-999999999"},

		// Times are instants; their zone does not matter.
		{typ: "timestamp[us]", in: tm(time.Date(2024, 1, 2, 4, 4, 5, 7000, prague)), want: n(base*1e6 + 7)},
		{typ: "timestamp[us, tz=Europe/Prague]", in: tm(time.Date(2024, 1, 2, 4, 4, 5, 0, prague)), want: n(base * 1e6)},
		{typ: "timestamp[us, tz=Europe/Prague]", in: str("2024-01-02T04:04:05+01:00"), want: n(base * 1e6)},
		{typ: "timestamp[ms, tz=UTC]", in: str("2024-01-02T03:04:05Z"), want: n(base * 1e3)},
		{typ: "timestamp[us, tz=Europe/Prague]", in: str("2024-01-02 03:04:05"), want: n(base * 1e6)},

		{typ: "timestamp[ms]", in: integer(42), want: "42"},
		{typ: "timestamp[ms]", in: integer(-42), want: "-42"},
		{typ: "timestamp[ms]", in: number(1.7e12), want: "1700000000000"},
		{typ: "timestamp[ms]", in: bigint("1700000000000"), want: "1700000000000"},
		{typ: "timestamp[ns]", in: bigint("9223372036854775808"), err: "(timestamp[ns]): got int 9223372036854775808: out of range for timestamp[ns]"},
		{typ: "timestamp[ms]", in: number(1.5), err: "(timestamp[ms]): got number 1.5: not a whole number"},
		{typ: "timestamp[ns]", in: number(1.7e18), err: "(timestamp[ns]): got number 1700000000000000000: not exact beyond ±2^53"},
		{typ: "timestamp[ms]", in: float(1.5), err: "(timestamp[ms]): got float 1.5"},
		{typ: "timestamp[ms]", in: float(2), err: "(timestamp[ms]): got float 2.0"},
		{typ: "timestamp[us, tz=UTC]", in: boolean(true), err: "(timestamp[us, tz=UTC]): got bool true"},

		// Range of nanoseconds: 1677-09-21 to 2262-04-11.
		{typ: "timestamp[ns]", in: str("2262-04-11T23:47:16.854775807Z"), want: n(math.MaxInt64)},
		{typ: "timestamp[ns]", in: str("2262-04-11T23:47:16.854775808Z"), err: `(timestamp[ns]): got string "2262-04-11T23:47:16.854775808Z": out of range for timestamp[ns]`},
		{typ: "timestamp[ns]", in: str("1677-09-21T00:12:43.145224192Z"), want: n(math.MinInt64)},
		{typ: "timestamp[ns]", in: str("1677-09-21T00:12:43.145224191Z"), err: `(timestamp[ns]): got string "1677-09-21T00:12:43.145224191Z": out of range for timestamp[ns]`},
		{typ: "timestamp[ns]", in: tm(time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC)), err: "(timestamp[ns]): got time 1600-01-01T00:00:00Z: out of range for timestamp[ns]"},
		{typ: "timestamp[s]", in: tm(time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC)), want: n(time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC).Unix())},

		{typ: "timestamp[us]", in: str("2024-01-02T25:00:00Z"), err: `(timestamp[us]): got string "2024-01-02T25:00:00Z": ` + badTime},
		{typ: "timestamp[us]", in: str("2024-01-02T03:04:60Z"), err: `(timestamp[us]): got string "2024-01-02T03:04:60Z": ` + badTime},
		{typ: "timestamp[us]", in: str("2024-01-02T03:04:05+1"), err: `(timestamp[us]): got string "2024-01-02T03:04:05+1": ` + badTime},
		{typ: "timestamp[us]", in: str("2024-01-02T03:04:05+24:00"), err: `(timestamp[us]): got string "2024-01-02T03:04:05+24:00": ` + badTime},
		{typ: "timestamp[us]", in: str("2024-01-02T03:04:05.Z"), err: `(timestamp[us]): got string "2024-01-02T03:04:05.Z": ` + badTime},
		{typ: "timestamp[us]", in: str("2024-01-02T03:04:05 UTC"), err: `(timestamp[us]): got string "2024-01-02T03:04:05 UTC": ` + badTime},
		{typ: "timestamp[us]", in: str("2024-01-02T03"), err: `(timestamp[us]): got string "2024-01-02T03": ` + badTime},
		{typ: "timestamp[us]", in: str("2024-01-02X03:04:05"), err: `(timestamp[us]): got string "2024-01-02X03:04:05": ` + badTime},
		{typ: "timestamp[us]", in: str("yesterday"), err: `(timestamp[us]): got string "yesterday": ` + badTime},
	})
}

func TestConvertDecimal(t *testing.T) {
	const d182 = "decimal128(18, 2)"
	nines := strings.Repeat("9", 38)
	runConversions(t, []conversion{
		{typ: d182, in: str("123.45"), want: "12345"},
		{typ: d182, in: str("-0.5"), want: "-50"},
		{typ: d182, in: str("+7"), want: "700"},
		{typ: d182, in: str(".5"), want: "50"},
		{typ: d182, in: str("5."), want: "500"},
		{typ: d182, in: str("1.230"), want: "123"},
		{typ: d182, in: str("0001.50"), want: "150"},
		{typ: d182, in: str("-0"), want: "0"},
		{typ: d182, in: str("0.0000"), want: "0"},
		{typ: d182, in: str("0e999999999999"), want: "0"},
		{typ: d182, in: str("1e3"), want: "100000"},
		{typ: d182, in: str("1.5E-1"), want: "15"},
		{typ: d182, in: str("12.5e+1"), want: "12500"},
		{typ: d182, in: str("1500e-3"), want: "150"},
		{typ: d182, in: str("1.239"), err: `(decimal128(18, 2)): got string "1.239": more than 2 decimal places`},
		{typ: d182, in: str("1e-3"), err: `(decimal128(18, 2)): got string "1e-3": more than 2 decimal places`},
		{typ: d182, in: str("1e-999999999999"), err: `(decimal128(18, 2)): got string "1e-999999999999": more than 2 decimal places`},
		{typ: d182, in: str("1e999999999999"), err: `(decimal128(18, 2)): got string "1e999999999999": out of range (more than 18 digits)`},
		{typ: d182, in: str("abc"), err: `(decimal128(18, 2)): got string "abc": not a decimal number`},
		{typ: d182, in: str(""), err: `(decimal128(18, 2)): got string "": not a decimal number`},
		{typ: d182, in: str("-"), err: `(decimal128(18, 2)): got string "-": not a decimal number`},
		{typ: d182, in: str("."), err: `(decimal128(18, 2)): got string ".": not a decimal number`},
		{typ: d182, in: str("1.2.3"), err: `(decimal128(18, 2)): got string "1.2.3": not a decimal number`},
		{typ: d182, in: str("1e"), err: `(decimal128(18, 2)): got string "1e": not a decimal number`},
		{typ: d182, in: str(" 1"), err: `(decimal128(18, 2)): got string " 1": not a decimal number`},
		{typ: d182, in: str("1_000"), err: `(decimal128(18, 2)): got string "1_000": not a decimal number`},
		{typ: d182, in: str("NaN"), err: `(decimal128(18, 2)): got string "NaN": not a decimal number`},

		{typ: "decimal128(5, 2)", in: str("999.99"), want: "99999"},
		{typ: "decimal128(5, 2)", in: str("-999.99"), want: "-99999"},
		{typ: "decimal128(5, 2)", in: str("1000"), err: `(decimal128(5, 2)): got string "1000": out of range (more than 5 digits)`},
		{typ: "decimal128(5, 2)", in: str("1000.00"), err: `(decimal128(5, 2)): got string "1000.00": out of range (more than 5 digits)`},
		{typ: "decimal128(10, 0)", in: str("1.5"), err: `(decimal128(10, 0)): got string "1.5": not a whole number`},
		{typ: "decimal128(10, 0)", in: str("15.0"), want: "15"},
		{typ: "decimal128(10, 1)", in: str("1.25"), err: `(decimal128(10, 1)): got string "1.25": more than 1 decimal place`},
		{typ: "decimal128(38, 0)", in: str(nines), want: nines},
		{typ: "decimal128(38, 0)", in: str("-" + nines), want: "-" + nines},
		{typ: "decimal128(38, 0)", in: str(nines + "999"), err: `(decimal128(38, 0)): got string "` + nines + `99...": out of range (more than 38 digits)`},
		{typ: "decimal128(38, 0)", in: str("1e37"), want: "1" + strings.Repeat("0", 37)},
		{typ: "decimal128(38, 0)", in: str("1e38"), err: `(decimal128(38, 0)): got string "1e38": out of range (more than 38 digits)`},
		{typ: "decimal128(38, 38)", in: str("0.12345678901234567890123456789012345678"), want: "12345678901234567890123456789012345678"},
		{typ: "decimal128(38, 38)", in: str("1"), err: `(decimal128(38, 38)): got string "1": out of range (more than 38 digits)`},

		{typ: "decimal128(5, 2)", in: integer(999), want: "99900"},
		{typ: "decimal128(5, 2)", in: integer(-5), want: "-500"},
		{typ: "decimal128(5, 2)", in: integer(0), want: "0"},
		{typ: "decimal128(5, 2)", in: integer(1000), err: "(decimal128(5, 2)): got int 1000: out of range (more than 5 digits)"},
		{typ: "decimal128(38, 0)", in: integer(math.MinInt64), want: "-9223372036854775808"},
		{typ: "decimal128(38, 0)", in: bigint("1" + strings.Repeat("0", 30)), want: "1" + strings.Repeat("0", 30)},
		{typ: "decimal128(38, 0)", in: bigint("1" + strings.Repeat("0", 38)), err: "(decimal128(38, 0)): got int 1" + strings.Repeat("0", 38) + ": out of range (more than 38 digits)"},

		{typ: d182, in: float(0.1), want: "10"},
		{typ: d182, in: float(2.5), want: "250"},
		{typ: d182, in: float(-2), want: "-200"},
		{typ: d182, in: float(0.125), err: "(decimal128(18, 2)): got float 0.125: more than 2 decimal places"},
		{typ: d182, in: float(1e-7), err: "(decimal128(18, 2)): got float 1e-07: more than 2 decimal places"},
		{typ: d182, in: float(math.NaN()), err: "(decimal128(18, 2)): got float NaN: not a finite number"},
		{typ: d182, in: number(math.Inf(1)), err: "(decimal128(18, 2)): got number Infinity: not a finite number"},
		{typ: d182, in: number(1.005), err: "(decimal128(18, 2)): got number 1.005: more than 2 decimal places"},
		{typ: d182, in: number(19.99), want: "1999"},
		{typ: "decimal128(38, 2)", in: number(1e20), want: "1" + strings.Repeat("0", 22)},
		{typ: "decimal128(5, 2)", in: number(1e20), err: "(decimal128(5, 2)): got number 100000000000000000000: out of range (more than 5 digits)"},
		{typ: d182, in: boolean(true), err: "(decimal128(18, 2)): got bool true"},
		{typ: d182, in: byteSlice('1'), err: "(decimal128(18, 2)): got bytes (1 byte)"},
	})
}

func TestConvertNull(t *testing.T) {
	types := []string{"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
		"float32", "float64", "string", "large_string", "binary", "date32", "timestamp[ms]",
		"timestamp[us, tz=UTC]", "decimal128(18, 2)"}
	var tests []conversion
	for _, typ := range types {
		name, _, _ := ParseType(typ)
		tests = append(tests,
			conversion{typ: typ, in: null(), want: "null"},
			conversion{typ: typ + " not null", in: null(), err: "(" + TypeName(name) + "): got null: column is not nullable"},
		)
	}
	runConversions(t, tests)
}

func TestUnsupportedColumn(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{{Name: "l", Type: arrow.ListOf(arrow.PrimitiveTypes.Int64), Nullable: true}}, nil)
	b := NewBuilder(schema, mem)
	defer b.Release()
	err := b.Column(0).AppendInt(1)
	if want := "(list<item: int64, nullable>): got int 1: unsupported column type"; err == nil || err.Error() != want {
		t.Errorf("AppendInt: %v, want %s", err, want)
	}
	if err := b.Column(0).AppendNull(); err != nil {
		t.Fatal(err)
	}
	b.EndRow()
	tab := b.Finish()
	defer tab.Release()
	if !tab.Batches[0].Column(0).IsNull(0) {
		t.Error("value is not null")
	}
}

func TestErrorText(t *testing.T) {
	e := &ValueError{Type: "int64", Got: "float 2.5"}
	if got, want := e.Error(), "(int64): got float 2.5"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	e.Reason = "not a whole number"
	if got, want := e.Error(), "(int64): got float 2.5: not a whole number"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	c := &ConversionError{Row: 17, Column: "units", ValueError: ValueError{Type: "int64", Got: "float 2.5"}}
	if got, want := c.Error(), `row 17, column "units" (int64): got float 2.5`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	var ve *ValueError
	if !errors.As(c, &ve) || ve.Got != "float 2.5" {
		t.Errorf("errors.As(ConversionError, *ValueError) = %v", ve)
	}
}

func TestDescribe(t *testing.T) {
	tests := []struct{ got, want string }{
		{describeFloat(2), "float 2.0"},
		{describeFloat(-0.5), "float -0.5"},
		{describeFloat(1e20), "float 1e+20"},
		{describeFloat(math.Inf(1)), "float +Inf"},
		{describeNumber(2), "number 2"},
		{describeNumber(123456789), "number 123456789"},
		{describeNumber(1e21), "number 1e+21"},
		{describeNumber(1e-7), "number 1e-07"},
		{describeNumber(math.Inf(-1)), "number -Infinity"},
		{describeString(`a"b`), `string "a\"b"`},
		{describeBytes(nil), "bytes (0 bytes)"},
		{describeTime(time.Date(2024, 1, 2, 3, 4, 5, 600, time.FixedZone("", 3600))), "time 2024-01-02T03:04:05.0000006+01:00"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %s, want %s", tt.got, tt.want)
		}
	}
}
