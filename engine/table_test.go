package engine_test

import (
	"context"
	"io"
	"log/slog"
	"runtime"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/flexfun-script/flexfun-script/engine"
	"github.com/flexfun-script/flexfun-script/engine/enginetest"
	"github.com/flexfun-script/flexfun-script/engine/jsrt"
	"github.com/flexfun-script/flexfun-script/engine/starlarkrt"
)

// TestTablesReleaseTheirMemory: tables a call makes are released when the
// call ends, whether it returns them, emits them or drops them; a table
// kept in on_load's state lives until its version is gone.
func TestTablesReleaseTheirMemory(t *testing.T) {
	files := map[string]string{
		"a.star": `schema = {"id": "int64", "name": "string"}
def on_load(ctx):
    return table.from_rows([(9, "kept")], schema)
def call(p, c, h, ctx):
    t = table.from_columns({"id": [1, 2], "name": ["a", "b"]}, schema)
    emit(t.select("id"))
    t.rename({"name": "label"})
    emit(ctx.state)
    if p.get("fail"):
        fail("boom")
    return None
`,
		"b.js": `const schema = {id: "int64", name: "string"};
function on_load(ctx) { return {t: table.from_rows([[9, "kept"]], schema)}; }
function call(p, c, h, ctx) {
  const t = table.from_columns({id: [1, 2], name: ["a", "b"]}, schema);
  emit(t.select("id"));
  t.rename({name: "label"});
  emit(ctx.state.t);
  if (p.fail) throw new Error("boom");
}
`,
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	dir := t.TempDir()
	enginetest.WriteFiles(t, dir, files)
	reg := engine.NewRegistry(engine.Options{
		Runtimes:  []engine.Runtime{starlarkrt.New(), jsrt.New()},
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		Allocator: mem,
	})
	if err := reg.LoadPaths([]string{dir}); err != nil {
		t.Fatal(err)
	}
	loaded := mem.CurrentAlloc()
	if loaded == 0 {
		t.Fatal("the state tables allocated nothing")
	}
	for _, name := range []string{"a", "b"} {
		fn, _ := reg.Lookup(name)
		for _, params := range []string{`{}`, `{"fail": true}`} {
			table, err := fn.Call(context.Background(), enginetest.Request(params, nil))
			if err == nil {
				if got := enginetest.RowsJSON(t, table); got != `[{"id":1,"name":null},{"id":2,"name":null},{"id":9,"name":"kept"}]` {
					t.Errorf("%s: rows %s", name, got)
				}
				table.Release()
			}
			if got := mem.CurrentAlloc(); got != loaded {
				t.Errorf("%s %s: %d bytes allocated after the call, want the %d of the state", name, params, got, loaded)
			}
		}
	}
	// Unloading the versions releases their state, once nothing holds them.
	if err := reg.LoadFiles(nil); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for mem.CurrentAlloc() != 0 && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if got := mem.CurrentAlloc(); got != 0 {
		t.Errorf("%d bytes still allocated after the versions were unloaded", got)
	}
}
