// Package engine owns loading and calling FlexFun scripts.
//
// A Runtime turns one script file into a Script (compiled, top level
// evaluated, globals frozen). The engine checks what the script declares
// (name, metadata, schema), runs its on_load hook, and wraps it in a
// Function: one loaded version of one file, safe for concurrent calls.
// A Registry holds the functions the server offers, by name, in load order.
//
// Calling a Function runs the script with an arrowbridge.Builder as its
// sink and returns the finished arrowbridge.Table, trimmed to the columns
// the request asked for. Errors come back typed (package flexfun): *ScriptError for a failure
// inside the script, *BadRequestError for a request the function cannot
// serve, *CancelledError for an abandoned call.
//
// The engine knows nothing of gRPC or Flight; the languages live in
// sub-packages (engine/starlarkrt) and plug in through the Runtime interface.
package engine
