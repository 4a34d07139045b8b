package starlarkrt_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
	"github.com/flexfun-script/flexfun-script/engine"
	"github.com/flexfun-script/flexfun-script/engine/enginetest"
	"github.com/flexfun-script/flexfun-script/engine/starlarkrt"
	"github.com/flexfun-script/flexfun-script/flexfun"
)

// newFixture writes files (name → source) into a temporary directory,
// with a registry of the Starlark runtime.
func newFixture(t testing.TB, files map[string]string) *enginetest.Fixture {
	t.Helper()
	return enginetest.NewFixture(t, files, starlarkrt.New())
}

// mustFunction loads a single script and returns its function.
func mustFunction(t *testing.T, src string) (*engine.Function, *enginetest.Fixture) {
	t.Helper()
	f := newFixture(t, map[string]string{"main.star": src})
	return f.MustFunction(t), f
}

var call = enginetest.Call

// rowsOf returns the table as JSON-like rows.
func rowsOf(t *testing.T, table *arrowbridge.Table) string {
	t.Helper()
	var rows []map[string]any
	for _, rec := range table.Batches {
		for i := range int(rec.NumRows()) {
			row := map[string]any{}
			for c, f := range rec.Schema().Fields() {
				row[f.Name] = rec.Column(c).GetOneForMarshal(i)
			}
			rows = append(rows, row)
		}
	}
	out, err := json.Marshal(rows)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func mustCall(t *testing.T, fn *engine.Function, params string, columns ...string) string {
	t.Helper()
	table, err := call(t, fn, params, columns...)
	if err != nil {
		t.Fatalf("call: %v", err)
	}
	defer table.Release()
	return rowsOf(t, table)
}

const schema2 = `schema = {"id": "int64", "name": "string"}
`

func TestOutputModes(t *testing.T) {
	want := `[{"id":1,"name":"a"},{"id":2,"name":null}]`
	cases := map[string]string{
		"emit positional": `def call(p, c, h):
    emit(1, "a")
    emit(2, None)`,
		"emit named": `def call(p, c, h):
    emit(id=1, name="a")
    emit(id=2)`,
		"rows of tuples":        `def call(p, c, h): return [(1, "a"), (2, None)]`,
		"rows of lists":         `def call(p, c, h): return [[1, "a"], [2, None]]`,
		"rows of dicts":         `def call(p, c, h): return [{"id": 1, "name": "a"}, {"id": 2}]`,
		"tuple of rows":         `def call(p, c, h): return ((1, "a"), (2, None))`,
		"columns":               `def call(p, c, h): return {"id": [1, 2], "name": ["a", None]}`,
		"columns comprehension": `def call(p, c, h): return {"name": ["a" if i == 1 else None for i in range(1, 3)], "id": [i for i in range(1, 3)]}`,
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			fn, _ := mustFunction(t, schema2+body)
			if got := mustCall(t, fn, `{}`); got != want {
				t.Errorf("got %s, want %s", got, want)
			}
		})
	}
}

func TestEmptyResultKeepsSchema(t *testing.T) {
	fn, _ := mustFunction(t, schema2+`def call(p, c, h): pass`)
	table, err := call(t, fn, `{}`)
	if err != nil {
		t.Fatal(err)
	}
	defer table.Release()
	if table.Rows != 0 || table.Schema.NumFields() != 2 {
		t.Errorf("got %d rows, %d fields; want 0 rows, 2 fields", table.Rows, table.Schema.NumFields())
	}
}

func TestCallArity(t *testing.T) {
	cases := map[string]string{
		"no params":     `def call(): emit(1, "x")`,
		"parameters":    `def call(p): emit(p["n"], "x")`,
		"two":           `def call(p, c): emit(p["n"], str(c))`,
		"three":         `def call(p, c, h): emit(p["n"], h["x-test"][1])`,
		"four":          `def call(p, c, h, ctx): emit(p["n"], ctx.function)`,
		"varargs":       `def call(*args): emit(len(args), args[3].function)`,
		"extra default": `def call(p, c, h, ctx, extra = 5): emit(extra, "x")`,
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			fn, _ := mustFunction(t, schema2+body)
			if _, err := call(t, fn, `{"n": 1}`); err != nil {
				t.Fatalf("call: %v", err)
			}
		})
	}
}

