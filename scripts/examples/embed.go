// Package examples holds the example FlexFun scripts, embedded so that the
// binary can serve them from any directory.
package examples

import "embed"

// FS holds every example script and helper.
//
//go:embed *.star *.js lib/*.star lib/*.js
var FS embed.FS
