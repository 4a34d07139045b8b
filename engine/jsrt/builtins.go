package jsrt

import (
	"context"
	"log/slog"
	"math"
	"strings"
	"time"

	"github.com/dop251/goja"
)

// installBuiltins defines the globals every script and helper sees: emit,
// print, console and log. JSON, Math, Date and the rest of the language's
// standard built-ins come with goja.
func (v *vm) installBuiltins() {
	g := v.rt.GlobalObject()
	_ = g.Set("emit", v.native("emit", v.emit))
	_ = g.Set("print", v.native("print", v.printer(slog.LevelInfo)))
	_ = g.Set("console", v.lazy([]string{"log", "info", "debug", "warn", "error"}, "", func(name string) goja.Value {
		return v.native(name, v.printer(consoleLevels[name]))
	}))
	_ = g.Set("log", v.lazy([]string{"debug", "info", "warning", "warn", "error"}, "", func(name string) goja.Value {
		return v.native("log."+name, v.logFunc(logLevels[name]))
	}))
}

var (
	consoleLevels = map[string]slog.Level{
		"log": slog.LevelInfo, "info": slog.LevelInfo, "debug": slog.LevelDebug,
		"warn": slog.LevelWarn, "error": slog.LevelError,
	}
	logLevels = map[string]slog.Level{
		"debug": slog.LevelDebug, "info": slog.LevelInfo,
		"warning": slog.LevelWarn, "warn": slog.LevelWarn, "error": slog.LevelError,
	}
)

// printer returns print and console.*: the arguments, spelled as
// console.log spells them and joined by spaces, become a "print" event in
// the server log, tagged with the function and task_id.
func (v *vm) printer(level slog.Level) func(goja.FunctionCall) goja.Value {
	return func(c goja.FunctionCall) goja.Value {
		parts := make([]string, len(c.Arguments))
		for i, a := range c.Arguments {
			parts[i] = v.inspect(a)
		}
		v.logger.Log(context.Background(), level, "print", "message", strings.Join(parts, " "))
		return goja.Undefined()
	}
}

// logFunc returns log.debug/info/warning/error(msg, {key: value, ...}): a
// structured event in the server log.
func (v *vm) logFunc(level slog.Level) func(goja.FunctionCall) goja.Value {
	return func(c goja.FunctionCall) goja.Value {
		msg := c.Argument(0)
		text := msg.String()
		if !goja.IsString(msg) {
			text = v.inspect(msg)
		}
		var attrs []any
		if kv, ok := c.Argument(1).(*goja.Object); ok {
			for _, k := range kv.Keys() {
				attrs = append(attrs, k, v.logValue(kv.Get(k)))
			}
		} else if len(c.Arguments) > 1 && !goja.IsUndefined(c.Argument(1)) {
			v.throw("log: want (message, {key: value, ...}), got " + typeName(c.Argument(1)) + " as the second argument")
		}
		v.logger.Log(context.Background(), level, text, attrs...)
		return goja.Undefined()
	}
}

// logValue converts a value for a structured log attribute.
func (v *vm) logValue(x goja.Value) any {
	switch {
	case goja.IsNumber(x):
		f := x.ToFloat()
		if f == math.Trunc(f) && math.Abs(f) <= maxExact {
			return int64(f)
		}
		return f
	case goja.IsString(x):
		return x.String()
	case goja.IsNull(x), goja.IsUndefined(x):
		return nil
	case isBool(x):
		return x.ToBoolean()
	}
	return v.inspect(x)
}

// maxExact is the largest magnitude up to which every whole float64 is exact.
const maxExact = 1 << 53

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