func TestArguments(t *testing.T) {
	fn, _ := mustFunction(t, `schema = {"k": "string", "v": "string"}
def call(parameters, columns, headers, ctx):
    emit("parameters", json.encode(parameters["nested"]["b"]) + str(parameters))
    emit("columns", str(columns))
    emit("headers", json.encode(headers))
    emit("function", ctx.function)
    emit("settings", ctx.settings["weather"]["api_key"] + str(ctx.settings["weather"]["retries"]))
    emit("int", type(parameters["n"]))
`)
	got := mustCall(t, fn, `{"n": 3, "nested": {"b": [1, 2.5, "x"], "a": null}}`, "k", "v")
	for _, want := range []string{
		`{"k":"parameters","v":"[1,2.5,\"x\"]{\"n\": 3, \"nested\": {\"b\": [1, 2.5, \"x\"], \"a\": None}}"}`,
		`{"k":"columns","v":"[\"k\", \"v\"]"}`,
		`{"k":"headers","v":"{\"x-test\":[\"a\",\"b\"]}"}`,
		`{"k":"function","v":"main"}`,
		`{"k":"settings","v":"k1233"}`,
		`{"k":"int","v":"int"}`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("result lacks %s\nresult: %s", want, got)
		}
	}
}

func TestColumnsHintTrimsResult(t *testing.T) {
	fn, _ := mustFunction(t, `schema = {"a": "int64", "b": "string", "c": "bool"}
def call(p, columns): emit(1, "x", True)`)
	table, err := call(t, fn, `{}`, "c", "a")
	if err != nil {
		t.Fatal(err)
	}
	defer table.Release()
	var names []string
	for _, f := range table.Schema.Fields() {
		names = append(names, f.Name)
	}
	if strings.Join(names, ",") != "a,c" {
		t.Errorf("columns %v, want [a c] (schema order)", names)
	}
	_, err = call(t, fn, `{}`, "nope")
	var bad *flexfun.BadRequestError
	if !errors.As(err, &bad) || !strings.Contains(bad.Msg, `"nope"`) {
		t.Errorf("unknown column: got %v, want BadRequestError naming it", err)
	}
}

func TestOnLoadStateIsFrozen(t *testing.T) {
	fn, _ := mustFunction(t, `schema = {"v": "string"}
def on_load(ctx):
    return {"greeting": "hi " + ctx.function, "list": [1]}
def call(p, c, h, ctx):
    if p.get("mutate"):
        ctx.state["list"].append(2)
    emit(ctx.state["greeting"])
`)
	if got := mustCall(t, fn, `{}`); got != `[{"v":"hi main"}]` {
		t.Errorf("got %s", got)
	}
	_, err := call(t, fn, `{"mutate": true}`)
	if err == nil || !strings.Contains(err.Error(), "frozen") {
		t.Errorf("mutating ctx.state: got %v, want a frozen-value error", err)
	}
}

func TestCtxCancelledTurnsTrue(t *testing.T) {
	fn, f := mustFunction(t, `schema = {"v": "int64"}
def call(p, c, h, ctx):
    print("before", ctx.cancelled())
    while not ctx.cancelled():
        pass
`)
	ctx, stop := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer stop()
	if _, err := fn.Call(ctx, &flexfun.Request{}); err == nil {
		t.Fatal("call returned no error after its deadline")
	}
	if !strings.Contains(f.Log.String(), "before False") {
		t.Errorf("ctx.cancelled() was not False while running; log:\n%s", f.Log.String())
	}
}

