package jsrt

import (
	"fmt"
	"math/big"
	"slices"
	"sync/atomic"
	"time"

	"github.com/dop251/goja"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
	"github.com/flexfun-script/flexfun-script/engine"
)

// callState is what emit and the result collector need during one call.
type callState struct {
	builder    *arrowbridge.Builder
	cols       []arrowbridge.Appender
	names      []string       // column names in schema order
	index      map[string]int // column name → position
	emitted    int64
	collecting bool // call has returned rows, which are being appended
	cancelled  atomic.Bool
}

func newCallState(c *engine.Call) *callState {
	b := c.Builder
	n := b.NumColumns()
	st := &callState{builder: b, cols: make([]arrowbridge.Appender, n), names: make([]string, n), index: make(map[string]int, n)}
	for i, f := range b.Schema().Fields() {
		st.cols[i] = b.Column(i)
		st.names[i] = f.Name
		st.index[f.Name] = i
	}
	return st
}

// emit appends one row: emit(v1, v2, ...) in schema order, or
// emit({col: v, ...}) by column name with missing columns null.
//
// A row that fails is rolled back before the error is thrown, so a script
// that catches the error may go on emitting.
func (v *vm) emit(c goja.FunctionCall) goja.Value {
	st := v.call
	if st == nil {
		v.throw("emit: can only be used while call runs")
	}
	if st.collecting {
		// A generator returned by call is being read.
		v.throw("emit: call has returned rows; emit rows or return them, not both")
	}
	var err error
	if obj, ok := namedRow(c.Arguments); ok {
		err = st.appendObject(obj)
	} else {
		err = st.appendRow(c.Arguments)
	}
	if err != nil {
		st.builder.Rollback()
		v.throw("emit: " + err.Error())
	}
	st.builder.EndRow()
	st.emitted++
	return goja.Undefined()
}

// namedRow reports whether emit's arguments are one row by column name.
func namedRow(args []goja.Value) (*goja.Object, bool) {
	if len(args) != 1 {
		return nil, false
	}
	return isPlainObject(args[0])
}

// appendRow appends a row given in schema order.
func (st *callState) appendRow(values []goja.Value) error {
	if len(values) != len(st.cols) {
		return fmt.Errorf("row %d: got %d values, schema has %d columns", st.builder.Rows()+1, len(values), len(st.cols))
	}
	for i, x := range values {
		if err := appendValue(st.builder, st.cols[i], i, x); err != nil {
			return err
		}
	}
	return nil
}

// appendObject appends a row given as an object of column → value;
// missing columns are null. Columns are read with Get, so a getter, even
// one inherited from a class, works. Every own enumerable property must
// name a column.
func (st *callState) appendObject(obj *goja.Object) error {
	// GetOwnPropertyNames costs about half of Keys: it skips the
	// enumerability checks, which matter only for a name that is not a
	// column.
	for _, k := range obj.GetOwnPropertyNames() {
		if _, ok := st.index[k]; !ok && slices.Contains(obj.Keys(), k) {
			return fmt.Errorf("row %d: unknown column %q", st.builder.Rows()+1, k)
		}
	}
	for i, name := range st.names {
		if err := appendValue(st.builder, st.cols[i], i, obj.Get(name)); err != nil {
			return err
		}
	}
	return nil
}

// appendValue converts one JavaScript value into column col, following the
// column's declared type: a number goes through AppendNumber whatever goja
// holds it as (an int64 column takes whole numbers, a float64 column takes
// 3), a BigInt through AppendInt, a Date through AppendTime.
func appendValue(b *arrowbridge.Builder, a arrowbridge.Appender, col int, x goja.Value) error {
	var err error
	switch {
	case goja.IsNumber(x):
		err = a.AppendNumber(x.ToFloat())
	case goja.IsString(x):
		err = a.AppendString(x.String())
	case x == nil || goja.IsUndefined(x) || goja.IsNull(x):
		err = a.AppendNull()
	default:
		err = appendOther(b, a, col, x)
	}
	if err != nil {
		return b.Locate(col, err)
	}
	return nil
}

// appendOther converts the less common kinds of value: booleans, BigInts,
// Dates and byte arrays. Anything else is a mismatch.
func appendOther(b *arrowbridge.Builder, a arrowbridge.Appender, col int, x goja.Value) error {
	if goja.IsBigInt(x) {
		n := x.Export().(*big.Int)
		if n.IsInt64() {
			return a.AppendInt(n.Int64())
		}
		return a.AppendBigInt(n)
	}
	if isBool(x) {
		return a.AppendBool(x.ToBoolean())
	}
	obj, ok := x.(*goja.Object)
	if !ok {
		return b.Mismatch(col, typeName(x))
	}
	switch obj.ClassName() {
	case "Date":
		t, ok := obj.Export().(time.Time)
		if !ok {
			return b.Mismatch(col, "Invalid Date")
		}
		return a.AppendTime(t)
	case "Object":
		switch obj.ExportType() {
		case typeBytes:
			return a.AppendBytes(obj.Export().([]byte))
		case typeBuffer:
			return a.AppendBytes(obj.Export().(goja.ArrayBuffer).Bytes())
		}
	}
	return b.Mismatch(col, typeName(x))
}
