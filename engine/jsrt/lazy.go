package jsrt

import (
	"slices"
	"strconv"

	"github.com/dop251/goja"
)

// lazyObject is an object whose properties are made when first read, so
// that console, log and ctx cost a fresh runtime nothing until a script
// touches them (making a native function is the largest part of setting
// up a runtime). A frozen lazy object throws on any change, as ctx does.
type lazyObject struct {
	v      *vm
	keys   []string
	build  func(key string) goja.Value
	memo   map[string]goja.Value
	frozen string // the object's name in errors when frozen, else ""
}

// lazy returns a lazy object with the given keys.
func (v *vm) lazy(keys []string, frozen string, build func(key string) goja.Value) *goja.Object {
	return v.rt.NewDynamicObject(&lazyObject{v: v, keys: keys, build: build, memo: map[string]goja.Value{}, frozen: frozen})
}

func (o *lazyObject) Get(key string) goja.Value {
	if x, ok := o.memo[key]; ok {
		return x
	}
	if !slices.Contains(o.keys, key) {
		return nil
	}
	x := o.build(key)
	o.memo[key] = x
	return x
}

func (o *lazyObject) Has(key string) bool { return slices.Contains(o.keys, key) }

func (o *lazyObject) Keys() []string { return slices.Clone(o.keys) }

func (o *lazyObject) Set(key string, val goja.Value) bool {
	if o.frozen != "" {
		o.v.throw(o.frozen + " is frozen: cannot set " + strconv.Quote(key))
	}
	if !slices.Contains(o.keys, key) {
		o.keys = append(o.keys, key)
	}
	o.memo[key] = val
	return true
}

func (o *lazyObject) Delete(key string) bool {
	if o.frozen != "" {
		o.v.throw(o.frozen + " is frozen: cannot delete " + strconv.Quote(key))
	}
	o.keys = slices.DeleteFunc(o.keys, func(k string) bool { return k == key })
	delete(o.memo, key)
	return true
}
