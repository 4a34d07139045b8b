package starlark

// flexfun-script patch: a bound on what one step of a program can allocate.
//
// An operator or a built-in that makes a value runs as one step, which
// Thread.Cancel cannot stop halfway: s + s, "%s%s" % (s, s), "".join(...),
// s.replace(...), str(...) of a list holding one string many times, or
// list(range(n)) can each ask for gigabytes at once and take the process
// down. SetAllocLimit bounds each such value; a step that would pass the
// bound fails with an *AllocLimitError instead of allocating. Iterating a
// range also notices its thread's cancellation, so that a built-in looping
// over a huge range stops with it.

import (
	"fmt"
	"math"
	"strings"
	"sync/atomic"
	"unicode"
)

// valueSlotBytes is the size of one element of a list or tuple.
const valueSlotBytes = 16

var (
	allocLimit atomic.Int64
	allocNote  atomic.Pointer[string]
)

// SetAllocLimit bounds, in bytes, any one string, bytes, list or tuple a
// single step makes (0, the default: no bound but the interpreter's own).
// Lists and tuples count 16 bytes per element. note, if not empty, ends the
// error's message in parentheses (say which setting raises the bound). The
// bound is process-wide.
func SetAllocLimit(bytes int64, note string) {
	allocNote.Store(&note)
	allocLimit.Store(bytes)
}

// AllocLimit returns the bound SetAllocLimit set.
func AllocLimit() int64 { return allocLimit.Load() }

// An AllocLimitError reports a step that would have made a value larger
// than the bound SetAllocLimit set.
type AllocLimitError struct {
	What  string // what the step would have made, e.g. "string concatenation"
	Size  int64  // bytes it would have taken (math.MaxInt64 if more)
	Limit int64
	Note  string
}

func (e *AllocLimitError) Error() string {
	msg := fmt.Sprintf("%s would make %d bytes, over the bound of %d", e.What, e.Size, e.Limit)
	if e.Note != "" {
		msg += " (" + e.Note + ")"
	}
	return msg
}

// checkAlloc reports an error if n items of itemSize bytes each pass the bound.
func checkAlloc(what string, n, itemSize int) error {
	limit := allocLimit.Load()
	if limit <= 0 || n <= 0 || int64(n) <= limit/int64(itemSize) {
		return nil
	}
	size := int64(math.MaxInt64)
	if int64(n) <= math.MaxInt64/int64(itemSize) {
		size = int64(n) * int64(itemSize)
	}
	err := &AllocLimitError{What: what, Size: size, Limit: limit}
	if note := allocNote.Load(); note != nil {
		err.Note = *note
	}
	return err
}

// checkStringAlloc reports an error if a string of n bytes passes the bound.
func checkStringAlloc(what string, n int) error { return checkAlloc(what, n, 1) }

// CheckStringAlloc reports an *AllocLimitError if a string of n bytes,
// made by what, would pass the bound SetAllocLimit set: for built-ins
// outside this package that build text.
func CheckStringAlloc(what string, n int) error { return checkStringAlloc(what, n) }

// checkValuesAlloc reports an error if n list or tuple elements pass the bound.
func checkValuesAlloc(what string, n int) error { return checkAlloc(what, n, valueSlotBytes) }

// checkIterableAlloc reports an error if collecting an iterable of known
// length into a list would pass the bound.
func checkIterableAlloc(what string, iterable Iterable) error {
	return checkValuesAlloc(what, Len(iterable))
}

// writeOverflow is the panic writeValue raises when the text it writes
// passes the bound; catchWriteOverflow turns it back into an error.
type writeOverflow struct{ err error }

// checkWriteAlloc panics with a writeOverflow if a text of n bytes passes
// the bound (writeValue has no error result).
func checkWriteAlloc(n int) {
	if err := checkStringAlloc("text of a value", n); err != nil {
		panic(writeOverflow{err})
	}
}

// MaxNesting bounds how deeply nested a value may be where a built-in
// walks it recursively (str, repr, json.encode and json.decode): deeper, the
// Go stack of the walk would grow past Go's maximum, a fatal error.
const MaxNesting = 1000

