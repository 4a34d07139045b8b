package arrowbridge

import (
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Error formats e as "(int64): got float 2.5", followed by ": reason" when
// there is one. The caller adds where the value was.
func (e *ValueError) Error() string {
	s := "(" + e.Type + "): got " + e.Got
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	return s
}

// Error formats e as `row 17, column "units" (int64): got float 2.5`.
func (e *ConversionError) Error() string {
	return "row " + strconv.FormatInt(e.Row, 10) + ", column " + strconv.Quote(e.Column) + " " + e.ValueError.Error()
}

// Unwrap returns the ValueError, so that errors.As finds it.
func (e *ConversionError) Unwrap() error { return &e.ValueError }

// The describe functions spell a received value for ValueError.Got.
// They run only on the error path.

func describeBool(v bool) string { return "bool " + strconv.FormatBool(v) }

func describeInt(v int64) string { return "int " + strconv.FormatInt(v, 10) }

func describeBigInt(v *big.Int) string { return "int " + v.String() }

// describeFloat spells v as Starlark does: 2.0, 2.5, 1e+20.
func describeFloat(v float64) string {
	s := strconv.FormatFloat(v, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eIN") {
		s += ".0"
	}
	return "float " + s
}

// describeNumber spells v as JavaScript does: 2, 2.5, 1e+21.
func describeNumber(v float64) string {
	var s string
	switch a := math.Abs(v); {
	case math.IsInf(v, 1):
		s = "Infinity"
	case math.IsInf(v, -1):
		s = "-Infinity"
	case a != 0 && (a < 1e-6 || a >= 1e21):
		s = strconv.FormatFloat(v, 'g', -1, 64)
	default:
		s = strconv.FormatFloat(v, 'f', -1, 64)
	}
	return "number " + s
}

// maxQuoted is how many bytes of a string a ValueError shows.
const maxQuoted = 40

func describeString(v string) string {
	if len(v) <= maxQuoted {
		return "string " + strconv.Quote(v)
	}
	cut := maxQuoted
	for cut > 0 && !utf8.RuneStart(v[cut]) {
		cut--
	}
	return "string " + strconv.Quote(v[:cut]+"...")
}

func describeBytes(v []byte) string {
	if len(v) == 1 {
		return "bytes (1 byte)"
	}
	return "bytes (" + strconv.Itoa(len(v)) + " bytes)"
}

func describeTime(v time.Time) string { return "time " + v.Format(time.RFC3339Nano) }
