package engine

import (
	"context"
	"errors"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/flexfun-script/flexfun-script/flexfun"
)

// An Object is a host object: a value the server makes for scripts, such
// as a table, ctx, a module or an HTTP response. Scripts see its
// attributes (t.columns, ctx.function) and call those that are host
// functions (t.select("a"), log.info("x")). Both languages show the same
// attributes under the same names. Objects are immutable once scripts can
// see them, and safe for concurrent use.
type Object interface {
	// TypeName names the object's type in messages: "table", "ctx".
	TypeName() string
	// AttrNames lists the attributes, for dir() and Object.keys().
	AttrNames() []string
	// Attr returns the named attribute, or ErrNoAttr.
	Attr(name string) (Value, error)
}

// A Lener is an Object with a length: len(t) in Starlark, t.length in
// JavaScript.
type Lener interface {
	Len() int
}

// ErrNoAttr is returned by Object.Attr for a name it does not have.
var ErrNoAttr = errors.New("no such attribute")

// A Module is a host module: built-ins written once in Go and offered to
// every language under one global name, with the same functions, argument
// names and error messages. Register modules through Options.Modules.
type Module struct {
	Name   string
	Funcs  []*Func
	Consts map[string]Value // constant members, e.g. a version string
}

// TypeName implements Object.
func (m *Module) TypeName() string { return "module" }

