// Package jsrt runs FlexFun functions written in JavaScript (.js files),
// using goja (ECMAScript 5.1 and most of ES2015-ES2022: let/const, arrow
// functions, classes, destructuring, template literals, generators,
// async/await, BigInt, typed arrays; no ES modules).
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
//	emit(v1, v2, ...)       append one row, values in schema order
//	emit({col: v, ...})     append one row by column name; missing columns are null
//	print(...)              writes to the server log, tagged with function and task_id
//	console.log/info/debug/warn/error(...)   the same, at that level
//	log.debug/info/warning/error(msg, {key: value, ...})   a structured log event
//	require("./helper.js")  a helper module (CommonJS), relative to the requiring file
//	module, exports         the file's own module object (declarations may live in module.exports)
//
// Declarations (name, metadata, schema, call, on_load, cancel) are
// top-level bindings (var, let, const, function) or properties of
// module.exports. A call is interrupted (Runtime.Interrupt) when its
// deadline passes, so a runaway loop never holds a worker.
package jsrt

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/flexfun-script/flexfun-script/engine"
)

// loadTimeout bounds the top level of a file when it is loaded, so that a
// runaway loop there fails the load instead of hanging the server.
var loadTimeout = time.Minute

// Runtime loads .js files. It is safe for concurrent use.
type Runtime struct{}

// New returns the JavaScript runtime.
func New() *Runtime { return &Runtime{} }

// Extension returns ".js".
func (*Runtime) Extension() string { return ".js" }

// Load compiles the file at path and every helper it requires, runs its
// top level and reads its declarations. It returns (nil, nil) for a helper
// module (a file without a top-level call).
func (*Runtime) Load(path string, env *engine.Env) (engine.Script, error) {
	path = filepath.Clean(path)
	main, err := compileMain(path, env)
	if err != nil {
		return nil, err
	}
	logger := env.Logger.With("file", path)
	v, err := newVM(main, logger)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), loadTimeout)
	defer cancel()
	stop := context.AfterFunc(ctx, func() {
		v.rt.Interrupt(fmt.Sprintf("the top level did not finish within %v", loadTimeout))
	})
	defer stop()
	var d decls
	err = protect(func() error {
		if err := v.runMain(); err != nil {
			return err
		}
		d, err = v.readDecls()
		return err
	})
	if err != nil {
		return nil, v.loadError(err)
	}
	if !stop() {
		return nil, fmt.Errorf("%s: the top level did not finish within %v", path, loadTimeout)
	}
	return newScript(v, d, env, logger)
}
