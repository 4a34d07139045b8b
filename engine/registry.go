package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// DefaultLoadTimeout is the default of Options.LoadTimeout
// ([flexfun] load_timeout_ms).
const DefaultLoadTimeout = 10 * time.Second

// Options configure a Registry.
type Options struct {
	Runtimes  []Runtime
	Settings  map[string]any   // ctx.settings for every script
	Logger    *slog.Logger     // nil: slog.Default()
	Allocator memory.Allocator // nil: memory.DefaultAllocator
	// LoadTimeout bounds the load of one file: its top level and its
	// on_load together. 0: DefaultLoadTimeout.
	LoadTimeout time.Duration
	// Modules and Functions are the host modules and functions scripts
	// see as globals, beside the contract's own (emit, table).
	Modules   []*Module
	Functions []*Func
	// ContextAttrs, Declarations and Hooks extend the contract for host
	// modules: attributes of ctx, declarations of function files, and
	// wrappers around every call (see extension.go).
	ContextAttrs []*ContextAttr
	Declarations []*Declaration
	Hooks        []CallHook
	// Extensions add all of the above at once, after the fields' own.
	Extensions []*Extension
	// Redact, when set, takes secrets out of the load errors Status
	// reports.
	Redact func(string) string
	// ModulePaths are directories helpers may be loaded from besides
	// those of the configured function paths ([flexfun] module_paths).
	ModulePaths []string
	// MaxCallDepth bounds the depth of script calls ([flexfun]
	// max_call_depth); 0: DefaultMaxCallDepth.
	MaxCallDepth int
	// MemoryLimit bounds the process's memory ([flexfun] memory_limit):
	// the run that grows it past the limit is stopped (see memory.go).
	// 0: no limit.
	MemoryLimit int64
	// MaxValueBytes bounds one value a single step of a script makes
	// (LoadEnv.MaxValueBytes); 0: an eighth of MemoryLimit.
	MaxValueBytes int64
	// MaxResultRows and MaxResultBytes bound one call's result, checked
	// while it is built ([flexfun] max_result_rows, max_result_bytes).
	// 0: no limit.
	MaxResultRows, MaxResultBytes int64
}

// DefaultMaxCallDepth is the default of Options.MaxCallDepth.
const DefaultMaxCallDepth = 1000

// A Registry holds the functions a server offers.
//
// Load reads them strictly (start-up: any problem fails the whole load);
// Reload reloads them forgivingly (a file that fails keeps its last good
// version serving, and the problem is reported by Problems).
//
// A Registry is safe for concurrent use: lookups see either the functions
// before a (re)load or the functions after it, never a mix. Loads are
// serialised.
type Registry struct {
	opts     Options
	guard    *memoryGuard
	settings Value // opts.Settings as a *Map
	builtins *Builtins
	mu       sync.Mutex // serialises Load and Reload
	paths    []string   // the configured paths, kept for Reload
	current  atomic.Pointer[catalog]
}

// catalog is an immutable snapshot of the registry.
type catalog struct {
	list   []*Function
	byName map[string]*Function
	files  map[string]fileState // every script file found, by path
	order  []string             // paths in discovery order
}

// fileState is what the registry knows of one script file.
type fileState struct {
	fn     *Function // last good version; nil for a helper module or a file that never loaded
	digest string    // digest of the files this state was loaded from (see watchedFiles)
	err    error     // the last load's problem; nil when the file is good
	since  time.Time // when err appeared
}

// watchedFiles are the files whose change makes a state stale: the
// function's file and helpers, or the file itself for a helper module or a
// file that failed.
func (st fileState) watchedFiles(path string) []string {
	if st.fn != nil && st.err == nil {
		return st.fn.Files()
	}
	return []string{path}
}

// Problem is a script file whose last load failed.
type Problem struct {
	Path    string
	Err     error
	Since   time.Time
	Serving string // the name of the previous version still serving, "" if none
}

