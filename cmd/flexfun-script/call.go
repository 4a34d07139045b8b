package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
	"github.com/flexfun-script/flexfun-script/engine"
	"github.com/flexfun-script/flexfun-script/flexfun"
)

const callSynopsis = `call SCRIPT_OR_NAME [--params JSON|@file] [--columns a,b] [--format table|csv|json] [--config FILE ...]

Runs one function in-process, without a server, and prints its result.
SCRIPT_OR_NAME is a script file (loaded on its own) or the name of a function
found under the configured [flexfun] functions (the bundled examples when no
configuration is given).`

// callOptions are the flags of the call command.
type callOptions struct {
	configs configFiles
	params  string
	columns string
	format  string
	verbose bool
}

func runCall(args []string, stdout, stderr io.Writer) error {
	var opts callOptions
	fs := newFlagSet("call", callSynopsis, stderr)
	fs.Var(&opts.configs, "config", "configuration `FILE`s (TOML), several allowed")
	fs.StringVar(&opts.params, "params", "{}", "the invocation's parameters as a JSON object, or @file to read them from a file")
	fs.StringVar(&opts.columns, "columns", "", "comma-separated column names to keep (the columns hint)")
	fs.StringVar(&opts.format, "format", "table", "output format: table, csv or json")
	fs.BoolVar(&opts.verbose, "v", false, "show script log output (print, log.*) on stderr")
	positional, err := parseInterleaved(fs, expandConfigArgs(args))
	if err != nil {
		return err
	}
	if len(positional) != 1 {
		fs.Usage()
		return errUsage
	}
	write, err := formatter(opts.format)
	if err != nil {
		return err
	}
	req, err := callRequest(opts)
	if err != nil {
		return err
	}
	table, err := callFunction(positional[0], opts, req, stderr)
	var scriptErr *flexfun.ScriptError
	if errors.As(err, &scriptErr) && scriptErr.Backtrace != "" {
		fmt.Fprintln(stderr, scriptErr.Backtrace)
	}
	if err != nil {
		return err
	}
	defer table.Release()
	return write(stdout, table)
}

// callRequest builds the request from --params and --columns.
func callRequest(opts callOptions) (*flexfun.Request, error) {
	params := []byte(opts.params)
	if name, ok := strings.CutPrefix(opts.params, "@"); ok {
		data, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("--params: %w", err)
		}
		params = data
	}
	var obj map[string]any
	if err := json.Unmarshal(params, &obj); err != nil || obj == nil {
		return nil, fmt.Errorf("--params: want a JSON object, e.g. '{\"rows\": 5}': %v", jsonProblem(err))
	}
	req := &flexfun.Request{Parameters: params, CallID: "cli", Headers: map[string][]string{}}
	if opts.columns != "" {
		for c := range strings.SplitSeq(opts.columns, ",") {
			req.Columns = append(req.Columns, strings.TrimSpace(c))
		}
	} else if cols, ok := obj["columns"].([]any); ok {
		for _, c := range cols {
			if s, ok := c.(string); ok {
				req.Columns = append(req.Columns, s)
			}
		}
	}
	return req, nil
}

func jsonProblem(err error) string {
	if err == nil {
		return "got null"
	}
	return err.Error()
}

// callFunction loads the function and calls it within the call deadline.
func callFunction(target string, opts callOptions, req *flexfun.Request, stderr io.Writer) (*arrowbridge.Table, error) {
	level := slog.LevelWarn
	if opts.verbose {
		level = slog.LevelDebug
	}
	logger := newLogger(stderr, true, level)
	environ := os.Environ()
	cfg, err := loadSettings(opts.configs, environ)
	if err != nil {
		return nil, err
	}
	configGiven := len(opts.configs) > 0
	var paths []string
	isFile := false
	if info, err := os.Stat(target); err == nil && !info.IsDir() {
		isFile = true
	} else {
		var cleanup func()
		if paths, cleanup, err = functionPaths(cfg, configGiven, logger); err != nil {
			return nil, err
		}
		defer cleanup()
	}
	svc, err := openServices(cfg, environ, examplesDir(cfg, configGiven, paths), logger)
	if err != nil {
		return nil, err
	}
	defer svc.close()
	reg := newRegistry(cfg, svc)
	fn, err := findFunction(reg, target, isFile, paths)
	if err != nil {
		return nil, svc.secrets.Redactor().Error(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), cfg.FlexFun.CallDeadline)
	defer cancel()
	return fn.Call(ctx, req)
}

// findFunction loads target as a script file if it is one, else looks it up
// by name among the functions under paths.
func findFunction(reg *engine.Registry, target string, isFile bool, paths []string) (*engine.Function, error) {
	if isFile {
		if err := reg.LoadFiles([]string{target}); err != nil {
			return nil, err
		}
		fns := reg.Functions()
		if len(fns) == 0 {
			return nil, fmt.Errorf("%s is a helper module (it defines no call function)", target)
		}
		return fns[0], nil
	}
	if err := reg.LoadPaths(paths); err != nil {
		return nil, err
	}
	fn, ok := reg.Lookup(target)
	if !ok {
		return nil, fmt.Errorf("no script file and no function named %q (functions: %s)", target, functionNames(reg))
	}
	return fn, nil
}

func functionNames(reg *engine.Registry) string {
	var names []string
	for _, f := range reg.Functions() {
		names = append(names, f.Name())
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}
