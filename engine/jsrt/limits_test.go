package jsrt_test

import (
	"context"
	"strings"
	"testing"

	"github.com/flexfun-script/flexfun-script/engine"
	"github.com/flexfun-script/flexfun-script/engine/enginetest"
	"github.com/flexfun-script/flexfun-script/engine/jsrt"
)

// TestOneStepStringsAreBounded checks that each built-in that makes a
// string of any size in one step refuses one past an eighth of the memory
// limit (here 1 MiB of 8 MiB) and still works below it.
func TestOneStepStringsAreBounded(t *testing.T) {
	const over = "over the bound of 1048576 (an eighth of [flexfun] memory_limit)"
	cases := []struct{ name, expr, want string }{
		{"repeat", `"ab".repeat(600000)`, "repeat would make 1200000 characters, " + over},
		{"padStart", `"x".padStart(2000000, "-")`, "padStart would make 2000000 characters, " + over},
		{"padEnd", `"x".padEnd(2000000)`, "padEnd would make 2000000 characters, " + over},
		{"join", `new Array(3000).fill("x".repeat(1000)).join(",")`, "join would make 3002999 characters, " + over},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			log := new(enginetest.SyncBuffer)
			opts := enginetest.RegistryOptions(log, nil, []engine.Runtime{jsrt.New()})
			opts.MemoryLimit = 8 << 20
			reg := engine.NewRegistry(opts)
			dir := t.TempDir()
			small := strings.NewReplacer("600000", "6", "2000000", "20", "3000", "3").Replace(tc.expr)
			enginetest.WriteFiles(t, dir, map[string]string{
				"big.js":   "const schema = {n: \"int64\"};\nfunction call() { emit(" + tc.expr + ".length); }\n",
				"small.js": "const schema = {n: \"int64\"};\nfunction call() { emit(" + small + ".length); }\n",
			})
			if err := reg.LoadPaths([]string{dir}); err != nil {
				t.Fatal(err)
			}
			big, _ := reg.Lookup("big")
			table, err := big.Call(context.Background(), enginetest.Request("{}", nil))
			if err == nil {
				table.Release()
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), "RangeError: Invalid string length: "+tc.want) {
				t.Errorf("error %q\nwant %q", err, tc.want)
			}
			fn, _ := reg.Lookup("small")
			if _, err := enginetest.FirstValue(fn); err != nil {
				t.Errorf("below the bound: %v", err)
			}
		})
	}
}

// TestBoundedJoinRunsToStringOnce checks that the size check of join does
// not call the elements' toString: join itself calls it once per element.
func TestBoundedJoinRunsToStringOnce(t *testing.T) {
	log := new(enginetest.SyncBuffer)
	opts := enginetest.RegistryOptions(log, nil, []engine.Runtime{jsrt.New()})
	opts.MemoryLimit = 8 << 20
	reg := engine.NewRegistry(opts)
	dir := t.TempDir()
	enginetest.WriteFiles(t, dir, map[string]string{"calls.js": `const schema = {n: "int64"};
function call() {
  let n = 0;
  const o = {toString() { n++; return "a"; }};
  [o, o, o].join(",");
  emit(n);
}
`})
	if err := reg.LoadPaths([]string{dir}); err != nil {
		t.Fatal(err)
	}
	fn, _ := reg.Lookup("calls")
	if got, err := enginetest.FirstValue(fn); err != nil || got != "3" {
		t.Errorf("toString ran %s times (%v), want 3", got, err)
	}
}