// checkWriteDepth panics with a writeOverflow if writeValue is depth
// containers deep.
func checkWriteDepth(depth int) {
	if depth > MaxNesting {
		panic(writeOverflow{fmt.Errorf("text of a value: nested more than %d levels deep", MaxNesting)})
	}
}

// catchWriteOverflow, deferred, turns a writeOverflow panic into *err.
func catchWriteOverflow(err *error) {
	if x := recover(); x != nil {
		o, ok := x.(writeOverflow)
		if !ok {
			panic(x)
		}
		*err = o.err
	}
}

// truncateOnOverflow, deferred by the String methods, which have no error
// result, turns a writeOverflow panic into the text written so far, marked
// as cut: only the built-ins that make a value from the text (str, repr,
// "%", format, print, fail) report the bound as an error.
func truncateOnOverflow(buf *strings.Builder, s *string) {
	if x := recover(); x != nil {
		if _, ok := x.(writeOverflow); !ok {
			panic(x)
		}
		*s = buf.String() + " ... (cut: over the bound of one value)"
	}
}

// splitParts is the number of parts str.split(sep) makes of s at most (sep
// None: on whitespace), counted without splitting.
func splitParts(s string, sep Value) int {
	if sep, ok := AsString(sep); ok && sep != "" {
		return strings.Count(s, sep) + 1
	}
	parts, inField := 0, false
	for _, r := range s {
		space := unicode.IsSpace(r)
		if !space && !inField {
			parts++
		}
		inField = !space
	}
	return parts
}

// cancelled reports, every rangeCancelCheckEvery comparisons, whether the
// sort's thread was cancelled; a cancelled sort's comparisons all say
// "not less", so it ends soon, and sorted reports the cancellation.
func (s *sortSlice) cancelled() bool {
	if s.err != nil {
		return true
	}
	s.n++
	if s.thread != nil && s.n%rangeCancelCheckEvery == 0 {
		if reason := s.thread.cancelReason.Load(); reason != nil {
			s.err = fmt.Errorf("Starlark computation cancelled: %s", *reason)
			return true
		}
	}
	return false
}

// maxIntBytes caps the size of an integer while a bound is set: past a
// megabyte (some 2.5 million decimal digits), one multiplication takes
// seconds of a step that Thread.Cancel cannot stop, and repeated squaring
// doubles the size at every step.
const maxIntBytes = 1 << 20

// checkIntMul reports an error if x * y would pass the cap on integers.
func checkIntMul(x, y Int) error {
	_, xBig := x.get()
	_, yBig := y.get()
	if xBig == nil && yBig == nil {
		return nil // both fit in 64 bits
	}
	limit := allocLimit.Load()
	if limit <= 0 {
		return nil
	}
	most := min(limit, maxIntBytes)
	bits := x.bigInt().BitLen() + y.bigInt().BitLen()
	if size := int64(bits+7) / 8; size > most {
		return &AllocLimitError{What: "integer multiplication", Size: size, Limit: most, Note: "integers are capped at 1 MiB"}
	}
	return nil
}

// rangeCancelCheckEvery is how many elements a range iterator yields
// between two looks at its thread's cancellation.
const rangeCancelCheckEvery = 1 << 12

// cancelled reports whether the range's thread has been cancelled; the
// iterator then ends early and the interpreter reports the cancellation at
// its next step.
func (it *rangeIterator) cancelled() bool {
	return it.r.thread != nil && it.i%rangeCancelCheckEvery == 0 && it.r.thread.cancelReason.Load() != nil
}

// replacedLen is the length of strings.Replace(s, old, new, n), or
// math.MaxInt if it does not fit an int.
func replacedLen(s, old, new string, n int) int {
	if len(new) <= len(old) {
		return len(s)
	}
	m := strings.Count(s, old)
	if n >= 0 && n < m {
		m = n
	}
	grow := len(new) - len(old)
	if m > 0 && grow > (math.MaxInt-len(s))/m {
		return math.MaxInt
	}
	return len(s) + m*grow
}
