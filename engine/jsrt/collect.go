package jsrt

import (
	"fmt"
	"strconv"

	"github.com/dop251/goja"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
)

// chunkRows is how many rows of a columns result are appended column by
// column before they are ended, so that batches are cut near their limits
// (see arrowbridge.Builder).
const chunkRows = 4096

// collect appends the value call returned: undefined or null (rows were
// emitted, or there are none), an array of rows, or an object of columns.
//
// It runs under Runtime.Try, so that a property getter that throws ends it
// like any other script error, and its own errors (thrown with v.throw)
// carry no script position: "sales.js: row 2, ...".
func (v *vm) collect(res goja.Value) {
	st := v.call
	if goja.IsUndefined(res) || goja.IsNull(res) {
		return
	}
	kind := article(typeName(res)) // "an array" where Starlark says "a list"
	if st.emitted > 0 {
		v.throw(fmt.Sprintf("call emitted %d rows and also returned %s: use one or the other", st.emitted, kind))
	}
	st.collecting = true
	var err error
	obj, _ := res.(*goja.Object)
	switch {
	case obj != nil && obj.ClassName() == "Array":
		err = v.appendRows(st, obj)
	case v.isColumns(obj):
		err = v.appendColumns(st, obj)
	case v.isIterable(obj):
		err = v.appendIterated(st, obj)
	default:
		err = fmt.Errorf("call returned %s: want undefined (after emit), an array of rows or an object of columns", kind)
	}
	if err != nil {
		v.throw(err.Error())
	}
}

// checkCancelled stops a long append loop once the call is abandoned:
// an interrupt reaches only JavaScript code, not Go loops.
func (v *vm) checkCancelled(st *callState, i int) {
	if i%chunkRows == 0 && st.cancelled.Load() {
		v.throw("interrupted while appending rows")
	}
}

// length returns the length of an array.
func length(arr *goja.Object) int { return int(arr.Get("length").ToInteger()) }

// isColumns reports whether obj is an object of columns: a plain object
// (made by a literal, Object.create(null), or a view of ctx.state), not a
// class instance, generator or other iterable.
func (v *vm) isColumns(obj *goja.Object) bool {
	if obj == nil {
		return false
	}
	if _, ok := isPlainObject(obj); !ok {
		return false
	}
	if isView(obj) {
		return true
	}
	proto := obj.Prototype()
	return proto == nil || proto == v.objectProto
}

// isIterable reports whether obj is an object with a Symbol.iterator
// method, such as a generator or a Set; typed arrays and Maps, iterable as
// they are, do not hold rows.
func (v *vm) isIterable(obj *goja.Object) bool {
	if obj == nil {
		return false
	}
	if kind := typeName(obj); kind != "object" && kind != "Set" {
		return false
	}
	_, ok := goja.AssertFunction(obj.GetSymbol(goja.SymIterator))
	return ok
}

// appendRows appends an array of rows.
func (v *vm) appendRows(st *callState, rows *goja.Object) error {
	var buf []goja.Value
	for i := range length(rows) {
		v.checkCancelled(st, i)
		if err := st.appendAny(rows.Get(strconv.Itoa(i)), &buf); err != nil {
			return err
		}
	}
	return nil
}

// appendIterated appends the rows an iterable yields, such as the
// generator a function* call returns.
func (v *vm) appendIterated(st *callState, rows *goja.Object) error {
	var buf []goja.Value
	var err error
	i := 0
	v.rt.ForOf(rows, func(row goja.Value) bool {
		v.checkCancelled(st, i)
		i++
		err = st.appendAny(row, &buf)
		return err == nil
	})
	return err
}

// appendAny appends one row: an array in schema order or an object by
// column name. buf is scratch space for the values of an array.
func (st *callState) appendAny(row goja.Value, buf *[]goja.Value) error {
	var err error
	if obj, ok := row.(*goja.Object); ok && obj.ClassName() == "Array" {
		*buf = (*buf)[:0]
		for j := range length(obj) {
			*buf = append(*buf, obj.Get(strconv.Itoa(j)))
		}
		err = st.appendRow(*buf)
	} else if obj, ok := isPlainObject(row); ok {
		err = st.appendObject(obj)
	} else {
		err = fmt.Errorf("row %d: a row must be an array or an object, got %s", st.builder.Rows()+1, typeName(row))
	}
	if err != nil {
		// A generator's finally blocks still run: leave no partial row.
		st.builder.Rollback()
		return err
	}
	st.builder.EndRow()
	return nil
}

