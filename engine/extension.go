package engine

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
	"github.com/flexfun-script/flexfun-script/flexfun"
)

// The extension points below let a host module add to the contract what
// functions alone cannot: attributes of ctx, declarations of a function
// file, and a wrapper around every call. The GoodData module uses all three
// (ctx.execution, labels = {...}, the automatic label-elements answer).
// Register them through Options.

// An Extension groups what one host module adds to the contract; register
// it through Options.Extensions.
type Extension struct {
	Modules      []*Module
	Functions    []*Func
	ContextAttrs []*ContextAttr
	Declarations []*Declaration
	Hooks        []CallHook
}

// A ContextAttr adds an attribute to ctx in calls and on_load, such as
// ctx.execution. Its value is made when a script first reads it in a run,
// then kept for that run.
type ContextAttr struct {
	Name string
	// Value makes the attribute for the run on t. t.Request() is nil in
	// on_load.
	Value func(t *Thread) (Value, error)
}

// A Declaration is a top-level declaration a function file may make besides
// the contract's own, such as labels = {"label.id": "column"}. The engine
// reads it when the file loads and keeps it with the function
// (Function.Declaration, Thread.Declaration).
type Declaration struct {
	Name string
	// Check, when set, validates the declared value; an error fails the
	// load, naming the file and the declaration.
	Check func(v Value) error
}

// A CallHook wraps every call of every function: it may change the
// request, call next (the function, or the next hook), and change or
// replace the result. A hook must release a result it replaces.
type CallHook func(c *CallInfo, next func() (*arrowbridge.Table, error)) (*arrowbridge.Table, error)

// CallInfo is one call as CallHooks see it.
type CallInfo struct {
	Context  context.Context
	Function *Function
	// Request is the call's request; a hook may replace it before next.
	Request *flexfun.Request
	locals  map[any]any
}

// Local returns the value a hook or a host function stored for the call
// under key.
func (c *CallInfo) Local(key any) any { return c.locals[key] }

// SetLocal stores v for the call under key, where the call's host
// functions find it (Thread.Local): a hook that parsed something shares it.
func (c *CallInfo) SetLocal(key, v any) {
	if c.locals == nil {
		c.locals = map[any]any{}
	}
	c.locals[key] = v
}

// readExtra reads the extension declarations of a file whose top level ran
// on m.
func readExtra[V any](m Machine[V], path string, decls []*Declaration) (map[string]Value, error) {
	var out map[string]Value
	for _, d := range decls {
		raw, ok := m.Global(d.Name)
		if !ok {
			continue
		}
		v, err := m.ToValue(raw)
		if err == nil && d.Check != nil {
			err = d.Check(v)
		}
		if err != nil {
			return nil, fileError(path, "%s: %v", d.Name, err)
		}
		if out == nil {
			out = map[string]Value{}
		}
		out[d.Name] = v
	}
	return out, nil
}

// withMetadata returns t with md merged into its schema's metadata (md's
// keys win), sharing the data; t is released.
func withMetadata(t *arrowbridge.Table, md map[string]string) *arrowbridge.Table {
	keys, vals := t.Schema.Metadata().Keys(), t.Schema.Metadata().Values()
	merged := make(map[string]string, len(keys)+len(md))
	for i, k := range keys {
		merged[k] = vals[i]
	}
	for k, v := range md {
		merged[k] = v
	}
	out := t.WithMetadata(arrow.MetadataFrom(merged))
	t.Release()
	return out
}
