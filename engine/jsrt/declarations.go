package jsrt

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/dop251/goja"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
	"github.com/flexfun-script/flexfun-script/engine"
)

// declarations checks and converts name, metadata and schema.
func (v *vm) declarations(path string, d decls) (engine.Declarations, error) {
	var out engine.Declarations
	if !goja.IsUndefined(d.name) {
		if !goja.IsString(d.name) {
			return out, fileError(path, "name must be a string, got %s", typeName(d.name))
		}
		out.Name = d.name.String()
	}
	if !goja.IsUndefined(d.metadata) && !goja.IsNull(d.metadata) {
		meta, err := v.metadataJSON(path, d.metadata)
		if err != nil {
			return out, err
		}
		out.Metadata = meta
	}
	if goja.IsUndefined(d.schema) {
		return out, fileError(path, `no schema declared: add const schema = {column: "type", ...}`)
	}
	specs, err := schemaSpecs(d.schema)
	if err != nil {
		return out, fileError(path, "schema: %v", err)
	}
	out.Schema = specs
	return out, nil
}

// metadataJSON encodes metadata with JSON.stringify, which keeps the
// object's key order.
func (v *vm) metadataJSON(path string, x goja.Value) (json.RawMessage, error) {
	if _, ok := isPlainObject(x); !ok {
		return nil, fileError(path, "metadata must be an object, got %s", typeName(x))
	}
	s, err := v.stringify(x)
	if err != nil {
		return nil, fileError(path, "metadata is not JSON-serialisable: %s", v.scriptError("", err).Msg)
	}
	if !goja.IsString(s) {
		return nil, fileError(path, "metadata is not JSON-serialisable")
	}
	return json.RawMessage(s.String()), nil
}

// schemaSpecs reads a schema: an object of column → type, or an array of
// [column, type] pairs. A type is a string or an object with "type",
// "nullable" and "metadata".
func schemaSpecs(x goja.Value) ([]arrowbridge.ColumnSpec, error) {
	var names []string
	var types []goja.Value
	if obj, ok := isPlainObject(x); ok {
		for _, k := range obj.Keys() {
			names = append(names, k)
			types = append(types, obj.Get(k))
		}
	} else if arr, ok := x.(*goja.Object); ok && arr.ClassName() == "Array" {
		for i := range int(arr.Get("length").ToInteger()) {
			pair, ok := arr.Get(strconv.Itoa(i)).(*goja.Object)
			if !ok || pair.ClassName() != "Array" || pair.Get("length").ToInteger() != 2 {
				return nil, fmt.Errorf("entry %d must be a [name, type] pair, got %s", i, typeName(arr.Get(strconv.Itoa(i))))
			}
			name := pair.Get("0")
			if !goja.IsString(name) {
				return nil, fmt.Errorf("column names must be strings, got %s", typeName(name))
			}
			names = append(names, name.String())
			types = append(types, pair.Get("1"))
		}
	} else {
		return nil, fmt.Errorf("must be an object or an array of [name, type] pairs, got %s", typeName(x))
	}
	specs := make([]arrowbridge.ColumnSpec, len(names))
	for i, name := range names {
		spec, err := columnSpec(name, types[i])
		if err != nil {
			return nil, fmt.Errorf("column %q: %v", name, err)
		}
		specs[i] = spec
	}
	return specs, nil
}

func columnSpec(name string, x goja.Value) (arrowbridge.ColumnSpec, error) {
	spec := arrowbridge.ColumnSpec{Name: name}
	if goja.IsString(x) {
		spec.Type = x.String()
		return spec, nil
	}
	obj, ok := isPlainObject(x)
	if !ok {
		return spec, fmt.Errorf("type must be a string or an object, got %s", typeName(x))
	}
	for _, key := range obj.Keys() {
		val := obj.Get(key)
		switch key {
		case "type":
			if !goja.IsString(val) {
				return spec, fmt.Errorf(`"type" must be a string, got %s`, typeName(val))
			}
			spec.Type = val.String()
		case "nullable":
			if !isBool(val) {
				return spec, fmt.Errorf(`"nullable" must be true or false, got %s`, typeName(val))
			}
			nullable := val.ToBoolean()
			spec.Nullable = &nullable
		case "metadata":
			md, err := stringMap(val)
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

func stringMap(x goja.Value) (map[string]string, error) {
	obj, ok := isPlainObject(x)
	if !ok {
		return nil, fmt.Errorf("must be an object of strings, got %s", typeName(x))
	}
	m := map[string]string{}
	for _, k := range obj.Keys() {
		val := obj.Get(k)
		if !goja.IsString(val) {
			return nil, fmt.Errorf("values must be strings, got %s for %q", typeName(val), k)
		}
		m[k] = val.String()
	}
	return m, nil
}
