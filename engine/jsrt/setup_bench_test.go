package jsrt_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
	"github.com/flexfun-script/flexfun-script/engine"
	"github.com/flexfun-script/flexfun-script/engine/jsrt"
	"github.com/flexfun-script/flexfun-script/flexfun"
)

// setupScript is a small function that uses a helper, like the bundled
// examples: the per-call setup dominates its cost.
var setupScript = map[string]string{
	"main.js": `const lib = require("./lib/regions.js");
const name = "Setup";
const schema = {code: "string", name: "string", vat: "int32"};
function on_load(ctx) { return {greeting: "hello", codes: ["EU", "US"]}; }
function call(parameters, columns, headers, ctx) {
  for (const code of ctx.state.codes) emit(code, lib.REGIONS[code].name, lib.REGIONS[code].vat);
}
`,
	"lib/regions.js": `exports.REGIONS = {EU: {name: "Europe", vat: 21}, US: {name: "United States", vat: 0}};
`,
}

// BenchmarkCallSetup measures a whole call of a two-row function through
// Function.Call: a fresh runtime per call (goja.New, built-ins, the file's
// top level and its helper's, ctx, call), whose setup dominates the cost
// of a small function.
func BenchmarkCallSetup(b *testing.B) {
	dir := b.TempDir()
	for name, src := range setupScript {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	reg := engine.NewRegistry(engine.Options{Runtimes: []engine.Runtime{jsrt.New()}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err := reg.LoadPaths([]string{dir}); err != nil {
		b.Fatal(err)
	}
	fn, _ := reg.Lookup("Setup")
	req := &flexfun.Request{Parameters: json.RawMessage(`{"x": 1}`), Headers: map[string][]string{"a": {"b"}}}
	check := func(t *arrowbridge.Table) {
		if t.Rows != 2 {
			b.Fatalf("%d rows", t.Rows)
		}
		t.Release()
	}
	b.Run("Fresh", func(b *testing.B) {
		for b.Loop() {
			t, err := fn.Call(context.Background(), req)
			if err != nil {
				b.Fatal(err)
			}
			check(t)
		}
	})
}
