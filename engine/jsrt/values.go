package jsrt

import (
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"
	"time"

	"github.com/dop251/goja"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
	"github.com/flexfun-script/flexfun-script/engine"
)

// This file is the vm's half of engine.Values: how the engine reads and
// makes JavaScript values.

// maxExact is the largest magnitude up to which every whole float64 is exact.
const maxExact = 1 << 53

// undefinedT marks undefined inside data (ctx.state), which keeps it apart
// from null.
type undefinedT struct{}

var undefinedV = undefinedT{}

// ToValue implements engine.Converter.
func (v *vm) ToValue(raw any) (engine.Value, error) {
	x, ok := raw.(goja.Value)
	if !ok && raw != nil {
		return nil, fmt.Errorf("not a JavaScript value: %T", raw)
	}
	var out engine.Value
	err := protect(func() error {
		var err error
		out, err = v.toData(x, "value", nil, false)
		return err
	})
	if err != nil {
		return nil, v.scriptError(err)
	}
	if out == undefinedV {
		return nil, nil
	}
	return out, nil
}

// stateError is on_load's result holding what ctx.state cannot carry.
type stateError struct {
	path, what string
}

func (e *stateError) Error() string {
	return fmt.Sprintf("on_load returned %s at %s: ctx.state holds data only "+
		"(objects, arrays, strings, numbers, booleans, null, undefined, BigInt, Date and tables)", e.what, e.path)
}

// maxDataDepth bounds how deep a value may nest.
const maxDataDepth = 100

// toData converts x into the model: objects by their own enumerable
// properties, arrays element by element, numbers to int64 when they are
// whole numbers within ±2^53. Undefined inside objects and arrays stays
// undefinedV. With strict (ctx.state), anything that is not data is a
// *stateError naming where it is; otherwise it becomes engine.Foreign.
func (v *vm) toData(x goja.Value, path string, seen []*goja.Object, strict bool) (engine.Value, error) {
	switch {
	case x == nil || goja.IsUndefined(x):
		return undefinedV, nil
	case goja.IsNull(x):
		return nil, nil
	case goja.IsNumber(x):
		return number(x.ToFloat()), nil
	case goja.IsString(x):
		return x.String(), nil
	case goja.IsBigInt(x):
		n := x.Export().(*big.Int)
		if n.IsInt64() {
			return n.Int64(), nil
		}
		return new(big.Int).Set(n), nil
	case isBool(x):
		return x.ToBoolean(), nil
	}
	obj, ok := x.(*goja.Object)
	if !ok {
		return v.foreign(x, path, "a symbol", strict)
	}
	switch obj.ExportType() {
	case typeHostObject:
		return obj.Export().(*hostObject).obj, nil
	case typeObjectView:
		return obj.Export().(*objectView).d, nil
	case typeArrayView:
		return obj.Export().(*arrayView).items, nil
	}
	if slices.Contains(seen, obj) {
		return nil, &stateError{path, "a cycle"}
	}
	if len(seen) >= maxDataDepth {
		return nil, &stateError{path, fmt.Sprintf("nesting deeper than %d", maxDataDepth)}
	}
	seen = append(seen, obj)
	switch cls := obj.ClassName(); {
	case cls == "Date":
		t, ok := obj.Export().(time.Time)
		if !ok {
			return v.foreign(x, path, "an Invalid Date", strict)
		}
		return t, nil
	case cls == "Array":
		n := int(obj.Get("length").ToInteger())
		out := make([]engine.Value, n)
		for i := range n {
			e, err := v.toData(obj.Get(strconv.Itoa(i)), path+"["+strconv.Itoa(i)+"]", seen, strict)
			if err != nil {
				return nil, err
			}
			out[i] = e
		}
		return out, nil
	case cls == "Object" && obj.ExportType() == typeMap:
		m := engine.NewMap(4)
		for _, k := range obj.Keys() {
			e, err := v.toData(obj.Get(k), path+propPath(k), seen, strict)
			if err != nil {
				return nil, err
			}
			m.Set(k, e)
		}
		return m, nil
	case cls == "Object" && (obj.ExportType() == typeBytes || obj.ExportType() == typeBuffer) && !strict:
		return bytesOf(obj), nil
	}
	return v.foreign(x, path, engine.Article(typeName(x)), strict)
}

