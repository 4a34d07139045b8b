package jsrt

import (
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/dop251/goja"
)

// maxCallStackSize bounds the depth of JavaScript calls, so that runaway
// recursion ends in a RangeError instead of exhausting memory (goja's
// default is unlimited). Node allows about 11,000 frames.
const maxCallStackSize = 10_000

// A vm is one goja runtime prepared for one function: the built-ins
// installed, then (runMain) the function's file run. Each call gets a fresh
// vm, so nothing a call does to globals or top-level objects can reach
// another call. A vm is not safe for concurrent use, except for
// rt.Interrupt.
type vm struct {
	rt          *goja.Runtime
	main        *unit
	logger      *slog.Logger           // where print, console and log write
	call        *callState             // set while call runs: what emit appends to
	module      *goja.Object           // the function file's module object
	modules     map[*unit]*goja.Object // module objects of required helpers
	builtinErr  *goja.Symbol           // marks errors thrown by the built-ins; made on first use
	date        goja.Value             // the Date constructor, taken before any script code runs
	objectProto *goja.Object           // Object.prototype
}

// internalPrefix starts the names of the runtime's own programs; their
// frames are left out of positions and backtraces.
const internalPrefix = "<flexfun"

var (
	declNames   = []string{"name", "metadata", "schema", "call", "on_load", "cancel"}
	declProgram = goja.MustCompile(internalPrefix+":declarations>", declSource(), false)
	// callProgram reads call after the top level has run, which is all a
	// call needs; cheaper than declProgram.
	callProgram    = goja.MustCompile(internalPrefix+":call>", `typeof call === "undefined" ? undefined : call`, false)
	throwerProgram = goja.MustCompile(internalPrefix+":throw>", `(function (e) { throw e })`, false)
)

// declSource reads each declaration as a top-level binding (var, let,
// const, function), which need not be a property of the global object. A
// let or const whose initialisation never ran (the top level was
// interrupted) reads as undefined.
func declSource() string {
	parts := make([]string, len(declNames))
	for i, n := range declNames {
		parts[i] = fmt.Sprintf("(() => { try { return %s } catch (e) { return undefined } })()", n)
	}
	return "[" + strings.Join(parts, ",\n") + "]"
}

// newVM returns a runtime for main with the built-ins installed, before any
// of the script's code has run.
func newVM(main *unit, logger *slog.Logger) (*vm, error) {
	v := &vm{
		rt:      goja.New(),
		main:    main,
		logger:  logger,
		modules: map[*unit]*goja.Object{},
	}
	v.rt.SetMaxCallStackSize(maxCallStackSize)
	v.date = v.rt.Get("Date")
	v.objectProto, _ = v.rt.Get("Object").(*goja.Object).Get("prototype").(*goja.Object)
	v.installBuiltins()
	v.module = v.newModule(main)
	g := v.rt.GlobalObject()
	for name, val := range map[string]goja.Value{
		"module":     v.module,
		"exports":    v.module.Get("exports"),
		"require":    v.requireFunc(main),
		"__filename": v.rt.ToValue(main.path),
		"__dirname":  v.rt.ToValue(filepath.Dir(main.path)),
	} {
		if err := g.Set(name, val); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// runMain runs the function's file: its top level, and with it the
// top level of every helper it requires.
func (v *vm) runMain() error {
	_, err := v.rt.RunProgram(v.main.prg)
	return err
}

// decls holds the declarations of the function file as values of this
// runtime; undefined when absent.
type decls struct {
	name, metadata, schema, call, onLoad, cancel goja.Value
}

// callFunc returns call after runMain: a top-level binding, or else a
// property of module.exports.
func (v *vm) callFunc() (goja.Value, error) {
	val, err := v.rt.RunProgram(callProgram)
	if err != nil {
		return nil, err
	}
	if exports, ok := v.module.Get("exports").(*goja.Object); ok && goja.IsUndefined(val) {
		if x := exports.Get("call"); x != nil {
			val = x
		}
	}
	return val, nil
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

// readDecls reads the top-level declarations after runMain: a top-level
// binding, or else a property of module.exports.
func (v *vm) readDecls() (decls, error) {
	res, err := v.rt.RunProgram(declProgram)
	if err != nil {
		return decls{}, err
	}
	arr := res.(*goja.Object)
	exports, _ := v.module.Get("exports").(*goja.Object)
	vals := make([]goja.Value, len(declNames))
	for i, name := range declNames {
		val := arr.Get(strconv.Itoa(i))
		if goja.IsUndefined(val) && exports != nil {
			if x := exports.Get(name); x != nil {
				val = x
			}
		}
		vals[i] = val
	}
	return decls{vals[0], vals[1], vals[2], vals[3], vals[4], vals[5]}, nil
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
