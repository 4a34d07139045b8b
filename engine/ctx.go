package engine

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
}

var ctxAttrs = []string{"function", "settings", "state", "cancelled"}

// cancelledFunc is ctx.cancelled().
var cancelledFunc = &Func{
	Name: "ctx.cancelled",
	Attr: "cancelled",
	Impl: func(t *Thread, _ *Args) (Value, error) { return t.Cancelled(), nil },
}

func (c *callContext) TypeName() string    { return "ctx" }
func (c *callContext) AttrNames() []string { return ctxAttrs }

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
	return nil, ErrNoAttr
}
