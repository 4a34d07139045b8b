package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"math/big"
	"slices"
	"strconv"
	"time"
)

// Value is a script value in the language-neutral model that the engine
// and host modules work with. Each runtime converts its own values to and
// from it (Machine.ToValue, Machine.FromValue). A Value is one of:
//
//	nil          null: Starlark None, JavaScript null and undefined
//	bool
//	int64        an integer; *big.Int beyond the int64 range
//	float64      a number that is not a whole number (JavaScript) or a float (Starlark)
//	string
//	[]byte       bytes (Starlark bytes, a JavaScript Uint8Array or ArrayBuffer)
//	time.Time    Starlark time.time, JavaScript Date
//	[]Value      a list (Starlark list or tuple, JavaScript array)
//	*Map         a mapping with string keys in insertion order (dict, object)
//	Object       a host object: a table, ctx, a module, a response, ...
//	*Func        a host function
//	Frozen       a runtime's own immutable value kept by the engine (ctx.state)
//	Foreign      a value of a runtime that has no counterpart here (a function, a struct)
//
// A JavaScript number converts to int64 when it is a whole number within
// ±2^53, so that host functions read integers alike from both languages.
type Value = any

// Map is an ordered mapping from strings to Values: a Starlark dict with
// string keys or a JavaScript object, keys in insertion order.
// A Map is not safe for concurrent use while it is being filled; once
// filled and shared (settings, state), it must not be changed.
type Map struct {
	keys []string
	vals map[string]Value
}

// NewMap returns an empty Map with room for n keys.
func NewMap(n int) *Map {
	return &Map{keys: make([]string, 0, n), vals: make(map[string]Value, n)}
}

// Set sets key to v, appending key if it is new.
func (m *Map) Set(key string, v Value) {
	if _, ok := m.vals[key]; !ok {
		m.keys = append(m.keys, key)
	}
	m.vals[key] = v
}

// Get returns the value of key.
func (m *Map) Get(key string) (Value, bool) {
	v, ok := m.vals[key]
	return v, ok
}

// Keys returns the keys in order. The caller must not modify the result.
func (m *Map) Keys() []string { return m.keys }

// Len returns the number of keys.
func (m *Map) Len() int { return len(m.keys) }

// Frozen is a runtime's own immutable value that the engine keeps and
// hands back unchanged, such as ctx.settings and ctx.state. Name says
// where scripts see it ("ctx.state"), for the runtime's error messages.
type Frozen struct {
	Name  string
	Value any
}

// Foreign is a script value that has no counterpart in the model, such as
// a function or a Starlark struct. Host functions that only print it use
// Text; any other use is a type error naming Type.
type Foreign struct {
	Type string // the language's name of its type: "function", "struct"
	Text string // the language's own spelling of the value
	Raw  any    // the runtime's value
}

// FromSettings converts configuration values as decoded from TOML into
// Values: map keys are sorted, integers become int64.
func FromSettings(x any) (Value, error) {
	switch x := x.(type) {
	case nil, bool, string, float64, int64, time.Time:
		return x, nil
	case int:
		return int64(x), nil
	case uint64:
		if x <= math.MaxInt64 {
			return int64(x), nil
		}
		return new(big.Int).SetUint64(x), nil
	case *big.Int:
		return new(big.Int).Set(x), nil
	case []any:
		out := make([]Value, len(x))
		for i, e := range x {
			v, err := FromSettings(e)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case map[string]any:
		m := NewMap(len(x))
		for _, k := range slices.Sorted(maps.Keys(x)) {
			v, err := FromSettings(x[k])
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			m.Set(k, v)
		}
		return m, nil
	case fmt.Stringer:
		return x.String(), nil
	}
	return nil, fmt.Errorf("unsupported value of type %T", x)
}

// maxJSONDepth bounds the nesting of JSON documents and of Values encoded
// as JSON (a cyclic value never ends).
const maxJSONDepth = 1000

// ParseJSON converts JSON text into a Value: objects become *Map (keys in
// order), integers int64 (*big.Int beyond int64), other numbers float64.
// Empty text is nil.
func ParseJSON(text []byte) (Value, error) {
	if len(bytes.TrimSpace(text)) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	v, err := nextJSON(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("unexpected data after the JSON value")
	}
	return v, nil
}

func nextJSON(dec *json.Decoder, depth int) (Value, error) {
	if depth > maxJSONDepth {
		return nil, fmt.Errorf("JSON nested deeper than %d", maxJSONDepth)
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			list := []Value{}
			for dec.More() {
				v, err := nextJSON(dec, depth+1)
				if err != nil {
					return nil, err
				}
				list = append(list, v)
			}
			_, err := dec.Token()
			return list, err
		}
		m := NewMap(4)
		for dec.More() {
			key, err := dec.Token()
			if err != nil {
				return nil, err
			}
			v, err := nextJSON(dec, depth+1)
			if err != nil {
				return nil, err
			}
			m.Set(key.(string), v)
		}
		_, err := dec.Token()
		return m, err
	case json.Number:
		return jsonNumber(t)
	}
	return tok, nil // string, bool, nil
}