// foreign returns a value with no counterpart in the model: an error for
// ctx.state, engine.Foreign otherwise.
func (v *vm) foreign(x goja.Value, path, what string, strict bool) (engine.Value, error) {
	if strict {
		return nil, &stateError{path, what}
	}
	return engine.Foreign{Type: typeName(x), Text: v.inspect(x), Raw: x}, nil
}

// number converts a JavaScript number: an int64 when it is a whole number
// within ±2^53 (not -0), a float64 otherwise.
func number(f float64) engine.Value {
	if f == math.Trunc(f) && math.Abs(f) <= maxExact && !(f == 0 && math.Signbit(f)) {
		return int64(f)
	}
	return f
}

// bytesOf returns the bytes of a Uint8Array or an ArrayBuffer, copied.
func bytesOf(obj *goja.Object) []byte {
	switch b := obj.Export().(type) {
	case []byte:
		return slices.Clone(b)
	case goja.ArrayBuffer:
		return slices.Clone(b.Bytes())
	}
	return nil
}

// propPath spells property k of a path: .name or ["odd key"].
func propPath(k string) string {
	for i, r := range k {
		if !(r == '_' || r == '$' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return "[" + strconv.Quote(k) + "]"
		}
	}
	if k == "" {
		return `[""]`
	}
	return "." + k
}

// FromValue implements engine.Values: fresh values become ordinary,
// mutable JavaScript values; frozen ones (ctx.settings, ctx.state)
// read-only views.
func (v *vm) FromValue(x engine.Value) (goja.Value, error) { return v.fromValue(x), nil }

func (v *vm) fromValue(x engine.Value) goja.Value {
	switch x := x.(type) {
	case []engine.Value:
		items := make([]any, len(x))
		for i, e := range x {
			items[i] = v.fromValue(e)
		}
		return v.rt.NewArray(items...)
	case *engine.Map:
		obj := v.rt.NewObject()
		for _, k := range x.Keys() {
			e, _ := x.Get(k)
			// As JSON.parse does: an own property even for "__proto__".
			_ = obj.DefineDataProperty(k, v.fromValue(e), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_TRUE)
		}
		return obj
	case engine.Frozen:
		return v.view(x.Value, x.Name)
	case engine.Foreign:
		if raw, ok := x.Raw.(goja.Value); ok {
			return raw
		}
		return v.rt.ToValue(x.Text)
	}
	return v.scalar(x)
}

// scalar converts a Value that is neither a list nor a map.
func (v *vm) scalar(x engine.Value) goja.Value {
	switch x := x.(type) {
	case nil:
		return goja.Null()
	case undefinedT:
		return goja.Undefined()
	case int64:
		if x >= -maxExact && x <= maxExact {
			return v.rt.ToValue(float64(x))
		}
		return v.rt.ToValue(big.NewInt(x))
	case *big.Int:
		// Only JSON holds integers beyond int64: read them as JSON.parse does.
		f, _ := new(big.Float).SetInt(x).Float64()
		return v.rt.ToValue(f)
	case time.Time:
		d, err := v.rt.New(v.date, v.rt.ToValue(x.UnixMilli()))
		if err != nil {
			panic(err)
		}
		return d
	case []byte:
		buf := v.rt.NewArrayBuffer(slices.Clone(x))
		u8, err := v.rt.New(v.rt.Get("Uint8Array"), v.rt.ToValue(buf))
		if err != nil {
			panic(err)
		}
		return u8
	case *engine.Func:
		return v.hostFunc(x)
	case engine.Object:
		return v.hostObject(x)
	}
	return v.rt.ToValue(x) // bool, float64, string
}

// TypeName implements engine.Converter.
func (v *vm) TypeName(raw any) string {
	x, _ := raw.(goja.Value)
	return typeName(x)
}

// Format implements engine.Converter: as console.log spells the value.
func (v *vm) Format(raw any) string {
	x, _ := raw.(goja.Value)
	return v.inspect(x)
}

// Shape implements engine.Values.
func (v *vm) Shape(x goja.Value) engine.Shape {
	if x == nil || goja.IsUndefined(x) || goja.IsNull(x) {
		return engine.ShapeNull
	}
	obj, ok := x.(*goja.Object)
	switch {
	case !ok:
		return engine.ShapeOther
	case obj.ClassName() == "Array":
		return engine.ShapeList
	case tableOf(obj) != nil:
		return engine.ShapeTable
	case isTyped(obj):
		return engine.ShapeTyped
	case v.isColumns(obj):
		return engine.ShapeMap
	case v.isIterable(obj):
		return engine.ShapeIter
	}
	if _, ok := isPlainObject(x); ok {
		return engine.ShapeRecord
	}
	return engine.ShapeOther
}

