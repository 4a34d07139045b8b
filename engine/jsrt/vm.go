package jsrt

import (
	"errors"
	"fmt"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/dop251/goja"

	"github.com/flexfun-script/flexfun-script/engine"
)

// A vm is one goja runtime prepared for one function: the built-ins
// installed, then (Init) the function's file run. Each call gets a fresh
// vm, so nothing a call does to globals or top-level objects can reach
// another call. A vm implements engine.Machine; it is not safe for
// concurrent use, except for Interrupt.
type vm struct {
	rt          *goja.Runtime
	prog        *program
	main        *unit
	thread      *engine.Thread         // where print, console, log and emit go
	module      *goja.Object           // the function file's module object
	modules     map[*unit]*goja.Object // module objects of required helpers
	builtinErr  *goja.Symbol           // marks errors thrown by the built-ins; made on first use
	date        goja.Value             // the Date constructor, taken before any script code runs
	objectProto *goja.Object           // Object.prototype
}

var _ engine.Machine[goja.Value] = (*vm)(nil)

// internalPrefix starts the names of the runtime's own programs; their
// frames are left out of positions and backtraces.
const internalPrefix = "<flexfun"

// declPrograms read top-level bindings (var, let, const, function), which
// need not be properties of the global object, by name; each program is
// compiled once. A let or const whose initialisation never ran (the top
// level was interrupted) reads as undefined.
var declPrograms sync.Map // name → *goja.Program

// declProgram returns the program that reads the top-level binding name,
// or nil when name is not an identifier.
func declProgram(name string) *goja.Program {
	if p, ok := declPrograms.Load(name); ok {
		return p.(*goja.Program)
	}
	if !isIdentifier(name) {
		return nil
	}
	src := fmt.Sprintf("(() => { try { return %s } catch (e) { return undefined } })()", name)
	p := goja.MustCompile(internalPrefix+":"+name+">", src, false)
	declPrograms.Store(name, p)
	return p
}