func TestScriptErrorsNameFileAndLine(t *testing.T) {
	cases := []struct {
		name, body, want string
	}{
		{"fail", "def call():\n    fail(\"bad region\")\n", "main.star:3:9: fail: bad region"},
		{"runtime", "def call():\n    x = {}\n    return x[\"k\"]\n", "main.star:4:13: key \"k\" not in dict"},
		{"conversion in emit", "def call():\n    emit(2.5, \"a\")\n", `main.star:3:9: emit: row 1, column "id" (int64): got float 2.5`},
		{"wrong value count", "def call():\n    emit(1)\n", "main.star:3:9: emit: row 1: got 1 values, schema has 2 columns"},
		{"unknown emit column", "def call():\n    emit(idd = 1)\n", `emit: row 1: unknown column "idd"`},
		{"mixed emit", "def call():\n    emit(1, name = \"x\")\n", "not both"},
		{"conversion in rows", "def call():\n    return [(1, \"a\"), (2, 3)]\n", `main.star: row 2, column "name" (string): got int 3`},
		{"row length", "def call():\n    return [(1,)]\n", "row 1: got 1 values, schema has 2 columns"},
		{"bad row type", "def call():\n    return [1]\n", "row 1: a row must be a tuple, list or dict, got int"},
		{"columns unequal", "def call():\n    return {\"id\": [1, 2], \"name\": [\"a\"]}\n", `column "name" has 1 values, other columns have 2`},
		{"columns unknown", "def call():\n    return {\"idd\": [1]}\n", `unknown column "idd"`},
		{"emit and return", "def call():\n    emit(1, \"a\")\n    return [(2, \"b\")]\n", "call emitted 1 rows and also returned a list"},
		{"bad return", "def call():\n    return 5\n", "call returned an int"},
		{"unsupported value", "def call():\n    emit([1], \"a\")\n", `row 1, column "id" (int64): got list`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fn, _ := mustFunction(t, schema2+tc.body)
			_, err := call(t, fn, `{}`)
			var se *flexfun.ScriptError
			if !errors.As(err, &se) {
				t.Fatalf("got %T %v, want *flexfun.ScriptError", err, err)
			}
			if !strings.Contains(se.Msg, tc.want) {
				t.Errorf("message %q\nwant it to contain %q", se.Msg, tc.want)
			}
			if !strings.HasPrefix(se.Msg, filepath.Join(filepath.Dir(fn.Path()), "main.star")) {
				t.Errorf("message %q does not start with the script's path", se.Msg)
			}
		})
	}
}

