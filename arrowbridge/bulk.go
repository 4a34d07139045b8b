package arrowbridge

import (
	"math"
	"math/big"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Number is the element type of a JavaScript typed array whose elements are
// numbers: Int8Array ([]int8) to Float64Array ([]float64). Uint8ClampedArray
// is []uint8 too.
type Number interface {
	int8 | int16 | int32 | uint8 | uint16 | uint32 | float32 | float64
}

// The bulk appends below add many values to one column at once, for
// runtimes that hold a whole column in a Go slice (a JavaScript typed array
// exported without copying). Each follows the column's declared type exactly
// as appending the values one by one would; where the slice's element type
// is the column's own storage type (Float64Array into float64, Int32Array
// into int32 or date32, BigInt64Array into int64) the values are copied in
// one go.
//
// Each returns how many values it appended. On error, vs[n] is the first
// value the column rejects, nothing after it was appended, and the error is
// that value's *ValueError: locate it with Builder.Locate, which numbers the
// row from the column's length. The caller ends the rows (Builder.EndRows)
// once every column has its values.

// AppendNumbers appends the elements of a typed array of numbers, each as
// AppendNumber would: an int64 column rejects 2.5 from a Float64Array, an
// int8 column rejects 300 from an Int32Array.
func AppendNumbers[T Number](a Appender, vs []T) (int, error) {
	n := copyNumbers(a, vs)
	for i, v := range vs[n:] {
		if err := a.AppendNumber(float64(v)); err != nil {
			return n + i, err
		}
	}
	return len(vs), nil
}

// AppendInt64s appends the elements of a BigInt64Array, each as AppendInt
// would.
func AppendInt64s(a Appender, vs []int64) (int, error) {
	if ia, ok := a.(*intAppender[int64, *array.Int64Builder]); ok {
		ia.b.AppendValues(vs, nil)
		return len(vs), nil
	}
	for i, v := range vs {
		if err := a.AppendInt(v); err != nil {
			return i, err
		}
	}
	return len(vs), nil
}

// AppendUint64s appends the elements of a BigUint64Array, each as AppendInt
// would (AppendBigInt beyond the int64 range).
func AppendUint64s(a Appender, vs []uint64) (int, error) {
	if ua, ok := a.(*intAppender[uint64, *array.Uint64Builder]); ok {
		ua.b.AppendValues(vs, nil)
		return len(vs), nil
	}
	var big1 big.Int
	for i, v := range vs {
		var err error
		if v <= math.MaxInt64 {
			err = a.AppendInt(int64(v))
		} else {
			err = a.AppendBigInt(big1.SetUint64(v))
		}
		if err != nil {
			return i, err
		}
	}
	return len(vs), nil
}

// copyNumbers appends the values of vs that the column's own storage type
// holds unchanged, in one go, and returns how many it appended: all of vs,
// none (the caller appends them one by one), or the values before the
// first one that needs a closer look.
func copyNumbers[T Number](a Appender, vs []T) int {
	switch s := any(vs).(type) {
	case []float64:
		switch ca := a.(type) {
		case *floatAppender[float64, *array.Float64Builder]:
			ca.b.AppendValues(s, nil)
			return len(s)
		case *intAppender[int64, *array.Int64Builder]:
			ca.b.Reserve(len(s))
			for i, v := range s {
				n, reason := wholeNumber(v)
				if reason != "" {
					return i
				}
				ca.b.UnsafeAppend(n)
			}
			return len(s)
		}
	case []float32:
		if fa, ok := a.(*floatAppender[float32, *array.Float32Builder]); ok {
			fa.b.AppendValues(s, nil)
			return len(s)
		}
	case []int32:
		switch ca := a.(type) {
		case *intAppender[int32, *array.Int32Builder]:
			ca.b.AppendValues(s, nil)
			return len(s)
		case *date32Appender:
			ca.b.AppendValues(unsafe.Slice((*arrow.Date32)(unsafe.Pointer(unsafe.SliceData(s))), len(s)), nil)
			return len(s)
		case *intAppender[int64, *array.Int64Builder]:
			ca.b.Reserve(len(s))
			for _, v := range s {
				ca.b.UnsafeAppend(int64(v))
			}
			return len(s)
		}
	case []int16:
		if ia, ok := a.(*intAppender[int16, *array.Int16Builder]); ok {
			ia.b.AppendValues(s, nil)
			return len(s)
		}
	case []int8:
		if ia, ok := a.(*intAppender[int8, *array.Int8Builder]); ok {
			ia.b.AppendValues(s, nil)
			return len(s)
		}
	case []uint32:
		if ia, ok := a.(*intAppender[uint32, *array.Uint32Builder]); ok {
			ia.b.AppendValues(s, nil)
			return len(s)
		}
	case []uint16:
		if ia, ok := a.(*intAppender[uint16, *array.Uint16Builder]); ok {
			ia.b.AppendValues(s, nil)
			return len(s)
		}
	case []uint8:
		if ia, ok := a.(*intAppender[uint8, *array.Uint8Builder]); ok {
			ia.b.AppendValues(s, nil)
			return len(s)
		}
	}
	return 0
}
