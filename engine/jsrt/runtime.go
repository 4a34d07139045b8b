// Package jsrt is the JavaScript language of the engine: the glue that runs
// FlexFun functions written in JavaScript (.js files) with goja (ECMAScript
// 5.1 and most of ES2015-ES2022: let/const, arrow functions, classes,
// destructuring, template literals, generators, async/await, BigInt, typed
// arrays; no ES modules). The contract itself (declarations, emit,
// results, tables, ctx, host modules) is the engine's; this package
// converts values, compiles, calls and interrupts.
//
// A file is compiled once per load (a *goja.Program), together with every
// helper it requires. Each call then runs in a fresh goja runtime: the
// built-ins are installed, the file's top level runs, and call is called.
// Nothing a call does to globals or top-level objects can reach another
// call. ctx.settings and ctx.state live outside the runtimes as immutable
// Go data; each call sees them through read-only views.
//
// Besides the language's own built-ins (JSON, Math, Date, ...), scripts
// see these globals:
//
//	emit(v1, v2, ...)       append one row, values in schema order; emit(t) appends a table
//	emit({col: v, ...})     append one row by column name; missing columns are null
//	table                   from_rows, from_columns: make a table
//	print(...)              writes to the server log, tagged with function and task_id
//	console.log/info/debug/warn/error(...)   the same, at that level
//	require("./helper.js")  a helper module (CommonJS), relative to the requiring file
//	module, exports         the file's own module object (declarations may live in module.exports)
//
// and every host module the server registers (log, ...). Host functions
// are synchronous: they return their result, not a Promise.
//
// Declarations (name, metadata, schema, call, on_load, cancel) are
// top-level bindings (var, let, const, function) or properties of
// module.exports. Code is interrupted (Runtime.Interrupt) when its call's
// deadline or its load's timeout passes.
package jsrt

import (
	"context"
	"path/filepath"
	"time"

	"github.com/dop251/goja"

	"github.com/flexfun-script/flexfun-script/engine"
)

// New returns the JavaScript runtime.
func New() engine.Runtime {
	goja.SetRegexpMatchTimeout(RegexpMatchTimeout)
	return engine.NewRuntime[goja.Value](language{})
}

// RegexpMatchTimeout bounds one match of a regular expression that needs
// backtracking (lookaround, backreferences): such a match is one step that
// the deadline cannot interrupt, and some patterns take exponential time.
// Past it the match throws a RangeError. Patterns without those features
// run in linear time (Go's regexp) and are not bounded.
const RegexpMatchTimeout = time.Second

// language implements engine.Language for JavaScript.
type language struct{}

var vocabulary = &engine.Vocabulary{
	Null: "undefined", Bool: "boolean", Int: "number", Float: "number", String: "string",
	Bytes: "Uint8Array", Time: "Date", List: "array", Map: "object", Option: "option",
	Booleans:      "true or false",
	Row:           "an array or an object",
	Pair:          "[name, type]",
	SchemaExample: `const schema = {column: "type", ...}`,
}

func (language) Extension() string              { return ".js" }
func (language) Vocabulary() *engine.Vocabulary { return vocabulary }

// Load compiles the file at path and every helper it requires, and runs
// its top level in a runtime that is interrupted when ctx is done.
func (language) Load(ctx context.Context, path string, env *engine.LoadEnv, t *engine.Thread) (engine.Program[goja.Value], error) {
	path = filepath.Clean(path)
	// Before compiling: the compiler folds constant expressions such as
	// 1n << 100000000000n.
	goja.SetAllocLimit(env.MaxValueBytes, engine.MaxValueNote)
	main, err := compileMain(path, env)
	if err != nil {
		return nil, err
	}
	p := &program{main: main, builtins: env.Builtins, maxDepth: env.MaxCallDepth}
	if p.maxDepth <= 0 {
		p.maxDepth = engine.DefaultMaxCallDepth
	}
	v, err := p.newVM(t)
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { v.Interrupt("the load timeout passed") })
	defer stop()
	if err := v.Init(); err != nil {
		return nil, err
	}
	p.top = v
	return p, nil
}

// program is a compiled function file.
type program struct {
	main     *unit
	builtins *engine.Builtins
	maxDepth int // of calls: [flexfun] max_call_depth
	top      *vm
}

// Files returns the function's file, then every helper it requires,
// directly or not.
func (p *program) Files() []string {
	units := p.main.units()
	files := make([]string, len(units))
	for i, u := range units {
		files[i] = u.path
	}
	return files
}

func (p *program) Top() engine.Machine[goja.Value] { return p.top }

// NewMachine returns a fresh runtime with the built-ins installed; Init
// runs the file's top level.
func (p *program) NewMachine(t *engine.Thread) (engine.Machine[goja.Value], error) {
	return p.newVM(t)
}
