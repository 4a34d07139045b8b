package engine

import "slices"

// callContext is the ctx argument of call and on_load:
//
//	ctx.function     the function's name
//	ctx.settings     the merged server configuration (read-only)
//	ctx.state        what on_load returned (read-only); None/null before
//	ctx.cancelled()  true once the server has abandoned the call
type callContext struct {
	function string
	settings Frozen
	state    any // the runtime's frozen state, nil before on_load
	thread   *Thread
	attrs    []*ContextAttr // the extensions'
	names    []string
	memo     map[string]Value // extension attributes made so far
}

var ctxAttrs = []string{"function", "settings", "state", "cancelled"}

func newCallContext(t *Thread, function string, settings Frozen, state any, attrs []*ContextAttr) *callContext {
	c := &callContext{function: function, settings: settings, state: state, thread: t, attrs: attrs, names: ctxAttrs}
	if len(attrs) > 0 {
		c.names = append(slices.Clone(ctxAttrs), make([]string, 0, len(attrs))...)
		for _, a := range attrs {
			c.names = append(c.names, a.Name)
		}
	}
	return c
}

// cancelledFunc is ctx.cancelled().
var cancelledFunc = &Func{
	Name: "ctx.cancelled",
	Attr: "cancelled",
	Impl: func(t *Thread, _ *Args) (Value, error) { return t.Cancelled(), nil },
}

func (c *callContext) TypeName() string    { return "ctx" }
func (c *callContext) AttrNames() []string { return c.names }

func (c *callContext) Attr(name string) (Value, error) {
	switch name {
	case "function":
		return c.function, nil
	case "settings":
		return c.settings, nil
	case "state":
		if c.state == nil {
			return nil, nil
		}
		return Frozen{Name: "ctx.state", Value: c.state}, nil
	case "cancelled":
		return cancelledFunc, nil
	}
	return c.extension(name)
}

// extension returns an extension's attribute, made once per run.
func (c *callContext) extension(name string) (Value, error) {
	if v, ok := c.memo[name]; ok {
		return v, nil
	}
	for _, a := range c.attrs {
		if a.Name != name {
			continue
		}
		v, err := a.Value(c.thread)
		if err != nil {
			return nil, err
		}
		if c.memo == nil {
			c.memo = map[string]Value{}
		}
		c.memo[name] = v
		return v, nil
	}
	return nil, ErrNoAttr
}
