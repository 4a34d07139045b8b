package starlarkrt

import (
	"log/slog"

	"go.starlark.net/starlark"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
	"github.com/flexfun-script/flexfun-script/engine"
)

// localState is the thread-local key of a thread's *threadState.
const localState = "flexfun.state"

// threadState is what the built-ins of a Starlark thread need.
type threadState struct {
	engine *engine.Thread
	kw     kwargsRow // scratch for emit(col=v, ...)
}

// depthCheckSteps is how many steps a thread runs between two checks of
// its call depth: a few hundred calls at most pass between checks.
const depthCheckSteps = 1000

// newThread returns a Starlark thread running on t: print goes to t's log,
// and a call deeper than maxDepth ends it (go.starlark.net has no depth
// limit of its own; its step hook checks the depth every
// depthCheckSteps steps).
func newThread(name string, t *engine.Thread, maxDepth int) *starlark.Thread {
	thread := &starlark.Thread{
		Name:  name,
		Print: func(_ *starlark.Thread, msg string) { t.Print(slog.LevelInfo, msg) },
		OnMaxSteps: func(th *starlark.Thread) {
			if th.CallStackDepth() > maxDepth {
				th.Cancel(engine.MaxDepthError(maxDepth))
				return
			}
			th.SetMaxExecutionSteps(th.ExecutionSteps() + depthCheckSteps)
		},
	}
	thread.SetMaxExecutionSteps(depthCheckSteps)
	thread.SetLocal(localState, &threadState{engine: t})
	return thread
}

// engineThread returns the engine thread a Starlark thread runs on.
func engineThread(thread *starlark.Thread) *engine.Thread {
	st, _ := thread.Local(localState).(*threadState)
	if st == nil {
		return nil
	}
	return st.engine
}

// machine runs the code of one module on one thread.
type machine struct {
	values
	mod      *module
	thread   *starlark.Thread
	maxDepth int
}

var _ engine.Machine[starlark.Value] = (*machine)(nil)

func newMachine(mod *module, t *engine.Thread, maxDepth int) *machine {
	return &machine{mod: mod, thread: newThread("call "+t.Function(), t, maxDepth), maxDepth: maxDepth}
}

func (m *machine) SetThread(t *engine.Thread) {
	m.thread = newThread("run "+t.Function(), t, m.maxDepth)
}

func (m *machine) Init() error { return nil }

func (m *machine) Global(name string) (starlark.Value, bool) {
	v, ok := m.mod.globals[name]
	return v, ok
}

// Call calls fn with as many of args as it declares parameters.
func (m *machine) Call(fn starlark.Value, args []starlark.Value) (starlark.Value, error) {
	if f, ok := fn.(*starlark.Function); ok && !f.HasVarargs() && f.NumParams() < len(args) {
		args = args[:f.NumParams()]
	}
	v, err := starlark.Call(m.thread, fn, args, nil)
	if err != nil {
		return nil, scriptError(engineThread(m.thread).Function(), err)
	}
	return v, nil
}

func (m *machine) Interrupt(reason string) { m.thread.Cancel(reason) }

func (m *machine) Uncancel() { m.thread.Uncancel() }

func (m *machine) Guard(fn func() error) error { return fn() }

// Freeze freezes what on_load returned; calls share it as ctx.state.
func (m *machine) Freeze(v starlark.Value) (any, error) {
	v.Freeze()
	return v, nil
}

// FromSettings makes the settings a frozen dict.
func (m *machine) FromSettings(settings engine.Value) (any, error) {
	v := fromValue(settings)
	v.Freeze()
	return v, nil
}

// emit is the emit built-in: emit(v1, v2, ...), emit(col=v, ...) or
// emit(table).
func emit(thread *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	st, _ := thread.Local(localState).(*threadState)
	if st == nil {
		return nil, errNoThread
	}
	rows, err := engine.RowsOf[starlark.Value](st.engine)
	if err != nil {
		return nil, err
	}
	switch {
	case len(kwargs) == 0:
		err = rows.Emit(args)
	case len(args) == 0:
		st.kw = kwargs
		err = rows.EmitNamed(&st.kw)
		st.kw = nil
	default:
		err = engine.ErrEmitMixed
	}
	if err != nil {
		return nil, err
	}
	return starlark.None, nil
}

// kwargsRow is a row given by keyword arguments, as the engine reads
// mappings.
type kwargsRow []starlark.Tuple

var _ starlark.Value = (*kwargsRow)(nil)

func (k *kwargsRow) String() string        { return "kwargs" }
func (k *kwargsRow) Type() string          { return "kwargs" }
func (k *kwargsRow) Freeze()               {}
func (k *kwargsRow) Truth() starlark.Bool  { return starlark.True }
func (k *kwargsRow) Hash() (uint32, error) { return 0, errUnhashable("kwargs") }

// get returns the value of keyword name.
func (k *kwargsRow) get(name string) (starlark.Value, bool) {
	for _, kv := range *k {
		if string(kv[0].(starlark.String)) == name {
			return kv[1], true
		}
	}
	return nil, false
}

// tableOf returns the table a value holds, if it is one.
func tableOf(v starlark.Value) *arrowbridge.Table {
	if h, ok := v.(*hostValue); ok {
		if t, ok := h.obj.(*engine.TableObject); ok {
			return t.Table
		}
	}
	return nil
}