// isIdentifier reports whether s is a plain JavaScript identifier.
func isIdentifier(s string) bool {
	for i, r := range s {
		if !(r == '_' || r == '$' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return s != ""
}

var throwerProgram = goja.MustCompile(internalPrefix+":throw>", `(function (e) { throw e })`, false)

// newVM returns a runtime for the program's file with the built-ins
// installed, before any of the script's code has run.
func (p *program) newVM(t *engine.Thread) (*vm, error) {
	v := &vm{
		rt:      goja.New(),
		prog:    p,
		main:    p.main,
		thread:  t,
		modules: map[*unit]*goja.Object{},
	}
	// Runaway recursion ends in a RangeError instead of exhausting
	// memory (goja's default is unlimited).
	v.rt.SetMaxCallStackSize(p.maxDepth)
	v.date = v.rt.Get("Date")
	v.objectProto, _ = v.rt.Get("Object").(*goja.Object).Get("prototype").(*goja.Object)
	v.installBuiltins(p.builtins)
	v.module = v.newModule(p.main)
	g := v.rt.GlobalObject()
	for name, val := range map[string]goja.Value{
		"module":     v.module,
		"exports":    v.module.Get("exports"),
		"require":    v.requireFunc(p.main),
		"__filename": v.rt.ToValue(p.main.path),
		"__dirname":  v.rt.ToValue(filepath.Dir(p.main.path)),
	} {
		if err := g.Set(name, val); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// SetThread implements engine.Machine.
func (v *vm) SetThread(t *engine.Thread) { v.thread = t }

// Init implements engine.Machine: it runs the function's file, and with
// it the top level of every helper it requires.
func (v *vm) Init() error {
	err := protect(func() error {
		_, err := v.rt.RunProgram(v.main.prg)
		return err
	})
	if err != nil {
		return v.scriptError(err)
	}
	return nil
}

// Global implements engine.Machine: a top-level binding, or else a
// property of module.exports.
func (v *vm) Global(name string) (goja.Value, bool) {
	var val goja.Value = goja.Undefined()
	if prg := declProgram(name); prg != nil {
		if res, err := v.rt.RunProgram(prg); err == nil {
			val = res
		}
	}
	if exports, ok := v.module.Get("exports").(*goja.Object); ok && goja.IsUndefined(val) {
		if x := exports.Get(name); x != nil {
			val = x
		}
	}
	return val, !goja.IsUndefined(val)
}

// Call implements engine.Machine. A function that returns a Promise (an
// async function) is waited for: see settle.
func (v *vm) Call(fn goja.Value, args []goja.Value) (goja.Value, error) {
	f, ok := goja.AssertFunction(fn)
	if !ok {
		return nil, fileError(v.main.path, "not a function: %s", typeName(fn))
	}
	var res goja.Value
	err := protect(func() error {
		var err error
		if res, err = f(goja.Undefined(), args...); err != nil {
			return err
		}
		res, err = v.settle(res, fn)
		return err
	})
	if err != nil {
		return nil, v.scriptError(err)
	}
	return res, nil
}

// Interrupt implements engine.Machine.
func (v *vm) Interrupt(reason string) { v.rt.Interrupt(reason) }

// Uncancel implements engine.Machine.
func (v *vm) Uncancel() { v.rt.ClearInterrupt() }

// Guard implements engine.Machine: fn reads script values, whose getters
// may throw.
func (v *vm) Guard(fn func() error) error {
	var err error
	perr := protect(func() error {
		if exc := v.rt.Try(func() { err = fn() }); exc != nil {
			return exc
		}
		return nil
	})
	if perr != nil {
		return v.scriptError(perr)
	}
	return err
}

// Freeze implements engine.Machine: what on_load returned is copied out of
// the runtime as data, which every call views read-only as ctx.state.
func (v *vm) Freeze(x goja.Value) (any, error) {
	var state any
	err := protect(func() error {
		var err error
		state, err = v.toData(x, "state", nil, true)
		return err
	})
	var se *stateError
	if err != nil && !errors.As(err, &se) {
		return nil, v.scriptError(err)
	}
	return state, err
}

// FromSettings implements engine.Machine: calls view the settings as they
// are.
func (v *vm) FromSettings(settings engine.Value) (any, error) { return settings, nil }

// settle returns the value of a settled Promise, so that call and on_load
// may be async functions. A Promise is settled when the function returns
// unless it waits for something that never comes: host functions are
// synchronous and scripts have no timers.
func (v *vm) settle(res, fn goja.Value) (goja.Value, error) {
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
	what := "the function"
	if name := fn.(*goja.Object).Get("name"); name != nil && goja.IsString(name) && name.String() != "" {
		what = name.String()
	}
	return nil, fileError(v.main.path, "%s returned a Promise that never settled: "+
		"an async function may await only values and Promises the script settles itself (there are no timers, and host functions are synchronous)", what)
}

// rethrow throws x again in the runtime and returns the error, so that a
// rejected Promise's Error keeps the stack of where it was made.
func (v *vm) rethrow(x goja.Value) error {
	thrower, err := v.rt.RunProgram(throwerProgram)
	if err != nil {
		return err
	}
	fn, _ := goja.AssertFunction(thrower)
	_, err = fn(goja.Undefined(), x)
	return err
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

// stringify returns JSON.stringify(x).
func (v *vm) stringify(x goja.Value) (goja.Value, error) {
	json, ok := v.rt.Get("JSON").(*goja.Object)
	if !ok {
		return nil, errors.New("JSON is not an object")
	}
	fn, ok := goja.AssertFunction(json.Get("stringify"))
	if !ok {
		return nil, errors.New("JSON.stringify is not a function")
	}
	return fn(json, x)
}

// native returns a JavaScript function named name that runs fn.
func (v *vm) native(name string, fn func(goja.FunctionCall) goja.Value) *goja.Object {
	f := v.rt.ToValue(fn).(*goja.Object)
	// The name shows in stacks: "at emit (native)".
	_ = f.DefineDataProperty("name", v.rt.ToValue(name), goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	return f
}

// throw throws a TypeError with msg from a built-in. Its message is shown
// without the "TypeError: " prefix when it ends the call, as Starlark's
// built-in errors are.
func (v *vm) throw(msg string) {
	e := v.rt.NewTypeError("%s", msg)
	if v.builtinErr == nil {
		v.builtinErr = goja.NewSymbol("flexfun.builtin")
	}
	_ = e.DefineDataPropertySymbol(v.builtinErr, goja.Null(), goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_FALSE)
	panic(e)
}

// fromBuiltin reports whether e was thrown by throw.
func (v *vm) fromBuiltin(e *goja.Object) bool {
	return v.builtinErr != nil && e.GetSymbol(v.builtinErr) != nil
}

// newModule returns a module object {exports: {}, id, filename, loaded}.
func (v *vm) newModule(u *unit) *goja.Object {
	m := v.rt.NewObject()
	_ = m.Set("exports", v.rt.NewObject())
	_ = m.Set("id", u.path)
	_ = m.Set("filename", u.path)
	_ = m.Set("loaded", false)
	return m
}

// requireFunc returns the require function of code in unit from: paths
// are relative to from's file.
func (v *vm) requireFunc(from *unit) *goja.Object {
	return v.native("require", func(c goja.FunctionCall) goja.Value {
		spec := c.Argument(0)
		if !goja.IsString(spec) {
			v.throw(fmt.Sprintf("require: want a path string, got %s", typeName(spec)))
		}
		return v.require(from, spec.String())
	})
}

// require returns the exports of the helper spec names in from, running
// the helper the first time this runtime requires it. As in Node, a helper
// is cached before it runs, so a require cycle sees a partly filled
// exports object instead of looping.
func (v *vm) require(from *unit, spec string) goja.Value {
	dep, ok := from.bySpec[spec]
	if !ok {
		v.throw(fmt.Sprintf("require(%q): not loaded with the function; require takes a string literal "+
			"(require(\"./lib/helper.js\")) so that helpers are found when the function loads", spec))
	}
	if m, ok := v.modules[dep]; ok {
		return m.Get("exports")
	}
	m := v.newModule(dep)
	v.modules[dep] = m
	wrapper, err := v.rt.RunProgram(dep.prg)
	if err != nil {
		delete(v.modules, dep)
		panic(err)
	}
	fn, _ := goja.AssertFunction(wrapper)
	exports := m.Get("exports")
	_, err = fn(exports, exports, v.requireFunc(dep), m, v.rt.ToValue(dep.path), v.rt.ToValue(filepath.Dir(dep.path)))
	if err != nil {
		delete(v.modules, dep)
		panic(err)
	}
	_ = m.Set("loaded", true)
	return m.Get("exports")
}

// internal reports whether a source name is one of the runtime's own
// programs.
func internal(src string) bool { return strings.HasPrefix(src, internalPrefix) }
