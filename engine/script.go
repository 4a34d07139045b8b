package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/flexfun-script/flexfun-script/flexfun"
)

// cancelHookTimeout bounds a script's cancel() hook.
const cancelHookTimeout = 5 * time.Second

// NewRuntime returns the Runtime of a language: the engine's one
// implementation of the contract, over the language's glue.
func NewRuntime[V any](lang Language[V]) Runtime {
	return &langRuntime[V]{lang: lang, vocab: lang.Vocabulary()}
}

// langRuntime implements Runtime for a Language.
type langRuntime[V any] struct {
	lang  Language[V]
	vocab *Vocabulary
}

// Extension implements Runtime.
func (rt *langRuntime[V]) Extension() string { return rt.lang.Extension() }

// Load implements Runtime: it runs the file's top level (bounded by ctx)
// and reads its declarations. It returns (nil, nil) for a helper module.
func (rt *langRuntime[V]) Load(ctx context.Context, path string, env *Env) (Script, error) {
	s := &script[V]{rt: rt, path: path, logger: env.Logger.With("file", path), mem: env.Allocator, attrs: env.ContextAttrs}
	builtins := &Builtins{
		Modules:   append([]*Module{tableModule[V](rt.vocab, env.Allocator)}, env.Builtins.Modules...),
		Functions: append([]*Func{badRequestFunc}, env.Builtins.Functions...),
	}
	t := newThread(ctx, "", s.logger, nil, rt.vocab)
	t = OwnedThread(t, s)
	prog, err := rt.lang.Load(ctx, path, &LoadEnv{Cache: env.Cache, Logger: env.Logger, Builtins: builtins, Roots: env.Roots, MaxCallDepth: env.MaxCallDepth, MaxValueBytes: env.MaxValueBytes}, t)
	if err != nil {
		return nil, loadError(err)
	}
	s.prog, s.top, s.scope = prog, prog.Top(), t.scope
	d, h, isFunction, err := readDeclarations(s.top, path, rt.vocab, env.Declarations)
	if err != nil || !isFunction {
		return nil, err
	}
	s.decl, s.hooks = d, h
	if s.settings, err = rt.settings(s.top, env); err != nil {
		return nil, fmt.Errorf("%s: settings: %w", path, err)
	}
	return s, nil
}

// loadError formats an error of a file's top level for the load report:
// the message, then the script's backtrace.
func loadError(err error) error {
	var se *flexfun.ScriptError
	if errors.As(err, &se) && se.Backtrace != "" {
		return fmt.Errorf("%s\n%s", se.Msg, se.Backtrace)
	}
	return err
}

// settings returns ctx.settings as the language shows it, made once per
// load pass.
func (rt *langRuntime[V]) settings(m Machine[V], env *Env) (Frozen, error) {
	type entry struct {
		v   any
		err error
	}
	key := "engine:settings:" + rt.lang.Extension()
	if e, ok := env.Cache.Get(key); ok {
		return Frozen{Name: "ctx.settings", Value: e.(*entry).v}, e.(*entry).err
	}
	e := new(entry)
	e.v, e.err = m.FromSettings(env.Settings)
	env.Cache.Put(key, e)
	return Frozen{Name: "ctx.settings", Value: e.v}, e.err
}

// script is one loaded version of a function file. Its fields are set
// before it is published (state by OnLoad) and only read afterwards, and
// each call runs on a machine of its own, so it is safe for concurrent
// calls.
type script[V any] struct {
	rt       *langRuntime[V]
	path     string
	prog     Program[V]
	top      Machine[V] // ran the top level; on_load runs on it
	decl     Declarations
	hooks    hooks[V]
	settings Frozen
	state    any // the runtime's frozen state; nil without on_load
	logger   *slog.Logger
	mem      memory.Allocator
	scope    *Scope // of the top level and on_load: lives with the version
	attrs    []*ContextAttr
}

// Declarations implements Script.
func (s *script[V]) Declarations() Declarations { return s.decl }

// Files implements Script.
func (s *script[V]) Files() []string { return s.prog.Files() }

// OnLoad implements Script: it runs on_load(ctx) on the machine that ran
// the top level, and keeps what it returns, frozen, as ctx.state.
func (s *script[V]) OnLoad(ctx context.Context, function string) error {
	m := s.top
	s.top = nil // on_load runs once; the machine is not needed after it
	if !s.hooks.hasOnLoad {
		return nil
	}
	t := newThread(ctx, function, s.logger.With("function", function), s.scope, s.rt.vocab)
	m.SetThread(t)
	stop := context.AfterFunc(ctx, func() {
		t.cancelled.Store(true)
		m.Interrupt("on_load took too long")
	})
	defer stop()
	cv, err := m.FromValue(newCallContext(t, function, s.settings, nil, s.attrs))
	if err != nil {
		return err
	}
	res, err := m.Call(s.hooks.onLoad, []V{cv})
	if err != nil {
		return err
	}
	state, err := m.Freeze(res)
	if err != nil {
		var se *flexfun.ScriptError
		if errors.As(err, &se) {
			return err
		}
		return fileError(s.path, "%v", err)
	}
	s.state = state
	return nil
}