// NewRegistry returns an empty Registry.
func NewRegistry(opts Options) *Registry {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Allocator == nil {
		opts.Allocator = memory.DefaultAllocator
	}
	if opts.LoadTimeout <= 0 {
		opts.LoadTimeout = DefaultLoadTimeout
	}
	if opts.MaxCallDepth <= 0 {
		opts.MaxCallDepth = DefaultMaxCallDepth
	}
	for _, x := range opts.Extensions {
		opts.Modules = append(opts.Modules, x.Modules...)
		opts.Functions = append(opts.Functions, x.Functions...)
		opts.ContextAttrs = append(opts.ContextAttrs, x.ContextAttrs...)
		opts.Declarations = append(opts.Declarations, x.Declarations...)
		opts.Hooks = append(opts.Hooks, x.Hooks...)
	}
	r := &Registry{opts: opts, builtins: &Builtins{Modules: opts.Modules, Functions: opts.Functions}}
	if opts.MemoryLimit > 0 {
		r.guard = newMemoryGuard(opts.MemoryLimit, opts.Logger)
	}
	var err error
	if r.settings, err = FromSettings(opts.Settings); err != nil || r.settings == nil {
		r.settings = NewMap(0) // settings come from TOML, which FromSettings always takes
	}
	r.current.Store(newCatalog(nil))
	return r
}

// Extensions returns the file extensions of the registry's runtimes.
func (r *Registry) Extensions() []string {
	exts := make([]string, len(r.opts.Runtimes))
	for i, rt := range r.opts.Runtimes {
		exts[i] = rt.Extension()
	}
	return exts
}

// Functions returns the loaded functions in load order.
func (r *Registry) Functions() []*Function { return r.current.Load().list }

// SetMemoryRelief gives the memory guard a way to free memory without
// failing a call: past memory_limit it calls relieve first, which returns
// the bytes it freed (a server drops the results already read), and stops
// a run only if that freed nothing or was not enough. Without a memory
// limit it does nothing.
func (r *Registry) SetMemoryRelief(relieve func() int64) {
	if r.guard != nil {
		r.guard.relief.Store(&relieve)
	}
}

// Lookup returns the function called name.
func (r *Registry) Lookup(name string) (*Function, bool) {
	f, ok := r.current.Load().byName[name]
	return f, ok
}

// Problems returns the files whose last load failed, in discovery order.
func (r *Registry) Problems() []Problem {
	c := r.current.Load()
	var out []Problem
	for _, path := range c.order {
		st := c.files[path]
		if st.err == nil {
			continue
		}
		p := Problem{Path: path, Err: st.err, Since: st.since}
		if st.fn != nil && c.byName[st.fn.name] == st.fn {
			p.Serving = st.fn.name
		}
		out = append(out, p)
	}
	return out
}

// Files returns every file the loaded functions depend on: the function
// files, their helpers, and the script files that failed to load.
func (r *Registry) Files() []string {
	c := r.current.Load()
	seen := map[string]bool{}
	var out []string
	for _, path := range c.order {
		files := []string{path}
		if fn := c.files[path].fn; fn != nil {
			files = fn.Files()
		}
		for _, f := range files {
			if !seen[f] {
				seen[f] = true
				out = append(out, f)
			}
		}
	}
	return out
}

// Paths returns the configured paths of the last Load.
func (r *Registry) Paths() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.paths
}

// LoadPaths loads every function found under paths (see FindScripts) and,
// only if all of them load, replaces the registry's functions with them.
// Otherwise it returns every problem found, joined, and keeps the old set.
// The paths are kept for Reload.
func (r *Registry) LoadPaths(paths []string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	files, err := FindScripts(paths, r.Extensions())
	if err != nil {
		return err
	}
	if err := r.loadStrict(files, paths); err != nil {
		return err
	}
	r.paths = paths
	return nil
}

// LoadFiles loads the given script files like LoadPaths.
func (r *Registry) LoadFiles(files []string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.loadStrict(files, files); err != nil {
		return err
	}
	r.paths = files
	return nil
}

func (r *Registry) loadStrict(files, paths []string) error {
	next := newCatalog(files)
	env := r.newEnv(paths)
	var errs []error
	for _, path := range files {
		st := r.loadState(path, env, fileState{})
		next.files[path] = st
		if st.err != nil {
			errs = append(errs, st.err)
		}
	}
	errs = append(errs, next.index(nil)...)
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	r.current.Store(next)
	return nil
}

func newCatalog(order []string) *catalog {
	return &catalog{byName: map[string]*Function{}, files: map[string]fileState{}, order: order}
}

