package starlarkrt

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"go.starlark.net/starlark"

	"github.com/flexfun-script/flexfun-script/engine"
	"github.com/flexfun-script/flexfun-script/flexfun"
)

// Thread-local keys.
const (
	localCall   = "flexfun.call"   // *callState during call
	localLogger = "flexfun.logger" // *slog.Logger for print and log
)

// cancelHookTimeout bounds a script's cancel() hook.
const cancelHookTimeout = 5 * time.Second

// script is a loaded function file. Its fields are set before it is
// published (state by OnLoad) and only read afterwards, so it is safe for
// concurrent calls.
type script struct {
	mod      *module
	decl     engine.Declarations
	call     starlark.Callable
	arity    int // how many of (parameters, columns, headers, ctx) call takes
	onLoad   starlark.Callable
	cancel   starlark.Callable
	settings starlark.Value
	state    starlark.Value
	logger   *slog.Logger
}

// newScript reads the declarations of an executed module. It returns
// (nil, nil) for a helper module.
func newScript(mod *module, env *engine.Env) (engine.Script, error) {
	g := mod.globals
	if _, ok := g["call"]; !ok {
		if _, hasSchema := g["schema"]; hasSchema {
			return nil, fileError(mod.path, "", "declares a schema but no call function")
		}
		return nil, nil
	}
	s := &script{mod: mod, state: starlark.None, logger: env.Logger.With("file", mod.path)}
	var err error
	if s.call, err = callable(mod.path, g, "call"); err != nil {
		return nil, err
	}
	s.arity = arity(s.call)
	if s.onLoad, err = optionalCallable(mod.path, g, "on_load"); err != nil {
		return nil, err
	}
	if s.cancel, err = optionalCallable(mod.path, g, "cancel"); err != nil {
		return nil, err
	}
	if s.decl, err = declarations(mod.path, g); err != nil {
		return nil, err
	}
	if s.settings, err = toStarlark(env.Settings); err != nil {
		return nil, fmt.Errorf("%s: settings: %w", mod.path, err)
	}
	s.settings.Freeze()
	return s, nil
}

func callable(path string, g starlark.StringDict, name string) (starlark.Callable, error) {
	c, ok := g[name].(starlark.Callable)
	if !ok {
		return nil, fileError(path, "", "%s must be a function, got %s", name, g[name].Type())
	}
	return c, nil
}

func optionalCallable(path string, g starlark.StringDict, name string) (starlark.Callable, error) {
	if _, ok := g[name]; !ok {
		return nil, nil
	}
	return callable(path, g, name)
}

// arity returns how many of the four call arguments to pass.
func arity(c starlark.Callable) int {
	fn, ok := c.(*starlark.Function)
	if !ok || fn.HasVarargs() || fn.NumParams() >= 4 {
		return 4
	}
	return fn.NumParams()
}

// Declarations implements engine.Script.
func (s *script) Declarations() engine.Declarations { return s.decl }

// Files implements engine.Script.
func (s *script) Files() []string { return s.mod.files }

// OnLoad implements engine.Script.
func (s *script) OnLoad(ctx context.Context, function string) error {
	if s.onLoad == nil {
		return nil
	}
	thread := s.newThread("on_load "+function, s.logger.With("function", function))
	stop := context.AfterFunc(ctx, func() { thread.Cancel("on_load took too long") })
	defer stop()
	cctx := &callContext{function: function, settings: s.settings, state: starlark.None, cancelled: new(atomic.Bool)}
	v, err := starlark.Call(thread, s.onLoad, starlark.Tuple{cctx}, nil)
	if err != nil {
		return scriptError(function, err)
	}
	v.Freeze()
	s.state = v
	return nil
}

func (s *script) newThread(name string, logger *slog.Logger) *starlark.Thread {
	thread := &starlark.Thread{Name: name, Print: printer(logger)}
	thread.SetLocal(localLogger, logger)
	return thread
}

// Run implements engine.Script.
func (s *script) Run(ctx context.Context, c *engine.Call) error {
	thread := s.newThread("call "+c.Function, c.Logger)
	st := newCallState(c)
	thread.SetLocal(localCall, st)
	args, err := s.callArgs(thread, c, st)
	if err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() {
		st.cancelled.Store(true)
		thread.Cancel(fmt.Sprint(context.Cause(ctx)))
		s.runCancelHook(c)
	})
	defer stop()
	v, err := starlark.Call(thread, s.call, args[:s.arity], nil)
	if err != nil {
		return scriptError(c.Function, err)
	}
	return s.collect(v, st)
}

// callArgs builds (parameters, columns, headers, ctx).
func (s *script) callArgs(thread *starlark.Thread, c *engine.Call, st *callState) (starlark.Tuple, error) {
	params, err := decodeParameters(thread, c.Request.Parameters)
	if err != nil {
		return nil, &flexfun.BadRequestError{Msg: fmt.Sprintf("parameters: %v", err)}
	}
	columns := starlark.Value(starlark.None)
	if c.Request.Columns != nil {
		list := make([]starlark.Value, len(c.Request.Columns))
		for i, name := range c.Request.Columns {
			list[i] = starlark.String(name)
		}
		columns = starlark.NewList(list)
	}
	cctx := &callContext{function: c.Function, settings: s.settings, state: s.state, cancelled: &st.cancelled}
	return starlark.Tuple{params, columns, headersDict(c.Request.Headers), cctx}, nil
}

// runCancelHook runs the script's cancel() once the call is abandoned.
func (s *script) runCancelHook(c *engine.Call) {
	if s.cancel == nil {
		return
	}
	thread := s.newThread("cancel "+c.Function, c.Logger)
	timer := time.AfterFunc(cancelHookTimeout, func() { thread.Cancel("cancel() took too long") })
	defer timer.Stop()
	if _, err := starlark.Call(thread, s.cancel, nil, nil); err != nil {
		c.Logger.Warn("cancel_failed", "error", scriptError(c.Function, err).Msg)
	}
}

// metadataJSON encodes a metadata value with json.encode, keeping key order.
func metadataJSON(path string, v starlark.Value) (json.RawMessage, error) {
	if v == starlark.None {
		return nil, nil
	}
	if _, ok := v.(*starlark.Dict); !ok {
		return nil, fileError(path, "", "metadata must be a dict, got %s", v.Type())
	}
	s, err := encodeJSON(v)
	if err != nil {
		return nil, fileError(path, "", "metadata is not JSON-serialisable: %v", err)
	}
	return json.RawMessage(s), nil
}
