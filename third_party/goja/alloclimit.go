package goja

// flexfun-script patch: a bound on what one step of a script can allocate.
//
// A built-in or an operator that makes a value runs as one step of the
// virtual machine, which Interrupt cannot stop halfway: s + s, repeat,
// join, new ArrayBuffer(n) or an array grown by fill can each ask for
// gigabytes at once and take the process down. SetAllocLimit bounds each
// such value; a step that would pass the bound throws a catchable RangeError
// instead of allocating. Array growth also notices a pending Interrupt, so
// that a built-in filling a huge array stops with it.

import (
	"fmt"
	"math"
	"math/big"
	"sync/atomic"
	"time"
)

// valueSlotBytes is the size of one element of an array's backing slice.
const valueSlotBytes = 16

var (
	allocLimit atomic.Int64
	allocNote  atomic.Pointer[string]
)

// SetAllocLimit bounds, in bytes, any one string, array or buffer a single
// step makes (0, the default: no bound). Strings count a byte per
// character, arrays 16 bytes per element. note, if not empty, ends the
// RangeError's message in parentheses (say which setting raises the bound).
// The bound is process-wide.
func SetAllocLimit(bytes int64, note string) {
	allocNote.Store(&note)
	allocLimit.Store(bytes)
}

// AllocLimit returns the bound SetAllocLimit set.
func AllocLimit() int64 { return allocLimit.Load() }

// checkAlloc panics with a RangeError if a value of size bytes would pass
// the bound; what names the value, as in "Invalid string length".
func checkAlloc(what string, size int64) {
	limit := allocLimit.Load()
	if limit <= 0 || size <= limit {
		return
	}
	msg := fmt.Sprintf("%s: %d bytes, over the bound of %d", what, size, limit)
	if note := allocNote.Load(); note != nil && *note != "" {
		msg += " (" + *note + ")"
	}
	panic(rangeError(msg))
}

// checkStringLength bounds a string of n characters.
func checkStringLength(n int) {
	checkAlloc("Invalid string length", int64(n))
}

// checkRepeat bounds a string of n characters repeated count times
// (count > 0), without overflowing.
func checkRepeat(n int, count int64) {
	limit := allocLimit.Load()
	if limit <= 0 || int64(n) <= limit/count {
		return
	}
	size := int64(math.MaxInt64)
	if int64(n) <= math.MaxInt64/count {
		size = int64(n) * count
	}
	checkAlloc("Invalid string length", size)
}

// matchBytes is about what one match of a global search holds (its
// regexpResult and index slice) until the built-in using it is done.
const matchBytes = 64

// matchCap returns the number of matches to look for in place of limit
// (-1: all), and whether it is lower than limit: the bound allows no more.
func matchCap(limit int) (int, bool) {
	bound := allocLimit.Load()
	if bound <= 0 {
		return limit, false
	}
	most := int(min(bound/matchBytes, math.MaxInt32))
	if limit < 0 || limit > most {
		return most, true
	}
	return limit, false
}

// splitCap is matchCap for the parts of strings.SplitN (n < 0: all), which
// become array elements.
func splitCap(n int) (int, bool) {
	bound := allocLimit.Load()
	if bound <= 0 {
		return n, false
	}
	most := int(min(bound/valueSlotBytes, math.MaxInt32))
	if n < 0 || n > most {
		return most, true
	}
	return n, false
}

// maxBigIntBytes caps the size of a BigInt while a bound is set: past a
// megabyte (some 2.5 million decimal digits), one multiplication or
// power takes seconds of a step that Interrupt cannot stop, and
// 1n << 10n ** 11n asks for 12 GB at once.
const maxBigIntBytes = 1 << 20

// checkBigIntBits throws a RangeError, as V8 does past its own maximum, if
// a BigInt of bits bits would pass the cap.
func checkBigIntBits(bits uint64) {
	limit := allocLimit.Load()
	if limit <= 0 {
		return
	}
	most := uint64(min(limit, maxBigIntBytes)) * 8
	if bits > most {
		panic(rangeError(fmt.Sprintf("Maximum BigInt size exceeded: %d bits, over the bound of %d", bits, most)))
	}
}