// newEnv returns the environment of a load pass over the functions of
// paths.
func (r *Registry) newEnv(paths []string) *Env {
	return &Env{
		Roots:         roots(paths, r.opts.ModulePaths),
		MaxCallDepth:  r.opts.MaxCallDepth,
		MaxValueBytes: r.maxValueBytes(),
		Settings:      r.settings, Logger: r.opts.Logger, Cache: NewCache(), Builtins: r.builtins, Allocator: r.opts.Allocator,
		ContextAttrs: r.opts.ContextAttrs, Declarations: r.opts.Declarations,
	}
}

// maxValueBytes is the bound of one value a single step makes.
func (r *Registry) maxValueBytes() int64 {
	if r.opts.MaxValueBytes > 0 {
		return r.opts.MaxValueBytes
	}
	return r.opts.MemoryLimit / 8
}

// index fills list and byName from files, in order. The functions of the
// files not in fresh claim their names first, so that a file reloaded with a
// name another function already uses loses it: its previous version keeps
// serving if its name is still free, and the problem is recorded on its file
// and returned.
func (c *catalog) index(fresh map[string]fileState) []error {
	var errs []error
	owner := map[string]string{} // function name → path
	claim := func(path string) {
		st := c.files[path]
		if st.fn == nil {
			return
		}
		if other, taken := owner[st.fn.name]; taken {
			err := fmt.Errorf("%s: function name %q is already used by %s", path, st.fn.name, other)
			errs = append(errs, err)
			st.err, st.since = err, time.Now()
			st.fn = nil
			if old, ok := fresh[path]; ok && old.fn != nil {
				if _, taken := owner[old.fn.name]; !taken {
					st.fn = old.fn
					owner[old.fn.name] = path
				}
			}
			c.files[path] = st
			return
		}
		owner[st.fn.name] = path
	}
	for _, path := range c.order {
		if _, ok := fresh[path]; !ok {
			claim(path)
		}
	}
	for _, path := range c.order {
		if _, ok := fresh[path]; ok {
			claim(path)
		}
	}
	for _, path := range c.order {
		if fn := c.files[path].fn; fn != nil && owner[fn.name] == path {
			c.byName[fn.name] = fn
			c.list = append(c.list, fn)
		}
	}
	return errs
}

// loadState loads one file. On failure the returned state keeps old's
// function (the last good version) and records the error.
func (r *Registry) loadState(path string, env *Env, old fileState) fileState {
	fn, err := r.LoadFile(path, env)
	st := fileState{fn: fn}
	if err != nil {
		st = fileState{fn: old.fn, err: err, since: time.Now()}
		if old.err != nil && old.err.Error() == err.Error() {
			st.since = old.since
		}
	}
	st.digest = digestFiles(st.watchedFiles(path))
	return st
}

// LoadFile loads one file with env and runs its on_load hook, both within
// the load timeout. It returns (nil, nil) for a helper module. It does not
// change the registry.
func (r *Registry) LoadFile(path string, env *Env) (*Function, error) {
	rt := r.runtimeFor(path)
	if rt == nil {
		return nil, fmt.Errorf("%s: no runtime for %q files", path, filepath.Ext(path))
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.opts.LoadTimeout)
	defer cancel()
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	defer r.guard.leave(r.guard.enter(path, stop))
	script, err := rt.Load(ctx, path, env)
	if ctx.Err() != nil {
		return nil, r.loadStopped(ctx, path, "the top level")
	}
	if err != nil || script == nil {
		return nil, err
	}
	f, err := newFunction(path, script, r.opts, r.guard)
	if err != nil {
		return nil, err
	}
	if err := script.OnLoad(ctx, f.name); err != nil {
		if ctx.Err() != nil {
			return nil, r.loadStopped(ctx, path, "on_load")
		}
		return nil, err
	}
	return f, nil
}

// loadStopped reports a load stopped by the load timeout or the memory
// guard.
func (r *Registry) loadStopped(ctx context.Context, path, what string) error {
	var me *MemoryError
	if errors.As(context.Cause(ctx), &me) {
		return fmt.Errorf("%s: %s was %v", path, what, me)
	}
	return fmt.Errorf("%s: %s did not finish within the load timeout of %v ([flexfun] load_timeout_ms)", path, what, r.opts.LoadTimeout)
}

func (r *Registry) runtimeFor(path string) Runtime {
	ext := filepath.Ext(path)
	for _, rt := range r.opts.Runtimes {
		if rt.Extension() == ext {
			return rt
		}
	}
	return nil
}