// AttrNames implements Object.
func (m *Module) AttrNames() []string {
	names := make([]string, 0, len(m.Funcs)+len(m.Consts))
	for _, f := range m.Funcs {
		names = append(names, f.AttrName())
	}
	for k := range m.Consts {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

// Attr implements Object.
func (m *Module) Attr(name string) (Value, error) {
	for _, f := range m.Funcs {
		if f.AttrName() == name {
			return f, nil
		}
	}
	if v, ok := m.Consts[name]; ok {
		return v, nil
	}
	return nil, ErrNoAttr
}

// Func is a host function. Its arguments are bound by name the same way in
// both languages: Params are positional (a Starlark call may also name
// them); Options are keyword-only in Starlark and the fields of a trailing
// options object in JavaScript:
//
//	http.get(url, timeout="5s")        # Starlark
//	http.get(url, {timeout: "5s"})     // JavaScript
//
// JavaScript built-ins are synchronous: they return their result, never
// a Promise.
type Func struct {
	// Name is the function's name as scripts write it ("log.info"); it
	// prefixes every error the function reports.
	Name string
	// Attr is the attribute name within its module or object ("info");
	// Name's last part when empty.
	Attr string
	// Params are the positional parameters, in order; a trailing "?"
	// marks an optional one (all optional ones come last).
	Params []string
	// Options are the keyword-only parameters.
	Options []string
	// AnyOptions accepts options of any name (log.info's fields).
	AnyOptions bool
	// Variadic accepts positional arguments beyond Params (Args.Rest).
	Variadic bool
	// Impl does the work. It runs on the script's goroutine and must
	// return promptly once t.Context() is done.
	Impl func(t *Thread, args *Args) (Value, error)
}

// AttrName returns the function's name within its module or object.
func (f *Func) AttrName() string {
	if f.Attr != "" {
		return f.Attr
	}
	return f.Name[strings.LastIndexByte(f.Name, '.')+1:]
}

// TakesOptions reports whether a JavaScript call may end with an options
// object: the function has options, or optional parameters, which the
// object may then name.
func (f *Func) TakesOptions() bool {
	return len(f.Options) > 0 || f.AnyOptions || f.Required() < len(f.Params)
}

// Names reports whether name is a parameter or an option of f (any name
// is, with AnyOptions).
func (f *Func) Names(name string) bool {
	if f.AnyOptions || slices.Contains(f.Options, name) {
		return true
	}
	for _, p := range f.Params {
		if strings.TrimSuffix(p, "?") == name {
			return true
		}
	}
	return false
}

// Required returns the number of required positional parameters.
func (f *Func) Required() int {
	n := 0
	for _, p := range f.Params {
		if !strings.HasSuffix(p, "?") {
			n++
		}
	}
	return n
}

// NumParams returns the number of positional parameters.
func (f *Func) NumParams() int { return len(f.Params) }

// Builtins are the host modules and functions that every file sees as
// globals, beside the contract's own (emit, table).
type Builtins struct {
	Modules   []*Module
	Functions []*Func
}

// Names returns the global names, modules first.
func (b *Builtins) Names() []string {
	var names []string
	for _, m := range b.Modules {
		names = append(names, m.Name)
	}
	for _, f := range b.Functions {
		names = append(names, f.Name)
	}
	return names
}

// Get returns the global named name: a *Module or a *Func.
func (b *Builtins) Get(name string) (Value, bool) {
	for _, m := range b.Modules {
		if m.Name == name {
			return m, true
		}
	}
	for _, f := range b.Functions {
		if f.Name == name {
			return f, true
		}
	}
	return nil, false
}

// A Thread is one run of script code: a function's top level while it
// loads, its on_load, one call, or its cancel hook. Host functions receive
// it. A Thread is used by one goroutine at a time, except for Context and
// Cancelled.
type Thread struct {
	ctx       context.Context
	function  string
	logger    *slog.Logger
	scope     *Scope
	vocab     *Vocabulary
	cancelled *atomic.Bool
	rows      any // *Rows[V] while a call runs

	fn         *Function         // the function that runs; nil while a file's top level runs
	badRequest string            // set by bad_request: the call ends with BAD_ARGUMENT
	call       *CallInfo         // the call; nil outside calls
	metadata   map[string]string // for the result's schema, set by host functions
}

// Context returns the run's context: cancelled when the call is abandoned
// or its deadline passes (for a load: when the load timeout passes).
// Blocking I/O in a host function must stop when it is done.
func (t *Thread) Context() context.Context { return t.ctx }

// Function returns the name of the function that runs; "" while a file's
// top level runs.
func (t *Thread) Function() string { return t.function }

// Logger returns the run's logger, tagged with the file, the function and
// the call's task_id.
func (t *Thread) Logger() *slog.Logger { return t.logger }

// Scope returns the run's resource scope: what a host function opens or
// allocates for the run and registers there is released when the run
// ends, however it ends. The scope of a load (top level and on_load)
// lasts as long as the loaded version of the function.
func (t *Thread) Scope() *Scope { return t.scope }

// Vocabulary returns the words of the script's language, for messages.
func (t *Thread) Vocabulary() *Vocabulary { return t.vocab }

// Cancelled reports whether the run has been abandoned.
func (t *Thread) Cancelled() bool { return t.cancelled.Load() }

// Request returns the request of the call that runs, nil outside calls
// (a top level, on_load).
func (t *Thread) Request() *flexfun.Request {
	if t.call == nil {
		return nil
	}
	return t.call.Request
}

// Local returns what a CallHook or a host function stored for the call
// under key (nil outside calls).
func (t *Thread) Local(key any) any {
	if t.call == nil {
		return nil
	}
	return t.call.Local(key)
}

// SetLocal stores v for the rest of the call under key. Outside calls it
// does nothing.
func (t *Thread) SetLocal(key, v any) {
	if t.call != nil {
		t.call.SetLocal(key, v)
	}
}

// Declaration returns an extension declaration (Options.Declarations) of
// the function that runs.
func (t *Thread) Declaration(name string) (Value, bool) {
	if t.fn == nil {
		return nil, false
	}
	return t.fn.Declaration(name)
}

// Schema returns the declared schema of the function that runs, nil
// while a file's top level runs.
func (t *Thread) Schema() *arrow.Schema {
	if t.fn == nil {
		return nil
	}
	return t.fn.schema
}

// SetResultMetadata sets key in the schema metadata of the call's result,
// which GoodData sees in the FlightInfo and the DoGet stream.
func (t *Thread) SetResultMetadata(key, value string) {
	if t.metadata == nil {
		t.metadata = map[string]string{}
	}
	t.metadata[key] = value
}

// Print writes a print() or console.log() line to the server log.
func (t *Thread) Print(level slog.Level, text string) {
	t.logger.Log(t.ctx, level, "print", "message", text) // the call's context: trace ids
}

// newThread returns a thread for a run of function (or a top level).
func newThread(ctx context.Context, function string, logger *slog.Logger, scope *Scope, vocab *Vocabulary) *Thread {
	return &Thread{ctx: ctx, function: function, logger: logger, scope: scope, vocab: vocab, cancelled: new(atomic.Bool)}
}

// A Scope releases what host functions acquired for a run when the run
// ends. It is safe for concurrent use.
type Scope struct {
	mu     sync.Mutex
	fns    []func()
	closed bool
}

// Defer registers fn to run when the scope closes, after every function
// registered later. On a closed scope fn runs at once.
func (s *Scope) Defer(fn func()) {
	s.mu.Lock()
	if !s.closed {
		s.fns = append(s.fns, fn)
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	fn()
}

// Close runs the registered functions, last first. Later calls do nothing.
func (s *Scope) Close() {
	s.mu.Lock()
	fns := s.fns
	s.fns, s.closed = nil, true
	s.mu.Unlock()
	for i := len(fns) - 1; i >= 0; i-- {
		fns[i]()
	}
}

// OwnedThread returns a thread like t whose scope is its own and closes
// once owner is no longer reachable: what a file's top level acquires (a
// table kept in a global) lives as long as the loaded file does. Runtimes
// use it for the top level of every file and helper they execute. owner
// must not be reachable from what the scope releases.
func OwnedThread[T any](t *Thread, owner *T) *Thread {
	c := *t
	c.scope = new(Scope)
	runtime.AddCleanup(owner, (*Scope).Close, c.scope)
	return &c
}
