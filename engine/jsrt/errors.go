package jsrt

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/dop251/goja"
	"github.com/flexfun-script/flexfun-script/engine"
	"github.com/flexfun-script/flexfun-script/flexfun"
)

// scriptError turns an error from running JavaScript into an
// *flexfun.ScriptError whose message starts with the position of the
// innermost frame of script code ("sales.js:12:5: Error: no such region")
// and whose backtrace is the JavaScript stack, innermost call first.
func (v *vm) scriptError(err error) *flexfun.ScriptError {
	function := v.thread.Function()
	var (
		msg   string
		stack []goja.StackFrame
	)
	var overflow *goja.StackOverflowError
	var interrupted *goja.InterruptedError
	var exc *goja.Exception
	switch {
	case errors.As(err, &overflow):
		msg = "RangeError: Maximum call stack size exceeded: " + engine.MaxDepthError(v.prog.maxDepth)
		stack = overflow.Stack()
	case errors.As(err, &interrupted):
		msg, stack = fmt.Sprintf("interrupted: %v", interrupted.Value()), interrupted.Stack()
	case errors.As(err, &exc):
		msg, stack = v.valueText(exc.Value()), exc.Stack()
	default:
		return &flexfun.ScriptError{Function: function, Msg: err.Error()}
	}
	frames := v.frames(stack)
	e := &flexfun.ScriptError{Function: function, Msg: msg, Backtrace: backtrace(msg, frames)}
	for _, f := range frames {
		if f.file != "" {
			e.Msg = fmt.Sprintf("%s:%d:%d: %s", f.file, f.line, f.col, msg)
			break
		}
	}
	if e.Msg == msg {
		// No script frame (e.g. a value thrown without a stack): name the file.
		e.Msg = v.main.path + ": " + msg
	}
	return e
}

// valueText spells a thrown value: "Error: message" for an error (just
// the message for the built-ins' own errors), the value otherwise.
func (v *vm) valueText(x goja.Value) string {
	obj, ok := x.(*goja.Object)
	if !ok || obj.ClassName() != "Error" {
		return v.inspect(x)
	}
	if v.fromBuiltin(obj) {
		return obj.Get("message").String()
	}
	return v.errorText(obj)
}

// errorText spells an Error as "name: message", without calling script
// code.
func (v *vm) errorText(obj *goja.Object) string {
	name, msg := "Error", ""
	if n := obj.Get("name"); n != nil && goja.IsString(n) {
		name = n.String()
	}
	if m := obj.Get("message"); m != nil && goja.IsString(m) {
		msg = m.String()
	}
	if msg == "" {
		return name
	}
	return name + ": " + msg
}

// frame is a stack frame as shown to the author.
type frame struct {
	fn             string // function name, "" at top level
	file           string // "" for a built-in
	line, col      int
	native, hidden bool
}

// frames converts goja's stack, innermost first, leaving out the
// runtime's own programs and correcting columns on the first line of
// helper modules.
func (v *vm) frames(stack []goja.StackFrame) []frame {
	var out []frame
	for i := range stack {
		f := &stack[i]
		src := f.SrcName()
		name := f.FuncName()
		switch {
		case src == "<native>":
			out = append(out, frame{fn: name, native: true})
		case internal(src):
			continue
		default:
			if name == "<anonymous>" {
				name = ""
			}
			pos := f.Position()
			out = append(out, frame{fn: name, file: pos.Filename, line: pos.Line, col: v.column(pos.Filename, pos.Line, pos.Column)})
		}
	}
	return out
}

// column corrects a column on line 1 of a helper module, whose CommonJS
// wrapper sits on that line.
func (v *vm) column(file string, line, col int) int {
	if line != 1 || file == v.main.path {
		return col
	}
	for _, u := range v.main.units() {
		if u.path == file {
			return u.column(line, col)
		}
	}
	return col
}

