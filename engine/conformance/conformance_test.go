package conformance_test

import (
	"testing"
	"time"
)

// TestContract runs every case in both languages.
func TestContract(t *testing.T) {
	var cases []contractCase
	for _, group := range [][]contractCase{outputCases, argumentCases, errorCases, lifecycleCases, moduleCases, loadCases} {
		cases = append(cases, group...)
	}
	for i := range cases {
		tc := &cases[i]
		t.Run(tc.name, func(t *testing.T) {
			for _, ext := range languages {
				t.Run(ext, func(t *testing.T) { tc.run(t, ext) })
			}
		})
	}
}

// Schemas and rows shared by several cases.
const (
	starSchema2 = "schema = {\"id\": \"int64\", \"name\": \"string\"}\n"
	jsSchema2   = "const schema = {id: \"int64\", name: \"string\"};\n"
	rows2       = `[{"id":1,"name":"a"},{"id":2,"name":null}]`
)

// outputCases: the three ways to deliver rows.
var outputCases = []contractCase{
	{
		name: "emit positional",
		star: starSchema2 + "def call(p, c, h):\n    emit(1, \"a\")\n    emit(2, None)\n",
		js:   jsSchema2 + "function call(p, c, h) {\n  emit(1, \"a\");\n  emit(2, null);\n}\n",
		want: rows2,
	},
	{
		name: "emit by column name, missing columns null",
		star: starSchema2 + "def call(p, c, h):\n    emit(id = 1, name = \"a\")\n    emit(id = 2)\n",
		js:   jsSchema2 + "function call(p, c, h) {\n  emit({id: 1, name: \"a\"});\n  emit({id: 2});\n}\n",
		want: rows2,
	},
	{
		name: "rows in schema order",
		star: starSchema2 + "def call(p, c, h): return [(1, \"a\"), [2, None]]\n",
		js:   jsSchema2 + "function call(p, c, h) { return [[1, \"a\"], [2, null]]; }\n",
		want: rows2,
	},
	{
		name: "rows by column name, missing keys null",
		star: starSchema2 + "def call(p, c, h): return [{\"id\": 1, \"name\": \"a\"}, {\"id\": 2}]\n",
		js:   jsSchema2 + "function call(p, c, h) { return [{id: 1, name: \"a\"}, {id: 2}]; }\n",
		want: rows2,
	},
	{
		name: "columns",
		star: starSchema2 + "def call(p, c, h): return {\"name\": [\"a\", None], \"id\": [1, 2]}\n",
		js:   jsSchema2 + "function call(p, c, h) { return {name: [\"a\", null], id: [1, 2]}; }\n",
		want: rows2,
	},
	{
		name: "columns, a missing column is all null",
		star: starSchema2 + "def call(p, c, h): return {\"id\": [1, 2, 3]}\n",
		js:   jsSchema2 + "function call(p, c, h) { return {id: [1, 2, 3]}; }\n",
		want: `[{"id":1,"name":null},{"id":2,"name":null},{"id":3,"name":null}]`,
	},
	{
		name: "no rows",
		star: starSchema2 + "def call(p, c, h): pass\n",
		js:   jsSchema2 + "function call(p, c, h) {}\n",
		want: `[]`,
	},
	{
		name: "values follow the declared type",
		star: `schema = {"b": "bool", "d": "date32", "ts": "timestamp[ms]", "d2": "date32", "ts2": "timestamp[ms, tz=UTC]", "dec": "decimal128(10, 2)", "bin": "binary", "f": "float64"}
def call():
    emit(True, "2024-02-29", "2024-01-02T03:04:05Z", 19782, 1704164645000, "12.50", "raw", 3)
    emit(False, None, "2024-01-02 03:04:05.5", 0, "2024-01-02T03:04:05+01:00", 7, None, 0.5)
`,
		js: `const schema = {b: "bool", d: "date32", ts: "timestamp[ms]", d2: "date32", ts2: "timestamp[ms, tz=UTC]", dec: "decimal128(10, 2)", bin: "binary", f: "float64"};
function call() {
  emit(true, "2024-02-29", "2024-01-02T03:04:05Z", 19782, 1704164645000, "12.50", "raw", 3);
  emit(false, null, "2024-01-02 03:04:05.5", 0, "2024-01-02T03:04:05+01:00", 7, null, 0.5);
}
`,
		want: `[{"b":true,"d":"2024-02-29","ts":"2024-01-02T03:04:05","d2":"2024-02-29","ts2":"2024-01-02T03:04:05Z","dec":"12.5","bin":"cmF3","f":3},` +
			`{"b":false,"d":null,"ts":"2024-01-02T03:04:05.5","d2":"1970-01-01","ts2":"2024-01-02T02:04:05Z","dec":"7","bin":null,"f":0.5}]`,
	},
	{
		name:    "the columns hint trims the result, in schema order",
		star:    "schema = {\"a\": \"int64\", \"b\": \"string\", \"c\": \"bool\"}\ndef call(p, columns): emit(1, \"x\", True)\n",
		js:      "const schema = {a: \"int64\", b: \"string\", c: \"bool\"};\nfunction call(p, columns) { emit(1, \"x\", true); }\n",
		columns: []string{"c", "a"},
		want:    `[{"a":1,"c":true}]`,
	},
	{
		name:    "a columns hint naming an unknown column is a bad request",
		star:    starSchema2 + "def call(): pass\n",
		js:      jsSchema2 + "function call() {}\n",
		columns: []string{"nope"},
		kind:    badRequest,
		err:     `column "nope" requested in 'columns' is not in the schema of function "main"`,
	},
}

