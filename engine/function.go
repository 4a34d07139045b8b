package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
	"github.com/flexfun-script/flexfun-script/flexfun"
)

// A Function is one loaded version of one function file: its declarations
// checked, its schema built and its on_load hook run.
// A Function is immutable and safe for concurrent calls.
type Function struct {
	name     string
	path     string
	metadata json.RawMessage
	schema   *arrow.Schema
	extra    map[string]Value
	script   Script
	mem      memory.Allocator
	logger   *slog.Logger
	hooks    []CallHook
	limits   arrowbridge.Limits
	guard    *memoryGuard
}

// Name returns the function's name, unique within a registry.
func (f *Function) Name() string { return f.name }

// Path returns the file the function was loaded from.
func (f *Function) Path() string { return f.path }

// Metadata returns the declared metadata as compact JSON, "null" when absent.
func (f *Function) Metadata() json.RawMessage { return f.metadata }

// Schema returns the declared result schema.
func (f *Function) Schema() *arrow.Schema { return f.schema }

// Declaration returns an extension declaration (Options.Declarations)
// the function's file makes.
func (f *Function) Declaration(name string) (Value, bool) {
	v, ok := f.extra[name]
	return v, ok
}

// Files returns the function's file followed by every helper it loads.
func (f *Function) Files() []string { return f.script.Files() }

// Call runs the function for req and returns its result, trimmed to
// req.Columns when that is set. The caller releases the Table. The
// registry's CallHooks wrap the call, first hook outermost.
func (f *Function) Call(ctx context.Context, req *flexfun.Request) (*arrowbridge.Table, error) {
	info := &CallInfo{Context: ctx, Function: f, Request: req}
	next := func() (*arrowbridge.Table, error) { return f.run(ctx, info) }
	for i := len(f.hooks) - 1; i >= 0; i-- {
		hook, inner := f.hooks[i], next
		next = func() (*arrowbridge.Table, error) { return hook(info, inner) }
	}
	return next()
}

// run runs the script for the call.
func (f *Function) run(ctx context.Context, info *CallInfo) (*arrowbridge.Table, error) {
	req := info.Request
	if err := f.checkColumns(req.Columns); err != nil {
		return nil, err
	}
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	run := f.guard.enter(f.name, stop)
	defer f.guard.leave(run)
	b := arrowbridge.NewBuilder(f.schema, run.allocator(f.mem))
	defer b.Release()
	b.SetLimits(f.limits, "[flexfun] max_result_rows", "[flexfun] max_result_bytes")
	scope := new(Scope)
	defer scope.Close()
	call := &Call{
		Function: f,
		Info:     info,
		Builder:  b,
		Logger:   f.logger.With("function", f.name, "task_id", req.CallID),
		Scope:    scope,
	}
	err := f.script.Run(ctx, call)
	if ctx.Err() != nil {
		// Abandoned: whatever the script did after that is discarded.
		var me *MemoryError
		if errors.As(context.Cause(ctx), &me) {
			return nil, &flexfun.ScriptError{Function: f.name, Msg: f.path + ": " + me.Error()}
		}
		return nil, &flexfun.CancelledError{Function: f.name, Cause: context.Cause(ctx)}
	}
	if err != nil {
		return nil, err
	}
	table := b.Finish()
	if len(call.Metadata) > 0 {
		table = withMetadata(table, call.Metadata)
	}
	if len(req.Columns) == 0 {
		return table, nil
	}
	defer table.Release()
	return table.Project(req.Columns)
}

// checkColumns rejects a columns hint that names a column not in the schema.
func (f *Function) checkColumns(columns []string) error {
	for _, c := range columns {
		if len(f.schema.FieldIndices(c)) == 0 {
			return &flexfun.BadRequestError{Msg: fmt.Sprintf(
				"column %q requested in 'columns' is not in the schema of function %q (columns: %s)",
				c, f.name, strings.Join(fieldNames(f.schema), ", "))}
		}
	}
	return nil
}

func fieldNames(s *arrow.Schema) []string {
	names := make([]string, s.NumFields())
	for i, fld := range s.Fields() {
		names[i] = fld.Name
	}
	return names
}

// newFunction checks a script's declarations and wraps it in a Function.
// It does not run on_load.
func newFunction(path string, script Script, opts Options, guard *memoryGuard) (*Function, error) {
	d := script.Declarations()
	name := d.Name
	if name == "" {
		name = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	if err := checkName(name); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(d.Schema) == 0 {
		return nil, fmt.Errorf("%s: schema declares no columns", path)
	}
	schema, err := arrowbridge.NewSchema(d.Schema)
	if err != nil {
		return nil, fmt.Errorf("%s: schema: %w", path, err)
	}
	metadata := d.Metadata
	if metadata == nil {
		metadata = json.RawMessage("null")
	}
	return &Function{
		name:     name,
		path:     path,
		metadata: metadata,
		schema:   schema,
		extra:    d.Extra,
		script:   script,
		mem:      opts.Allocator,
		logger:   opts.Logger,
		hooks:    opts.Hooks,
		limits:   arrowbridge.Limits{Rows: opts.MaxResultRows, Bytes: opts.MaxResultBytes},
		guard:    guard,
	}, nil
}

// errBadName is wrapped by every invalid-name error.
var errBadName = errors.New("invalid function name")

// checkName enforces the contract's rule: 1–128 characters of
// A-Z a-z 0-9 _ . -
func checkName(name string) error {
	if len(name) == 0 || len(name) > 128 {
		return fmt.Errorf("%w %q: must be 1 to 128 characters", errBadName, name)
	}
	for _, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '.' || r == '-'
		if !ok {
			return fmt.Errorf("%w %q: only A-Z a-z 0-9 _ . - are allowed", errBadName, name)
		}
	}
	return nil
}
