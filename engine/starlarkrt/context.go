package starlarkrt

import (
	"fmt"
	"sync/atomic"

	"go.starlark.net/starlark"
)

// callContext is the ctx argument of call and on_load:
//
//	ctx.function     the function's name
//	ctx.settings     the merged server configuration (frozen dict of sections)
//	ctx.state        what on_load returned (frozen), None before
//	ctx.cancelled()  True once the server has abandoned the call
type callContext struct {
	function  string
	settings  starlark.Value
	state     starlark.Value
	cancelled *atomic.Bool
}

var _ starlark.HasAttrs = (*callContext)(nil)

func (c *callContext) String() string        { return fmt.Sprintf("<ctx %s>", c.function) }
func (c *callContext) Type() string          { return "ctx" }
func (c *callContext) Freeze()               {}
func (c *callContext) Truth() starlark.Bool  { return starlark.True }
func (c *callContext) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: ctx") }

// AttrNames implements starlark.HasAttrs.
func (c *callContext) AttrNames() []string {
	return []string{"cancelled", "function", "settings", "state"}
}

// Attr implements starlark.HasAttrs.
func (c *callContext) Attr(name string) (starlark.Value, error) {
	switch name {
	case "function":
		return starlark.String(c.function), nil
	case "settings":
		return c.settings, nil
	case "state":
		return c.state, nil
	case "cancelled":
		return starlark.NewBuiltin("cancelled", c.isCancelled), nil
	}
	return nil, nil
}

func (c *callContext) isCancelled(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 0); err != nil {
		return nil, err
	}
	return starlark.Bool(c.cancelled.Load()), nil
}