// argumentCases: what call receives.
var argumentCases = []contractCase{
	{
		name: "call declaring no parameters",
		star: starSchema2 + "def call(): emit(1, \"x\")\n",
		js:   jsSchema2 + "function call() { emit(1, \"x\"); }\n",
		want: `[{"id":1,"name":"x"}]`,
	},
	{
		name:   "call declaring fewer parameters",
		star:   starSchema2 + "def call(p): emit(p[\"n\"], \"x\")\n",
		js:     jsSchema2 + "function call(p) { emit(p.n, \"x\"); }\n",
		params: `{"n": 7}`,
		want:   `[{"id":7,"name":"x"}]`,
	},
	{
		name: "parameters, columns, headers and ctx",
		star: `schema = {"k": "string", "v": "string"}
def call(parameters, columns, headers, ctx):
    emit("n", str(parameters["n"] + 1))
    emit("nested", parameters["nested"]["b"][2])
    emit("columns", ",".join(columns))
    emit("header", headers["x-test"][1])
    emit("function", ctx.function)
    emit("settings", ctx.settings["weather"]["api_key"] + str(ctx.settings["weather"]["retries"]))
    emit("state", str(ctx.state))
    emit("cancelled", str(ctx.cancelled()).lower())
`,
		js: `const schema = {k: "string", v: "string"};
function call(parameters, columns, headers, ctx) {
  emit("n", String(parameters.n + 1));
  emit("nested", parameters.nested.b[2]);
  emit("columns", columns.join(","));
  emit("header", headers["x-test"][1]);
  emit("function", ctx.function);
  emit("settings", ctx.settings.weather.api_key + ctx.settings.weather.retries);
  emit("state", ctx.state === null ? "None" : "?");
  emit("cancelled", String(ctx.cancelled()));
}
`,
		params:  `{"n": 3, "nested": {"b": [1, 2.5, "x"], "a": null}}`,
		columns: []string{"k", "v"},
		want: `[{"k":"n","v":"4"},{"k":"nested","v":"x"},{"k":"columns","v":"k,v"},{"k":"header","v":"b"},` +
			`{"k":"function","v":"main"},{"k":"settings","v":"k1233"},{"k":"state","v":"None"},{"k":"cancelled","v":"false"}]`,
	},
	{
		name:   "no parameters and no columns hint",
		star:   starSchema2 + "def call(parameters, columns):\n    emit(len(parameters), str(columns))\n",
		js:     jsSchema2 + "function call(parameters, columns) {\n  emit(Object.keys(parameters).length, columns === null ? \"None\" : \"?\");\n}\n",
		params: `null`,
		want:   `[{"id":0,"name":"None"}]`,
	},
}

