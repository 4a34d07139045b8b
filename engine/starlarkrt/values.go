package starlarkrt

import (
	"errors"
	"fmt"
	"math/big"
	gotime "time"

	startime "go.starlark.net/lib/time"
	"go.starlark.net/starlark"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
	"github.com/flexfun-script/flexfun-script/engine"
)

// values converts Starlark values for the engine (engine.Values).
type values struct{}

var errNoThread = errors.New("built-in called outside a script run")

func errUnhashable(t string) error { return fmt.Errorf("unhashable type: %s", t) }

// maxDepth guards conversions against cyclic values (a list holding itself).
const maxDepth = 100

// ToValue implements engine.Converter.
func (values) ToValue(raw any) (engine.Value, error) {
	v, ok := raw.(starlark.Value)
	if !ok {
		return nil, fmt.Errorf("not a Starlark value: %T", raw)
	}
	return toValue(v, 0)
}

func toValue(v starlark.Value, depth int) (engine.Value, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("nesting deeper than %d (cyclic value?)", maxDepth)
	}
	switch v := v.(type) {
	case starlark.NoneType:
		return nil, nil
	case starlark.Bool:
		return bool(v), nil
	case starlark.Int:
		if i, ok := v.Int64(); ok {
			return i, nil
		}
		return v.BigInt(), nil
	case starlark.Float:
		return float64(v), nil
	case starlark.String:
		return string(v), nil
	case starlark.Bytes:
		return []byte(v), nil
	case startime.Time:
		return gotime.Time(v), nil
	case *hostValue:
		return v.obj, nil
	case *hostFunc:
		return v.fn, nil
	case *starlark.Dict:
		m := engine.NewMap(v.Len())
		for _, item := range v.Items() {
			k, ok := item[0].(starlark.String)
			if !ok {
				return nil, fmt.Errorf("dict keys must be strings, got %s", item[0].Type())
			}
			x, err := toValue(item[1], depth+1)
			if err != nil {
				return nil, err
			}
			m.Set(string(k), x)
		}
		return m, nil
	case starlark.Indexable: // list, tuple
		if _, isString := v.(starlark.String); !isString {
			out := make([]engine.Value, v.Len())
			for i := range out {
				x, err := toValue(v.Index(i), depth+1)
				if err != nil {
					return nil, err
				}
				out[i] = x
			}
			return out, nil
		}
	}
	return engine.Foreign{Type: v.Type(), Text: v.String(), Raw: v}, nil
}

// FromValue implements engine.Values.
func (values) FromValue(x engine.Value) (starlark.Value, error) { return fromValue(x), nil }

func fromValue(x engine.Value) starlark.Value {
	switch x := x.(type) {
	case nil:
		return starlark.None
	case bool:
		return starlark.Bool(x)
	case int64:
		return starlark.MakeInt64(x)
	case *big.Int:
		return starlark.MakeBigInt(x)
	case float64:
		return starlark.Float(x)
	case string:
		return starlark.String(x)
	case []byte:
		return starlark.Bytes(x)
	case gotime.Time:
		return startime.Time(x)
	case []engine.Value:
		list := make([]starlark.Value, len(x))
		for i, e := range x {
			list[i] = fromValue(e)
		}
		return starlark.NewList(list)
	case *engine.Map:
		d := starlark.NewDict(x.Len())
		for _, k := range x.Keys() {
			e, _ := x.Get(k)
			_ = d.SetKey(starlark.String(k), fromValue(e))
		}
		return d
	case *engine.Func:
		return &hostFunc{fn: x}
	case engine.Object:
		return &hostValue{obj: x}
	case engine.Frozen:
		if v, ok := x.Value.(starlark.Value); ok {
			return v
		}
		return fromValue(x.Value)
	case engine.Foreign:
		if v, ok := x.Raw.(starlark.Value); ok {
			return v
		}
		return starlark.String(x.Text)
	}
	return starlark.String(fmt.Sprint(x))
}