// isColumns reports whether obj is an object of columns: a plain object
// (made by a literal, Object.create(null), or a view of ctx.state), not a
// class instance, generator or other iterable.
func (v *vm) isColumns(obj *goja.Object) bool {
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
	if kind := typeName(obj); kind != "object" && kind != "Set" {
		return false
	}
	_, ok := goja.AssertFunction(obj.GetSymbol(goja.SymIterator))
	return ok
}

// isTyped reports whether obj is a typed array.
func isTyped(obj *goja.Object) bool {
	_, ok := typedArrayTag[obj.ExportType()]
	return ok
}

// Callable implements engine.Values.
func (v *vm) Callable(x goja.Value) bool {
	_, ok := goja.AssertFunction(x)
	return ok
}

// Len implements engine.Values for arrays and typed arrays.
func (v *vm) Len(x goja.Value) int {
	obj := x.(*goja.Object)
	if isTyped(obj) {
		return typedLen(obj.Export())
	}
	return int(obj.Get("length").ToInteger())
}

// Index implements engine.Values for arrays.
func (v *vm) Index(x goja.Value, i int) goja.Value {
	return x.(*goja.Object).Get(strconv.Itoa(i))
}

// UnknownKey implements engine.Values: an own enumerable property that is
// not known. Properties are read with Get, so a getter, even one inherited
// from a class, works.
func (v *vm) UnknownKey(x goja.Value, known func(string) bool) (string, bool, error) {
	obj := x.(*goja.Object)
	// GetOwnPropertyNames costs about half of Keys: it skips the
	// enumerability checks, which matter only for a name that is unknown.
	for _, k := range obj.GetOwnPropertyNames() {
		if !known(k) && slices.Contains(obj.Keys(), k) {
			return k, true, nil
		}
	}
	return "", false, nil
}

// Keys implements engine.Values.
func (v *vm) Keys(x goja.Value) ([]string, error) { return x.(*goja.Object).Keys(), nil }

// Get implements engine.Values.
func (v *vm) Get(x goja.Value, key string) (goja.Value, bool) {
	val := x.(*goja.Object).Get(key)
	return val, val != nil
}

// Iterate implements engine.Values for generators, Sets and other iterables.
func (v *vm) Iterate(x goja.Value, yield func(goja.Value) error) error {
	var err error
	v.rt.ForOf(x, func(row goja.Value) bool {
		err = yield(row)
		return err == nil
	})
	return err
}

// AsTable implements engine.Values.
func (v *vm) AsTable(x goja.Value) *arrowbridge.Table {
	obj, _ := x.(*goja.Object)
	return tableOf(obj)
}

// Append implements engine.Values: one JavaScript value into a column,
// following the column's declared type: a number goes through AppendNumber
// whatever goja holds it as (an int64 column takes whole numbers, a
// float64 column takes 3), a BigInt through AppendInt, a Date through
// AppendTime.
func (v *vm) Append(a arrowbridge.Appender, x goja.Value) error {
	switch {
	case goja.IsNumber(x):
		return a.AppendNumber(x.ToFloat())
	case goja.IsString(x):
		return a.AppendString(x.String())
	case x == nil || goja.IsUndefined(x) || goja.IsNull(x):
		return a.AppendNull()
	}
	return appendOther(a, x)
}

// appendOther converts the less common kinds of value: booleans, BigInts,
// Dates and byte arrays. Anything else is a mismatch.
func appendOther(a arrowbridge.Appender, x goja.Value) error {
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
		return engine.Mismatch(typeName(x))
	}
	switch obj.ClassName() {
	case "Date":
		t, ok := obj.Export().(time.Time)
		if !ok {
			return engine.Mismatch("Invalid Date")
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
	return engine.Mismatch(typeName(x))
}

// AppendRange implements engine.Values: elements lo to hi of a typed
// array, in bulk.
func (v *vm) AppendRange(a arrowbridge.Appender, x goja.Value, lo, hi int) error {
	_, err := appendTyped(a, x.(*goja.Object).Export(), lo, hi)
	return err
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