// errorCases: what a call that goes wrong reports.
var errorCases = []contractCase{
	{
		name:    "an error raised by the script names the file and line",
		star:    starSchema2 + "def call():\n    fail(\"bad region\")\n",
		js:      jsSchema2 + "function call() {\n  throw new Error(\"bad region\");\n}\n",
		errStar: "main.star:3:9: fail: bad region",
		errJS:   "main.js:3:9: Error: bad region",
	},
	{
		name:    "a runtime error names the file and line",
		star:    starSchema2 + "def call():\n    x = {}\n    return x[\"k\"]\n",
		js:      jsSchema2 + "function call() {\n  const x = undefined;\n  return x.k;\n}\n",
		errStar: "main.star:4:13: key \"k\" not in dict",
		errJS:   "main.js:4:12: TypeError: Cannot read property 'k' of undefined",
	},
	{
		name:    "a value that does not fit, emitted",
		star:    starSchema2 + "def call():\n    emit(2.5, \"a\")\n",
		js:      jsSchema2 + "function call() {\n  emit(2.5, \"a\");\n}\n",
		err:     `emit: row 1, column "id" (int64): got `,
		errStar: `main.star:3:9: emit: row 1, column "id" (int64): got float 2.5`,
		errJS:   `main.js:3:7: emit: row 1, column "id" (int64): got number 2.5: not a whole number`,
	},
	{
		name:    "a value that does not fit, returned",
		star:    starSchema2 + "def call():\n    return [(1, \"a\"), (2, 3)]\n",
		js:      jsSchema2 + "function call() {\n  return [[1, \"a\"], [2, 3]];\n}\n",
		errStar: `main.star: row 2, column "name" (string): got int 3`,
		errJS:   `main.js: row 2, column "name" (string): got number 3`,
	},
	{
		name: "a value that does not fit, in columns",
		star: starSchema2 + "def call(): return {\"id\": [1, \"x\"]}\n",
		js:   jsSchema2 + "function call() { return {id: [1, \"x\"]}; }\n",
		err:  `main.{ext}: row 2, column "id" (int64): got string "x"`,
	},
	{
		name: "a null in a not-null column",
		star: "schema = {\"id\": \"int64 not null\"}\ndef call(): emit(None)\n",
		js:   "const schema = {id: \"int64 not null\"};\nfunction call() { emit(null); }\n",
		err:  `emit: row 1, column "id" (int64): got null: column is not nullable`,
	},
	{
		name:    "emit with the wrong number of values",
		star:    starSchema2 + "def call():\n    emit(1, \"a\")\n    emit(1)\n",
		js:      jsSchema2 + "function call() {\n  emit(1, \"a\");\n  emit(1);\n}\n",
		err:     "main.{ext}:4:",
		errStar: "main.star:4:9: emit: row 2: got 1 values, schema has 2 columns",
		errJS:   "main.js:4:7: emit: row 2: got 1 values, schema has 2 columns",
	},
	{
		name: "a row of the wrong length",
		star: starSchema2 + "def call(): return [(1,)]\n",
		js:   jsSchema2 + "function call() { return [[1]]; }\n",
		err:  "main.{ext}: row 1: got 1 values, schema has 2 columns",
	},
	{
		name:    "a row that is neither a sequence nor a mapping",
		star:    starSchema2 + "def call(): return [1]\n",
		js:      jsSchema2 + "function call() { return [1]; }\n",
		errStar: "row 1: a row must be a tuple, list or dict, got int",
		errJS:   "row 1: a row must be an array or an object, got number",
	},
	{
		name: "emit naming an unknown column",
		star: starSchema2 + "def call(): emit(idd = 1)\n",
		js:   jsSchema2 + "function call() { emit({idd: 1}); }\n",
		err:  `emit: row 1: unknown column "idd"`,
	},
	{
		name: "a row naming an unknown column",
		star: starSchema2 + "def call(): return [{\"id\": 1}, {\"idd\": 1}]\n",
		js:   jsSchema2 + "function call() { return [{id: 1}, {idd: 1}]; }\n",
		err:  `main.{ext}: row 2: unknown column "idd"`,
	},
	{
		name: "columns naming an unknown column",
		star: starSchema2 + "def call(): return {\"idd\": [1]}\n",
		js:   jsSchema2 + "function call() { return {idd: [1]}; }\n",
		err:  `main.{ext}: unknown column "idd"`,
	},
	{
		name: "columns of unequal lengths",
		star: starSchema2 + "def call(): return {\"id\": [1, 2], \"name\": [\"a\"]}\n",
		js:   jsSchema2 + "function call() { return {id: [1, 2], name: [\"a\"]}; }\n",
		err:  `main.{ext}: column "name" has 1 values, other columns have 2`,
	},
	{
		name:    "emitting and also returning rows",
		star:    starSchema2 + "def call():\n    emit(1, \"a\")\n    return [(2, \"b\")]\n",
		js:      jsSchema2 + "function call() {\n  emit(1, \"a\");\n  return [[2, \"b\"]];\n}\n",
		err:     "main.{ext}: call emitted 1 rows and also returned a",
		errStar: "returned a list: use one or the other",
		errJS:   "returned an array: use one or the other",
	},
	{
		name:    "returning something else",
		star:    starSchema2 + "def call(): return 5\n",
		js:      jsSchema2 + "function call() { return 5; }\n",
		err:     "main.{ext}: call returned a",
		errStar: "call returned an int: want None (after emit), a list of rows or a dict of columns",
		errJS:   "call returned a number: want undefined (after emit), an array of rows or an object of columns",
	},
	{
		name: "an error in a helper names the helper's file and line",
		star: "load(\"./lib/util.star\", \"check\")\n" + starSchema2 + "def call(): check(\"XX\")\n",
		js:   "const {check} = require(\"./lib/util.js\");\n" + jsSchema2 + "function call() { check(\"XX\"); }\n",
		files: map[string]string{
			"lib/util.star": "def check(code):\n    fail(\"no such region %r\" % code)\n",
			"lib/util.js":   "exports.check = function check(code) {\n  throw new Error(`no such region \"${code}\"`);\n};\n",
		},
		errStar: `lib/util.star:2:9: fail: no such region "XX"`,
		errJS:   `lib/util.js:2:9: Error: no such region "XX"`,
	},
}

