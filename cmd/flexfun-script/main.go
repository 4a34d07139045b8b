// Command flexfun-script serves FlexFun functions written as Starlark (.star)
// or JavaScript (.js) scripts to GoodData over Arrow Flight RPC.
//
// Usage:
//
//	flexfun-script start [--config FILE ...] [--dev-log]
//	flexfun-script call SCRIPT_OR_NAME [--params JSON|@file] [--columns a,b] [--format table|csv|json]
//	flexfun-script list [--config FILE ...] [--server URL] [--format table|json]
//
// Run "flexfun-script COMMAND --help" for each command's flags.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	_ "time/tzdata" // timestamp[.., tz=Zone] columns work in images without /usr/share/zoneinfo
)

const usage = `flexfun-script serves FlexFun functions written as Starlark (.star) or
JavaScript (.js) scripts to GoodData over Arrow Flight RPC.

Usage:
  flexfun-script start [--config FILE ...] [--dev-log] [--no-watch]
      Run the Flight server, reloading scripts when they are saved. With no
      configuration it serves the bundled examples on 127.0.0.1:17001.
  flexfun-script call SCRIPT_OR_NAME [--params JSON|@file] [--columns a,b] [--format table|csv|json]
      Run one function in-process, without a server, and print its result.
  flexfun-script list [--config FILE ...] [--server URL] [--format table|json]
      List the functions and the scripts that failed to load, locally or
      from a running server.
  flexfun-script help
      Show this help.

Run "flexfun-script COMMAND --help" for the flags of a command.
Documentation: docs/ in the source tree (cli.md, scripts.md, javascript.md,
configuration.md, reload.md, deployment.md, errors.md).
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the command line args and returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 1
	}
	var err error
	switch args[0] {
	case "start":
		err = runStart(args[1:], stdout, stderr)
	case "call":
		err = runCall(args[1:], stdout, stderr)
	case "list":
		err = runList(args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "flexfun-script: unknown command %q\n\n%s", args[0], usage)
		return 1
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	case errors.Is(err, errProblems):
		return 1
	default:
		fmt.Fprintf(stderr, "flexfun-script %s: %v\n", args[0], err)
		return 1
	}
}

// errUsage marks a command-line mistake already reported by the flag set.
var errUsage = errors.New("usage error")
