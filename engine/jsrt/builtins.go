package jsrt

import (
	"log/slog"
	"strings"
	"time"

	"github.com/dop251/goja"

	"github.com/flexfun-script/flexfun-script/engine"
)

// installBuiltins defines the globals every script and helper sees: emit,
// print, console, and the host modules and functions. JSON, Math, Date and
// the rest of the language's standard built-ins come with goja.
func (v *vm) installBuiltins(b *engine.Builtins) {
	g := v.rt.GlobalObject()
	_ = g.Set("emit", v.native("emit", v.emit))
	_ = g.Set("print", v.native("print", v.printer(slog.LevelInfo)))
	_ = g.Set("console", v.lazy([]string{"log", "info", "debug", "warn", "error"}, "", func(name string) goja.Value {
		return v.native(name, v.printer(consoleLevels[name]))
	}))
	for _, name := range b.Names() {
		val, _ := b.Get(name)
		_ = g.Set(name, v.fromValue(val))
	}
}

var consoleLevels = map[string]slog.Level{
	"log": slog.LevelInfo, "info": slog.LevelInfo, "debug": slog.LevelDebug,
	"warn": slog.LevelWarn, "error": slog.LevelError,
}

// emit appends one row: emit(v1, v2, ...) in schema order, emit({col: v,
// ...}) by column name with missing columns null, or emit(table).
func (v *vm) emit(c goja.FunctionCall) goja.Value {
	rows, err := engine.RowsOf[goja.Value](v.thread)
	if err == nil {
		if obj, ok := namedRow(c.Arguments); ok {
			err = rows.EmitNamed(obj)
		} else {
			err = rows.Emit(c.Arguments)
		}
	}
	if err != nil {
		v.throw(err.Error())
	}
	return goja.Undefined()
}

// namedRow reports whether emit's arguments are one row by column name.
func namedRow(args []goja.Value) (goja.Value, bool) {
	if len(args) != 1 {
		return nil, false
	}
	_, ok := isPlainObject(args[0])
	return args[0], ok
}

// printer returns print and console.*: the arguments, spelled as
// console.log spells them and joined by spaces, become a "print" event in
// the server log, tagged with the function and task_id.
func (v *vm) printer(level slog.Level) func(goja.FunctionCall) goja.Value {
	return func(c goja.FunctionCall) goja.Value {
		parts := make([]string, len(c.Arguments))
		for i, a := range c.Arguments {
			parts[i] = v.inspect(a)
		}
		v.thread.Print(level, strings.Join(parts, " "))
		return goja.Undefined()
	}
}

// inspect spells a value for the log as console.log would, roughly:
// strings as they are, objects and arrays as JSON.
func (v *vm) inspect(x goja.Value) string {
	switch {
	case x == nil:
		return "undefined"
	case goja.IsString(x):
		return x.String()
	case goja.IsBigInt(x):
		return x.String() + "n"
	}
	obj, ok := x.(*goja.Object)
	if !ok {
		return x.String() // undefined, null, numbers, booleans, symbols
	}
	switch obj.ClassName() {
	case "Error":
		return v.errorText(obj)
	case "Function":
		return "[Function: " + obj.Get("name").String() + "]"
	case "Date":
		if t, ok := obj.Export().(time.Time); ok {
			return t.UTC().Format("2006-01-02T15:04:05.000Z")
		}
		return "Invalid Date"
	}
	if s, err := v.stringify(obj); err == nil && goja.IsString(s) {
		return s.String()
	}
	return obj.String()
}
