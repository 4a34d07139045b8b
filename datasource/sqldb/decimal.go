package sqldb

import (
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// maxDecimalDigits is decimal128's precision.
const maxDecimalDigits = 38

// unconstrainedScale is the scale given to a decimal column whose type has
// no scale of its own (PostgreSQL's plain numeric, and so SUM and AVG over
// numeric): decimal128(38, unconstrainedScale). See docs/sql.md.
const unconstrainedScale = 10

var errDecimalRange = errors.New("out of decimal128's range")

// A decimalDigits accumulates the decimal digits of a scaled integer, most
// significant first, without allocating: in a uint64 while it fits, then in
// a decimal128.
type decimalDigits struct {
	small  uint64
	wide   decimal128.Num
	isWide bool
	n      int // significant digits pushed
}

var decimalTen = decimal128.FromU64(10)

// push appends one digit (0-9).
func (d *decimalDigits) push(x uint64) {
	if d.n == 0 && x == 0 {
		return
	}
	d.n++
	if !d.isWide {
		if d.n <= 19 {
			d.small = d.small*10 + x
			return
		}
		d.wide, d.isWide = decimal128.FromU64(d.small), true
	}
	if d.n <= maxDecimalDigits {
		d.wide = d.wide.Mul(decimalTen).Add(decimal128.FromU64(x))
	}
}

// pad appends k zero digits.
func (d *decimalDigits) pad(k int) {
	for ; k > 0 && d.n > 0 && d.n <= maxDecimalDigits; k-- {
		d.push(0)
	}
}

// value returns the accumulated number, negated if neg and incremented
// (away from zero) if roundUp, checked against precision.
func (d *decimalDigits) value(neg, roundUp bool, precision int32) (decimal128.Num, error) {
	if d.n > maxDecimalDigits {
		return decimal128.Num{}, errDecimalRange
	}
	v := d.wide
	if !d.isWide {
		v = decimal128.FromU64(d.small)
	}
	if roundUp {
		v = v.Add(decimal128.FromU64(1))
	}
	if !v.FitsInPrecision(precision) {
		return decimal128.Num{}, fmt.Errorf("more than %d digits: out of range for decimal128(%d, ...)", precision, precision)
	}
	if neg {
		v = v.Negate()
	}
	return v, nil
}

// parseDecimal parses decimal text ("-123.45", "1e3", "+.5") as a
// decimal128 with the given precision and scale. Digits beyond the scale
// are rounded half away from zero.
func parseDecimal[T string | []byte](s T, precision, scale int32) (decimal128.Num, error) {
	i, neg := 0, false
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		neg, i = s[0] == '-', 1
	}
	// Find the exponent first: it decides where the scale cuts.
	end, exp := len(s), 0
	for j := i; j < len(s); j++ {
		if s[j] == 'e' || s[j] == 'E' {
			e, err := parseExponent(s[j+1:])
			if err != nil {
				return decimal128.Num{}, err
			}
			end, exp = j, e
			break
		}
	}
	// pos is the decimal exponent of the next digit: digits below
	// 10^-scale are cut, the first of them decides the rounding.
	intDigits, digits := 0, 0
	for j, dot := i, false; j < end; j++ {
		switch c := s[j]; {
		case c == '.' && !dot:
			dot = true
		case c >= '0' && c <= '9':
			digits++
			if !dot {
				intDigits++
			}
		default:
			return decimal128.Num{}, fmt.Errorf("not a decimal number")
		}
	}
	if digits == 0 {
		return decimal128.Num{}, fmt.Errorf("not a decimal number")
	}
	var d decimalDigits
	pos, roundUp := intDigits-1+exp, false
	for ; i < end; i++ {
		c := s[i]
		if c == '.' {
			continue
		}
		if pos >= -int(scale) {
			d.push(uint64(c - '0'))
		} else if pos == -int(scale)-1 {
			roundUp = c >= '5'
		}
		pos--
	}
	if pos+1 > -int(scale) {
		d.pad(pos + 1 + int(scale))
	}
	return d.value(neg, roundUp, precision)
}

func parseExponent[T string | []byte](s T) (int, error) {
	i, neg, e := 0, false, 0
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		neg, i = s[0] == '-', 1
	}
	if i == len(s) {
		return 0, fmt.Errorf("not a decimal number")
	}
	for ; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' || e > 1000 {
			return 0, fmt.Errorf("not a decimal number")
		}
		e = e*10 + int(s[i]-'0')
	}
	if neg {
		e = -e
	}
	return e, nil
}