// backtrace formats frames as Node does, the middle of a long stack left
// out (engine.ElideFrames):
//
//	Error: no such region
//	    at regionOf (lib/regions.js:12:11)
//	    at call (sales.js:7:5)
func backtrace(msg string, frames []frame) string {
	if len(frames) == 0 {
		return ""
	}
	lines := make([]string, len(frames))
	for i, f := range frames {
		switch {
		case f.native:
			lines[i] = fmt.Sprintf("    at %s (native)", f.fn)
		case f.fn != "":
			lines[i] = fmt.Sprintf("    at %s (%s:%d:%d)", f.fn, f.file, f.line, f.col)
		default:
			lines[i] = fmt.Sprintf("    at %s:%d:%d", f.file, f.line, f.col)
		}
	}
	return msg + "\n" + strings.Join(engine.ElideFrames(lines, "    "), "\n")
}

// fileError is an error about the script as a whole, reported at its file.
func fileError(path, format string, args ...any) *flexfun.ScriptError {
	return &flexfun.ScriptError{Msg: path + ": " + fmt.Sprintf(format, args...)}
}

// Export types that tell goja's values apart without converting them.
var (
	typeBool       = reflect.TypeFor[bool]()
	typeMap        = reflect.TypeFor[map[string]any]()
	typeBytes      = reflect.TypeFor[[]byte]()
	typeBuffer     = reflect.TypeFor[goja.ArrayBuffer]()
	typePromise    = reflect.TypeFor[*goja.Promise]()
	typeMapEntries = reflect.TypeFor[[][2]any]()
	typeSlice      = reflect.TypeFor[[]any]()
	typedArrayTag  = map[reflect.Type]string{
		reflect.TypeFor[[]int8]():    "Int8Array",
		reflect.TypeFor[[]uint8]():   "Uint8Array",
		reflect.TypeFor[[]int16]():   "Int16Array",
		reflect.TypeFor[[]uint16]():  "Uint16Array",
		reflect.TypeFor[[]int32]():   "Int32Array",
		reflect.TypeFor[[]uint32]():  "Uint32Array",
		reflect.TypeFor[[]float32](): "Float32Array",
		reflect.TypeFor[[]float64](): "Float64Array",
		reflect.TypeFor[[]int64]():   "BigInt64Array",
		reflect.TypeFor[[]uint64]():  "BigUint64Array",
	}
)

// isBool reports whether x is a boolean primitive.
func isBool(x goja.Value) bool {
	_, obj := x.(*goja.Object)
	return !obj && x.ExportType() == typeBool
}

// isPlainObject reports whether x is an object that is not an array, a
// function, a Date, a typed array or another built-in kind: an object
// literal or a class instance, whose properties are its data.
func isPlainObject(x goja.Value) (*goja.Object, bool) {
	obj, ok := x.(*goja.Object)
	if !ok || obj == nil || obj.ClassName() != "Object" {
		return nil, false
	}
	if t := obj.ExportType(); t != typeMap && t != typeObjectView {
		return nil, false
	}
	return obj, true
}

// typeName names the kind of a value in error messages: "number",
// "string", "array", "object", "Float64Array", ...
func typeName(x goja.Value) string {
	switch {
	case x == nil || goja.IsUndefined(x):
		return "undefined"
	case goja.IsNull(x):
		return "null"
	case goja.IsNumber(x):
		return "number"
	case goja.IsString(x):
		return "string"
	case goja.IsBigInt(x):
		return "BigInt"
	case isBool(x):
		return "boolean"
	}
	obj, ok := x.(*goja.Object)
	if !ok {
		return "symbol"
	}
	switch cls := obj.ClassName(); cls {
	case "Array":
		return "array"
	case "Function":
		return "function"
	case "Object":
		t := obj.ExportType()
		if tag, ok := typedArrayTag[t]; ok {
			return tag
		}
		switch t {
		case typeBuffer:
			return "ArrayBuffer"
		case typePromise:
			return "Promise"
		case typeMapEntries:
			return "Map"
		case typeSlice:
			return "Set" // an object that exports as a slice, not being an Array
		}
		return "object"
	default:
		return cls // Date, RegExp, Error, Boolean, ...
	}
}
