package jsrt

import (
	"fmt"
	"math/big"
	"sort"
	"strconv"
	"time"

	"github.com/dop251/goja"
)

// Data is how ctx.settings and ctx.state live between runtimes: goja values
// belong to the runtime that made them, so the server keeps these two as
// immutable Go values and shows each call a read-only view of them (see
// view.go). A data value is one of:
//
//	nil          null
//	undefinedV   undefined
//	bool         boolean
//	float64      number
//	*big.Int     BigInt
//	string       string
//	time.Time    Date
//	[]any        array
//	*dataObject  object, keys in order
//
// Data values are never changed once built, so any number of runtimes may
// read them at once.

// undefinedV is the data value of undefined.
type undefinedT struct{}

var undefinedV = undefinedT{}

// dataObject is an object of data values, keys in order.
type dataObject struct {
	keys []string
	vals map[string]any
}

// stateError is on_load's result holding what ctx.state cannot carry.
type stateError struct {
	path, what string
}

func (e *stateError) Error() string {
	return fmt.Sprintf("on_load returned %s at %s: ctx.state holds data only "+
		"(objects, arrays, strings, numbers, booleans, null, undefined, BigInt and Date)", e.what, e.path)
}

// maxDataDepth bounds how deep the state may nest.
const maxDataDepth = 100

// fromJS copies the value on_load returned into data: objects by their own
// enumerable properties, arrays element by element. Functions, symbols,
// Maps, typed arrays and cycles are errors.
func fromJS(x goja.Value, path string, seen []*goja.Object) (any, error) {
	switch {
	case x == nil || goja.IsUndefined(x):
		return undefinedV, nil
	case goja.IsNull(x):
		return nil, nil
	case goja.IsNumber(x):
		return x.ToFloat(), nil
	case goja.IsString(x):
		return x.String(), nil
	case goja.IsBigInt(x):
		return new(big.Int).Set(x.Export().(*big.Int)), nil
	case isBool(x):
		return x.ToBoolean(), nil
	}
	obj, ok := x.(*goja.Object)
	if !ok {
		return nil, &stateError{path, "a symbol"}
	}
	for _, s := range seen {
		if s == obj {
			return nil, &stateError{path, "a cycle"}
		}
	}
	if len(seen) >= maxDataDepth {
		return nil, &stateError{path, fmt.Sprintf("nesting deeper than %d", maxDataDepth)}
	}
	seen = append(seen, obj)
	switch cls := obj.ClassName(); {
	case cls == "Date":
		t, ok := obj.Export().(time.Time)
		if !ok {
			return nil, &stateError{path, "an Invalid Date"}
		}
		return t, nil
	case cls == "Array":
		n := int(obj.Get("length").ToInteger())
		out := make([]any, n)
		for i := range n {
			v, err := fromJS(obj.Get(strconv.Itoa(i)), path+"["+strconv.Itoa(i)+"]", seen)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case cls == "Object" && (obj.ExportType() == typeMap || isView(obj)):
		d := &dataObject{vals: map[string]any{}}
		for _, k := range obj.Keys() {
			v, err := fromJS(obj.Get(k), path+propPath(k), seen)
			if err != nil {
				return nil, err
			}
			d.keys = append(d.keys, k)
			d.vals[k] = v
		}
		return d, nil
	default:
		return nil, &stateError{path, article(typeName(x))}
	}
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

// article prefixes a type name with "a" or "an".
func article(s string) string {
	switch s[0] {
	case 'a', 'e', 'i', 'o', 'u', 'A', 'E', 'I', 'O', 'U':
		return "an " + s
	}
	return "a " + s
}

// fromSettings converts the merged configuration (TOML types) into data.
// Map keys are sorted, as ctx.settings shows them in Starlark.
func fromSettings(x any) (any, error) {
	switch x := x.(type) {
	case nil, bool, string, float64, time.Time:
		return x, nil
	case int:
		return fromInt(int64(x)), nil
	case int64:
		return fromInt(x), nil
	case uint64:
		if x <= maxExact {
			return float64(x), nil
		}
		return new(big.Int).SetUint64(x), nil
	case *big.Int:
		return new(big.Int).Set(x), nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			v, err := fromSettings(e)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case map[string]any:
		d := &dataObject{keys: make([]string, 0, len(x)), vals: make(map[string]any, len(x))}
		for k := range x {
			d.keys = append(d.keys, k)
		}
		sort.Strings(d.keys)
		for _, k := range d.keys {
			v, err := fromSettings(x[k])
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			d.vals[k] = v
		}
		return d, nil
	case fmt.Stringer:
		return x.String(), nil
	}
	return nil, fmt.Errorf("unsupported value of type %T", x)
}

// fromInt makes a number of an integer when it is exact as one, a BigInt
// otherwise.
func fromInt(i int64) any {
	if i >= -maxExact && i <= maxExact {
		return float64(i)
	}
	return big.NewInt(i)
}
