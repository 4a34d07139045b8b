// Package starlarkrt runs FlexFun functions written in Starlark (.star files),
// using go.starlark.net.
//
// A file is compiled and its top level executed once per load; its globals
// are then frozen and shared by every call, and each call runs on a fresh
// starlark.Thread. Besides the Starlark universe (len, range, fail, ...),
// scripts see these predeclared names:
//
//	emit(v1, v2, ...)   append one row, values in schema order
//	emit(col=v, ...)    append one row by column name; missing columns are null
//	json                encode, decode, indent (go.starlark.net/lib/json)
//	time                now, parse_time, time, from_timestamp, parse_duration, ... (go.starlark.net/lib/time)
//	math                floor, ceil, sqrt, pow, log, pi, e, ... (go.starlark.net/lib/math)
//	struct(k=v, ...)    an immutable record (go.starlark.net/starlarkstruct)
//	log                 debug, info, warning, error: log.info("msg", key=value, ...)
//	print(...)          writes to the server log, tagged with function and task_id
//
// load("./helper.star", "sym") loads a helper module relative to the file
// that loads it. Each helper is evaluated once per load pass and shared.
//
// The dialect allows while loops, recursion, set(), top-level if/for and
// global reassignment at top level. A call is interrupted (Thread.Cancel)
// when its deadline passes, so a runaway loop never holds a worker.
package starlarkrt

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.starlark.net/lib/json"
	"go.starlark.net/lib/math"
	"go.starlark.net/lib/time"
	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
	"go.starlark.net/syntax"

	"github.com/flexfun-script/flexfun-script/engine"
)

// fileOptions is the Starlark dialect FlexFun scripts are written in.
var fileOptions = &syntax.FileOptions{
	Set:             true,
	While:           true,
	TopLevelControl: true,
	GlobalReassign:  true,
	Recursion:       true,
}

// predeclared holds the names every script and helper sees.
var predeclared = starlark.StringDict{
	"emit":   starlark.NewBuiltin("emit", emit),
	"json":   json.Module,
	"time":   time.Module,
	"math":   math.Module,
	"struct": starlark.NewBuiltin("struct", starlarkstruct.Make),
	"log":    logModule,
}

// Runtime loads .star files. It is safe for concurrent use.
type Runtime struct{}

// New returns the Starlark runtime.
func New() *Runtime { return &Runtime{} }

// Extension returns ".star".
func (*Runtime) Extension() string { return ".star" }

// module is one executed, frozen Starlark file.
type module struct {
	path    string // as displayed in errors
	globals starlark.StringDict
	files   []string // path, then every file it loads, transitively
}

// cacheEntry is a module or the error loading it, stored in the pass cache.
type cacheEntry struct {
	mod *module
	err error
}

// Load executes the file at path and returns its Script, or (nil, nil) for
// a helper module (a file without a top-level call).
func (rt *Runtime) Load(path string, env *engine.Env) (engine.Script, error) {
	mod, err := loadModule(filepath.Clean(path), env, nil)
	if err != nil {
		return nil, err
	}
	return newScript(mod, env)
}

// loadModule executes the file at path once per pass (env.Cache).
// chain lists the files being loaded above it, to detect cycles.
func loadModule(path string, env *engine.Env, chain []string) (*module, error) {
	key := cacheKey(path)
	if slices.Contains(chain, key) {
		return nil, fmt.Errorf("cycle in load graph: %s -> %s", strings.Join(chain, " -> "), key)
	}
	if v, ok := env.Cache.Get(key); ok {
		e := v.(*cacheEntry)
		return e.mod, e.err
	}
	mod, err := execModule(path, env, append(chain, key))
	env.Cache.Put(key, &cacheEntry{mod, err})
	return mod, err
}

func cacheKey(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return "starlark:" + abs
	}
	return "starlark:" + path
}

func execModule(path string, env *engine.Env, chain []string) (*module, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	mod := &module{path: path, files: []string{path}}
	logger := env.Logger.With("file", path)
	thread := &starlark.Thread{
		Name:  "load " + path,
		Print: printer(logger),
		Load: func(_ *starlark.Thread, name string) (starlark.StringDict, error) {
			dep, err := loadModule(resolve(path, name), env, chain)
			if err != nil {
				return nil, err
			}
			for _, f := range dep.files {
				if !slices.Contains(mod.files, f) {
					mod.files = append(mod.files, f)
				}
			}
			return dep.globals, nil
		},
	}
	thread.SetLocal(localLogger, logger)
	globals, err := starlark.ExecFileOptions(fileOptions, thread, path, src, predeclared)
	if err != nil {
		return nil, loadError(path, err)
	}
	globals.Freeze()
	mod.globals = globals
	return mod, nil
}

// resolve returns the path of a load()ed module: relative to the loading file.
func resolve(from, name string) string {
	if filepath.IsAbs(name) {
		return filepath.Clean(name)
	}
	return filepath.Join(filepath.Dir(from), name)
}

// loadError formats an error from executing a file's top level.
func loadError(path string, err error) error {
	if e := scriptError("", err); e.Backtrace != "" {
		return fmt.Errorf("%s\n%s", e.Msg, e.Backtrace)
	}
	if _, ok := err.(syntax.Error); ok {
		return err // already "file:line:col: msg"
	}
	return fmt.Errorf("%s: %w", path, err)
}

// printer sends print() output to the log.
func printer(logger *slog.Logger) func(*starlark.Thread, string) {
	return func(thread *starlark.Thread, msg string) {
		l, ok := thread.Local(localLogger).(*slog.Logger)
		if !ok {
			l = logger
		}
		l.Info("print", "message", msg)
	}
}
