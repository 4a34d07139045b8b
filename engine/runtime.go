package engine

import (
	"context"
	"log/slog"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
)

// A Runtime loads the script files of one language. Make one with
// NewRuntime from the language's glue (a Language). A Runtime is safe for
// concurrent use.
type Runtime interface {
	// Extension returns the file extension the runtime handles, e.g. ".star".
	Extension() string
	// Load compiles the file at path and runs its top level, stopping it
	// when ctx is done. It returns (nil, nil) for a helper module: a file
	// that does not define a top-level call.
	Load(ctx context.Context, path string, env *Env) (Script, error)
}

// Env is what a runtime needs from the registry while loading files.
type Env struct {
	// Settings is the merged server configuration as a *Map, every
	// section (ctx.settings in scripts).
	Settings Value
	// Logger receives print() / console.log() output and log events.
	Logger *slog.Logger
	// Cache is shared by the loads of one pass, so that a helper module
	// loaded by several functions is evaluated once.
	Cache *Cache
	// Builtins are the host modules and functions scripts see.
	Builtins *Builtins
	// Allocator allocates the tables scripts make.
	Allocator memory.Allocator
	// Roots are the directories helpers may be loaded from.
	Roots []string
	// MaxCallDepth bounds the depth of script calls.
	MaxCallDepth int
	// MaxValueBytes bounds one string a single step makes (0: none).
	MaxValueBytes int64
	// ContextAttrs and Declarations are the extensions' (see Options).
	ContextAttrs []*ContextAttr
	Declarations []*Declaration
}

// A Script is one loaded version of a function file. It is safe for
// concurrent use: Run may be called from many goroutines at once.
type Script interface {
	// Declarations returns name, metadata and schema as declared.
	Declarations() Declarations
	// OnLoad runs the script's on_load(ctx) hook, if any, and keeps its
	// frozen result as ctx.state for every later call.
	OnLoad(ctx context.Context, function string) error
	// Run runs call(parameters, columns, headers, ctx), writing rows into
	// c.Builder. When ctx is done, Run interrupts the script, runs the
	// script's cancel() hook once, and returns.
	Run(ctx context.Context, c *Call) error
	// Files returns the files the script depends on: itself first, then
	// every helper it loaded, directly or not.
	Files() []string
}

// Call is one invocation of a function, as a Script sees it.
type Call struct {
	Function *Function
	Info     *CallInfo // the request, and what hooks stored for the call
	Builder  *arrowbridge.Builder
	Logger   *slog.Logger // already tagged with function and task_id
	Scope    *Scope       // released when the call ends
	// Metadata is set by Run: what host functions put in the result's
	// schema metadata.
	Metadata map[string]string
}
