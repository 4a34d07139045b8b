// Package flexfun holds what a function call shares between the Flight
// server and the engine that runs scripts: the request as the server
// received it, and the typed errors a call can end with. It is a leaf
// package, so that the server, the task executor and the engine agree on
// these types without depending on each other.
package flexfun

import (
	"encoding/json"
	"fmt"
)

// Request is one invocation of a function, as the server received it.
type Request struct {
	// Parameters is the invocation's "parameters" object, verbatim JSON
	// ("{}" when absent).
	Parameters json.RawMessage
	// Columns is the column-trimming hint (parameters.columns), nil when absent.
	Columns []string
	// Headers holds the request's gRPC metadata, lower-case name → values.
	Headers map[string][]string
	// CallID identifies the call in logs (the task id on the server).
	CallID string
}

// BadRequestError reports an invocation the function cannot serve as asked,
// such as a columns hint naming an unknown column. Servers report it as
// GoodData's BAD_ARGUMENT.
type BadRequestError struct {
	Msg string
}

func (e *BadRequestError) Error() string { return e.Msg }

// ScriptError reports a call that failed inside the script: it raised or
// threw, called fail(), or produced a value its schema does not accept.
// Servers report it as GoodData's COMMAND_FAILED.
type ScriptError struct {
	Function  string // function name
	Msg       string // "sales.star:12:5: fail: no such region" (names file and line)
	Backtrace string // the script's backtrace, may be empty
}

func (e *ScriptError) Error() string { return e.Msg }

// CancelledError reports a call that was abandoned before it completed: its
// context was cancelled or its deadline passed. Cause is ctx.Err().
type CancelledError struct {
	Function string
	Cause    error
}

func (e *CancelledError) Error() string {
	return fmt.Sprintf("call of %s abandoned: %v", e.Function, e.Cause)
}

func (e *CancelledError) Unwrap() error { return e.Cause }
