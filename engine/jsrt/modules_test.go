package jsrt_test

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestRequireRelativeNestedAndFiles(t *testing.T) {
	f := newFixture(t, map[string]string{
		"fns/main.js": `const util = require("../lib/util");
const schema = {v: "string"};
function call() { emit(util.PREFIX + util.double(21)); }
`,
		"lib/util.js":         "const base = require(\"./deep/base.js\");\nmodule.exports = {PREFIX: \"answer=\", double: (x) => x * base.BASE};\n",
		"lib/deep/base.js":    "exports.BASE = require(\"./two.json\").two;\n",
		"lib/deep/two.json":   `{"two": 2}`,
		"lib/deep/unused.js":  "exports.x = 1;\n",
		"fns/notes/readme.md": "not a script",
	})
	if err := f.Load(); err != nil {
		t.Fatal(err)
	}
	if n := len(f.Reg.Functions()); n != 1 {
		t.Fatalf("%d functions loaded; helpers must not become functions", n)
	}
	fn, _ := f.Reg.Lookup("main")
	if got := mustCall(t, fn, `{}`); got != `[{"v":"answer=42"}]` {
		t.Errorf("got %s", got)
	}
	var files []string
	for _, p := range fn.Files() {
		r, _ := filepath.Rel(f.Dir, p)
		files = append(files, filepath.ToSlash(r))
	}
	if got := strings.Join(files, " "); got != "fns/main.js lib/util.js lib/deep/base.js lib/deep/two.json" {
		t.Errorf("Files() = %s", got)
	}
}

// TestRequireSemantics: CommonJS as in Node: one instance per runtime
// whatever the spelling, cycles see partial exports, index.js, module.exports
// as the declarations.
func TestRequireSemantics(t *testing.T) {
	fn, _ := mustFunction(t, `const a1 = require("./a.js"), a2 = require("./a"), dir = require("./dir");
module.exports = {
  schema: {same: "bool", loads: "int64", cycle: "string", dir: "string", filename: "string"},
  call() {
    emit(a1 === a2, globalThis.loads, a1.seenFromB, dir.name, require("./a.js").file);
  },
};`,
		"a.js", `globalThis.loads = (globalThis.loads || 0) + 1;
exports.early = "early";
const b = require("./b.js");
exports.seenFromB = b.sawA;
exports.file = require("path" === "x" ? "" : "./b.js").file;
`,
		"b.js", `const a = require("./a.js");
exports.sawA = Object.keys(a).join(",");
exports.file = __filename.split("/").pop();
`,
		"dir/index.js", `exports.name = "index";`)
	want := `[{"same":true,"loads":1,"cycle":"early","dir":"index","filename":"b.js"}]`
	if got := mustCall(t, fn, `{}`); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestRequireErrors(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"missing file", map[string]string{"main.js": "const schema = {a: \"int64\"};\nconst x = require(\"./nope.js\");\nfunction call() {}\n"},
			`main.js:2:11: require("./nope.js"): no file nope.js`},
		{"missing without extension", map[string]string{"main.js": "function call() { require(\"./lib/nope\") }\n"},
			`main.js:1:19: require("./lib/nope"): no file lib/nope.js, lib/nope.json, lib/nope/index.js`},
		{"package", map[string]string{"main.js": "const _ = require(\"lodash\");\n"},
			`main.js:1:11: require("lodash"): only files can be required, by a path starting with "./", "../" or "/"`},
		{"syntax error in helper, line 1", map[string]string{"main.js": "require(\"./h.js\");\n", "h.js": "exports.x = ;\n"},
			`main.js:1:1: require("./h.js"): h.js:1:13: SyntaxError: Unexpected token ;`},
		{"error at helper's top level", map[string]string{"main.js": "require(\"./h.js\");\n", "h.js": "const y = 1;\nnull.x;\n"},
			`h.js:2:6: TypeError: Cannot read property 'x' of undefined`},
		{"error on helper's line 1", map[string]string{"main.js": "const schema = {a: \"int64\"};\nconst h = require(\"./h.js\");\nfunction call() {}\n", "h.js": "null.x;\n"},
			// Line 1 carries the CommonJS wrapper; the column is the author's.
			`h.js:1:6: TypeError: Cannot read property 'x' of undefined`},
		{"cycle with a broken helper", map[string]string{"main.js": "require(\"./a.js\");\n", "a.js": "require(\"./b.js\");\n", "b.js": "require(\"./a.js\");\nrequire(\"./gone.js\");\n"},
			`a.js:1:1: require("./b.js"): b.js:2:1: require("./gone.js"): no file gone.js`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.files)
			err := f.Load()
			if err == nil {
				t.Fatal("load succeeded")
			}
			if msg := strings.ReplaceAll(err.Error(), f.Dir+"/", ""); !strings.Contains(msg, tc.want) {
				t.Errorf("error %q\nwant it to contain %q", msg, tc.want)
			}
		})
	}
}

// TestRequireAtRunTime: require resolves only what the function's files
// name in require("...") literals, found when the function loads.
func TestRequireAtRunTime(t *testing.T) {
	fn, _ := mustFunction(t, `const schema = {a: "string"};
function call(p) { emit(require(p.path).name); }`, "h.js", `exports.name = "h";`)
	se := scriptError(t, fn, `{"path": "./h.js"}`)
	if want := `main.js:2:32: require("./h.js"): not loaded with the function; require takes a string literal`; !strings.Contains(rel(fn, se.Msg), want) {
		t.Errorf("message %q\nwant %q", rel(fn, se.Msg), want)
	}
}
