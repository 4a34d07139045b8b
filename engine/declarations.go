package engine

import (
	"encoding/json"
	"fmt"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
	"github.com/flexfun-script/flexfun-script/flexfun"
)

// Declarations are a script's top-level declarations, as the script wrote them.
type Declarations struct {
	Name     string          // "" when the script does not declare one
	Metadata json.RawMessage // compact JSON; nil when absent
	Schema   []arrowbridge.ColumnSpec
	// Extra holds the extension declarations (Options.Declarations) the
	// file makes.
	Extra map[string]Value
}

// hooks are a function file's callable declarations.
type hooks[V any] struct {
	call, onLoad, cancel V
	hasOnLoad, hasCancel bool
}

// readDeclarations reads name, metadata, schema and the hooks of a file
// whose top level ran on m. It returns isFunction false for a helper
// module: a file without a top-level call.
func readDeclarations[V any](m Machine[V], path string, vocab *Vocabulary, extra []*Declaration) (d Declarations, h hooks[V], isFunction bool, err error) {
	call, ok := m.Global("call")
	if !ok {
		if _, hasSchema := m.Global("schema"); hasSchema {
			return d, h, false, fileError(path, "declares a schema but no call function")
		}
		return d, h, false, nil
	}
	h.call = call
	if err := checkCallable(m, path, "call", call); err != nil {
		return d, h, true, err
	}
	if h.onLoad, h.hasOnLoad = m.Global("on_load"); h.hasOnLoad {
		if err := checkCallable(m, path, "on_load", h.onLoad); err != nil {
			return d, h, true, err
		}
	}
	if h.cancel, h.hasCancel = m.Global("cancel"); h.hasCancel {
		if err := checkCallable(m, path, "cancel", h.cancel); err != nil {
			return d, h, true, err
		}
	}
	if d, err = declarations(m, path, vocab); err != nil {
		return d, h, true, err
	}
	d.Extra, err = readExtra(m, path, extra)
	return d, h, true, err
}

func checkCallable[V any](m Machine[V], path, name string, v V) error {
	if !m.Callable(v) {
		return fileError(path, "%s must be a function, got %s", name, m.TypeName(v))
	}
	return nil
}

// declarations checks and converts name, metadata and schema.
func declarations[V any](m Machine[V], path string, vocab *Vocabulary) (Declarations, error) {
	var d Declarations
	if raw, ok := m.Global("name"); ok {
		v, err := m.ToValue(raw)
		name, isString := v.(string)
		if err != nil || !isString {
			return d, fileError(path, "name must be a string, got %s", m.TypeName(raw))
		}
		d.Name = name
	}
	if raw, ok := m.Global("metadata"); ok && m.Shape(raw) != ShapeNull {
		v, err := m.ToValue(raw)
		if _, isMap := v.(*Map); err != nil || !isMap {
			return d, fileError(path, "metadata must be %s, got %s", Article(vocab.Map), m.TypeName(raw))
		}
		meta, err := AppendJSON(nil, v)
		if err != nil {
			return d, fileError(path, "metadata is not JSON-serialisable: %v", err)
		}
		d.Metadata = meta
	}
	raw, ok := m.Global("schema")
	if !ok {
		return d, fileError(path, "no schema declared: add %s", vocab.SchemaExample)
	}
	v, err := m.ToValue(raw)
	if err != nil {
		return d, fileError(path, "schema: %v", err)
	}
	specs, err := ParseSchema(v, vocab)
	if err != nil {
		return d, fileError(path, "schema: %v", err)
	}
	d.Schema = specs
	return d, nil
}

// ParseSchema reads a schema: a mapping of column → type, or a list of
// (column, type) pairs. A type is a string or a mapping with "type",
// "nullable" and "metadata". The same rules serve a function's schema and
// the schema given to table.from_rows and table.from_columns.
func ParseSchema(v Value, vocab *Vocabulary) ([]arrowbridge.ColumnSpec, error) {
	var names []string
	var types []Value
	switch v := v.(type) {
	case *Map:
		for _, k := range v.Keys() {
			t, _ := v.Get(k)
			names, types = append(names, k), append(types, t)
		}
	case []Value:
		for i, e := range v {
			pair, ok := e.([]Value)
			if !ok || len(pair) != 2 {
				return nil, fmt.Errorf("entry %d must be a %s pair, got %s", i, vocab.Pair, vocab.KindName(e))
			}
			name, ok := pair[0].(string)
			if !ok {
				return nil, fmt.Errorf("column names must be strings, got %s", vocab.KindName(pair[0]))
			}
			names, types = append(names, name), append(types, pair[1])
		}
	default:
		return nil, fmt.Errorf("must be %s or %s of %s pairs, got %s",
			Article(vocab.Map), Article(vocab.List), vocab.Pair, vocab.KindName(v))
	}
	specs := make([]arrowbridge.ColumnSpec, len(names))
	for i, name := range names {
		spec, err := columnSpec(name, types[i], vocab)
		if err != nil {
			return nil, fmt.Errorf("column %q: %v", name, err)
		}
		specs[i] = spec
	}
	return specs, nil
}

func columnSpec(name string, v Value, vocab *Vocabulary) (arrowbridge.ColumnSpec, error) {
	spec := arrowbridge.ColumnSpec{Name: name}
	if s, ok := v.(string); ok {
		spec.Type = s
		return spec, nil
	}
	m, ok := v.(*Map)
	if !ok {
		return spec, fmt.Errorf("type must be a string or %s, got %s", Article(vocab.Map), vocab.KindName(v))
	}
	for _, key := range m.Keys() {
		val, _ := m.Get(key)
		switch key {
		case "type":
			s, ok := val.(string)
			if !ok {
				return spec, fmt.Errorf(`"type" must be a string, got %s`, vocab.KindName(val))
			}
			spec.Type = s
		case "nullable":
			b, ok := val.(bool)
			if !ok {
				return spec, fmt.Errorf(`"nullable" must be %s, got %s`, vocab.Booleans, vocab.KindName(val))
			}
			spec.Nullable = &b
		case "metadata":
			md, err := stringMap(val, vocab)
			if err != nil {
				return spec, fmt.Errorf(`"metadata": %v`, err)
			}
			spec.Metadata = md
		default:
			return spec, fmt.Errorf("unknown key %q (want type, nullable, metadata)", key)
		}
	}
	if spec.Type == "" {
		return spec, fmt.Errorf(`missing "type"`)
	}
	return spec, nil
}

func stringMap(v Value, vocab *Vocabulary) (map[string]string, error) {
	m, ok := v.(*Map)
	if !ok {
		return nil, fmt.Errorf("must be %s of strings, got %s", Article(vocab.Map), vocab.KindName(v))
	}
	out := make(map[string]string, m.Len())
	for _, k := range m.Keys() {
		val, _ := m.Get(k)
		s, ok := val.(string)
		if !ok {
			return nil, fmt.Errorf("values must be strings, got %s for %q", vocab.KindName(val), k)
		}
		out[k] = s
	}
	return out, nil
}

// fileError is an error about the script as a whole, reported at its file.
func fileError(path, format string, args ...any) *flexfun.ScriptError {
	return &flexfun.ScriptError{Msg: path + ": " + fmt.Sprintf(format, args...)}
}