// Run implements Script. When ctx is done the machine is interrupted;
// once the call has stopped, the script's cancel() runs on the same
// machine (so it sees the call's variables), bounded by
// cancelHookTimeout, and Run does not wait for it.
func (s *script[V]) Run(ctx context.Context, c *Call) error {
	t := newThread(ctx, c.Function.name, c.Logger, c.Scope, s.rt.vocab)
	t.fn, t.call = c.Function, c.Info
	defer func() { c.Metadata = t.metadata }()
	m, err := s.prog.NewMachine(t)
	if err != nil {
		return err
	}
	fired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		t.cancelled.Store(true)
		m.Interrupt(fmt.Sprint(context.Cause(ctx)))
		close(fired)
	})
	rows := newRows[V](m, s.rt.vocab, c.Builder, t)
	t.rows = rows
	err = s.call(m, t, c, rows)
	t.rows = nil
	if err != nil && t.badRequest != "" {
		c.Logger.Info("bad_request", "error", scriptMsg(err))
		err = &flexfun.BadRequestError{Msg: t.badRequest}
	}
	if !stop() {
		<-fired
		if s.hooks.hasCancel {
			go s.runCancelHook(m, c)
		}
	}
	return err
}

// call runs the file's top level if the machine needs it, then
// call(parameters, columns, headers, ctx), and collects what it returned.
func (s *script[V]) call(m Machine[V], t *Thread, c *Call, rows *Rows[V]) error {
	if err := m.Init(); err != nil {
		return err
	}
	fn, ok := m.Global("call")
	if !ok || !m.Callable(fn) {
		return fileError(s.path, "call must be a function, got %s", m.TypeName(fn))
	}
	args, err := s.callArgs(m, t, c)
	if err != nil {
		return err
	}
	res, err := m.Call(fn, args)
	if err != nil {
		return err
	}
	err = m.Guard(func() error { return rows.Collect(res) })
	var se *flexfun.ScriptError
	if err != nil && !errors.As(err, &se) {
		return fileError(s.path, "%v", err)
	}
	return err
}

// callArgs builds (parameters, columns, headers, ctx).
func (s *script[V]) callArgs(m Machine[V], t *Thread, c *Call) ([]V, error) {
	req := c.Info.Request
	params, err := ParseJSON(req.Parameters)
	if err != nil {
		return nil, &flexfun.BadRequestError{Msg: fmt.Sprintf("parameters: %v", err)}
	}
	if params == nil {
		params = NewMap(0)
	}
	var columns Value
	if req.Columns != nil {
		columns = StringList(req.Columns)
	}
	ctxObj := newCallContext(t, c.Function.name, s.settings, s.state, s.attrs)
	args := make([]V, 4)
	for i, v := range []Value{params, columns, HeadersValue(req.Headers), ctxObj} {
		if args[i], err = m.FromValue(v); err != nil {
			return nil, fmt.Errorf("%s: argument %d of call: %w", s.path, i+1, err)
		}
	}
	return args, nil
}

// badRequestFunc is bad_request(message): it ends the call with
// GoodData's BAD_ARGUMENT and the message alone, as a Python FlexConnect
// function raising ValueError does, for a request the function cannot
// serve (fail() and throw end it with COMMAND_FAILED).
var badRequestFunc = &Func{
	Name:   "bad_request",
	Params: []string{"message"},
	Impl: func(t *Thread, args *Args) (Value, error) {
		msg := args.Text(args.Raw("message"))
		if t.rows == nil {
			return nil, errors.New("bad_request: can only be used while call runs")
		}
		t.badRequest = msg
		return nil, errors.New(msg)
	},
}

// runCancelHook runs the script's cancel() on the machine of an abandoned
// call, after the interrupt has stopped it.
func (s *script[V]) runCancelHook(m Machine[V], c *Call) {
	ctx, cancel := context.WithTimeout(context.Background(), cancelHookTimeout)
	defer cancel()
	t := newThread(ctx, c.Function.name, c.Logger, new(Scope), s.rt.vocab)
	t.fn = c.Function
	defer t.scope.Close()
	m.Uncancel()
	m.SetThread(t)
	stop := context.AfterFunc(ctx, func() { m.Interrupt("cancel() took too long") })
	defer stop()
	fn, ok := m.Global("cancel")
	if !ok {
		return
	}
	if _, err := m.Call(fn, nil); err != nil {
		c.Logger.Warn("cancel_failed", "error", scriptMsg(err))
	}
}

// scriptMsg returns the message of a script error without its backtrace.
func scriptMsg(err error) string {
	var se *flexfun.ScriptError
	if errors.As(err, &se) {
		return se.Msg
	}
	return err.Error()
}
