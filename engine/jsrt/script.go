package jsrt

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sort"
	"sync/atomic"
	"time"

	"github.com/dop251/goja"

	"github.com/flexfun-script/flexfun-script/engine"
	"github.com/flexfun-script/flexfun-script/flexfun"
)

// cancelHookTimeout bounds a script's cancel() hook.
const cancelHookTimeout = 5 * time.Second

// script is one loaded version of a function file. Its fields are set
// before it is published (state by OnLoad) and only read afterwards, and
// every call runs in a runtime of its own, so a script is safe for
// concurrent calls.
type script struct {
	main     *unit
	decl     engine.Declarations
	settings any // data: ctx.settings
	state    any // data: ctx.state
	logger   *slog.Logger
	onLoad   bool
	loadVM   *vm // the runtime that read the declarations, until OnLoad
}

// newScript checks the declarations read by v. It returns (nil, nil) for a
// helper module.
func newScript(v *vm, d decls, env *engine.Env, logger *slog.Logger) (engine.Script, error) {
	path := v.main.path
	if goja.IsUndefined(d.call) {
		if !goja.IsUndefined(d.schema) {
			return nil, fileError(path, "declares a schema but no call function")
		}
		return nil, nil
	}
	for _, f := range []struct {
		name string
		val  goja.Value
	}{{"call", d.call}, {"on_load", d.onLoad}, {"cancel", d.cancel}} {
		if _, ok := goja.AssertFunction(f.val); !ok && (f.name == "call" || !goja.IsUndefined(f.val)) {
			return nil, fileError(path, "%s must be a function, got %s", f.name, typeName(f.val))
		}
	}
	decl, err := v.declarations(path, d)
	if err != nil {
		return nil, err
	}
	settings, err := settingsData(env)
	if err != nil {
		return nil, fmt.Errorf("%s: settings: %w", path, err)
	}
	s := &script{
		main:     v.main,
		decl:     decl,
		settings: settings,
		state:    nil,
		logger:   logger,
		onLoad:   !goja.IsUndefined(d.onLoad),
	}
	if s.onLoad {
		s.loadVM = v
	}
	return s, nil
}

// settingsData converts the server's settings once per load pass.
func settingsData(env *engine.Env) (any, error) {
	type entry struct {
		data any
		err  error
	}
	if e, ok := env.Cache.Get("jsrt:settings"); ok {
		return e.(*entry).data, e.(*entry).err
	}
	var settings any = map[string]any{}
	if env.Settings != nil {
		settings = env.Settings
	}
	e := new(entry)
	e.data, e.err = fromSettings(settings)
	env.Cache.Put("jsrt:settings", e)
	return e.data, e.err
}

// Declarations implements engine.Script.
func (s *script) Declarations() engine.Declarations { return s.decl }

// Files implements engine.Script: the function's file, then every helper
// it requires, directly or not.
func (s *script) Files() []string {
	units := s.main.units()
	files := make([]string, len(units))
	for i, u := range units {
		files[i] = u.path
	}
	return files
}

// OnLoad implements engine.Script. on_load runs in the runtime that read
// the declarations; what it returns is copied out of that runtime as data
// and shown to every call as a read-only ctx.state.
func (s *script) OnLoad(ctx context.Context, function string) error {
	v := s.loadVM
	s.loadVM = nil
	if !s.onLoad {
		return nil
	}
	if v == nil {
		return fileError(s.main.path, "on_load already ran for this version")
	}
	v.logger = s.logger.With("function", function)
	cancelled := new(atomic.Bool)
	stop := context.AfterFunc(ctx, func() {
		cancelled.Store(true)
		v.rt.Interrupt("on_load took too long")
	})
	defer stop()
	var state any
	err := protect(func() error {
		d, err := v.readDecls()
		if err != nil {
			return err
		}
		onLoad, _ := goja.AssertFunction(d.onLoad)
		res, err := onLoad(goja.Undefined(), v.newContext(function, s.settings, nil, cancelled))
		if err != nil {
			return err
		}
		if res, err = v.settle(res, "on_load"); err != nil {
			return err
		}
		state, err = fromJS(res, "state", nil)
		return err
	})
	var se *stateError
	switch {
	case errors.As(err, &se):
		return fileError(s.main.path, "%v", se)
	case err != nil:
		return v.scriptError(function, err)
	}
	s.state = state
	return nil
}

// Run implements engine.Script. Each call runs in a fresh runtime: the
// built-ins are installed, the function's file runs, then call. When ctx is
// done the runtime is interrupted; once call has stopped, the script's
// cancel() runs in the same runtime (so it sees the call's variables),
// bounded by cancelHookTimeout, and the runtime is then dropped.
func (s *script) Run(ctx context.Context, c *engine.Call) error {
	v, err := newVM(s.main, c.Logger)
	if err != nil {
		return err
	}
	st := newCallState(c)
	fired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		st.cancelled.Store(true)
		v.rt.Interrupt(context.Cause(ctx))
		close(fired)
	})
	err = protect(func() error { return s.call(v, c, st) })
	if isScriptError(err) {
		err = v.scriptError(c.Function, err)
	}
	v.call = nil
	if !stop() {
		<-fired
		go s.runCancelHook(v, c)
	}
	return err
}

