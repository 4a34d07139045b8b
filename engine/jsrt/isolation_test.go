package jsrt_test

import (
	"fmt"
	"sync"
	"testing"
)

// TestNoStateLeaksBetweenCalls: each call runs in a fresh runtime, so what
// one call does to top-level bindings, top-level objects, globals, helper
// modules or built-in prototypes is gone for the next.
func TestNoStateLeaksBetweenCalls(t *testing.T) {
	fn, _ := mustFunction(t, `const lib = require("./lib/counter.js");
const schema = {counter: "int64", top: "int64", global: "int64", helper: "int64", proto: "bool", json: "bool"};
let counter = 0;
const TOP = {n: 0, list: []};
function call() {
  counter++;
  TOP.n++;
  TOP.list.push(1);
  globalThis.seen = (globalThis.seen || 0) + 1;
  const proto = Array.prototype.polluted === true;
  Array.prototype.polluted = true;
  const json = JSON.stringify === undefined;
  JSON.stringify = undefined;
  emit(counter, TOP.n + TOP.list.length - 1, globalThis.seen, lib.next(), proto, json);
}`, "lib/counter.js", `let calls = 0;
exports.next = () => ++calls;
`)
	want := `[{"counter":1,"top":1,"global":1,"helper":1,"proto":false,"json":false}]`
	for i := range 3 {
		if got := mustCall(t, fn, `{}`); got != want {
			t.Fatalf("call %d: got %s\nwant %s (state leaked from an earlier call)", i+1, got, want)
		}
	}
}

// TestConcurrentCalls runs many calls of one function at once (go test
// -race checks that they share nothing mutable) and checks that each sees
// its own parameters and its own copy of the state.
func TestConcurrentCalls(t *testing.T) {
	fn, _ := mustFunction(t, `const schema = {i: "int64", s: "string"};
const TABLE = Object.fromEntries(Array.from({length: 100}, (_, i) => ["k" + i, i]));
function on_load(ctx) { return {prefix: "p", cities: ctx.settings.weather.cities}; }
function call(p, columns, headers, ctx) {
  TABLE.k0 = p.n; // each call's own TABLE
  for (const [k, v] of Object.entries(TABLE)) {
    emit(v + p.n, ctx.state.prefix + ctx.state.cities[v % 2] + k);
  }
}`)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for n := range 16 {
		wg.Go(func() {
			for range 4 {
				table, err := call(t, fn, fmt.Sprintf(`{"n": %d}`, n))
				if err != nil {
					errs <- err
					return
				}
				first := table.Batches[0].Column(0).ValueStr(0)
				last := table.Batches[0].Column(1).ValueStr(99)
				table.Release()
				if table.Rows != 100 || first != fmt.Sprint(2*n) || last != "pBrnok99" {
					errs <- fmt.Errorf("n=%d: %d rows, first %s, last %s", n, table.Rows, first, last)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