// lifecycleCases: on_load, ctx.state, cancel, deadlines and logging.
var lifecycleCases = []contractCase{
	{
		name: "on_load's result is ctx.state",
		star: "schema = {\"v\": \"string\"}\ndef on_load(ctx):\n    return {\"greeting\": \"hi \" + ctx.function, \"key\": ctx.settings[\"weather\"][\"api_key\"]}\n" +
			"def call(p, c, h, ctx): emit(ctx.state[\"greeting\"] + \" \" + ctx.state[\"key\"])\n",
		js: "const schema = {v: \"string\"};\nfunction on_load(ctx) {\n  return {greeting: \"hi \" + ctx.function, key: ctx.settings.weather.api_key};\n}\n" +
			"function call(p, c, h, ctx) { emit(ctx.state.greeting + \" \" + ctx.state.key); }\n",
		want: `[{"v":"hi main k123"}]`,
	},
	{
		name: "ctx.state is frozen",
		star: "schema = {\"v\": \"string\"}\ndef on_load(ctx): return {\"list\": [1]}\n" +
			"def call(p, c, h, ctx):\n    ctx.state[\"list\"].append(2)\n",
		js: "const schema = {v: \"string\"};\nfunction on_load(ctx) { return {list: [1]}; }\n" +
			"function call(p, c, h, ctx) {\n  ctx.state.list.push(2);\n}\n",
		err:     "frozen",
		errStar: "main.star:4:29: append: cannot append to frozen list",
		errJS:   "ctx.state.list is frozen: cannot set [1]",
	},
	{
		name: "ctx.settings is frozen",
		star: "schema = {\"v\": \"string\"}\ndef call(p, c, h, ctx):\n    ctx.settings[\"weather\"][\"api_key\"] = \"x\"\n",
		js:   "const schema = {v: \"string\"};\nfunction call(p, c, h, ctx) {\n  ctx.settings.weather.api_key = \"x\";\n}\n",
		err:  "frozen",
	},
	{
		name:    "on_load failing fails the load, naming the file and line",
		star:    "schema = {\"v\": \"string\"}\ndef on_load(ctx):\n    fail(\"no api key\")\ndef call(): pass\n",
		js:      "const schema = {v: \"string\"};\nfunction on_load(ctx) {\n  throw new Error(\"no api key\");\n}\nfunction call() {}\n",
		kind:    loadErr,
		errStar: "main.star:3:9: fail: no api key",
		errJS:   "main.js:3:9: Error: no api key",
	},
	{
		name:     "the deadline interrupts a runaway call and runs cancel",
		star:     "schema = {\"v\": \"int64\"}\ndef cancel():\n    print(\"cancel hook ran\")\ndef call():\n    n = 0\n    while True:\n        n += 1\n",
		js:       "const schema = {v: \"int64\"};\nfunction cancel() {\n  print(\"cancel hook ran\");\n}\nfunction call() {\n  let n = 0;\n  while (true) { n += 1; }\n}\n",
		deadline: 100 * time.Millisecond,
		logs:     []string{`message="cancel hook ran"`},
	},
	{
		name:     "ctx.cancelled() turns true at the deadline",
		star:     "schema = {\"v\": \"int64\"}\ndef call(p, c, h, ctx):\n    print(\"before\", str(ctx.cancelled()).lower())\n    while not ctx.cancelled():\n        pass\n",
		js:       "const schema = {v: \"int64\"};\nfunction call(p, c, h, ctx) {\n  print(\"before\", String(ctx.cancelled()));\n  while (!ctx.cancelled()) {}\n}\n",
		deadline: 50 * time.Millisecond,
		logs:     []string{`message="before false"`},
	},
	{
		name: "print and log go to the server log, tagged",
		star: starSchema2 + "def call():\n    print(\"hello\", 42)\n    log.warning(\"slow source\", source = \"api\", ms = 1200)\n",
		js:   jsSchema2 + "function call() {\n  print(\"hello\", 42);\n  log.warning(\"slow source\", {source: \"api\", ms: 1200});\n}\n",
		want: `[]`,
		logs: []string{`msg=print`, `message="hello 42"`, `function=main task_id=t1`, `level=WARN msg="slow source"`, `source=api ms=1200`},
	},
}

