package jsrt

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/dop251/goja"
)

// jsonValue converts JSON text into a value of v's runtime, as JSON.parse
// would (keys in order, numbers as float64), without paying for the
// runtime's JSON object on every call.
func (v *vm) jsonValue(raw []byte) (goja.Value, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	x, err := v.jsonNext(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("unexpected data after the JSON value")
	}
	return x, nil
}

func (v *vm) jsonNext(dec *json.Decoder) (goja.Value, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			var items []any
			for dec.More() {
				x, err := v.jsonNext(dec)
				if err != nil {
					return nil, err
				}
				items = append(items, x)
			}
			_, err := dec.Token() // ]
			return v.rt.NewArray(items...), err
		}
		obj := v.rt.NewObject()
		for dec.More() {
			key, err := dec.Token()
			if err != nil {
				return nil, err
			}
			x, err := v.jsonNext(dec)
			if err != nil {
				return nil, err
			}
			// As JSON.parse does: an own property even for "__proto__".
			if err := obj.DefineDataProperty(key.(string), x, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_TRUE); err != nil {
				return nil, err
			}
		}
		_, err := dec.Token() // }
		return obj, err
	case string:
		return v.rt.ToValue(t), nil
	case json.Number:
		f, err := strconv.ParseFloat(string(t), 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return nil, fmt.Errorf("number %s: %w", t, err)
		}
		return v.rt.ToValue(f), nil
	case bool:
		return v.rt.ToValue(t), nil
	}
	return goja.Null(), nil
}
