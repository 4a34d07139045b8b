package jsrt_test

import (
	"strings"
	"testing"
)

func TestScriptErrorsNameFileLineAndStack(t *testing.T) {
	cases := []struct {
		name, body, want string
		stack            []string
	}{
		{"throw Error", "function inner() {\n  throw new Error(\"bad region\");\n}\nfunction call() { inner(); }\n",
			"main.js:3:9: Error: bad region", []string{"Error: bad region", "at inner (main.js:3:9)", "at call (main.js:5:24)"}},
		{"TypeError", "function call() {\n  const x = undefined;\n  return x.k;\n}\n",
			"main.js:4:12: TypeError: Cannot read property 'k' of undefined", []string{"at call (main.js:4:12)"}},
		{"throw a string", "function call() {\n  throw \"plain\";\n}\n", "main.js:3:3: plain", nil},
		{"throw an object", "function call() { throw {code: 7}; }\n", `main.js:2:19: {"code":7}`, nil},
		{"built-in error", "function call() {\n  emit(1);\n}\n",
			"main.js:3:7: emit: row 1: got 1 values, schema has 2 columns", []string{"at emit (native)", "at call (main.js:3:7)"}},
		// As in V8, the innermost frame is the constructor that made the Error.
		{"custom error class", "class RegionError extends Error {\n  constructor(m) { super(m); this.name = \"RegionError\"; }\n}\nfunction call() { throw new RegionError(\"XX\"); }\n",
			"main.js:3:25: RegionError: XX", []string{"at main.js:3:25", "at call (main.js:5:25)"}},
		{"stack overflow", "function f(n) { return f(n + 1) + 1; }\nfunction call() { f(0); }\n",
			"main.js:2:25: RangeError: Maximum call stack size exceeded: maximum call depth of 1000 exceeded ([flexfun] max_call_depth)", []string{"at f (main.js:2:25)", "... 971 more frames", "at call (main.js:3:20)"}},
		{"error in a helper", "const h = require(\"./h.js\");\nfunction call() { h.fail(); }\n",
			"h.js:2:9: Error: from helper", []string{"at fail (h.js:2:9)", "at call (main.js:3:25)"}},
		{"rejected promise", "async function call() {\n  await null;\n  throw new Error(\"async boom\");\n}\n",
			"main.js:4:9: Error: async boom", []string{"at call (main.js:4:9)"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fn, _ := mustFunction(t, "const schema = {id: \"int64\", name: \"string\"};\n"+tc.body,
				"h.js", "exports.fail = function fail() {\n  throw new Error(\"from helper\");\n};\n")
			se := scriptError(t, fn, `{}`)
			if msg := rel(fn, se.Msg); msg != tc.want {
				t.Errorf("message %q\nwant    %q", msg, tc.want)
			}
			for _, w := range tc.stack {
				if !strings.Contains(rel(fn, se.Backtrace), w) {
					t.Errorf("backtrace lacks %q:\n%s", w, se.Backtrace)
				}
			}
		})
	}
}

func TestErrorCaughtByScriptLeavesNoPartialRow(t *testing.T) {
	fn, _ := mustFunction(t, `const schema = {id: "int64", name: "string"};
function call() {
  emit(1, "a");
  try { emit(2, 3); } catch (e) { emit(3, e.name + ": " + e.message); }
  try { emit({id: 4, nope: 1}); } catch (e) { emit(5, e.message); }
}`)
	want := `[{"id":1,"name":"a"},{"id":3,"name":"TypeError: emit: row 2, column \"name\" (string): got number 3"},{"id":5,"name":"emit: row 3: unknown column \"nope\""}]`
	if got := mustCall(t, fn, `{}`); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestLoadErrors(t *testing.T) {
	cases := []struct {
		name string
		src  string
		want string
	}{
		{"syntax", "const schema = {\nfunction call( {}\n", "main.js:2:10: SyntaxError: Unexpected identifier"},
		{"compile error", "let a = 1;\nlet a = 2;\n", "main.js:2:5: SyntaxError: Identifier 'a' has already been declared"},
		{"no schema", "function call() {}\n", "main.js: no schema declared"},
		{"schema without call", "const schema = {a: \"int64\"};\n", "main.js: declares a schema but no call function"},
		{"bad type", "const schema = {a: \"int65\"};\nfunction call() {}\n", `main.js: schema: column "a": unknown type "int65"; valid types: bool`},
		{"schema not an object", "const schema = 5;\nfunction call() {}\n", "main.js: schema: must be an object or an array of [name, type] pairs, got number"},
		{"bad pair", "const schema = [[\"a\"]];\nfunction call() {}\n", "main.js: schema: entry 0 must be a [name, type] pair, got array"},
		{"bad column spec key", "const schema = {a: {type: \"int64\", nulable: false}};\nfunction call() {}\n", `main.js: schema: column "a": unknown key "nulable" (want type, nullable, metadata)`},
		{"name not a string", "const name = 5;\nconst schema = {a: \"int64\"};\nfunction call() {}\n", "main.js: name must be a string, got number"},
		{"bad name", "const name = \"has space\";\nconst schema = {a: \"int64\"};\nfunction call() {}\n", `has space`},
		{"metadata not an object", "const metadata = [1];\nconst schema = {a: \"int64\"};\nfunction call() {}\n", "main.js: metadata must be an object, got array"},
		{"call not a function", "const schema = {a: \"int64\"};\nconst call = 5;\n", "main.js: call must be a function, got number"},
		{"on_load not a function", "const schema = {a: \"int64\"};\nconst on_load = null;\nfunction call() {}\n", "main.js: on_load must be a function, got null"},
		{"top-level error", "const schema = {a: \"int64\"};\nfunction call() {}\nnull.x;\n", "main.js:3:6: TypeError: Cannot read property 'x' of undefined"},
		{"emit at top level", "const schema = {a: \"int64\"};\nfunction call() {}\nemit(1);\n", "main.js:3:5: emit: can only be used while call runs"},
		{"on_load fails", "const schema = {a: \"int64\"};\nfunction on_load(ctx) {\n  throw new Error(\"no api key\");\n}\nfunction call() {}\n", "main.js:3:9: Error: no api key"},
		{"on_load returns a function", "const schema = {a: \"int64\"};\nfunction on_load() { return {client: {get: () => 1}}; }\nfunction call() {}\n",
			"main.js: on_load returned a function at state.client.get: ctx.state holds data only"},
		{"on_load returns a cycle", "const schema = {a: \"int64\"};\nfunction on_load() { const a = {}; a.self = [a]; return a; }\nfunction call() {}\n",
			"main.js: on_load returned a cycle at state.self[0]"},
		{"on_load returns a Map", "const schema = {a: \"int64\"};\nfunction on_load() { return {\"m m\": new Map()}; }\nfunction call() {}\n",
			`main.js: on_load returned a Map at state["m m"]`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, map[string]string{"main.js": tc.src})
			err := f.Load()
			if err == nil {
				t.Fatal("load succeeded, want an error")
			}
			if msg := strings.ReplaceAll(err.Error(), f.Dir+"/", ""); !strings.Contains(msg, tc.want) {
				t.Errorf("error %q\nwant it to contain %q", msg, tc.want)
			}
			if len(f.Reg.Functions()) != 0 {
				t.Errorf("a failed load published %d functions", len(f.Reg.Functions()))
			}
		})
	}
}