// moduleCases: helpers, load() and require().
var moduleCases = []contractCase{
	{
		name: "helpers by relative path, nested",
		files: map[string]string{
			"fns/main.star":      "load(\"../lib/util.star\", \"double\", \"PREFIX\")\nschema = {\"v\": \"string\"}\ndef call(): emit(PREFIX + str(double(21)))\n",
			"lib/util.star":      "load(\"./deep/base.star\", \"BASE\")\nPREFIX = \"answer=\"\ndef double(x): return x * BASE\n",
			"lib/deep/base.star": "BASE = 2\n",
			"fns/main.js":        "const {double, PREFIX} = require(\"../lib/util.js\");\nconst schema = {v: \"string\"};\nfunction call() { emit(PREFIX + double(21)); }\n",
			"lib/util.js":        "const {BASE} = require(\"./deep/base.js\");\nexports.PREFIX = \"answer=\";\nexports.double = (x) => x * BASE;\n",
			"lib/deep/base.js":   "exports.BASE = 2;\n",
		},
		want:      `[{"v":"answer=42"}]`,
		wantFiles: []string{"fns/main.{ext}", "lib/util.{ext}", "lib/deep/base.{ext}"},
	},
	{
		name:    "a missing helper fails the load at the line that loads it",
		star:    "load(\"./nope.star\", \"x\")\n",
		js:      "const x = require(\"./nope.js\");\n",
		kind:    loadErr,
		err:     "main.{ext}:1:",
		errStar: "nope.star",
		errJS:   `require("./nope.js"): no file nope.js`,
	},
}