// TypeName implements engine.Converter: Starlark's own type names.
func (values) TypeName(raw any) string {
	if v, ok := raw.(starlark.Value); ok && v != nil {
		return v.Type()
	}
	return "None"
}

// Format implements engine.Converter: as print spells the value.
func (values) Format(raw any) string {
	switch v := raw.(type) {
	case starlark.String:
		return string(v)
	case starlark.Value:
		return v.String()
	}
	return fmt.Sprint(raw)
}

// Shape implements engine.Values.
func (values) Shape(v starlark.Value) engine.Shape {
	switch v := v.(type) {
	case starlark.NoneType:
		return engine.ShapeNull
	case *starlark.List, starlark.Tuple:
		return engine.ShapeList
	case *starlark.Dict, *kwargsRow:
		return engine.ShapeMap
	case *hostValue:
		if tableOf(v) != nil {
			return engine.ShapeTable
		}
	}
	return engine.ShapeOther
}

// Callable implements engine.Values.
func (values) Callable(v starlark.Value) bool {
	_, ok := v.(starlark.Callable)
	return ok
}

func (values) Len(v starlark.Value) int { return v.(starlark.Indexable).Len() }

func (values) Index(v starlark.Value, i int) starlark.Value { return v.(starlark.Indexable).Index(i) }

// UnknownKey implements engine.Values for dicts and keyword arguments.
func (values) UnknownKey(v starlark.Value, known func(string) bool) (string, bool, error) {
	switch v := v.(type) {
	case *kwargsRow:
		for _, kv := range *v {
			if name := string(kv[0].(starlark.String)); !known(name) {
				return name, true, nil
			}
		}
	case *starlark.Dict:
		for _, item := range v.Items() {
			name, ok := item[0].(starlark.String)
			if !ok {
				return "", false, fmt.Errorf("column names must be strings, got %s", item[0].Type())
			}
			if !known(string(name)) {
				return string(name), true, nil
			}
		}
	}
	return "", false, nil
}

// Keys implements engine.Values.
func (values) Keys(v starlark.Value) ([]string, error) {
	d := v.(*starlark.Dict)
	keys := make([]string, 0, d.Len())
	for _, item := range d.Items() {
		name, ok := item[0].(starlark.String)
		if !ok {
			return nil, fmt.Errorf("column names must be strings, got %s", item[0].Type())
		}
		keys = append(keys, string(name))
	}
	return keys, nil
}

// Get implements engine.Values.
func (values) Get(v starlark.Value, key string) (starlark.Value, bool) {
	switch v := v.(type) {
	case *kwargsRow:
		return v.get(key)
	case *starlark.Dict:
		x, found, _ := v.Get(starlark.String(key))
		return x, found
	}
	return nil, false
}

// Iterate implements engine.Values; Starlark results are never iterables.
func (values) Iterate(starlark.Value, func(starlark.Value) error) error { return nil }

// AsTable implements engine.Values.
func (values) AsTable(v starlark.Value) *arrowbridge.Table { return tableOf(v) }

// Append implements engine.Values: one Starlark value into a column.
func (values) Append(a arrowbridge.Appender, v starlark.Value) error {
	switch v := v.(type) {
	case starlark.NoneType:
		return a.AppendNull()
	case starlark.Bool:
		return a.AppendBool(bool(v))
	case starlark.Int:
		if i, ok := v.Int64(); ok {
			return a.AppendInt(i)
		}
		return a.AppendBigInt(v.BigInt())
	case starlark.Float:
		return a.AppendFloat(float64(v))
	case starlark.String:
		return a.AppendString(string(v))
	case starlark.Bytes:
		return a.AppendBytes([]byte(v))
	case startime.Time:
		return a.AppendTime(gotime.Time(v))
	}
	return engine.Mismatch(v.Type())
}

// AppendRange implements engine.Values; Starlark has no typed arrays.
func (values) AppendRange(arrowbridge.Appender, starlark.Value, int, int) error { return nil }
