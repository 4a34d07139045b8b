// Package starlarkrt is the Starlark language of the engine: the glue that
// runs FlexFun functions written in Starlark (.star files) with
// go.starlark.net. The contract itself (declarations, emit, results,
// tables, ctx, host modules) is the engine's; this package converts values,
// compiles, calls and interrupts.
//
// A file is compiled and its top level executed once per load; its globals
// are then frozen and shared by every call, and each call runs on a fresh
// starlark.Thread. Besides the Starlark universe (len, range, fail, ...),
// scripts see these predeclared names:
//
//	emit(v1, v2, ...)   append one row, values in schema order; emit(t) appends a table
//	emit(col=v, ...)    append one row by column name; missing columns are null
//	table               from_rows, from_columns: make a table (engine.TableObject)
//	json                encode, decode, indent (go.starlark.net/lib/json)
//	time                now, parse_time, time, from_timestamp, parse_duration, ... (go.starlark.net/lib/time)
//	math                floor, ceil, sqrt, pow, log, pi, e, ... (go.starlark.net/lib/math)
//	struct(k=v, ...)    an immutable record (go.starlark.net/starlarkstruct)
//	print(...)          writes to the server log, tagged with function and task_id
//
// and every host module the server registers (log, ...).
//
// load("./helper.star", "sym") loads a helper module relative to the file
// that loads it. Each helper is evaluated once per load pass and shared.
//
// The dialect allows while loops, recursion, set(), top-level if/for and
// global reassignment at top level. Code is interrupted (Thread.Cancel)
// when its call's deadline or its load's timeout passes.
package starlarkrt

import (
	"context"
	"fmt"
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

// New returns the Starlark runtime.
func New() engine.Runtime { return engine.NewRuntime[starlark.Value](language{}) }

// language implements engine.Language for Starlark.
type language struct{}

var vocabulary = &engine.Vocabulary{
	Null: "None", Bool: "bool", Int: "int", Float: "float", String: "string",
	Bytes: "bytes", Time: "time", List: "list", Map: "dict", Option: "keyword argument",
	Booleans:      "True or False",
	Row:           "a tuple, list or dict",
	Pair:          "(name, type)",
	SchemaExample: `schema = {"column": "type", ...}`,
}

func (language) Extension() string              { return ".star" }
func (language) Vocabulary() *engine.Vocabulary { return vocabulary }

// Load executes the file at path, and the helpers it loads, on threads
// that stop when ctx is done.
func (language) Load(ctx context.Context, path string, env *engine.LoadEnv, t *engine.Thread) (engine.Program[starlark.Value], error) {
	maxDepth := env.MaxCallDepth
	if maxDepth <= 0 {
		maxDepth = engine.DefaultMaxCallDepth
	}
	starlark.SetAllocLimit(env.MaxValueBytes, engine.MaxValueNote)
	l := &loader{ctx: ctx, env: env, thread: t, predeclared: predeclared(env), maxDepth: maxDepth}
	mod, err := l.load(filepath.Clean(path), nil)
	if err != nil {
		return nil, err
	}
	return &program{mod: mod, top: newMachine(mod, t, maxDepth), maxDepth: maxDepth}, nil
}

// predeclared returns the names every file of a load pass sees.
func predeclared(env *engine.LoadEnv) starlark.StringDict {
	if d, ok := env.Cache.Get("starlark:predeclared"); ok {
		return d.(starlark.StringDict)
	}
	d := starlark.StringDict{
		"emit":   starlark.NewBuiltin("emit", emit),
		"json":   json.Module,
		"time":   time.Module,
		"math":   math.Module,
		"struct": starlark.NewBuiltin("struct", starlarkstruct.Make),
	}
	for _, name := range env.Builtins.Names() {
		v, _ := env.Builtins.Get(name)
		d[name] = merge(d[name], fromValue(v))
	}
	d.Freeze()
	env.Cache.Put("starlark:predeclared", d)
	return d
}

// merge returns a host value for a predeclared name: a host module that
// shares its name with a library module (json) joins it, offering the
// members of both (the host's win).
func merge(lib, host starlark.Value) starlark.Value {
	m, ok := lib.(*starlarkstruct.Module)
	h, isHost := host.(*hostValue)
	if !ok || !isHost {
		return host
	}
	members := make(starlark.StringDict, len(m.Members))
	for k, v := range m.Members {
		members[k] = v
	}
	for _, k := range h.AttrNames() {
		if v, err := h.Attr(k); err == nil && v != nil {
			members[k] = v
		}
	}
	return &starlarkstruct.Module{Name: m.Name, Members: members}
}

// module is one executed, frozen Starlark file.
type module struct {
	path    string // as displayed in errors
	globals starlark.StringDict
	files   []string // path, then every file it loads, transitively
}

// loader executes a file and the helpers it loads.
type loader struct {
	ctx         context.Context
	env         *engine.LoadEnv
	thread      *engine.Thread
	predeclared starlark.StringDict
	maxDepth    int
}

// cacheEntry is a module or the error loading it, stored in the pass cache.
type cacheEntry struct {
	mod *module
	err error
}

// load executes the file at path once per pass (env.Cache). chain lists
// the files being loaded above it, to detect cycles.
func (l *loader) load(path string, chain []string) (*module, error) {
	key := cacheKey(path)
	if slices.Contains(chain, key) {
		return nil, fmt.Errorf("cycle in load graph: %s -> %s", strings.Join(chain, " -> "), key)
	}
	if v, ok := l.env.Cache.Get(key); ok {
		e := v.(*cacheEntry)
		return e.mod, e.err
	}
	mod, err := l.exec(path, append(chain, key))
	l.env.Cache.Put(key, &cacheEntry{mod, err})
	return mod, err
}

func cacheKey(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return "starlark:" + abs
	}
	return "starlark:" + path
}

// exec executes one file's top level. What it acquires from host modules
// lives as long as the module does.
func (l *loader) exec(path string, chain []string) (*module, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	mod := &module{path: path, files: []string{path}}
	t := engine.OwnedThread(l.thread, mod)
	thread := newThread("load "+path, t, l.maxDepth)
	thread.Load = func(_ *starlark.Thread, name string) (starlark.StringDict, error) {
		target := resolve(path, name)
		if err := l.env.CheckHelper(target); err != nil {
			return nil, err
		}
		dep, err := l.load(target, chain)
		if err != nil {
			return nil, err
		}
		for _, f := range dep.files {
			if !slices.Contains(mod.files, f) {
				mod.files = append(mod.files, f)
			}
		}
		return dep.globals, nil
	}
	stop := context.AfterFunc(l.ctx, func() { thread.Cancel("the load timeout passed") })
	defer stop()
	globals, err := starlark.ExecFileOptions(fileOptions, thread, path, src, l.predeclared)
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

// loadError turns an error from executing a file's top level into a
// script error naming the file.
func loadError(path string, err error) error {
	if e := scriptError("", err); e.Backtrace != "" {
		return e
	}
	if _, ok := err.(syntax.Error); ok {
		return err // already "file:line:col: msg"
	}
	return fmt.Errorf("%s: %w", path, err)
}

// program is a loaded function file.
type program struct {
	mod      *module
	top      *machine
	maxDepth int
}

func (p *program) Files() []string                     { return p.mod.files }
func (p *program) Top() engine.Machine[starlark.Value] { return p.top }
func (p *program) NewMachine(t *engine.Thread) (engine.Machine[starlark.Value], error) {
	return newMachine(p.mod, t, p.maxDepth), nil
}
