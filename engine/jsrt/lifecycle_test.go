package jsrt_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/flexfun-script/flexfun-script/engine/enginetest"
	"github.com/flexfun-script/flexfun-script/flexfun"
)

func TestArguments(t *testing.T) {
	fn, _ := mustFunction(t, `const schema = {k: "string", v: "string"};
function call(parameters, columns, headers, ctx) {
  emit("parameters", JSON.stringify(parameters));
  emit("types", typeof parameters.n + " " + Number.isInteger(parameters.n) + " " + typeof parameters.big);
  emit("columns", JSON.stringify(columns));
  emit("headers", JSON.stringify(headers));
  emit("function", ctx.function);
  emit("settings", ctx.settings.weather.api_key + ctx.settings.weather.retries + ctx.settings.weather.cities.join("+"));
  emit("state", String(ctx.state));
  emit("cancelled", String(ctx.cancelled()));
  emit("ctx keys", Object.keys(ctx).join(","));
}`)
	got := mustCall(t, fn, `{"n": 3, "nested": {"b": [1, 2.5, "x"], "a": null}, "big": 12345678901234567890, "__proto__": {"x": 1}}`, "k", "v")
	for _, want := range []string{
		`{"k":"parameters","v":"{\"n\":3,\"nested\":{\"b\":[1,2.5,\"x\"],\"a\":null},\"big\":12345678901234567000,\"__proto__\":{\"x\":1}}"}`,
		`{"k":"types","v":"number true number"}`,
		`{"k":"columns","v":"[\"k\",\"v\"]"}`,
		`{"k":"headers","v":"{\"x-test\":[\"a\",\"b\"]}"}`,
		`{"k":"function","v":"main"}`,
		`{"k":"settings","v":"k1233Prague+Brno"}`,
		`{"k":"state","v":"null"}`,
		`{"k":"cancelled","v":"false"}`,
		`{"k":"ctx keys","v":"function,settings,state,cancelled,execution,add_message"}`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("result lacks %s\nresult: %s", want, got)
		}
	}
	if got := mustCall(t, fn, ``); !strings.Contains(got, `{"k":"parameters","v":"{}"}`) || !strings.Contains(got, `{"k":"columns","v":"null"}`) {
		t.Errorf("without parameters or columns: %s", got)
	}
}

// TestOnLoadState: what on_load returns reaches every call as a read-only
// ctx.state, Dates and BigInts included; changing it throws, in sloppy and
// strict code alike.
func TestOnLoadState(t *testing.T) {
	fn, _ := mustFunction(t, `const schema = {v: "string"};
async function on_load(ctx) {
  await null;
  return {greeting: "hi " + ctx.function, list: [1, {deep: true}], when: new Date(Date.UTC(2024, 0, 2)), big: 2n ** 70n, none: null};
}
function call(p, c, h, ctx) {
  const s = ctx.state;
  switch (p.op) {
  case "read":
    emit([s.greeting, s.list.length, s.list[1].deep, s.when.toISOString(), typeof s.big, s.big.toString(), s.none,
          s.list === s.list, Array.isArray(s.list), Object.keys(s).join(","), JSON.stringify(s.list), [...s.list].length,
          s.list.map((x) => typeof x).join("/"), "greeting" in s, s.missing].join(" "));
    return;
  case "set": s.greeting = "x"; return;
  case "push": s.list.push(2); return;
  case "deep": s.list[1].deep = false; return;
  case "delete": delete s.greeting; return;
  case "length": s.list.length = 0; return;
  case "strict": (function () { "use strict"; s.list[0] = 5; })(); return;
  case "settings": ctx.settings.weather.api_key = "stolen"; return;
  case "ctx": ctx.state = {}; return;
  case "date": s.when.setTime(0); emit(String(ctx.state.when.getTime())); return;
  }
}`)
	want := `[{"v":"hi main 2 true 2024-01-02T00:00:00.000Z bigint 1180591620717411303424  true true greeting,list,when,big,none [1,{\"deep\":true}] 2 number/object true "}]`
	if got := mustCall(t, fn, `{"op": "read"}`); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	for op, msg := range map[string]string{
		"set":      `ctx.state is frozen: cannot set "greeting"`,
		"push":     `ctx.state.list is frozen: cannot set [2]`,
		"deep":     `ctx.state.list[1] is frozen: cannot set "deep"`,
		"delete":   `ctx.state is frozen: cannot delete "greeting"`,
		"length":   `ctx.state.list is frozen: cannot set its length to 0`,
		"strict":   `ctx.state.list is frozen: cannot set [0]`,
		"settings": `ctx.settings.weather is frozen: cannot set "api_key"`,
		"ctx":      `ctx is frozen: cannot set "state"`,
	} {
		se := scriptError(t, fn, `{"op": "`+op+`"}`)
		if !strings.Contains(se.Msg, msg) {
			t.Errorf("%s: message %q\nwant it to contain %q", op, se.Msg, msg)
		}
	}
	// A Date in the state is the call's own copy.
	if got := mustCall(t, fn, `{"op": "date"}`); got != `[{"v":"0"}]` {
		t.Errorf("date: %s", got)
	}
	if got := mustCall(t, fn, `{"op": "read"}`); got != want {
		t.Errorf("state changed by an earlier call: %s", got)
	}
}

