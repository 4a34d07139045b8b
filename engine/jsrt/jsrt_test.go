package jsrt_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flexfun-script/flexfun-script/engine"
	"github.com/flexfun-script/flexfun-script/engine/enginetest"
	"github.com/flexfun-script/flexfun-script/engine/jsrt"
	"github.com/flexfun-script/flexfun-script/flexfun"
)

// newFixture writes files (name → source) into a temporary directory,
// with a registry of the JavaScript runtime.
func newFixture(t testing.TB, files map[string]string) *enginetest.Fixture {
	t.Helper()
	return enginetest.NewFixture(t, files, jsrt.New())
}

// mustFunction loads main.js (and any helpers: name, source, ...) and
// returns its function.
func mustFunction(t *testing.T, src string, helpers ...string) (*engine.Function, *enginetest.Fixture) {
	t.Helper()
	files := map[string]string{"main.js": src}
	for i := 0; i+1 < len(helpers); i += 2 {
		files[helpers[i]] = helpers[i+1]
	}
	f := newFixture(t, files)
	return f.MustFunction(t), f
}

var (
	call   = enginetest.Call
	rowsOf = enginetest.RowsJSON
)

func mustCall(t *testing.T, fn *engine.Function, params string, columns ...string) string {
	t.Helper()
	table, err := call(t, fn, params, columns...)
	if err != nil {
		t.Fatalf("call: %v", err)
	}
	defer table.Release()
	return rowsOf(t, table)
}

// scriptError calls fn and returns the *flexfun.ScriptError it fails with.
func scriptError(t *testing.T, fn *engine.Function, params string) *flexfun.ScriptError {
	t.Helper()
	table, err := call(t, fn, params)
	if err == nil {
		table.Release()
		t.Fatal("call succeeded, want an error")
	}
	var se *flexfun.ScriptError
	if !errors.As(err, &se) {
		t.Fatalf("got %T %v, want *flexfun.ScriptError", err, err)
	}
	return se
}

// rel strips fn's directory from the paths in s.
func rel(fn *engine.Function, s string) string {
	return strings.ReplaceAll(s, filepath.Dir(fn.Path())+string(filepath.Separator), "")
}
