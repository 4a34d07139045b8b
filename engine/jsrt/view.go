package jsrt

import (
	"math/big"
	"reflect"
	"slices"
	"strconv"

	"github.com/dop251/goja"

	"github.com/flexfun-script/flexfun-script/engine"
)

// The views show frozen data (ctx.settings, ctx.state) to one runtime.
// They read like plain objects and arrays (property access, Object.keys,
// for...of, JSON.stringify, spread, array methods) and throw a TypeError
// on any change, in strict code or not: "ctx.state.cities is frozen:
// cannot set "1"". Showing a view costs nothing up front; each property is
// converted when first read and then kept, so that ctx.state.list ===
// ctx.state.list.

// objectView is a read-only view of a data object.
type objectView struct {
	v    *vm
	path string // "ctx.state.region", for error messages
	d    *engine.Map
	memo map[string]goja.Value
}

// arrayView is a read-only view of a data array.
type arrayView struct {
	v     *vm
	path  string
	items []engine.Value
	memo  []goja.Value
}

var (
	typeObjectView = reflect.TypeFor[*objectView]()
	typeArrayView  = reflect.TypeFor[*arrayView]()
)

// isView reports whether obj is an object view.
func isView(obj *goja.Object) bool { return obj.ExportType() == typeObjectView }

// view returns frozen data x as a value of v's runtime.
func (v *vm) view(x any, path string) goja.Value {
	switch x := x.(type) {
	case []engine.Value:
		return v.rt.NewDynamicArray(&arrayView{v: v, path: path, items: x, memo: make([]goja.Value, len(x))})
	case *engine.Map:
		return v.rt.NewDynamicObject(&objectView{v: v, path: path, d: x, memo: map[string]goja.Value{}})
	case *big.Int: // a BigInt that on_load returned
		return v.rt.ToValue(new(big.Int).Set(x))
	}
	return v.scalar(x)
}

func (o *objectView) Get(key string) goja.Value {
	if x, ok := o.memo[key]; ok {
		return x
	}
	val, ok := o.d.Get(key)
	if !ok {
		return nil
	}
	x := o.v.view(val, o.path+propPath(key))
	o.memo[key] = x
	return x
}

func (o *objectView) Has(key string) bool {
	_, ok := o.d.Get(key)
	return ok
}

func (o *objectView) Keys() []string { return slices.Clone(o.d.Keys()) }

func (o *objectView) Set(key string, _ goja.Value) bool {
	o.v.throw(o.path + " is frozen: cannot set " + strconv.Quote(key))
	return false
}

func (o *objectView) Delete(key string) bool {
	o.v.throw(o.path + " is frozen: cannot delete " + strconv.Quote(key))
	return false
}

func (a *arrayView) Len() int { return len(a.items) }

func (a *arrayView) Get(idx int) goja.Value {
	if idx < 0 || idx >= len(a.items) {
		return nil
	}
	if x := a.memo[idx]; x != nil {
		return x
	}
	x := a.v.view(a.items[idx], a.path+"["+strconv.Itoa(idx)+"]")
	a.memo[idx] = x
	return x
}

func (a *arrayView) Set(idx int, _ goja.Value) bool {
	a.v.throw(a.path + " is frozen: cannot set [" + strconv.Itoa(idx) + "]")
	return false
}

func (a *arrayView) SetLen(n int) bool {
	a.v.throw(a.path + " is frozen: cannot set its length to " + strconv.Itoa(n))
	return false
}
