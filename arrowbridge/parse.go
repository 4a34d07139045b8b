package arrowbridge

import (
	"math/bits"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// This file parses the strings that date32, timestamp and decimal128
// columns accept. The parsers are hand-written because they sit on the hot
// path and because their rules (no rounding, UTC by default) are ours.

const secondsPerDay = 86400

// floorDiv returns a/b rounded toward negative infinity, for b > 0.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b < 0 {
		q--
	}
	return q
}

// digits returns the value of s, which must be all ASCII digits.
func digits(s string) (int64, bool) {
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i] - '0'
		if c > 9 {
			return 0, false
		}
		n = n*10 + int64(c)
	}
	return n, len(s) > 0
}

// isLeap reports whether y is a leap year.
func isLeap(y int64) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

// daysIn returns the number of days in month m of year y.
func daysIn(m, y int64) int64 {
	switch m {
	case 2:
		if isLeap(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysBefore[m] is the number of days before month m+1 in a common year.
var daysBefore = [12]uint64{0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334}

// daysFromCivil returns the number of days from 1970-01-01 to y-m-d in the
// proleptic Gregorian calendar, for years 0 to 9999.
func daysFromCivil(y, m, d int64) int64 {
	// Shift by 400 years (146097 days) so that y-1 is positive and the
	// divisions are unsigned.
	n := uint64(y + 400 - 1)
	days := n*365 + n/4 - n/100 + n/400 + daysBefore[m-1] + uint64(d) - 1
	if m > 2 && isLeap(y) {
		days++
	}
	return int64(days) - 719162 - 146097 // 719162: days from 0001-01-01 to 1970-01-01
}

// parseDate parses "YYYY-MM-DD" into days since 1970-01-01.
func parseDate(s string) (int64, bool) {
	if len(s) != len("2006-01-02") || s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	y, ok1 := digits(s[0:4])
	m, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > daysIn(m, y) {
		return 0, false
	}
	return daysFromCivil(y, m, d), true
}

// parseTime parses an ISO-8601 date or date and time into seconds and
// nanoseconds since the epoch (0 ≤ nsec < 1e9). Accepted forms:
//
//	2024-01-02                     midnight UTC
//	2024-01-02T03:04               "T", "t" or " " between date and time
//	2024-01-02T03:04:05
//	2024-01-02T03:04:05.123456789  "." or ","; digits past the 9th are dropped
//
// each time optionally followed by a zone: "Z", "z", "+01:00", "+0100" or
// "+01". A time without a zone is UTC.
func parseTime(s string) (sec, nsec int64, ok bool) {
	if len(s) < 10 {
		return 0, 0, false
	}
	days, ok := parseDate(s[:10])
	if !ok {
		return 0, 0, false
	}
	sec = days * secondsPerDay
	rest := s[10:]
	if rest == "" {
		return sec, 0, true
	}
	if c := rest[0]; c != 'T' && c != 't' && c != ' ' {
		return 0, 0, false
	}
	rest = rest[1:]
	if len(rest) < 5 || rest[2] != ':' {
		return 0, 0, false
	}
	h, ok1 := digits(rest[0:2])
	mi, ok2 := digits(rest[3:5])
	if !ok1 || !ok2 || h > 23 || mi > 59 {
		return 0, 0, false
	}
	sec += h*3600 + mi*60
	rest = rest[5:]
	if rest != "" && rest[0] == ':' {
		if len(rest) < 3 {
			return 0, 0, false
		}
		ss, ok := digits(rest[1:3])
		if !ok || ss > 59 {
			return 0, 0, false
		}
		sec += ss
		rest = rest[3:]
		if rest != "" && (rest[0] == '.' || rest[0] == ',') {
			i, scale := 1, int64(1e9)
			for ; i < len(rest) && rest[i]-'0' <= 9; i++ {
				if scale > 1 {
					scale /= 10
					nsec += int64(rest[i]-'0') * scale
				}
			}
			if i == 1 {
				return 0, 0, false
			}
			rest = rest[i:]
		}
	}
	off, ok := parseOffset(rest)
	if !ok {
		return 0, 0, false
	}
	return sec - off, nsec, true
}

// parseOffset parses a zone suffix ("", "Z", "+01:00", "-0130", "+01")
// into seconds east of UTC.
func parseOffset(s string) (int64, bool) {
	switch {
	case s == "" || s == "Z" || s == "z":
		return 0, true
	case s[0] != '+' && s[0] != '-':
		return 0, false
	}
	var hh, mm string
	switch len(s) {
	case 3: // +01
		hh = s[1:3]
	case 5: // +0100
		hh, mm = s[1:3], s[3:5]
	case 6: // +01:00
		if s[3] != ':' {
			return 0, false
		}
		hh, mm = s[1:3], s[4:6]
	default:
		return 0, false
	}
	h, ok1 := digits(hh)
	m, ok2 := int64(0), true
	if mm != "" {
		m, ok2 = digits(mm)
	}
	if !ok1 || !ok2 || h > 23 || m > 59 {
		return 0, false
	}
	off := h*3600 + m*60
	if s[0] == '-' {
		off = -off
	}
	return off, true
}

// maxExponent bounds the exponent parseDecimal reads; any larger one gives
// more digits than a decimal128 holds (or all zeros).
const maxExponent = 1 << 20

// parseDecimal parses a decimal number ("123.45", "-0.5", "+7", ".5",
// "1e3", "1.5E-2") into the unscaled value of a decimal128(prec, scale).
// It never rounds: a value with non-zero digits past the scale, or with
// more than prec digits, gives the reason it does not fit.
func parseDecimal(s string, prec, scale int32) (decimal128.Num, string) {
	const notDecimal = "not a decimal number"
	i := 0
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	start := i
	for i < len(s) && s[i]-'0' <= 9 {
		i++
	}
	intPart := s[start:i]
	var frac string
	if i < len(s) && s[i] == '.' {
		i++
		start = i
		for i < len(s) && s[i]-'0' <= 9 {
			i++
		}
		frac = s[start:i]
	}
	if intPart == "" && frac == "" {
		return decimal128.Num{}, notDecimal
	}
	exp := 0
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		expNeg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			expNeg = s[i] == '-'
			i++
		}
		start = i
		for ; i < len(s) && s[i]-'0' <= 9; i++ {
			exp = min(exp*10+int(s[i]-'0'), maxExponent)
		}
		if i == start {
			return decimal128.Num{}, notDecimal
		}
		if expNeg {
			exp = -exp
		}
	}
	if i != len(s) {
		return decimal128.Num{}, notDecimal
	}

	// The value is the digits of intPart and frac, D, times 10^shift in
	// units of 10^-scale. Find D's significant digits, first to last.
	n := len(intPart) + len(frac)
	digit := func(j int) byte {
		if j < len(intPart) {
			return intPart[j] - '0'
		}
		return frac[j-len(intPart)] - '0'
	}
	first := 0
	for first < n && digit(first) == 0 {
		first++
	}
	if first == n {
		return decimal128.Num{}, "" // zero, whatever the exponent
	}
	last := n - 1
	for digit(last) == 0 {
		last--
	}
	shift := exp - len(frac) + int(scale) + (n - 1 - last)
	if shift < 0 {
		return decimal128.Num{}, decimalPlaces(scale)
	}
	if last-first+1+shift > int(prec) {
		return decimal128.Num{}, "out of range (more than " + strconv.Itoa(int(prec)) + " digits)"
	}
	// At most 38 digits: the value is below 10^38 < 2^127.
	var hi, lo uint64
	for j := first; j <= last+shift; j++ {
		d := uint64(0)
		if j <= last {
			d = uint64(digit(j))
		}
		h, l := bits.Mul64(lo, 10)
		hi = hi*10 + h
		var carry uint64
		lo, carry = bits.Add64(l, d, 0)
		hi += carry
	}
	v := decimal128.New(int64(hi), lo)
	if neg {
		v = v.Negate()
	}
	return v, ""
}

// decimalPlaces is the reason for a value with too many decimal places.
func decimalPlaces(scale int32) string {
	switch scale {
	case 0:
		return "not a whole number"
	case 1:
		return "more than 1 decimal place"
	}
	return "more than " + strconv.Itoa(int(scale)) + " decimal places"
}
