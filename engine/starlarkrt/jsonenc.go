package starlarkrt

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"go.starlark.net/starlark"
)

// encodeJSON encodes v as compact JSON. Unlike json.encode, which sorts
// dict keys, it keeps a dict's insertion order: a script's metadata reaches
// GoodData with its keys in the order the author wrote them.
func encodeJSON(v starlark.Value) (string, error) {
	buf, err := appendJSON(nil, v, 0)
	return string(buf), err
}

// maxJSONDepth guards against cyclic values.
const maxJSONDepth = 100

func appendJSON(buf []byte, v starlark.Value, depth int) ([]byte, error) {
	if depth > maxJSONDepth {
		return nil, fmt.Errorf("nesting deeper than %d (cyclic value?)", maxJSONDepth)
	}
	switch v := v.(type) {
	case starlark.NoneType:
		return append(buf, "null"...), nil
	case starlark.Bool:
		return strconv.AppendBool(buf, bool(v)), nil
	case starlark.Int:
		return append(buf, v.String()...), nil
	case starlark.Float:
		f := float64(v)
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, fmt.Errorf("cannot encode non-finite float %v", v)
		}
		return strconv.AppendFloat(buf, f, 'g', -1, 64), nil
	case starlark.String:
		s, _ := json.Marshal(string(v))
		return append(buf, s...), nil
	case *starlark.Dict:
		return appendObject(buf, v, depth)
	case starlark.Indexable: // list, tuple
		buf = append(buf, '[')
		for i := range v.Len() {
			if i > 0 {
				buf = append(buf, ',')
			}
			var err error
			if buf, err = appendJSON(buf, v.Index(i), depth+1); err != nil {
				return nil, err
			}
		}
		return append(buf, ']'), nil
	}
	return nil, fmt.Errorf("cannot encode %s as JSON", v.Type())
}

func appendObject(buf []byte, d *starlark.Dict, depth int) ([]byte, error) {
	buf = append(buf, '{')
	for i, item := range d.Items() {
		key, ok := starlark.AsString(item[0])
		if !ok {
			return nil, fmt.Errorf("dict keys must be strings, got %s", item[0].Type())
		}
		if i > 0 {
			buf = append(buf, ',')
		}
		k, _ := json.Marshal(key)
		buf = append(append(buf, k...), ':')
		var err error
		if buf, err = appendJSON(buf, item[1], depth+1); err != nil {
			return nil, err
		}
	}
	return append(buf, '}'), nil
}
