package conformance_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flexfun-script/flexfun-script/engine"
	"github.com/flexfun-script/flexfun-script/engine/enginetest"
	"github.com/flexfun-script/flexfun-script/engine/jsrt"
	"github.com/flexfun-script/flexfun-script/engine/starlarkrt"
	"github.com/flexfun-script/flexfun-script/flexfun"
)

// languages are the runtimes every case runs against, by file extension.
var languages = []string{"star", "js"}

// A contractCase is one rule of the contract, written in each language,
// with one expected outcome. In err, errStar, errJS, logs and wantFiles,
// "{ext}" stands for the language's extension (star or js), and file
// names are relative to the case's directory.
type contractCase struct {
	name  string
	star  string            // main.star, if not among files
	js    string            // main.js, if not among files
	files map[string]string // other files; a language sees its own (.star; .js and .json)

	params   string        // the invocation's parameters, JSON; "{}" when empty
	columns  []string      // the columns hint
	deadline time.Duration // the call's deadline; the call must then be abandoned

	want      string   // the rows as JSON, when the call succeeds
	err       string   // a substring of the error, in both languages
	errStar   string   // a substring of the Starlark error, when the wording differs
	errJS     string   // a substring of the JavaScript error, when the wording differs
	kind      errKind  // what kind of error
	logs      []string // substrings the server log must come to hold
	wantFiles []string // Files() of the function
}

// errKind is the kind of error a case expects.
type errKind int

const (
	scriptErr  errKind = iota // *flexfun.ScriptError from the call
	loadErr                   // an error from loading the files
	badRequest                // *flexfun.BadRequestError from the call
)

// newRegistry returns a registry with both runtimes, logging into log.
func newRegistry(log *enginetest.SyncBuffer) *engine.Registry {
	return enginetest.NewRegistry(log, starlarkrt.New(), jsrt.New())
}

// sees reports whether language ext sees the file name.
func sees(ext, name string) bool {
	switch filepath.Ext(name) {
	case ".star":
		return ext == "star"
	case ".js", ".json":
		return ext == "js"
	}
	return true
}

// run runs tc in language ext.
func (tc *contractCase) run(t *testing.T, ext string) {
	dir := t.TempDir()
	files := map[string]string{}
	for name, src := range tc.files {
		if sees(ext, name) {
			files[name] = src
		}
	}
	if src := map[string]string{"star": tc.star, "js": tc.js}[ext]; src != "" {
		files["main."+ext] = src
	}
	if len(files) == 0 {
		t.Fatalf("case has no %s source", ext)
	}
	enginetest.WriteFiles(t, dir, files)
	log := new(enginetest.SyncBuffer)
	reg := newRegistry(log)
	local := func(s string) string { return strings.ReplaceAll(s, "{ext}", ext) }
	relative := func(s string) string { return strings.ReplaceAll(s, dir+string(filepath.Separator), "") }

	err := reg.LoadPaths([]string{dir})
	if tc.kind == loadErr {
		if err == nil {
			t.Fatal("load succeeded, want an error")
		}
		tc.checkError(t, ext, relative(err.Error()))
		if n := len(reg.Functions()); n != 0 {
			t.Errorf("a failed load published %d functions", n)
		}
		return
	}
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	fn, ok := reg.Lookup("main")
	if !ok || len(reg.Functions()) != 1 {
		t.Fatalf("want one function, main; have %d functions (helpers must not become functions)", len(reg.Functions()))
	}
	if tc.wantFiles != nil {
		var got []string
		for _, f := range fn.Files() {
			got = append(got, filepath.ToSlash(relative(f)))
		}
		if want := local(strings.Join(tc.wantFiles, " ")); strings.Join(got, " ") != want {
			t.Errorf("Files() = %v, want %s", got, want)
		}
	}

	deadline := tc.deadline
	if deadline == 0 {
		deadline = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	params := tc.params
	if params == "" {
		params = "{}"
	}
	start := time.Now()
	table, err := fn.Call(ctx, enginetest.Request(params, tc.columns))
	if err == nil {
		defer table.Release()
	}
	switch {
	case tc.deadline > 0:
		var ce *flexfun.CancelledError
		if !errors.As(err, &ce) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("got %v, want the call abandoned at its deadline", err)
		}
		if elapsed := time.Since(start); elapsed > 5*time.Second {
			t.Errorf("interrupted only after %v", elapsed)
		}
	case tc.want != "":
		if err != nil {
			t.Fatalf("call: %v", err)
		}
		if got := enginetest.RowsJSON(t, table); got != tc.want {
			t.Errorf("rows %s\nwant %s", got, tc.want)
		}
	default:
		if err == nil {
			t.Fatalf("call succeeded with %s, want an error", enginetest.RowsJSON(t, table))
		}
		var se *flexfun.ScriptError
		var br *flexfun.BadRequestError
		if tc.kind == scriptErr && !errors.As(err, &se) || tc.kind == badRequest && !errors.As(err, &br) {
			t.Errorf("got %T, want error kind %d", err, tc.kind)
		}
		tc.checkError(t, ext, relative(err.Error()))
	}
	for _, want := range tc.logs {
		want = local(want)
		enginetest.WaitFor(t, func() bool { return strings.Contains(log.String(), want) }, "log lacks "+want+":\n"+log.String())
	}
}

func (tc *contractCase) checkError(t *testing.T, ext, msg string) {
	t.Helper()
	for _, want := range []string{tc.err, map[string]string{"star": tc.errStar, "js": tc.errJS}[ext]} {
		if want = strings.ReplaceAll(want, "{ext}", ext); want != "" && !strings.Contains(msg, want) {
			t.Errorf("error %q\nwant it to contain %q", msg, want)
		}
	}
	if tc.err == "" && tc.errStar == "" && tc.errJS == "" {
		t.Errorf("case expects an error but names none; got %q", msg)
	}
}
