package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Options configure a Registry.
type Options struct {
	Runtimes    []Runtime
	Settings    map[string]any   // ctx.settings for every script
	Logger      *slog.Logger     // nil: slog.Default()
	Allocator   memory.Allocator // nil: memory.DefaultAllocator
	LoadTimeout time.Duration    // bound on one on_load; 0: one minute
}

// A Registry holds the functions a server offers.
// A Registry is safe for concurrent use: lookups see either the functions
// before a load or the functions after it, never a mix.
type Registry struct {
	opts    Options
	current atomic.Pointer[catalog]
}

// catalog is an immutable set of functions.
type catalog struct {
	list   []*Function
	byName map[string]*Function
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
		opts.LoadTimeout = time.Minute
	}
	r := &Registry{opts: opts}
	r.current.Store(&catalog{byName: map[string]*Function{}})
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

// Lookup returns the function called name.
func (r *Registry) Lookup(name string) (*Function, bool) {
	f, ok := r.current.Load().byName[name]
	return f, ok
}

// LoadPaths loads every function found under paths (see FindScripts) and,
// only if all of them load, replaces the registry's functions with them.
// Otherwise it returns every problem found, joined, and keeps the old set.
func (r *Registry) LoadPaths(paths []string) error {
	files, err := FindScripts(paths, r.Extensions())
	if err != nil {
		return err
	}
	return r.LoadFiles(files)
}

// LoadFiles loads the given script files like LoadPaths.
func (r *Registry) LoadFiles(files []string) error {
	env := &Env{Settings: r.opts.Settings, Logger: r.opts.Logger, Cache: NewCache()}
	next := &catalog{byName: make(map[string]*Function)}
	var errs []error
	for _, path := range files {
		f, err := r.LoadFile(path, env)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if f == nil {
			continue // a helper module
		}
		if prev, dup := next.byName[f.name]; dup {
			errs = append(errs, fmt.Errorf("%s: function name %q is already used by %s", path, f.name, prev.path))
			continue
		}
		next.byName[f.name] = f
		next.list = append(next.list, f)
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	r.current.Store(next)
	return nil
}

// LoadFile loads one file with env and runs its on_load hook.
// It returns (nil, nil) for a helper module.
func (r *Registry) LoadFile(path string, env *Env) (*Function, error) {
	rt := r.runtimeFor(path)
	if rt == nil {
		return nil, fmt.Errorf("%s: no runtime for %q files", path, filepath.Ext(path))
	}
	script, err := rt.Load(path, env)
	if err != nil || script == nil {
		return nil, err
	}
	f, err := newFunction(path, script, r.opts.Allocator, r.opts.Logger)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.opts.LoadTimeout)
	defer cancel()
	if err := script.OnLoad(ctx, f.name); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s: on_load did not finish within %v", path, r.opts.LoadTimeout)
		}
		return nil, err
	}
	return f, nil
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
