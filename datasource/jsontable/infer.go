package jsontable

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/go-json-experiment/json/jsontext"
)

// The kinds of value a column has held, as bits.
const (
	kindBool  uint8 = 1 << iota
	kindInt         // an integer within int64
	kindFloat       // any other number within float64
	kindString
	kindNested // an object or an array
	kindOther  // an integer beyond int64
)

// inferredType returns the column type for a set of kinds seen.
func inferredType(kinds uint8) arrow.DataType {
	switch kinds {
	case kindBool:
		return arrow.FixedWidthTypes.Boolean
	case kindInt:
		return arrow.PrimitiveTypes.Int64
	case kindFloat, kindInt | kindFloat:
		return arrow.PrimitiveTypes.Float64
	}
	return arrow.BinaryTypes.String
}

// infer reads every record and returns the schema they fit.
func infer(ctx context.Context, r io.ReadSeeker, opts Options) (*arrow.Schema, error) {
	w, err := newWalker(r, opts)
	if err != nil {
		return nil, err
	}
	index := map[string]int{}
	var names []string
	var kinds []uint8
	for row := 0; ; row++ {
		if row%checkEvery == 0 && ctx.Err() != nil {
			return nil, &Error{Source: opts.Source, Err: ctx.Err()}
		}
		more, err := w.next()
		if err != nil {
			return nil, err
		}
		if !more {
			break
		}
		if _, err := w.dec.ReadToken(); err != nil { // {
			return nil, w.syntax(err)
		}
		for w.dec.PeekKind() == '"' {
			name, err := w.name()
			if err != nil {
				return nil, err
			}
			i, ok := index[view(name)]
			if !ok {
				i = len(names)
				index[string(name)] = i
				names = append(names, string(name))
				kinds = append(kinds, 0)
			}
			k, err := w.kind()
			if err != nil {
				return nil, err
			}
			kinds[i] |= k
		}
		if _, err := w.dec.ReadToken(); err != nil { // }
			return nil, w.syntax(err)
		}
	}
	fields := make([]arrow.Field, len(names))
	for i, name := range names {
		fields[i] = arrow.Field{Name: name, Type: inferredType(kinds[i]), Nullable: true}
	}
	return arrow.NewSchema(fields, nil), nil
}

// kind reads one value and returns its kind bit (0 for null).
func (w *walker) kind() (uint8, error) {
	switch k := w.dec.PeekKind(); k {
	case 'n':
		_, err := w.dec.ReadToken()
		return 0, w.syntax(err)
	case 't', 'f':
		_, err := w.dec.ReadToken()
		return kindBool, w.syntax(err)
	case '0':
		lit, err := w.dec.ReadValue()
		if err != nil {
			return 0, w.syntax(err)
		}
		if !isInteger(lit) {
			return kindFloat, nil
		}
		if _, err := strconv.ParseInt(view(lit), 10, 64); err != nil {
			return kindOther, nil
		}
		return kindInt, nil
	case '"':
		return kindString, w.syntax(w.dec.SkipValue())
	case '{', '[':
		return kindNested, w.syntax(w.dec.SkipValue())
	case jsontext.KindInvalid:
		return 0, w.readErr()
	default:
		return 0, w.recordErr(fmt.Errorf("unexpected %s", kindName(k)))
	}
}
