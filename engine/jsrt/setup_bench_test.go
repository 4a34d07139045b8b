package jsrt

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/dop251/goja"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
	"github.com/flexfun-script/flexfun-script/engine"
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

// BenchmarkCallSetup measures a whole call of a two-row function, to
// choose between a fresh runtime per call and a pool of reused runtimes:
//
//   - Fresh: what Run does (goja.New, built-ins, the file's top level and its
//     helper's, declarations, ctx, call);
//   - Reused: the same call on one prepared runtime, which is what a pool
//     would cost at best (without its locking, and without any reset
//     that would stop state leaking between calls).
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
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	env := &engine.Env{Logger: logger, Cache: engine.NewCache()}
	sc, err := New().Load(filepath.Join(dir, "main.js"), env)
	if err != nil {
		b.Fatal(err)
	}
	s := sc.(*script)
	if err := s.OnLoad(context.Background(), "Setup"); err != nil {
		b.Fatal(err)
	}
	schema, err := arrowbridge.NewSchema(s.Declarations().Schema)
	if err != nil {
		b.Fatal(err)
	}
	req := &flexfun.Request{Parameters: json.RawMessage(`{"x": 1}`), Headers: map[string][]string{"a": {"b"}}}
	newCall := func() *engine.Call {
		return &engine.Call{Function: "Setup", Request: req, Builder: arrowbridge.NewBuilder(schema, memory.DefaultAllocator), Logger: logger}
	}
	finish := func(c *engine.Call) {
		t := c.Builder.Finish()
		if t.Rows != 2 {
			b.Fatalf("%d rows", t.Rows)
		}
		t.Release()
	}
	b.Run("Fresh", func(b *testing.B) {
		for b.Loop() {
			c := newCall()
			if err := s.Run(context.Background(), c); err != nil {
				b.Fatal(err)
			}
			finish(c)
		}
	})
	b.Run("Reused", func(b *testing.B) {
		v, err := newVM(s.main, logger)
		if err != nil {
			b.Fatal(err)
		}
		if err := v.runMain(); err != nil {
			b.Fatal(err)
		}
		// s.call runs the top level again; a pool would not, so call the
		// function directly.
		d, err := v.readDecls()
		if err != nil {
			b.Fatal(err)
		}
		fn, _ := assertFunction(d.call)
		for b.Loop() {
			c := newCall()
			st := newCallState(c)
			args, err := s.callArgs(v, c, st)
			if err != nil {
				b.Fatal(err)
			}
			v.call = st
			if _, err := fn(undefined(), args...); err != nil {
				b.Fatal(err)
			}
			v.call = nil
			finish(c)
		}
	})
}

var (
	assertFunction = goja.AssertFunction
	undefined      = goja.Undefined
)