// jsonNumber keeps integers exact and everything else a float64.
func jsonNumber(n json.Number) (Value, error) {
	s := string(n)
	if !bytes.ContainsAny([]byte(s), ".eE") {
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return i, nil
		}
		if b, ok := new(big.Int).SetString(s, 10); ok {
			return b, nil
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return nil, fmt.Errorf("number %s: %w", s, err)
	}
	return f, nil
}

// AppendJSON appends v as compact JSON, keeping the key order of maps.
// Times are RFC 3339 strings; bytes, host values and foreign values are
// errors naming their type.
func AppendJSON(buf []byte, v Value) ([]byte, error) { return appendJSON(buf, v, 0) }

func appendJSON(buf []byte, v Value, depth int) ([]byte, error) {
	if depth > maxJSONDepth {
		return nil, fmt.Errorf("nesting deeper than %d (cyclic value?)", maxJSONDepth)
	}
	switch v := v.(type) {
	case nil:
		return append(buf, "null"...), nil
	case bool:
		return strconv.AppendBool(buf, v), nil
	case int64:
		return strconv.AppendInt(buf, v, 10), nil
	case *big.Int:
		return v.Append(buf, 10), nil
	case float64:
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return nil, fmt.Errorf("cannot encode non-finite number %v", v)
		}
		return strconv.AppendFloat(buf, v, 'g', -1, 64), nil
	case string:
		s, _ := json.Marshal(v)
		return append(buf, s...), nil
	case time.Time:
		return strconv.AppendQuote(buf, v.Format(time.RFC3339Nano)), nil
	case []Value:
		buf = append(buf, '[')
		for i, e := range v {
			if i > 0 {
				buf = append(buf, ',')
			}
			var err error
			if buf, err = appendJSON(buf, e, depth+1); err != nil {
				return nil, err
			}
		}
		return append(buf, ']'), nil
	case *Map:
		buf = append(buf, '{')
		for i, k := range v.keys {
			if i > 0 {
				buf = append(buf, ',')
			}
			key, _ := json.Marshal(k)
			buf = append(append(buf, key...), ':')
			var err error
			if buf, err = appendJSON(buf, v.vals[k], depth+1); err != nil {
				return nil, err
			}
		}
		return append(buf, '}'), nil
	}
	return nil, fmt.Errorf("cannot encode %s as JSON", KindName(v))
}

// KindName names the kind of a Value in the engine's own words, for
// errors that do not reach a script ("int", "list", "map", ...).
func KindName(v Value) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return "bool"
	case int64, *big.Int:
		return "int"
	case float64:
		return "float"
	case string:
		return "string"
	case []byte:
		return "bytes"
	case time.Time:
		return "time"
	case []Value:
		return "list"
	case *Map:
		return "map"
	case Object:
		return v.TypeName()
	case *Func:
		return "builtin_function"
	case Foreign:
		return v.Type
	case Frozen:
		return "frozen value"
	}
	return fmt.Sprintf("%T", v)
}

// StringList converts names into a list Value.
func StringList(names []string) []Value {
	out := make([]Value, len(names))
	for i, n := range names {
		out[i] = n
	}
	return out
}

// HeadersValue converts request headers into a Map of name → list of
// strings, names sorted.
func HeadersValue(headers map[string][]string) *Map {
	m := NewMap(len(headers))
	for _, name := range slices.Sorted(maps.Keys(headers)) {
		m.Set(name, StringList(headers[name]))
	}
	return m
}
