package jsrt

import (
	"errors"
	"reflect"
	"slices"
	"strconv"

	"github.com/dop251/goja"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
	"github.com/flexfun-script/flexfun-script/engine"
)

// hostObject shows an engine.Object (a table, ctx, a module) to one
// runtime: its attributes as read-only properties, converted when first
// read and then kept (ctx.state === ctx.state), and "length" for an
// object with a length. Setting or deleting a property throws.
type hostObject struct {
	v    *vm
	obj  engine.Object
	memo map[string]goja.Value
}

var typeHostObject = reflect.TypeFor[*hostObject]()

// hostObject returns obj as a value of v's runtime.
func (v *vm) hostObject(obj engine.Object) goja.Value {
	return v.rt.NewDynamicObject(&hostObject{v: v, obj: obj, memo: map[string]goja.Value{}})
}

// tableOf returns the table obj shows, if it is a table.
func tableOf(obj *goja.Object) *arrowbridge.Table {
	if obj == nil || obj.ExportType() != typeHostObject {
		return nil
	}
	if t, ok := obj.Export().(*hostObject).obj.(*engine.TableObject); ok {
		return t.Table
	}
	return nil
}

func (h *hostObject) Get(key string) goja.Value {
	if x, ok := h.memo[key]; ok {
		return x
	}
	val, err := h.obj.Attr(key)
	switch {
	case errors.Is(err, engine.ErrNoAttr):
		if l, ok := h.obj.(engine.Lener); ok && key == "length" {
			return h.v.rt.ToValue(l.Len())
		}
		return nil
	case err != nil:
		h.v.throw(err.Error())
	}
	x := h.v.fromValue(val)
	h.memo[key] = x
	return x
}

func (h *hostObject) Has(key string) bool { return slices.Contains(h.obj.AttrNames(), key) }

func (h *hostObject) Keys() []string { return slices.Clone(h.obj.AttrNames()) }

func (h *hostObject) Set(key string, _ goja.Value) bool {
	h.v.throw(h.obj.TypeName() + " is frozen: cannot set " + strconv.Quote(key))
	return false
}

func (h *hostObject) Delete(key string) bool {
	h.v.throw(h.obj.TypeName() + " is frozen: cannot delete " + strconv.Quote(key))
	return false
}

// hostFunc returns fn as a JavaScript function. Its arguments are bound by
// name: positional ones to fn's parameters, and a trailing plain object,
// after them, to its options.
func (v *vm) hostFunc(fn *engine.Func) goja.Value {
	return v.native(fn.Name, func(c goja.FunctionCall) goja.Value {
		positional := make([]any, len(c.Arguments))
		for i, a := range c.Arguments {
			positional[i] = a
		}
		var named []engine.NamedArg
		if obj, ok := optionsObject(fn, c.Arguments); ok {
			positional = positional[:len(positional)-1]
			for _, k := range obj.Keys() {
				named = append(named, engine.NamedArg{Name: k, Raw: obj.Get(k)})
			}
		}
		args, err := engine.BindArgs(fn, v, vocabulary, positional, named)
		if err != nil {
			v.throw(err.Error())
		}
		res, err := fn.Impl(v.thread, args)
		if err != nil {
			v.throw(err.Error())
		}
		return v.fromValue(res)
	})
}

// optionsObject returns the options object a call of fn ends with, if it
// ends with one: a plain object after the required arguments. Where the
// object could also be an optional positional argument (ctx.add_message's
// data), it is the options only when every key names a parameter or an
// option of fn.
func optionsObject(fn *engine.Func, args []goja.Value) (*goja.Object, bool) {
	n := len(args)
	if !fn.TakesOptions() || n <= fn.Required() || n > fn.NumParams()+1 {
		return nil, false
	}
	obj, ok := isPlainObject(args[n-1])
	if !ok || n > fn.NumParams() {
		return obj, ok
	}
	for _, k := range obj.Keys() {
		if !fn.Names(k) {
			return nil, false
		}
	}
	return obj, true
}