// call runs the function's file and call(parameters, columns, headers,
// ctx), then collects what call returned.
func (s *script) call(v *vm, c *engine.Call, st *callState) error {
	if err := v.runMain(); err != nil {
		return v.scriptError(c.Function, err)
	}
	callVal, err := v.callFunc()
	if err != nil {
		return v.scriptError(c.Function, err)
	}
	fn, ok := goja.AssertFunction(callVal)
	if !ok {
		return fileError(s.main.path, "call must be a function, got %s", typeName(callVal))
	}
	args, err := s.callArgs(v, c, st)
	if err != nil {
		return err
	}
	v.call = st
	res, err := fn(goja.Undefined(), args...)
	if err == nil {
		res, err = v.settle(res, "call")
	}
	if err == nil {
		if exc := v.rt.Try(func() { v.collect(res) }); exc != nil {
			err = exc
		}
	}
	if err != nil {
		return v.scriptError(c.Function, err)
	}
	return nil
}

// callArgs builds (parameters, columns, headers, ctx).
func (s *script) callArgs(v *vm, c *engine.Call, st *callState) ([]goja.Value, error) {
	params := goja.Value(v.rt.NewObject())
	if raw := c.Request.Parameters; len(raw) > 0 {
		p, err := v.jsonValue(raw)
		if err != nil {
			return nil, &flexfun.BadRequestError{Msg: "parameters: " + err.Error()}
		}
		if !goja.IsNull(p) && !goja.IsUndefined(p) {
			params = p
		}
	}
	columns := goja.Null()
	if c.Request.Columns != nil {
		names := make([]any, len(c.Request.Columns))
		for i, name := range c.Request.Columns {
			names[i] = name
		}
		columns = v.rt.NewArray(names...)
	}
	headers := v.rt.NewObject()
	names := make([]string, 0, len(c.Request.Headers))
	for name := range c.Request.Headers {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		vals := make([]any, len(c.Request.Headers[name]))
		for i, val := range c.Request.Headers[name] {
			vals[i] = val
		}
		_ = headers.Set(name, v.rt.NewArray(vals...))
	}
	ctx := v.newContext(c.Function, s.settings, s.state, &st.cancelled)
	return []goja.Value{params, columns, headers, ctx}, nil
}

// runCancelHook runs the script's cancel() in the runtime of an abandoned
// call, after the interrupt has stopped it.
func (s *script) runCancelHook(v *vm, c *engine.Call) {
	v.rt.ClearInterrupt()
	timer := time.AfterFunc(cancelHookTimeout, func() { v.rt.Interrupt("cancel() took too long") })
	defer timer.Stop()
	err := protect(func() error {
		d, err := v.readDecls()
		if err != nil {
			return err
		}
		cancel, ok := goja.AssertFunction(d.cancel)
		if !ok {
			return nil
		}
		_, err = cancel(goja.Undefined())
		return err
	})
	if err != nil {
		c.Logger.Warn("cancel_failed", "error", v.scriptError(c.Function, err).Msg)
	}
}

// settle returns the value of a settled Promise, so that call and on_load
// may be async functions. A Promise is settled when the function returns
// unless it waits for something that never comes: scripts have no timers
// or I/O.
func (v *vm) settle(res goja.Value, what string) (goja.Value, error) {
	obj, ok := res.(*goja.Object)
	if !ok || obj.ExportType() != typePromise {
		return res, nil
	}
	p := obj.Export().(*goja.Promise)
	switch p.State() {
	case goja.PromiseStateFulfilled:
		return p.Result(), nil
	case goja.PromiseStateRejected:
		return nil, v.rethrow(p.Result())
	}
	return nil, fileError(v.main.path, "%s returned a Promise that never settled: "+
		"an async function may await only values and Promises the script settles itself (there are no timers or I/O)", what)
}

// protect runs fn and turns a panic into an error: goja reports script
// errors as panics when Go code reads script values (a property getter
// that throws), and a bug in a built-in must fail the call, not the server.
func protect(fn func() error) (err error) {
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		if e, ok := r.(error); ok && isScriptError(e) {
			err = e
			return
		}
		err = fmt.Errorf("internal error in the JavaScript runtime: %v\n%s", r, debug.Stack())
	}()
	return fn()
}

func isScriptError(err error) bool {
	var exc *goja.Exception
	var intr *goja.InterruptedError
	var overflow *goja.StackOverflowError
	return errors.As(err, &exc) || errors.As(err, &intr) || errors.As(err, &overflow)
}
