// Package clip shortens values that clients control before they reach a
// log line, so that a 20 MB ticket or a 10 MB function name costs a log
// line of a few hundred bytes instead of its size. A shortened value keeps
// its start and says how much was cut:
//
//	logger.Warn("do_get_failed", "task_id", clip.String(id))
//	// "task_id":"0123456789…(+20971488 bytes)"
//
// String and Error are for call sites that log a value from a request
// (function names, tickets, task ids, headers, parameters) or an error that
// may quote one. Handler is the backstop: it applies the same cut, with a
// larger limit, to every string and error of every record that reaches the
// handler it wraps, so that nothing a script prints or raises floods the
// log either.
package clip

import (
	"strconv"
	"unicode/utf8"
)

// Limits, in bytes of the value kept (the marker comes on top).
const (
	// MaxValue bounds a value logged through String: as long as the wire
	// keeps of an error message, which no real name or id approaches.
	MaxValue = 256
	// MaxError bounds an error logged through Error: room for a message
	// and the start of a backtrace.
	MaxError = 4 << 10
	// MaxRecord bounds every string and error of a record that passes
	// through Handler.
	MaxRecord = 16 << 10
)

// String returns s, or its first MaxValue bytes followed by the marker
// "…(+N bytes)" when it is longer.
func String(s string) string { return Cut(s, MaxValue) }

// Bytes is String for a byte slice. It copies at most MaxValue bytes.
func Bytes(b []byte) string {
	if len(b) <= MaxValue {
		return string(b)
	}
	i := boundary(string(b[:MaxValue+1]), MaxValue)
	return string(b[:i]) + omitted(len(b)-i)
}

// Error returns err's message cut to MaxError bytes, or "" for nil.
func Error(err error) string {
	if err == nil {
		return ""
	}
	return Cut(err.Error(), MaxError)
}

// Cut returns s, or its first n bytes followed by "…(+N bytes)", N being
// the number of bytes left out. The cut never splits a UTF-8 sequence: it
// keeps fewer bytes when the n-th is inside one.
func Cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := boundary(s, n)
	return s[:i] + omitted(len(s)-i)
}

// boundary returns where to cut s (len(s) > n) to keep at most n bytes:
// n, or the start of the UTF-8 sequence that s[n] continues. Bytes that are
// not UTF-8 are cut anywhere.
func boundary(s string, n int) int {
	for i := n; i >= 0 && n-i < utf8.UTFMax; i-- {
		if utf8.RuneStart(s[i]) {
			return i
		}
	}
	return n
}

// omitted is the marker that ends a cut value.
func omitted(n int) string { return "…(+" + strconv.Itoa(n) + " bytes)" }