// column is one column of a columns result: a plain array or a typed
// array's elements.
type column struct {
	array *goja.Object // a plain array, or nil
	typed any          // []float64, []int32, ... aliasing a typed array, or nil
}

// appendColumns appends an object of column → array; all arrays have the
// same length and a missing column is all null. Typed arrays are copied
// in bulk, following the declared column type.
func (v *vm) appendColumns(st *callState, obj *goja.Object) error {
	cols := make([]column, len(st.cols))
	n := -1
	for _, name := range obj.Keys() {
		i, ok := st.index[name]
		if !ok {
			return fmt.Errorf("unknown column %q", name)
		}
		val := obj.Get(name)
		var size int
		if arr, ok := val.(*goja.Object); ok && arr.ClassName() == "Array" {
			cols[i].array, size = arr, length(arr)
		} else if _, ok := typedArrayTag[val.ExportType()]; ok {
			cols[i].typed = val.Export()
			size = typedLen(cols[i].typed)
		} else {
			return fmt.Errorf("column %q: want an array or a typed array of values, got %s", name, typeName(val))
		}
		if n >= 0 && size != n {
			return fmt.Errorf("column %q has %d values, other columns have %d", name, size, n)
		}
		n = size
	}
	for lo := 0; lo < n; lo += chunkRows {
		v.checkCancelled(st, lo)
		hi := min(lo+chunkRows, n)
		for i, col := range cols {
			if err := v.appendChunk(st, i, col, lo, hi); err != nil {
				return err
			}
		}
		st.builder.EndRows(hi - lo)
	}
	return nil
}

// appendChunk appends rows lo to hi of one column.
func (v *vm) appendChunk(st *callState, i int, col column, lo, hi int) error {
	b, a := st.builder, st.cols[i]
	switch {
	case col.typed != nil:
		if _, err := appendTyped(a, col.typed, lo, hi); err != nil {
			return b.Locate(i, err)
		}
	case col.array != nil:
		for r := lo; r < hi; r++ {
			if err := appendValue(b, a, i, col.array.Get(strconv.Itoa(r))); err != nil {
				return err
			}
		}
	default:
		for r := lo; r < hi; r++ {
			if err := a.AppendNull(); err != nil {
				return b.Locate(i, err)
			}
		}
	}
	return nil
}

// typedLen returns the length of an exported typed array.
func typedLen(s any) int {
	switch s := s.(type) {
	case []int8:
		return len(s)
	case []uint8:
		return len(s)
	case []int16:
		return len(s)
	case []uint16:
		return len(s)
	case []int32:
		return len(s)
	case []uint32:
		return len(s)
	case []float32:
		return len(s)
	case []float64:
		return len(s)
	case []int64:
		return len(s)
	case []uint64:
		return len(s)
	}
	return 0
}

// appendTyped appends elements lo to hi of an exported typed array, each
// following the column's declared type: numbers for Int8Array to
// Float64Array, integers for BigInt64Array and BigUint64Array.
func appendTyped(a arrowbridge.Appender, s any, lo, hi int) (int, error) {
	switch s := s.(type) {
	case []int8:
		return arrowbridge.AppendNumbers(a, s[lo:hi])
	case []uint8:
		return arrowbridge.AppendNumbers(a, s[lo:hi])
	case []int16:
		return arrowbridge.AppendNumbers(a, s[lo:hi])
	case []uint16:
		return arrowbridge.AppendNumbers(a, s[lo:hi])
	case []int32:
		return arrowbridge.AppendNumbers(a, s[lo:hi])
	case []uint32:
		return arrowbridge.AppendNumbers(a, s[lo:hi])
	case []float32:
		return arrowbridge.AppendNumbers(a, s[lo:hi])
	case []float64:
		return arrowbridge.AppendNumbers(a, s[lo:hi])
	case []int64:
		return arrowbridge.AppendInt64s(a, s[lo:hi])
	case []uint64:
		return arrowbridge.AppendUint64s(a, s[lo:hi])
	}
	return 0, nil
}
