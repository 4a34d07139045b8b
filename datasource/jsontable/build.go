package jsontable

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/flexfun-script/flexfun-script/arrowbridge"
	"github.com/go-json-experiment/json/jsontext"
)

// A column is where the values of one key go.
type column struct {
	app     arrowbridge.Appender
	textual bool  // string, large_string or binary: takes nested values as JSON text
	decimal bool  // decimal128: takes numbers by their text
	seen    int64 // 1 + the row that last gave it a value
}

// A builder appends the records of one walk to an arrowbridge.Builder.
type builder struct {
	w       *walker
	b       *arrowbridge.Builder
	cols    []column
	index   map[string]int
	lenient bool // the schema was inferred: a string column takes any value as text
	buf     []byte
	big     big.Int
}

// build reads every record into a table of the given schema.
func build(ctx context.Context, r io.ReadSeeker, schema *arrow.Schema, lenient bool, opts Options) (*arrowbridge.Table, error) {
	w, err := newWalker(r, opts)
	if err != nil {
		return nil, err
	}
	bld := &builder{
		w:       w,
		b:       arrowbridge.NewBuilder(schema, opts.Mem),
		cols:    make([]column, schema.NumFields()),
		index:   make(map[string]int, schema.NumFields()),
		lenient: lenient,
	}
	defer bld.b.Release() // a no-op after Finish
	for i, f := range schema.Fields() {
		if _, dup := bld.index[f.Name]; !dup {
			bld.index[f.Name] = i
		}
		id := f.Type.ID()
		bld.cols[i] = column{
			app:     bld.b.Column(i),
			textual: id == arrow.STRING || id == arrow.LARGE_STRING || id == arrow.BINARY,
			decimal: id == arrow.DECIMAL128,
		}
	}
	for row := int64(0); ; row++ {
		if row%checkEvery == 0 && ctx.Err() != nil {
			return nil, &Error{Source: opts.Source, Err: ctx.Err()}
		}
		more, err := w.next()
		if err != nil {
			return nil, err
		}
		if !more {
			return bld.b.Finish(), nil
		}
		if err := bld.record(row + 1); err != nil {
			return nil, err
		}
	}
}

// record appends one object as a row; row is its 1-based number.
func (bld *builder) record(row int64) error {
	dec := bld.w.dec
	if _, err := dec.ReadToken(); err != nil { // {
		return bld.w.syntax(err)
	}
	for dec.PeekKind() == '"' {
		name, err := bld.w.name()
		if err != nil {
			return err
		}
		i, ok := bld.index[view(name)]
		if !ok {
			if err := dec.SkipValue(); err != nil {
				return bld.w.syntax(err)
			}
			continue
		}
		c := &bld.cols[i]
		if c.seen == row {
			return bld.w.recordErr(fmt.Errorf("duplicate key %q", name))
		}
		c.seen = row
		if err := bld.value(i, c); err != nil {
			return bld.located(i, err)
		}
	}
	if _, err := dec.ReadToken(); err != nil { // }
		return bld.w.syntax(err)
	}
	for i := range bld.cols {
		if bld.cols[i].seen != row {
			if err := bld.cols[i].app.AppendNull(); err != nil {
				return bld.located(i, err)
			}
		}
	}
	bld.b.EndRow()
	return nil
}

// located turns an appender's error into an Error at the current record;
// decoder errors are already located.
func (bld *builder) located(col int, err error) error {
	var je *Error
	if errors.As(err, &je) {
		return err
	}
	return bld.w.recordErr(bld.b.Locate(col, err))
}

// value reads one value and appends it to column i.
func (bld *builder) value(i int, c *column) error {
	dec := bld.w.dec
	switch k := dec.PeekKind(); k {
	case 'n':
		if _, err := dec.ReadToken(); err != nil {
			return bld.w.syntax(err)
		}
		return c.app.AppendNull()
	case 't', 'f':
		if _, err := dec.ReadToken(); err != nil {
			return bld.w.syntax(err)
		}
		if bld.lenient && c.textual {
			return c.app.AppendString(strconv.FormatBool(k == 't'))
		}
		return c.app.AppendBool(k == 't')
	case '0':
		lit, err := dec.ReadValue()
		if err != nil {
			return bld.w.syntax(err)
		}
		return bld.number(c, lit)
	case '"':
		raw, err := dec.ReadValue()
		if err != nil {
			return bld.w.syntax(err)
		}
		if bytes.IndexByte(raw, '\\') < 0 {
			return c.app.AppendString(view(raw[1 : len(raw)-1]))
		}
		bld.buf, err = jsontext.AppendUnquote(bld.buf[:0], raw)
		if err != nil {
			return bld.w.syntax(err)
		}
		return c.app.AppendString(view(bld.buf))
	case '{', '[':
		raw, err := dec.ReadValue()
		if err != nil {
			return bld.w.syntax(err)
		}
		if !c.textual {
			return bld.b.Mismatch(i, strings.TrimPrefix(strings.TrimPrefix(kindName(k), "an "), "a "))
		}
		bld.buf = append(bld.buf[:0], raw...)
		v := jsontext.Value(bld.buf)
		if err := v.Compact(); err != nil {
			return bld.w.syntax(err)
		}
		return c.app.AppendString(view(v))
	case jsontext.KindInvalid:
		return bld.w.readErr()
	default:
		return fmt.Errorf("unexpected %s", kindName(k))
	}
}

// number appends a number literal to c.
func (bld *builder) number(c *column, lit []byte) error {
	s := view(lit)
	switch {
	case bld.lenient && c.textual:
		return c.app.AppendString(s)
	case c.decimal:
		err := c.app.AppendString(s)
		var ve *arrowbridge.ValueError
		if errors.As(err, &ve) {
			ve.Got = "number " + string(lit)
		}
		return err
	case isInteger(lit):
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return c.app.AppendInt(n)
		}
		if _, ok := bld.big.SetString(s, 10); ok {
			return c.app.AppendBigInt(&bld.big)
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return fmt.Errorf("number %s: %w", lit, err)
	}
	return c.app.AppendNumber(f)
}
