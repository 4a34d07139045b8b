package engine

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
)

// Language is the interpreter glue a runtime implements: everything the
// engine needs from one scripting language, and nothing of the contract.
// V is the language's value type (starlark.Value, goja.Value). NewRuntime
// turns a Language into a Runtime; the contract (declarations, emit, the
// three result shapes, tables, ctx, host modules, errors, bounds) is the
// engine's. docs/architecture.md lists what a new language implements.
type Language[V any] interface {
	// Extension returns the file extension, e.g. ".star".
	Extension() string
	// Vocabulary returns the language's words for the engine's messages.
	Vocabulary() *Vocabulary
	// Load compiles the file at path and every helper it loads, and runs
	// its top level on t (t's context bounds it: when it is done the
	// runtime interrupts the script). Errors name the file and line.
	Load(ctx context.Context, path string, env *LoadEnv, t *Thread) (Program[V], error)
}

// LoadEnv is what a runtime needs from the engine while loading files.
type LoadEnv struct {
	// Cache is shared by the loads of one pass, so that a helper loaded by
	// several functions is compiled once. A runtime stores what it likes
	// under its own keys.
	Cache *Cache
	// Logger receives print output and log events of the top level.
	Logger *slog.Logger
	// Builtins are the host modules and functions every file sees.
	Builtins *Builtins
	// Roots are the directories helpers may be loaded from (see
	// CheckHelper); nil does not confine.
	Roots []string
	// MaxCallDepth bounds the depth of script calls: a runtime ends a call
	// that goes deeper with an error naming the limit (MaxDepthError).
	MaxCallDepth int
	// MaxValueBytes bounds the size of one value (a string, a list or
	// array, a buffer) that a single step of the language may make
	// (concatenation, repetition, formatting, joining, collecting a range):
	// such a step cannot be interrupted, so the memory guard could not stop
	// it in time. The runtimes' interpreters enforce it process-wide
	// (third_party/patches): the last load's value holds. 0: no bound. An
	// error past it ends with MaxValueNote.
	MaxValueBytes int64
}

// MaxValueNote ends the message of a step refused by LoadEnv.MaxValueBytes:
// the setting that raises the bound.
const MaxValueNote = "an eighth of [flexfun] memory_limit"

// Program is one loaded function file (or helper module).
type Program[V any] interface {
	// Files returns the file followed by every helper it loads.
	Files() []string
	// Top returns the machine that ran the top level. The engine reads
	// the declarations on it and runs on_load on it, once.
	Top() Machine[V]
	// NewMachine returns a machine for one call, ready to run: a Starlark
	// thread over the frozen globals, or a fresh JavaScript runtime that
	// has run the top level. It runs on t.
	NewMachine(t *Thread) (Machine[V], error)
}

// Machine runs script code of one program on one thread. It is not safe
// for concurrent use, except Interrupt.
type Machine[V any] interface {
	Values[V]
	// SetThread makes the machine run on t from now on (the engine runs
	// on_load and the cancel hook on threads of their own).
	SetThread(t *Thread)
	// Global returns a top-level declaration of the function file.
	Global(name string) (V, bool)
	// Call calls a script function with args (a language whose functions
	// may declare fewer parameters passes only those). Script errors come
	// back as *flexfun.ScriptError naming the file and line.
	Call(fn V, args []V) (V, error)
	// Interrupt stops the script running on the machine as soon as it can.
	// It may be called from any goroutine.
	Interrupt(reason string)
	// Uncancel clears an interrupt, so that the machine can run the
	// script's cancel hook after its call was abandoned.
	Uncancel()
	// Init prepares a machine from NewMachine to call: a JavaScript
	// runtime runs the file's top level. The engine interrupts it when
	// the call is abandoned meanwhile.
	Init() error
	// Guard runs fn, Go code that reads script values (a JavaScript
	// getter may throw): a script error raised meanwhile comes back as
	// *flexfun.ScriptError; fn's own errors come back unchanged.
	Guard(fn func() error) error
	// Freeze makes the value on_load returned into ctx.state: a frozen
	// value of the language, or data that later machines view read-only.
	Freeze(v V) (any, error)
	// FromSettings prepares the settings (a *Map) to be shown as
	// ctx.settings on every call of one load pass, e.g. as a frozen dict.
	FromSettings(settings Value) (any, error)
}

// Shape says how the engine may read a script value as a result or a row.
type Shape int

// Shapes of script values.
const (
	ShapeOther  Shape = iota
	ShapeNull         // None, null, undefined
	ShapeList         // a sequence: Len and Index (list, tuple, array)
	ShapeMap          // a mapping: keys and Get (dict, plain object); as a result, columns
	ShapeRecord       // a mapping usable only as a row (a class instance)
	ShapeIter         // an iterable of rows (a JavaScript generator or Set): Iterate
	ShapeTyped        // a sequence usable only as a column (a typed array)
	ShapeTable        // a table: AsTable
)

// Values is how the engine reads and makes a language's values.
type Values[V any] interface {
	Converter
	// FromValue converts a Value into the language.
	FromValue(x Value) (V, error)
	// Shape says what v is, for results and rows.
	Shape(v V) Shape
	// Callable reports whether v is a script function.
	Callable(v V) bool
	// Len and Index read a ShapeList or ShapeTyped value.
	Len(v V) int
	Index(v V, i int) V
	// UnknownKey returns the first key of a ShapeMap or ShapeRecord value
	// that known does not accept, if any; an error for a key that is not
	// a string.
	UnknownKey(v V, known func(string) bool) (string, bool, error)
	// Keys returns the keys of a ShapeMap value, in order.
	Keys(v V) ([]string, error)
	// Get returns the value of key in a ShapeMap or ShapeRecord value.
	Get(v V, key string) (V, bool)
	// Iterate calls yield for each item of a ShapeIter value until yield
	// returns an error.
	Iterate(v V, yield func(V) error) error
	// AsTable returns the table a ShapeTable value holds.
	AsTable(v V) *arrowbridge.Table
	// Append converts v into a column, following the column's type.
	Append(a arrowbridge.Appender, v V) error
	// AppendRange appends items lo to hi of a ShapeTyped value in bulk.
	AppendRange(a arrowbridge.Appender, v V, lo, hi int) error
}

// MaxDepthError is the message of a call that went deeper than
// LoadEnv.MaxCallDepth, for runtimes to raise in the language.
func MaxDepthError(depth int) string {
	return fmt.Sprintf("maximum call depth of %d exceeded ([flexfun] max_call_depth)", depth)
}

// Backtraces keep at most BacktraceHead frames of one end and
// BacktraceTail of the other: runaway recursion has thousands.
const (
	BacktraceHead = 20
	BacktraceTail = 10
)

// ElideFrames returns frames with the middle ones left out, when there are
// more than BacktraceHead+BacktraceTail, replaced by one line saying how
// many ("... 980 more frames", indented as indent says).
func ElideFrames(frames []string, indent string) []string {
	n := len(frames)
	if n <= BacktraceHead+BacktraceTail {
		return frames
	}
	out := append([]string{}, frames[:BacktraceHead]...)
	out = append(out, fmt.Sprintf("%s... %d more frames", indent, n-BacktraceHead-BacktraceTail))
	return append(out, frames[n-BacktraceTail:]...)
}