func TestBacktraceInScriptError(t *testing.T) {
	fn, _ := mustFunction(t, schema2+`def inner():
    fail("deep")
def call():
    inner()
`)
	_, err := call(t, fn, `{}`)
	var se *flexfun.ScriptError
	if !errors.As(err, &se) {
		t.Fatalf("got %v", err)
	}
	for _, want := range []string{"Traceback", "in call", "in inner", "main.star:5:10", "deep"} {
		if !strings.Contains(se.Backtrace, want) {
			t.Errorf("backtrace lacks %q:\n%s", want, se.Backtrace)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"syntax", map[string]string{"a.star": "schema = {\ndef call(:\n"}, []string{"a.star:2:"}},
		{"no schema", map[string]string{"a.star": "def call(): pass\n"}, []string{"a.star: no schema declared"}},
		{"schema without call", map[string]string{"a.star": "schema = {\"a\": \"int64\"}\n"}, []string{"a.star: declares a schema but no call function"}},
		{"bad type", map[string]string{"a.star": "schema = {\"a\": \"int65\"}\ndef call(): pass\n"}, []string{"a.star: schema:", `"int65"`, "int64"}},
		{"bad name", map[string]string{"a.star": "name = \"has space\"\nschema = {\"a\": \"int64\"}\ndef call(): pass\n"}, []string{"a.star:", "has space"}},
		{"name not string", map[string]string{"a.star": "name = 5\nschema = {\"a\": \"int64\"}\ndef call(): pass\n"}, []string{"a.star: name must be a string, got int"}},
		{"metadata not dict", map[string]string{"a.star": "metadata = [1]\nschema = {\"a\": \"int64\"}\ndef call(): pass\n"}, []string{"a.star: metadata must be a dict"}},
		{"call not function", map[string]string{"a.star": "call = 5\nschema = {\"a\": \"int64\"}\n"}, []string{"a.star: call must be a function, got int"}},
		{"top-level error", map[string]string{"a.star": "x = 1 // 0\n"}, []string{"a.star:1:7", "division by zero"}},
		{"duplicate name", map[string]string{
			"a.star": "name = \"same\"\nschema = {\"a\": \"int64\"}\ndef call(): pass\n",
			"b.star": "name = \"same\"\nschema = {\"a\": \"int64\"}\ndef call(): pass\n",
		}, []string{"b.star: function name \"same\" is already used by", "a.star"}},
		{"missing load", map[string]string{"a.star": "load(\"./nope.star\", \"x\")\n"}, []string{"a.star:1:1", "nope.star"}},
		{"load cycle", map[string]string{
			"a.star": "load(\"./b.star\", \"x\")\ny = 1\n",
			"b.star": "load(\"./a.star\", \"y\")\nx = 1\n",
		}, []string{"cycle in load graph"}},
		{"several problems reported together", map[string]string{
			"a.star": "schema = {\"a\": \"nope\"}\ndef call(): pass\n",
			"b.star": "def call(: pass\n",
		}, []string{"a.star: schema", "b.star:1:"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.files)
			err := f.Load()
			if err == nil {
				t.Fatal("load succeeded, want an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\nlacks %q", err, w)
				}
			}
			if len(f.Reg.Functions()) != 0 {
				t.Errorf("a failed load published %d functions", len(f.Reg.Functions()))
			}
		})
	}
}

func TestDeclarations(t *testing.T) {
	fn, _ := mustFunction(t, `name = "main"
metadata = {"z": 1, "a": {"nested": [True, None]}}
schema = [("id", "int64 not null"), ("tag", {"type": "string", "nullable": False, "metadata": {"k": "v"}}), ("d", "date32")]
def call(): pass
`)
	f := fn
	if f.Name() != "main" {
		t.Errorf("name %q", f.Name())
	}
	if string(f.Metadata()) != `{"z":1,"a":{"nested":[true,null]}}` {
		t.Errorf("metadata %s (key order must be kept)", f.Metadata())
	}
	s := f.Schema()
	if s.Field(0).Nullable || s.Field(1).Nullable || !s.Field(2).Nullable {
		t.Errorf("nullability wrong: %v", s)
	}
	if s.Field(2).Type.ID() != arrow.DATE32 {
		t.Errorf("d is %v", s.Field(2).Type)
	}
	if v, _ := s.Field(1).Metadata.GetValue("k"); v != "v" {
		t.Errorf("field metadata lost: %v", s.Field(1).Metadata)
	}
}

func TestMetadataAbsentIsNull(t *testing.T) {
	fn, _ := mustFunction(t, schema2+"def call(): pass\n")
	if string(fn.Metadata()) != "null" {
		t.Errorf("metadata %s, want null", fn.Metadata())
	}
}

func TestConcurrentCallsShareFrozenGlobals(t *testing.T) {
	fn, _ := mustFunction(t, `schema = {"i": "int64", "s": "string"}
TABLE = {"k%d" % i: i for i in range(100)}
def call(p):
    for k, v in TABLE.items():
        emit(v + p["n"], k)
`)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for n := range 16 {
		wg.Go(func() {
			table, err := call(t, fn, `{"n": `+strings.Repeat("1", 1)+`}`)
			if err != nil {
				errs <- err
				return
			}
			defer table.Release()
			if table.Rows != 100 {
				errs <- errors.New("wrong row count")
			}
			_ = n
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
