package starlarkrt

import (
	"fmt"
	"sync/atomic"
	gotime "time"

	startime "go.starlark.net/lib/time"
	"go.starlark.net/starlark"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
	"github.com/flexfun-script/flexfun-script/engine"
)

// callState is what emit and the result collector need during one call.
type callState struct {
	builder   *arrowbridge.Builder
	ncols     int
	emitted   int64
	named     []starlark.Value // scratch row for emit(col=v)
	cancelled atomic.Bool
}

func newCallState(c *engine.Call) *callState {
	n := c.Builder.NumColumns()
	return &callState{builder: c.Builder, ncols: n, named: make([]starlark.Value, n)}
}

// emit appends one row: emit(v1, v2, ...) in schema order, or
// emit(col=v, ...) by name with missing columns null.
func emit(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	st, ok := thread.Local(localCall).(*callState)
	if !ok {
		return nil, fmt.Errorf("emit: can only be used while call runs")
	}
	var err error
	switch {
	case len(kwargs) == 0:
		err = st.appendRow(args)
	case len(args) == 0:
		err = st.appendNamed(kwargs)
	default:
		err = fmt.Errorf("pass values either by position or by column name, not both")
	}
	if err != nil {
		return nil, fmt.Errorf("emit: %w", err)
	}
	st.builder.EndRow()
	st.emitted++
	return starlark.None, nil
}

// appendRow appends a row given in schema order.
func (st *callState) appendRow(values starlark.Tuple) error {
	if len(values) != st.ncols {
		return fmt.Errorf("row %d: got %d values, schema has %d columns", st.builder.Rows()+1, len(values), st.ncols)
	}
	for i, v := range values {
		if err := appendValue(st.builder, i, v); err != nil {
			return err
		}
	}
	return nil
}

// appendNamed appends a row given as (name, value) pairs.
func (st *callState) appendNamed(pairs []starlark.Tuple) error {
	row := st.named
	clear(row)
	for _, kv := range pairs {
		name, _ := starlark.AsString(kv[0])
		i := st.builder.ColumnIndex(name)
		if i < 0 {
			return fmt.Errorf("row %d: unknown column %q", st.builder.Rows()+1, name)
		}
		row[i] = kv[1]
	}
	for i, v := range row {
		if v == nil {
			v = starlark.None
		}
		if err := appendValue(st.builder, i, v); err != nil {
			return err
		}
	}
	return nil
}

// appendValue converts one Starlark value into column col.
func appendValue(b *arrowbridge.Builder, col int, v starlark.Value) error {
	a := b.Column(col)
	var err error
	switch v := v.(type) {
	case starlark.NoneType:
		err = a.AppendNull()
	case starlark.Bool:
		err = a.AppendBool(bool(v))
	case starlark.Int:
		if i, ok := v.Int64(); ok {
			err = a.AppendInt(i)
		} else {
			err = a.AppendBigInt(v.BigInt())
		}
	case starlark.Float:
		err = a.AppendFloat(float64(v))
	case starlark.String:
		err = a.AppendString(string(v))
	case starlark.Bytes:
		err = a.AppendBytes([]byte(v))
	case startime.Time:
		err = a.AppendTime(gotime.Time(v))
	default:
		return b.Mismatch(col, v.Type())
	}
	if err != nil {
		return b.Locate(col, err)
	}
	return nil
}
