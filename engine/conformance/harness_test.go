package conformance_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
	"github.com/flexfun-script/flexfun-script/engine"
	"github.com/flexfun-script/flexfun-script/engine/enginetest"
	"github.com/flexfun-script/flexfun-script/engine/jsrt"
	"github.com/flexfun-script/flexfun-script/engine/starlarkrt"
	"github.com/flexfun-script/flexfun-script/flexfun"
)

// A language is a runtime under test: the extension of its files, the
// extensions of the files it reads (the others in a case's directory are
// another language's), and the prefix of its line comments. A new runtime
// adds a line here and its scripts to every case directory; the cases do
// not change.
type language struct {
	ext     string   // "star": the case's main file is main.star
	owns    []string // extensions of its script files
	comment string   // line comment prefix
	runtime func() engine.Runtime
}

var languages = []language{
	{ext: "star", owns: []string{".star"}, comment: "#", runtime: starlarkrt.New},
	{ext: "js", owns: []string{".js", ".json"}, comment: "//", runtime: jsrt.New},
}

// A contractCase is one rule of the contract with one expected outcome.
// Its scripts live in testdata/<dir>. In err, logs and wantFiles, "{ext}"
// stands for the language's extension and file names are relative to the
// case's directory.
type contractCase struct {
	dir string // under testdata

	params   string        // the invocation's parameters, JSON; "{}" when empty
	columns  []string      // the columns hint
	deadline time.Duration // the call's deadline; the call must then be abandoned

	want      string   // the rows as JSON, when the call succeeds
	err       string   // a substring of the error, in every language
	kind      errKind  // what kind of error
	logs      []string // substrings the server log must come to hold
	wantFiles []string // Files() of the function
	// check, when set, checks the loaded function itself.
	check func(t *testing.T, fn *engine.Function)
	// result, when set, checks the call's result beyond its rows.
	result func(t *testing.T, table *arrowbridge.Table)
	// options, when set, adjusts the registry's options (limits).
	options func(o *engine.Options)
}

// sampleContext returns the parameters of a sample execution context of
// scripts/examples/contexts.
func sampleContext(name string) string {
	data, err := os.ReadFile(filepath.Join("..", "..", "scripts", "examples", "contexts", name))
	if err != nil {
		panic(err)
	}
	return string(data)
}

// errKind is the kind of error a case expects.
type errKind int

const (
	scriptErr  errKind = iota // *flexfun.ScriptError from the call
	loadErr                   // an error from loading the files
	badRequest                // *flexfun.BadRequestError from the call
)

// wantErrorMark starts a script's own expectation of the error, in a
// comment: "# want-error: main.star:3:9: fail: bad region".
const wantErrorMark = "want-error:"

// files returns the case's files that lang sees, with the error
// substrings its scripts expect.
func (tc *contractCase) files(t *testing.T, lang language) (map[string]string, []string) {
	t.Helper()
	files := map[string]string{}
	var wantErrs []string
	root := filepath.Join("testdata", tc.dir)
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if script := isScript(path); script && !slices.Contains(lang.owns, filepath.Ext(path)) {
			return nil // another language's
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		files[filepath.ToSlash(rel)] = string(data)
		for _, line := range strings.Split(string(data), "\n") {
			if _, want, ok := strings.Cut(line, lang.comment+" "+wantErrorMark); ok {
				wantErrs = append(wantErrs, strings.TrimSpace(want))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := files["main."+lang.ext]; !ok && tc.wantFiles == nil {
		t.Fatalf("testdata/%s has no main.%s: every case needs a script in every language", tc.dir, lang.ext)
	}
	return files, wantErrs
}

// isScript reports whether path is a script of some language under test.
func isScript(path string) bool {
	for _, l := range languages {
		if slices.Contains(l.owns, filepath.Ext(path)) {
			return true
		}
	}
	return false
}

// newRegistry returns a registry with every language's runtime, logging
// into log, with its options adjusted by adjust if not nil.
func newRegistry(log *enginetest.SyncBuffer, adjust func(*engine.Options)) *engine.Registry {
	var runtimes []engine.Runtime
	for _, l := range languages {
		runtimes = append(runtimes, l.runtime())
	}
	opts := enginetest.RegistryOptions(log, []*engine.Module{probe}, runtimes)
	if adjust != nil {
		adjust(&opts)
	}
	return engine.NewRegistry(opts)
}

// run runs tc in one language.
func (tc *contractCase) run(t *testing.T, lang language) {
	ext := lang.ext
	dir := t.TempDir()
	files, wantErrs := tc.files(t, lang)
	enginetest.WriteFiles(t, dir, files)
	log := new(enginetest.SyncBuffer)
	reg := newRegistry(log, tc.options)
	local := func(s string) string { return strings.ReplaceAll(s, "{ext}", ext) }
	relative := func(s string) string { return strings.ReplaceAll(s, dir+string(filepath.Separator), "") }

	err := reg.LoadPaths([]string{dir})
	if tc.kind == loadErr {
		if err == nil {
			t.Fatal("load succeeded, want an error")
		}
		tc.checkError(t, ext, wantErrs, relative(err.Error()))
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

	if tc.check != nil {
		tc.check(t, fn)
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
		if tc.result != nil {
			tc.result(t, table)
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
		tc.checkError(t, ext, wantErrs, relative(err.Error()))
	}
	for _, want := range tc.logs {
		want = local(want)
		enginetest.WaitFor(t, func() bool { return strings.Contains(log.String(), want) }, "log lacks "+want+":\n"+log.String())
	}
}

func (tc *contractCase) checkError(t *testing.T, ext string, wantErrs []string, msg string) {
	t.Helper()
	for _, want := range append([]string{tc.err}, wantErrs...) {
		if want = strings.ReplaceAll(want, "{ext}", ext); want != "" && !strings.Contains(msg, want) {
			t.Errorf("error %q\nwant it to contain %q", msg, want)
		}
	}
	if tc.err == "" && len(wantErrs) == 0 {
		t.Errorf("case expects an error but names none; got %q", msg)
	}
}
