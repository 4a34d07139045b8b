package sqldb

import (
	"encoding/binary"
	"strings"
	"testing"
)

func TestParseDecimal(t *testing.T) {
	nines := strings.Repeat("9", 38)
	cases := []struct {
		in               string
		precision, scale int32
		want             string // ToString(scale), or "error: ..."
	}{
		{"123.45", 10, 2, "123.45"},
		{"123.4", 10, 2, "123.40"},
		{"-7", 10, 2, "-7.00"},
		{"0", 5, 2, "0.00"},
		{"-0.005", 10, 2, "-0.01"}, // half away from zero
		{"0.004", 10, 2, "0.00"},
		{"0.125", 10, 2, "0.13"},
		{"+.5", 5, 0, "1"},
		{"-.5", 5, 0, "-1"},
		{"1e3", 10, 2, "1000.00"},
		{"1.5E-1", 10, 1, "0.2"},
		{"12345e-2", 10, 2, "123.45"},
		{"000123.000", 5, 2, "123.00"},
		{nines, 38, 0, nines},
		{"-" + nines[:28] + "." + nines[:10], 38, 10, "-" + nines[:28] + "." + nines[:10]},
		{"1" + nines, 38, 0, "error: out of decimal128's range"},
		{"123", 2, 0, "error: more than 2 digits"},
		{"99.995", 4, 2, "error: more than 4 digits"}, // rounds up to 100.00
		{"abc", 10, 2, "error: not a decimal number"},
		{"", 10, 2, "error: not a decimal number"},
		{"-", 10, 2, "error: not a decimal number"},
		{"1.2.3", 10, 2, "error: not a decimal number"},
		{"1e", 10, 2, "error: not a decimal number"},
		{"1e99999", 10, 2, "error: not a decimal number"},
	}
	for _, tc := range cases {
		got, err := parseDecimal(tc.in, tc.precision, tc.scale)
		if s, ok := strings.CutPrefix(tc.want, "error: "); ok {
			if err == nil || !strings.Contains(err.Error(), s) {
				t.Errorf("parseDecimal(%q, %d, %d) = %s, %v; want an error with %q", tc.in, tc.precision, tc.scale, got.ToString(tc.scale), err, s)
			}
			continue
		}
		if err != nil || got.ToString(tc.scale) != tc.want {
			t.Errorf("parseDecimal(%q, %d, %d) = %s, %v; want %s", tc.in, tc.precision, tc.scale, got.ToString(tc.scale), err, tc.want)
		}
	}
}

// numeric builds PostgreSQL's binary numeric.
func numeric(weight int16, sign uint16, digits ...uint16) []byte {
	b := make([]byte, 8, 8+2*len(digits))
	binary.BigEndian.PutUint16(b, uint16(len(digits)))
	binary.BigEndian.PutUint16(b[2:], uint16(weight))
	binary.BigEndian.PutUint16(b[4:], sign)
	for _, d := range digits {
		b = binary.BigEndian.AppendUint16(b, d)
	}
	return b
}

func TestPGNumeric(t *testing.T) {
	cases := []struct {
		raw              []byte
		precision, scale int32
		want             string
	}{
		{numeric(0, 0), 10, 2, "0.00"},
		{numeric(0, 0, 12, 3450), 10, 2, "12.35"},             // 12.345
		{numeric(0, 0x4000, 12, 3450), 10, 2, "-12.35"},       // -12.345
		{numeric(0, 0, 12, 3449), 10, 2, "12.34"},             // 12.3449
		{numeric(-1, 0, 50), 10, 4, "0.0050"},                 // 0.005
		{numeric(-2, 0, 1), 38, 10, "0.0000000100"},           // 1e-8
		{numeric(5, 0, 1), 38, 2, "100000000000000000000.00"}, // 1e20
		{numeric(2, 0, 1234, 5678, 9012, 3456), 38, 10, "123456789012.3456000000"},
		{numeric(9, 0, 9999, 9999, 9999, 9999, 9999, 9999, 9999, 9999, 9999, 99), 38, 0, "error: out of decimal128's range"},
		{numeric(7, 0, 1), 38, 10, "error: out of decimal128's range"}, // 1e28 needs 39 digits at scale 10
		{numeric(0, 0xC000), 10, 2, "error: NaN"},
		{numeric(0, 0xD000), 10, 2, "error: infinity"},
		{numeric(0, 0xF000), 10, 2, "error: infinity"},
		{numeric(0, 0, 1)[:9], 10, 2, "error: malformed"},
	}
	for _, tc := range cases {
		got, err := pgNumeric(tc.raw, tc.precision, tc.scale)
		if s, ok := strings.CutPrefix(tc.want, "error: "); ok {
			if err == nil || !strings.Contains(err.Error(), s) {
				t.Errorf("pgNumeric(%x) = %s, %v; want an error with %q", tc.raw, got.ToString(tc.scale), err, s)
			}
			continue
		}
		if err != nil || got.ToString(tc.scale) != tc.want {
			t.Errorf("pgNumeric(%x) = %s, %v; want %s", tc.raw, got.ToString(tc.scale), err, tc.want)
		}
	}
}

func TestPGNumericType(t *testing.T) {
	typmod := func(p, s int32) int32 { return p<<16 | s&0x7ff + 4 }
	cases := []struct {
		typmod int32
		want   string
	}{
		{-1, "decimal(38, 10)"},
		{typmod(12, 2), "decimal(12, 2)"},
		{typmod(38, 38), "decimal(38, 38)"},
		{typmod(50, 4), "decimal(38, 4)"},
		{typmod(5, -2), ""},
	}
	for _, tc := range cases {
		got, ok := pgNumericType(tc.typmod)
		switch {
		case tc.want == "" && ok:
			t.Errorf("typmod %d: mapped to %s, want no mapping", tc.typmod, got)
		case tc.want != "" && (!ok || got.String() != tc.want):
			t.Errorf("typmod %d: %v %t, want %s", tc.typmod, got, ok, tc.want)
		}
	}
}
