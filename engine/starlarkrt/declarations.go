package starlarkrt

import (
	"fmt"

	"go.starlark.net/starlark"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
	"github.com/flexfun-script/flexfun-script/engine"
)

// declarations reads name, metadata and schema from a module's globals.
func declarations(path string, g starlark.StringDict) (engine.Declarations, error) {
	var d engine.Declarations
	if v, ok := g["name"]; ok {
		name, ok := starlark.AsString(v)
		if !ok {
			return d, fileError(path, "", "name must be a string, got %s", v.Type())
		}
		d.Name = name
	}
	if v, ok := g["metadata"]; ok {
		meta, err := metadataJSON(path, v)
		if err != nil {
			return d, err
		}
		d.Metadata = meta
	}
	v, ok := g["schema"]
	if !ok {
		return d, fileError(path, "", "no schema declared: add schema = {\"column\": \"type\", ...}")
	}
	specs, err := schemaSpecs(v)
	if err != nil {
		return d, fileError(path, "", "schema: %v", err)
	}
	d.Schema = specs
	return d, nil
}

// schemaSpecs reads a schema: a dict of column → type, or a list of
// (column, type) pairs. A type is a string or a dict with "type",
// "nullable" and "metadata".
func schemaSpecs(v starlark.Value) ([]arrowbridge.ColumnSpec, error) {
	var pairs []starlark.Tuple
	switch v := v.(type) {
	case *starlark.Dict:
		pairs = v.Items()
	case *starlark.List, starlark.Tuple:
		seq := v.(starlark.Indexable)
		for i := range seq.Len() {
			pair, ok := seq.Index(i).(starlark.Tuple)
			if !ok || len(pair) != 2 {
				return nil, fmt.Errorf("entry %d must be a (name, type) pair, got %s", i, seq.Index(i).Type())
			}
			pairs = append(pairs, pair)
		}
	default:
		return nil, fmt.Errorf("must be a dict or a list of (name, type) pairs, got %s", v.Type())
	}
	specs := make([]arrowbridge.ColumnSpec, len(pairs))
	for i, pair := range pairs {
		name, ok := starlark.AsString(pair[0])
		if !ok {
			return nil, fmt.Errorf("column names must be strings, got %s", pair[0].Type())
		}
		spec, err := columnSpec(name, pair[1])
		if err != nil {
			return nil, fmt.Errorf("column %q: %v", name, err)
		}
		specs[i] = spec
	}
	return specs, nil
}

func columnSpec(name string, v starlark.Value) (arrowbridge.ColumnSpec, error) {
	spec := arrowbridge.ColumnSpec{Name: name}
	if s, ok := starlark.AsString(v); ok {
		spec.Type = s
		return spec, nil
	}
	d, ok := v.(*starlark.Dict)
	if !ok {
		return spec, fmt.Errorf("type must be a string or a dict, got %s", v.Type())
	}
	for _, item := range d.Items() {
		key, _ := starlark.AsString(item[0])
		switch key {
		case "type":
			s, ok := starlark.AsString(item[1])
			if !ok {
				return spec, fmt.Errorf(`"type" must be a string, got %s`, item[1].Type())
			}
			spec.Type = s
		case "nullable":
			b, ok := item[1].(starlark.Bool)
			if !ok {
				return spec, fmt.Errorf(`"nullable" must be True or False, got %s`, item[1].Type())
			}
			nullable := bool(b)
			spec.Nullable = &nullable
		case "metadata":
			md, err := stringMap(item[1])
			if err != nil {
				return spec, fmt.Errorf(`"metadata": %v`, err)
			}
			spec.Metadata = md
		default:
			return spec, fmt.Errorf("unknown key %s (want type, nullable, metadata)", item[0])
		}
	}
	if spec.Type == "" {
		return spec, fmt.Errorf(`missing "type"`)
	}
	return spec, nil
}

func stringMap(v starlark.Value) (map[string]string, error) {
	d, ok := v.(*starlark.Dict)
	if !ok {
		return nil, fmt.Errorf("must be a dict of strings, got %s", v.Type())
	}
	m := make(map[string]string, d.Len())
	for _, item := range d.Items() {
		k, ok1 := starlark.AsString(item[0])
		val, ok2 := starlark.AsString(item[1])
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("keys and values must be strings, got %s: %s", item[0].Type(), item[1].Type())
		}
		m[k] = val
	}
	return m, nil
}