// loadCases: mistakes in the declarations, reported when loading.
var loadCases = []contractCase{
	{
		name: "syntax error",
		star: "schema = {\ndef call(:\n",
		js:   "const schema = {\nfunction call(:\n",
		kind: loadErr,
		err:  "main.{ext}:2:",
	},
	{
		name: "no schema",
		star: "def call(): pass\n",
		js:   "function call() {}\n",
		kind: loadErr,
		err:  "main.{ext}: no schema declared",
	},
	{
		name: "a schema without call",
		star: "schema = {\"a\": \"int64\"}\n",
		js:   "const schema = {a: \"int64\"};\n",
		kind: loadErr,
		err:  "main.{ext}: declares a schema but no call function",
	},
	{
		name: "an unknown column type",
		star: "schema = {\"a\": \"int65\"}\ndef call(): pass\n",
		js:   "const schema = {a: \"int65\"};\nfunction call() {}\n",
		kind: loadErr,
		err:  `main.{ext}: schema: column "a": unknown type "int65"; valid types: bool, boolean, int8`,
	},
	{
		name: "an invalid name",
		star: "name = \"has space\"\nschema = {\"a\": \"int64\"}\ndef call(): pass\n",
		js:   "const name = \"has space\";\nconst schema = {a: \"int64\"};\nfunction call() {}\n",
		kind: loadErr,
		err:  `main.{ext}: invalid function name "has space"`,
	},
	{
		name:    "a name that is not a string",
		star:    "name = 5\nschema = {\"a\": \"int64\"}\ndef call(): pass\n",
		js:      "const name = 5;\nconst schema = {a: \"int64\"};\nfunction call() {}\n",
		kind:    loadErr,
		err:     "main.{ext}: name must be a string, got ",
		errStar: "got int",
		errJS:   "got number",
	},
	{
		name:    "call that is not a function",
		star:    "call = 5\nschema = {\"a\": \"int64\"}\n",
		js:      "const call = 5;\nconst schema = {a: \"int64\"};\n",
		kind:    loadErr,
		err:     "main.{ext}: call must be a function, got ",
		errStar: "got int",
		errJS:   "got number",
	},
	{
		name:    "metadata that is not a mapping",
		star:    "metadata = [1]\nschema = {\"a\": \"int64\"}\ndef call(): pass\n",
		js:      "const metadata = [1];\nconst schema = {a: \"int64\"};\nfunction call() {}\n",
		kind:    loadErr,
		errStar: "main.star: metadata must be a dict",
		errJS:   "main.js: metadata must be an object, got array",
	},
	{
		name:    "an error at top level",
		star:    "x = 1 // 0\n",
		js:      "const x = null.y;\n",
		kind:    loadErr,
		errStar: "main.star:1:7: floored division by zero",
		errJS:   "main.js:1:16: TypeError: Cannot read property 'y' of undefined",
	},
}