// checkBigIntPow bounds x ** y (y >= 0).
func checkBigIntPow(x, y *big.Int) {
	if x.BitLen() <= 1 || y.Sign() == 0 { // 0, 1 or -1: the power stays small
		return
	}
	if !y.IsUint64() || y.Uint64() > math.MaxUint64/uint64(x.BitLen()) {
		checkBigIntBits(math.MaxUint64)
		return
	}
	checkBigIntBits(uint64(x.BitLen()-1) * y.Uint64())
}

// checkBigIntShift bounds x << |n|.
func checkBigIntShift(x, n *big.Int) {
	if x.Sign() == 0 {
		return
	}
	if !n.IsUint64() && !new(big.Int).Neg(n).IsUint64() {
		checkBigIntBits(math.MaxUint64)
		return
	}
	shift := new(big.Int).Abs(n).Uint64()
	checkBigIntBits(min(uint64(x.BitLen())+shift, math.MaxUint64))
}

// sparseItemBytes is the size of one element of a sparse array (its index
// and value).
const sparseItemBytes = 24

// checkArrayGrowth bounds an array of n elements and stops the growth if
// the runtime was interrupted.
func (r *Runtime) checkArrayGrowth(n int64) {
	r.checkArrayGrowthOf(n, valueSlotBytes)
}

// checkArrayGrowthOf is checkArrayGrowth for elements of itemBytes each.
func (r *Runtime) checkArrayGrowthOf(n, itemBytes int64) {
	r.vm.checkInterrupt()
	checkAlloc("Invalid array length", n*itemBytes)
}

var regexpMatchTimeout atomic.Int64 // nanoseconds

// SetRegexpMatchTimeout bounds the time one match of a regular expression
// that needs backtracking (lookaround, backreferences) may take, as a
// pattern like /^(a+)+(?=b)/ can take exponential time in one step that
// Interrupt cannot stop; past it the match throws a RangeError. 0, the
// default: no bound. It applies to the patterns compiled after the call.
func SetRegexpMatchTimeout(d time.Duration) {
	regexpMatchTimeout.Store(int64(d))
}

// checkMatchTimeout panics with a RangeError if err, from a backtracking
// match, is its timeout. The error does not quote the input.
func checkMatchTimeout(err error) {
	if err != nil {
		panic(rangeError(fmt.Sprintf("Regular expression too slow: a match took more than %v (a pattern that backtracks without end)",
			time.Duration(regexpMatchTimeout.Load()))))
	}
}

// interruptCheckEvery is how many elements a built-in walks between two
// looks at a pending Interrupt.
const interruptCheckEvery = 1 << 12

// checkInterruptAt looks at a pending Interrupt every interruptCheckEvery
// values of k, the index of a built-in's loop over an array-like: its
// length can be 2^53 - 1 without any memory behind it.
func (r *Runtime) checkInterruptAt(k int64) {
	if k%interruptCheckEvery == 0 {
		r.vm.checkInterrupt()
	}
}

// maxNativeDepth bounds the recursion of the built-ins that walk nested
// values in Go (join and the toString of arrays, JSON.parse, flat): a value
// nested millions of levels deep would grow the Go stack past its maximum,
// a fatal error. Scripts' own calls are bounded by SetMaxCallStackSize.
const maxNativeDepth = 10000

// enterNative counts one level of such a walk; deeper than
// maxNativeDepth, it throws a RangeError. Defer leaveNative after it.
func (r *Runtime) enterNative() {
	if r.nativeDepth >= maxNativeDepth {
		panic(rangeError(fmt.Sprintf("Maximum call stack size exceeded: a value nested more than %d levels deep", maxNativeDepth)))
	}
	r.nativeDepth++
}

// leaveNative ends a level enterNative counted.
func (r *Runtime) leaveNative() { r.nativeDepth-- }

// checkInterrupt panics with the pending interrupt, as the run loop does
// between instructions.
func (vm *vm) checkInterrupt() {
	if atomic.LoadUint32(&vm.interrupted) == 0 {
		return
	}
	vm.interruptLock.Lock()
	v := &InterruptedError{iface: vm.interruptVal}
	v.stack = vm.captureStack(nil, 0)
	vm.interruptLock.Unlock()
	panic(v)
}