func TestDeadlineInterruptsAndRunsCancel(t *testing.T) {
	fn, f := mustFunction(t, `const schema = {v: "int64"};
let progress = "not started";
function cancel() {
  print("cancel hook ran after", progress);
  emit(1); // too late: the call is over
}
function call() {
  progress = "looping";
  while (true) {}
}`)
	ctx, stop := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer stop()
	start := time.Now()
	_, err := fn.Call(ctx, &flexfun.Request{Parameters: json.RawMessage(`{}`)})
	var cancelled *flexfun.CancelledError
	if !errors.As(err, &cancelled) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want CancelledError wrapping DeadlineExceeded", err)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("interrupted only after %v", elapsed)
	}
	for _, want := range []string{`message="cancel hook ran after looping"`, "emit: can only be used while call runs"} {
		enginetest.WaitFor(t, func() bool { return strings.Contains(f.Log.String(), want) }, "the log lacks "+want)
	}
}

func TestDeadlineWhileCollectingRows(t *testing.T) {
	fn, _ := mustFunction(t, `const schema = {v: "int64"};
function call() {
  const rows = [];
  for (let i = 0; i < 10; i++) rows.push({get v() { while (true) {} }});
  return rows;
}`)
	ctx, stop := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer stop()
	start := time.Now()
	if _, err := fn.Call(ctx, &flexfun.Request{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want the deadline", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("a getter run while collecting rows was not interrupted")
	}
}

func TestCtxCancelledTurnsTrue(t *testing.T) {
	fn, f := mustFunction(t, `const schema = {v: "int64"};
function call(p, c, h, ctx) {
  print("before", ctx.cancelled());
  while (!ctx.cancelled()) {}
  print("never reached");
}`)
	ctx, stop := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer stop()
	if _, err := fn.Call(ctx, &flexfun.Request{}); err == nil {
		t.Fatal("call returned no error after its deadline")
	}
	if !strings.Contains(f.Log.String(), `message="before false"`) {
		t.Errorf("ctx.cancelled() was not false while running; log:\n%s", f.Log.String())
	}
}

func TestOnLoadAndTopLevelAreBounded(t *testing.T) {
	f := newFixture(t, map[string]string{"main.js": `const schema = {v: "int64"};
function on_load() { for (;;) {} }
function call() {}`})
	start := time.Now()
	err := f.Load()
	if err == nil || !strings.Contains(err.Error(), "on_load did not finish within the load timeout of 2s ([flexfun] load_timeout_ms)") {
		t.Errorf("got %v, want on_load's timeout", err)
	}
	if time.Since(start) > 10*time.Second {
		t.Errorf("on_load was stopped only after %v", time.Since(start))
	}
}

func TestAsyncCall(t *testing.T) {
	fn, _ := mustFunction(t, `const schema = {v: "int64"};
async function rows(n) { const out = []; for (let i = 0; i < n; i++) out.push([await i]); return out; }
async function call(p) {
  if (p.mode === "emit") { for (const [v] of await rows(2)) emit(v); return; }
  if (p.mode === "rows") return rows(3);
  if (p.mode === "pending") return new Promise(() => {});
}`)
	if got := mustCall(t, fn, `{"mode": "emit"}`); got != `[{"v":0},{"v":1}]` {
		t.Errorf("emit after await: %s", got)
	}
	if got := mustCall(t, fn, `{"mode": "rows"}`); got != `[{"v":0},{"v":1},{"v":2}]` {
		t.Errorf("rows from an async call: %s", got)
	}
	se := scriptError(t, fn, `{"mode": "pending"}`)
	if want := "main.js: call returned a Promise that never settled"; !strings.Contains(rel(fn, se.Msg), want) {
		t.Errorf("message %q\nwant %q", se.Msg, want)
	}
}

func TestPrintConsoleAndLog(t *testing.T) {
	fn, f := mustFunction(t, `const schema = {id: "int64", name: "string"};
print("hello at load");
function call() {
  print("hello", 42, {a: [1, null]}, null, undefined, 5n, new Date(0), [1, "x"]);
  console.warn("careful", new Error("e1"));
  console.debug("details");
  log.warning("slow source", {source: "api", ms: 1200, ratio: 0.5, ok: true, nothing: null, obj: {k: 1}});
  log.info(7);
}`)
	if _, err := call(t, fn, `{}`); err != nil {
		t.Fatal(err)
	}
	out := f.Log.String()
	for _, want := range []string{
		`level=INFO msg=print file=`, `message="hello at load"`,
		`level=INFO msg=print function=main task_id=t1 message="hello 42 {\"a\":[1,null]} null undefined 5n 1970-01-01T00:00:00.000Z [1,\"x\"]"`,
		`level=WARN msg=print function=main task_id=t1 message="careful Error: e1"`,
		`level=DEBUG msg=print function=main task_id=t1 message=details`,
		`level=WARN msg="slow source" function=main task_id=t1 source=api ms=1200 ratio=0.5 ok=true nothing=<nil> obj="{\"k\":1}"`,
		`level=INFO msg=7 function=main`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}
