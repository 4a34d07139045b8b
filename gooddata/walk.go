package gooddata

import (
	"fmt"
	"strconv"
)

// obj is a decoded JSON object and its path from the context's root, for
// error messages. Accessors treat an absent key and a JSON null alike.
type obj struct {
	m    map[string]any
	path string
}

// at returns the path of the object's field key.
func (o obj) at(key string) string { return o.path + "." + key }

// str returns the string at key; "" when absent or null, unless required.
func (o obj) str(key string, required bool) (string, error) {
	v := o.m[key]
	switch v := v.(type) {
	case string:
		return v, nil
	case nil:
		if required {
			return "", &ContextError{Path: o.at(key), Problem: "missing"}
		}
		return "", nil
	}
	return "", typeError(o.at(key), "a string", v)
}

// boolean returns the boolean at key; false when absent or null.
func (o obj) boolean(key string) (bool, error) {
	switch v := o.m[key].(type) {
	case bool:
		return v, nil
	case nil:
		return false, nil
	default:
		return false, typeError(o.at(key), "a boolean", v)
	}
}

// integer returns the required integer at key.
func (o obj) integer(key string) (int, error) {
	switch v := o.m[key].(type) {
	case int64:
		if v < -1<<31 || v > 1<<31-1 {
			return 0, &ContextError{Path: o.at(key), Problem: fmt.Sprintf("%d is out of range", v)}
		}
		return int(v), nil
	case nil:
		return 0, &ContextError{Path: o.at(key), Problem: "missing"}
	default:
		return 0, typeError(o.at(key), "an integer", v)
	}
}

// optInteger returns the integer at key, at least min; 0 when absent or null.
func (o obj) optInteger(key string, min int) (int, error) {
	if o.m[key] == nil {
		return 0, nil
	}
	n, err := o.integer(key)
	if err == nil && n < min {
		err = &ContextError{Path: o.at(key), Problem: fmt.Sprintf("want an integer ≥ %d, got %d", min, n)}
	}
	return n, err
}

// object returns the object at key; ok is false when absent or null.
func (o obj) object(key string) (obj, bool, error) {
	switch v := o.m[key].(type) {
	case map[string]any:
		return obj{m: v, path: o.at(key)}, true, nil
	case nil:
		return obj{}, false, nil
	default:
		return obj{}, false, typeError(o.at(key), "an object", v)
	}
}

// objects returns the array of objects at key; nil when absent or null.
func (o obj) objects(key string) ([]obj, error) {
	arr, err := o.array(key, false)
	if err != nil || len(arr) == 0 {
		return nil, err
	}
	out := make([]obj, len(arr))
	for i, e := range arr {
		p := o.at(key) + "[" + strconv.Itoa(i) + "]"
		m, ok := e.(map[string]any)
		if !ok {
			return nil, typeError(p, "an object", e)
		}
		out[i] = obj{m: m, path: p}
	}
	return out, nil
}

func (o obj) array(key string, required bool) ([]any, error) {
	switch v := o.m[key].(type) {
	case []any:
		return v, nil
	case nil:
		if required {
			return nil, &ContextError{Path: o.at(key), Problem: "missing"}
		}
		return nil, nil
	default:
		return nil, typeError(o.at(key), "an array", v)
	}
}

// nullableStrings returns the array of strings or nulls at key.
func (o obj) nullableStrings(key string, required bool) ([]*string, error) {
	arr, err := o.array(key, required)
	if err != nil || arr == nil {
		return nil, err
	}
	out := make([]*string, len(arr))
	backing := make([]string, len(arr))
	for i, e := range arr {
		switch e := e.(type) {
		case string:
			backing[i] = e
			out[i] = &backing[i]
		case nil:
		default:
			return nil, typeError(o.at(key)+"["+strconv.Itoa(i)+"]", "a string or null", e)
		}
	}
	return out, nil
}

// datasetID returns a dataset reference at key: a string, or an object
// {"id": "...", "type": "dataset"}.
func (o obj) datasetID(key string) (string, error) {
	switch v := o.m[key].(type) {
	case string:
		return v, nil
	case map[string]any:
		return obj{m: v, path: o.at(key)}.str("id", true)
	case nil:
		return "", &ContextError{Path: o.at(key), Problem: "missing"}
	default:
		return "", typeError(o.at(key), "a string or an object with an id", v)
	}
}

// typeError reports value v found where want was expected.
func typeError(path, want string, v any) *ContextError {
	got := jsonType(v)
	switch v := v.(type) {
	case float64:
		if want == "an integer" {
			got = "number " + strconv.FormatFloat(v, 'g', -1, 64)
		}
	}
	return &ContextError{Path: path, Problem: "want " + want + ", got " + got}
}

// jsonType names the JSON type of a decoded value.
func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case int64, float64:
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}
