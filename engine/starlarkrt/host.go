package starlarkrt

import (
	"errors"
	"fmt"

	"go.starlark.net/starlark"

	"github.com/flexfun-script/flexfun-script/engine"
)

// hostValue shows an engine.Object (a table, ctx, a module) to Starlark:
// its attributes, len() when it has a length, and iteration over the rows
// of a table.
type hostValue struct {
	obj engine.Object
}

var (
	_ starlark.HasAttrs = (*hostValue)(nil)
	_ starlark.Sequence = (*hostValue)(nil)
)

func (h *hostValue) String() string {
	if s, ok := h.obj.(fmt.Stringer); ok {
		return s.String()
	}
	if t, ok := h.obj.(*engine.TableObject); ok {
		return fmt.Sprintf("<table %d rows: %s>", t.Table.Rows, t.Table.Schema)
	}
	return "<" + h.obj.TypeName() + ">"
}

func (h *hostValue) Type() string          { return h.obj.TypeName() }
func (h *hostValue) Freeze()               {}
func (h *hostValue) Truth() starlark.Bool  { return starlark.True }
func (h *hostValue) Hash() (uint32, error) { return 0, errUnhashable(h.obj.TypeName()) }
func (h *hostValue) AttrNames() []string   { return h.obj.AttrNames() }

func (h *hostValue) Attr(name string) (starlark.Value, error) {
	v, err := h.obj.Attr(name)
	if errors.Is(err, engine.ErrNoAttr) {
		return nil, nil // Starlark reports the missing attribute
	}
	if err != nil {
		return nil, err
	}
	return fromValue(v), nil
}

// Len returns the object's length (len(t) of a table), or -1.
func (h *hostValue) Len() int {
	if l, ok := h.obj.(engine.Lener); ok {
		return l.Len()
	}
	return -1
}

// Iterate iterates over the rows of a table; other objects are empty.
func (h *hostValue) Iterate() starlark.Iterator {
	if t, ok := h.obj.(*engine.TableObject); ok {
		return fromValue(t.RowValues()).(starlark.Iterable).Iterate()
	}
	return starlark.NewList(nil).Iterate()
}

// hostFunc shows an engine.Func to Starlark as a built-in function.
type hostFunc struct {
	fn *engine.Func
}

var _ starlark.Callable = (*hostFunc)(nil)

func (f *hostFunc) Name() string          { return f.fn.Name }
func (f *hostFunc) String() string        { return "<built-in function " + f.fn.Name + ">" }
func (f *hostFunc) Type() string          { return "builtin_function_or_method" }
func (f *hostFunc) Freeze()               {}
func (f *hostFunc) Truth() starlark.Bool  { return starlark.True }
func (f *hostFunc) Hash() (uint32, error) { return 0, errUnhashable("builtin_function_or_method") }

// CallInternal binds the arguments by the function's parameter names and
// runs it on the engine thread of the calling Starlark thread.
func (f *hostFunc) CallInternal(thread *starlark.Thread, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	t := engineThread(thread)
	if t == nil {
		return nil, errNoThread
	}
	positional := make([]any, len(args))
	for i, a := range args {
		positional[i] = a
	}
	named := make([]engine.NamedArg, len(kwargs))
	for i, kv := range kwargs {
		named[i] = engine.NamedArg{Name: string(kv[0].(starlark.String)), Raw: kv[1]}
	}
	bound, err := engine.BindArgs(f.fn, values{}, vocabulary, positional, named)
	if err != nil {
		return nil, err
	}
	v, err := f.fn.Impl(t, bound)
	if err != nil {
		return nil, err
	}
	return fromValue(v), nil
}
