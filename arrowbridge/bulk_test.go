package arrowbridge

import (
	"fmt"
	"math"
	"math/big"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// bulkColumn builds one column of type typ with fill and returns its
// values as strings, or the located error.
func bulkColumn(t *testing.T, typ string, fill func(b *Builder) error) ([]string, error) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b := NewBuilder(mustSchema(t, ColumnSpec{Name: "c", Type: typ}), mem)
	defer b.Release()
	if err := fill(b); err != nil {
		return nil, err
	}
	tab := b.Finish()
	defer tab.Release()
	var out []string
	for _, rec := range tab.Batches {
		col := rec.Column(0)
		for i := range col.Len() {
			out = append(out, col.ValueStr(i))
		}
	}
	return out, nil
}

// oneByOne appends vs with the per-value method the bulk append stands for.
func oneByOne[T Number](b *Builder, vs []T) error {
	for _, v := range vs {
		if err := b.Column(0).AppendNumber(float64(v)); err != nil {
			return b.Locate(0, err)
		}
		b.EndRow()
	}
	return nil
}

func bulk[T Number](b *Builder, vs []T) error {
	n, err := AppendNumbers(b.Column(0), vs)
	if err != nil {
		return b.Locate(0, err)
	}
	b.EndRows(n)
	return nil
}

// checkNumbers checks that AppendNumbers gives what appending the values one
// by one gives: the same column, or the same error.
func checkNumbers[T Number](t *testing.T, typ string, vs []T) {
	t.Helper()
	want, wantErr := bulkColumn(t, typ, func(b *Builder) error { return oneByOne(b, vs) })
	got, gotErr := bulkColumn(t, typ, func(b *Builder) error { return bulk(b, vs) })
	if fmt.Sprint(wantErr) != fmt.Sprint(gotErr) {
		t.Errorf("%T into %s: error %v, want %v", vs, typ, gotErr, wantErr)
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("%T into %s: %v, want %v", vs, typ, got, want)
	}
}

func TestAppendNumbersMatchesOneByOne(t *testing.T) {
	f64 := []float64{0, 1, -2, 3.5, 1 << 40}
	i32 := []int32{0, 1, -2, 300, math.MaxInt32, math.MinInt32}
	for _, typ := range []string{"float64", "float32", "int64", "int32", "int8", "uint8", "date32", "timestamp[ms]", "decimal128(18, 2)", "string"} {
		checkNumbers(t, typ, f64)
		checkNumbers(t, typ, i32)
		checkNumbers(t, typ, []float32{1.5, -2, 3})
		checkNumbers(t, typ, []int16{-300, 7})
		checkNumbers(t, typ, []int8{-1, 7})
		checkNumbers(t, typ, []uint8{0, 255})
		checkNumbers(t, typ, []uint16{0, 65535})
		checkNumbers(t, typ, []uint32{0, math.MaxUint32})
	}
	// The fast paths themselves, element for element.
	for typ, vs := range map[string][]float64{"float64": f64, "int64": {1, 2, -3, 1 << 53}} {
		got, err := bulkColumn(t, typ, func(b *Builder) error { return bulk(b, vs) })
		if err != nil || len(got) != len(vs) {
			t.Fatalf("%s: %v %v", typ, got, err)
		}
		for i, v := range vs {
			if got[i] != fmt.Sprint(v) && got[i] != fmt.Sprintf("%g", v) && got[i] != fmt.Sprintf("%d", int64(v)) {
				t.Errorf("%s[%d] = %s, want %v", typ, i, got[i], v)
			}
		}
	}
	got, err := bulkColumn(t, "date32", func(b *Builder) error { return bulk(b, []int32{19000, 0}) })
	if err != nil || strings.Join(got, ",") != "2022-01-08,1970-01-01" {
		t.Errorf("Int32Array into date32: %v %v", got, err)
	}
}

func TestAppendNumbersRejectsByDeclaredType(t *testing.T) {
	cases := []struct {
		typ  string
		fill func(b *Builder) error
		want string
	}{
		{"int64", func(b *Builder) error { return bulk(b, []float64{1, 2, 2.5, 4}) },
			`row 3, column "c" (int64): got number 2.5: not a whole number`},
		{"int64", func(b *Builder) error { return bulk(b, []float64{1 << 54}) },
			`row 1, column "c" (int64): got number 18014398509481984: not exact beyond ±2^53`},
		{"int8", func(b *Builder) error { return bulk(b, []int32{1, 300}) },
			`row 2, column "c" (int8): got number 300: out of range for int8`},
		{"uint32", func(b *Builder) error { return bulk(b, []int32{-1}) },
			`row 1, column "c" (uint32): got number -1: out of range for uint32`},
		{"string", func(b *Builder) error { return bulk(b, []float64{7}) },
			`row 1, column "c" (string): got number 7`},
		{"int8", func(b *Builder) error {
			n, err := AppendInt64s(b.Column(0), []int64{5, 128})
			if err != nil {
				return b.Locate(0, err)
			}
			b.EndRows(n)
			return nil
		}, `row 2, column "c" (int8): got int 128: out of range for int8`},
		{"int64", func(b *Builder) error {
			n, err := AppendUint64s(b.Column(0), []uint64{1, math.MaxUint64})
			if err != nil {
				return b.Locate(0, err)
			}
			b.EndRows(n)
			return nil
		}, `row 2, column "c" (int64): got int 18446744073709551615: out of range for int64`},
	}
	for _, tc := range cases {
		_, err := bulkColumn(t, tc.typ, tc.fill)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s: got %v\nwant %s", tc.typ, err, tc.want)
		}
	}
}

func TestAppendInt64s(t *testing.T) {
	vs := []int64{math.MinInt64, -1, 0, math.MaxInt64}
	for _, typ := range []string{"int64", "float64", "timestamp[us]", "decimal128(38, 0)"} {
		want, wantErr := bulkColumn(t, typ, func(b *Builder) error {
			for _, v := range vs {
				if err := b.Column(0).AppendInt(v); err != nil {
					return b.Locate(0, err)
				}
				b.EndRow()
			}
			return nil
		})
		got, err := bulkColumn(t, typ, func(b *Builder) error {
			n, err := AppendInt64s(b.Column(0), vs)
			b.EndRows(n)
			return err
		})
		if err != nil || wantErr != nil || strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s: %v %v, want %v %v", typ, got, err, want, wantErr)
		}
	}
}

func TestAppendUint64s(t *testing.T) {
	vs := []uint64{0, math.MaxInt64, math.MaxUint64}
	for _, typ := range []string{"uint64", "float64", "decimal128(38, 0)"} {
		want, _ := bulkColumn(t, typ, func(b *Builder) error {
			for _, v := range vs {
				if err := b.Column(0).AppendBigInt(new(big.Int).SetUint64(v)); err != nil {
					return b.Locate(0, err)
				}
				b.EndRow()
			}
			return nil
		})
		got, err := bulkColumn(t, typ, func(b *Builder) error {
			n, err := AppendUint64s(b.Column(0), vs)
			b.EndRows(n)
			return err
		})
		if err != nil || strings.Join(got, ",") != strings.Join(want, ",") || len(got) != 3 {
			t.Errorf("%s: %v %v, want %v", typ, got, err, want)
		}
	}
}
