package starlarkrt

import (
	"encoding/json"
	"fmt"
	"math/big"
	"sort"
	gotime "time"

	starjson "go.starlark.net/lib/json"
	startime "go.starlark.net/lib/time"
	"go.starlark.net/starlark"
)

// decodeParameters converts the invocation's parameters (JSON) into a
// Starlark dict, keeping key order; integers stay ints.
func decodeParameters(thread *starlark.Thread, raw json.RawMessage) (starlark.Value, error) {
	if len(raw) == 0 {
		return new(starlark.Dict), nil
	}
	decode := starjson.Module.Members["decode"]
	v, err := starlark.Call(thread, decode, starlark.Tuple{starlark.String(raw)}, nil)
	if err != nil {
		return nil, err
	}
	if v == starlark.None {
		return new(starlark.Dict), nil
	}
	return v, nil
}

// headersDict converts gRPC metadata into a dict of name → list of values.
func headersDict(headers map[string][]string) *starlark.Dict {
	names := make([]string, 0, len(headers))
	for name := range headers {
		names = append(names, name)
	}
	sort.Strings(names)
	d := starlark.NewDict(len(names))
	for _, name := range names {
		vals := make([]starlark.Value, len(headers[name]))
		for i, v := range headers[name] {
			vals[i] = starlark.String(v)
		}
		d.SetKey(starlark.String(name), starlark.NewList(vals))
	}
	return d
}

// toStarlark converts a configuration value (as decoded from TOML) into a
// Starlark value. Map keys are sorted.
func toStarlark(v any) (starlark.Value, error) {
	switch v := v.(type) {
	case nil:
		return starlark.None, nil
	case bool:
		return starlark.Bool(v), nil
	case int:
		return starlark.MakeInt(v), nil
	case int64:
		return starlark.MakeInt64(v), nil
	case uint64:
		return starlark.MakeUint64(v), nil
	case *big.Int:
		return starlark.MakeBigInt(v), nil
	case float64:
		return starlark.Float(v), nil
	case string:
		return starlark.String(v), nil
	case gotime.Time:
		return startime.Time(v), nil
	case []any:
		list := make([]starlark.Value, len(v))
		for i, e := range v {
			sv, err := toStarlark(e)
			if err != nil {
				return nil, err
			}
			list[i] = sv
		}
		return starlark.NewList(list), nil
	case map[string]any:
		return mapToDict(v)
	case fmt.Stringer:
		return starlark.String(v.String()), nil
	}
	return nil, fmt.Errorf("unsupported value of type %T", v)
}

func mapToDict(m map[string]any) (*starlark.Dict, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	d := starlark.NewDict(len(keys))
	for _, k := range keys {
		sv, err := toStarlark(m[k])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		d.SetKey(starlark.String(k), sv)
	}
	return d, nil
}

// toGo converts a Starlark value into a Go value for structured logging.
func toGo(v starlark.Value) any {
	switch v := v.(type) {
	case starlark.String:
		return string(v)
	case starlark.Bool:
		return bool(v)
	case starlark.Int:
		if i, ok := v.Int64(); ok {
			return i
		}
		return v.String()
	case starlark.Float:
		return float64(v)
	}
	return v.String()
}
