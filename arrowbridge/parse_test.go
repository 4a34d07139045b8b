package arrowbridge

import (
	"math"
	"math/big"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestMulAdd(t *testing.T) {
	tests := []struct {
		a, m, b int64
		want    int64
		ok      bool
	}{
		{0, 1000, 0, 0, true},
		{-1, 1000, 999, -1, true},
		{-1, 1000, 0, -1000, true},
		{math.MaxInt64 / 1000, 1000, 807, math.MaxInt64, true},
		{math.MaxInt64 / 1000, 1000, 808, 0, false},
		{math.MaxInt64/1000 + 1, 1000, 0, 0, false},
		{math.MinInt64 / 1000, 1000, 0, math.MinInt64 + 808, true},
		{math.MinInt64/1000 - 1, 1000, 192, math.MinInt64, true},
		{math.MinInt64/1000 - 1, 1000, 191, 0, false},
		{math.MinInt64/1000 - 2, 1000, 999, 0, false},
		{math.MinInt64, 1, 0, math.MinInt64, true},
	}
	for _, tt := range tests {
		got, ok := mulAdd(tt.a, tt.m, tt.b)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("mulAdd(%d, %d, %d) = %d, %v; want %d, %v", tt.a, tt.m, tt.b, got, ok, tt.want, tt.ok)
		}
	}
}

// TestParseTimeRandom compares parseTime with time.Parse on random instants
// written in RFC 3339 with random zones.
func TestParseTimeRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		sec := r.Int64N(2*253402300799) - 253402300799/2 // years ~ -3000..6000
		ns := r.Int64N(1e9)
		zone := time.FixedZone("", (r.IntN(48)-24)*1800)
		tm := time.Unix(sec, ns).In(zone)
		if tm.Year() < 0 || tm.Year() > 9999 {
			continue
		}
		s := tm.Format(time.RFC3339Nano)
		gs, gns, ok := parseTime(s)
		if !ok || gs != tm.Unix() || gns != int64(tm.Nanosecond()) {
			t.Fatalf("parseTime(%q) = %d, %d, %v; want %d, %d", s, gs, gns, ok, tm.Unix(), tm.Nanosecond())
		}
	}
}

// TestParseDecimalRandom compares parseDecimal with math/big on random
// decimal strings.
func TestParseDecimalRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	digits := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteByte(byte('0' + r.IntN(10)))
		}
		return b.String()
	}
	for range 20000 {
		s := digits(r.IntN(25))
		if r.IntN(2) == 0 {
			s += "." + digits(r.IntN(25))
		}
		if s == "" || s == "." {
			continue
		}
		if r.IntN(4) == 0 {
			s += "e" + strconv.Itoa(r.IntN(41)-20)
		}
		if r.IntN(2) == 0 {
			s = "-" + s
		}
		prec := int32(1 + r.IntN(38))
		scale := int32(r.IntN(int(prec) + 1))

		rat, ok := new(big.Rat).SetString(s)
		if !ok {
			t.Fatalf("big.Rat cannot parse %q", s)
		}
		unscaled := new(big.Rat).Mul(rat, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil)))
		limit := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(prec)), nil)

		n, reason := parseDecimal(s, prec, scale)
		switch {
		case !unscaled.IsInt():
			if !strings.HasPrefix(reason, "more than") && reason != "not a whole number" {
				t.Fatalf("parseDecimal(%q, %d, %d) = %v, %q; want too many decimal places", s, prec, scale, n.BigInt(), reason)
			}
		case new(big.Int).Abs(unscaled.Num()).Cmp(limit) >= 0:
			if !strings.HasPrefix(reason, "out of range") {
				t.Fatalf("parseDecimal(%q, %d, %d) = %v, %q; want out of range", s, prec, scale, n.BigInt(), reason)
			}
		default:
			if reason != "" || n.BigInt().Cmp(unscaled.Num()) != 0 {
				t.Fatalf("parseDecimal(%q, %d, %d) = %v, %q; want %v", s, prec, scale, n.BigInt(), reason, unscaled.Num())
			}
		}
	}
}
