package starlarkrt

import (
	"errors"
	"fmt"
	"strings"

	"github.com/flexfun-script/flexfun-script/engine"
	"github.com/flexfun-script/flexfun-script/flexfun"
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// scriptError turns an error from running Starlark code into an
// *flexfun.ScriptError whose message starts with the position of the
// innermost Starlark frame ("sales.star:12:5: ...") and whose backtrace is
// Starlark's.
func scriptError(function string, err error) *flexfun.ScriptError {
	var eval *starlark.EvalError
	if errors.As(err, &eval) {
		msg := eval.Msg
		if pos, ok := scriptPosition(eval.CallStack); ok {
			msg = fmt.Sprintf("%s: %s", pos, eval.Msg)
		}
		return &flexfun.ScriptError{Function: function, Msg: msg, Backtrace: backtrace(eval)}
	}
	var syn syntax.Error
	if errors.As(err, &syn) {
		return &flexfun.ScriptError{Function: function, Msg: syn.Error()}
	}
	return &flexfun.ScriptError{Function: function, Msg: err.Error()}
}

// scriptPosition returns the position of the innermost frame that is
// Starlark code rather than a built-in such as emit or fail.
func scriptPosition(stack starlark.CallStack) (syntax.Position, bool) {
	for i := range stack {
		pos := stack.At(i).Pos
		if pos.IsValid() && pos.Filename() != "<builtin>" {
			return pos, true
		}
	}
	return syntax.Position{}, false
}

// fileError is an error about the script as a whole, reported at its file.
func fileError(path, function string, format string, args ...any) *flexfun.ScriptError {
	return &flexfun.ScriptError{Function: function, Msg: path + ": " + fmt.Sprintf(format, args...)}
}

// backtrace is Starlark's backtrace, the middle of a long stack left out
// (engine.ElideFrames): runaway recursion has thousands of frames.
func backtrace(eval *starlark.EvalError) string {
	lines := strings.Split(eval.Backtrace(), "\n")
	// "Traceback (most recent call last):", one line per frame, then
	// "Error: ..." (or "Error in <builtin>: ...").
	if len(lines) < 3 {
		return eval.Backtrace()
	}
	frames := engine.ElideFrames(lines[1:len(lines)-1], "  ")
	return strings.Join(append(append([]string{lines[0]}, frames...), lines[len(lines)-1]), "\n")
}
