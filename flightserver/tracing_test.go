package flightserver

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.opentelemetry.io/otel/attribute"
	otelcodes "go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc/metadata"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
	"github.com/flexfun-script/flexfun-script/flexfun"
)

// The caller's trace in the traceparent header of the tests' calls.
const (
	callerTrace    = "4bf92f3577b34da6a3ce929d0e0e4736"
	callerSpan     = "00f067aa0ba902b7"
	callerParent   = "00-" + callerTrace + "-" + callerSpan + "-01"
	spanWaitTimout = 5 * time.Second
)

// tracedEnv starts a server with tracing into a span recorder, serving
// SimpleFun1, Boom (a script error) and Block (sends its task id on the
// returned channel and runs until cancelled).
func tracedEnv(t *testing.T, extract bool) (*env, *tracetest.SpanRecorder, <-chan string) {
	t.Helper()
	sr := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sr))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	ids := make(chan string, 1)
	opts := Options{TracerProvider: tp, ExtractTraceContext: extract, PollingInterval: 50 * time.Millisecond}
	e := startEnv(t, opts, func(mem memory.Allocator) []Function {
		return []Function{
			simpleFun(mem),
			&fakeFunction{name: "Boom", schema: simpleSchema, call: func(context.Context, *flexfun.Request) (*arrowbridge.Table, error) {
				return nil, &flexfun.ScriptError{Msg: "boom.star:3:5: fail: boom", Backtrace: "Traceback: boom.star:3:5"}
			}},
			&fakeFunction{name: "Block", schema: simpleSchema, call: func(ctx context.Context, req *flexfun.Request) (*arrowbridge.Table, error) {
				ids <- req.CallID
				<-ctx.Done()
				return nil, &flexfun.CancelledError{Function: "Block", Cause: context.Cause(ctx)}
			}},
		}
	})
	return e, sr, ids
}

// waitSpans waits until the recorder holds ended spans of every name in
// names (a name may repeat) within one trace, and returns that trace's
// spans by name.
func waitSpans(t *testing.T, sr *tracetest.SpanRecorder, traceID trace.TraceID, names ...string) map[string]sdktrace.ReadOnlySpan {
	t.Helper()
	deadline := time.Now().Add(spanWaitTimout)
	for {
		byName := map[string]sdktrace.ReadOnlySpan{}
		for _, s := range sr.Ended() {
			if s.SpanContext().TraceID() == traceID {
				byName[s.Name()] = s
			}
		}
		missing := ""
		for _, n := range names {
			if _, ok := byName[n]; !ok {
				missing = n
			}
		}
		if missing == "" {
			return byName
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s span in trace %s; have %v", missing, traceID, spanNames(sr.Ended()))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func spanNames(spans []sdktrace.ReadOnlySpan) []string {
	var names []string
	for _, s := range spans {
		names = append(names, s.Name()+"@"+s.SpanContext().TraceID().String()[:8])
	}
	return names
}

func attr(s sdktrace.ReadOnlySpan, key string) attribute.Value {
	for _, kv := range s.Attributes() {
		if string(kv.Key) == key {
			return kv.Value
		}
	}
	return attribute.Value{}
}

func wantParent(t *testing.T, child, parent sdktrace.ReadOnlySpan) {
	t.Helper()
	if child.Parent().SpanID() != parent.SpanContext().SpanID() {
		t.Errorf("%s's parent is %s, want %s (%s)", child.Name(), child.Parent().SpanID(), parent.Name(), parent.SpanContext().SpanID())
	}
}

// TestTracingSpans: a call continues the caller's trace (traceparent) with
// GET_FLIGHT_INFO → task_execution → task_run_submit and task_run, each
// with the Python server's names and attributes, and DoGet adds DO_GET.
func TestTracingSpans(t *testing.T) {
	e, sr, _ := tracedEnv(t, true)
	ctx := metadata.AppendToOutgoingContext(context.Background(), "traceparent", callerParent)
	info, err := e.client.GetFlightInfo(ctx, cmd(`{"functionName":"SimpleFun1"}`))
	if err != nil {
		t.Fatal(err)
	}
	stream, err := e.client.DoGet(ctx, info.Endpoint[0].Ticket)
	if err != nil {
		t.Fatal(err)
	}
	rdr, err := flight.NewRecordReader(stream)
	if err != nil {
		t.Fatal(err)
	}
	for rdr.Next() {
	}
	rdr.Release()
	id := strings.TrimSuffix(strings.TrimPrefix(string(info.Endpoint[0].Ticket.Ticket), `{"task_id":"`), `"}`)

	tid, _ := trace.TraceIDFromHex(callerTrace)
	spans := waitSpans(t, sr, tid, "GET_FLIGHT_INFO", "task_execution", "task_run_submit", "task_run", "DO_GET")
	rpc, exec, submit, run := spans["GET_FLIGHT_INFO"], spans["task_execution"], spans["task_run_submit"], spans["task_run"]
	if rpc.Parent().SpanID().String() != callerSpan || !rpc.Parent().IsRemote() {
		t.Errorf("GET_FLIGHT_INFO's parent is %v, want the caller's span %s", rpc.Parent(), callerSpan)
	}
	wantParent(t, exec, rpc)
	wantParent(t, submit, exec)
	wantParent(t, run, exec)
	if rpc.SpanKind() != trace.SpanKindServer || rpc.Status().Code != otelcodes.Ok {
		t.Errorf("GET_FLIGHT_INFO kind %v, status %v", rpc.SpanKind(), rpc.Status())
	}
	for key, want := range map[string]string{"rpc.system": "grpc", "rpc.service": "FlightRPC", "rpc.method": "GET_FLIGHT_INFO"} {
		if got := attr(rpc, key).AsString(); got != want {
			t.Errorf("GET_FLIGHT_INFO %s = %q, want %q", key, got, want)
		}
	}
	if got := attr(spans["DO_GET"], "rpc.method").AsString(); got != "DO_GET" {
		t.Errorf("DO_GET rpc.method = %q", got)
	}
	for _, s := range []sdktrace.ReadOnlySpan{exec, run} {
		if attr(s, attrTaskID).AsString() != id || attr(s, attrFunction).AsString() != "SimpleFun1" || attr(s, attrRows).AsInt64() != 3 {
			t.Errorf("%s attributes %v; want task %s, SimpleFun1, 3 rows", s.Name(), s.Attributes(), id)
		}
		if s.Status().Code != otelcodes.Ok || len(s.Events()) != 0 {
			t.Errorf("%s status %v, events %v", s.Name(), s.Status(), s.Events())
		}
	}
	if attr(submit, attrTaskID).AsString() != id {
		t.Errorf("task_run_submit attributes %v", submit.Attributes())
	}
}

// TestTracingErrors: a failed call marks the RPC span ERROR with the error
// recorded, and task_execution ERROR with the task_error event carrying
// the error as the client gets it; a cancelled call adds task_cancelled.
func TestTracingErrors(t *testing.T) {
	e, sr, ids := tracedEnv(t, true)
	tid, _ := trace.TraceIDFromHex(callerTrace)
	ctx := metadata.AppendToOutgoingContext(context.Background(), "traceparent", callerParent)
	if _, err := e.client.GetFlightInfo(ctx, cmd(`{"functionName":"Boom"}`)); err == nil {
		t.Fatal("Boom succeeded")
	}
	spans := waitSpans(t, sr, tid, "GET_FLIGHT_INFO", "task_execution", "task_run")
	rpc, exec, run := spans["GET_FLIGHT_INFO"], spans["task_execution"], spans["task_run"]
	if rpc.Status().Code != otelcodes.Error || !hasEvent(rpc, "exception") {
		t.Errorf("GET_FLIGHT_INFO status %v, events %v; want ERROR and the exception", rpc.Status(), rpc.Events())
	}
	if run.Status().Code != otelcodes.Error || !hasEvent(run, "exception") {
		t.Errorf("task_run status %v, events %v", run.Status(), run.Events())
	}
	if exec.Status().Code != otelcodes.Error || len(exec.Events()) != 1 || exec.Events()[0].Name != eventTaskError {
		t.Fatalf("task_execution status %v, events %v", exec.Status(), exec.Events())
	}
	ev := exec.Events()[0]
	for key, want := range map[string]string{
		attrTaskErrorCode:   "command_failed (5)",
		attrTaskErrorMsg:    "There was an error while running task: boom.star:3:5: fail: boom",
		attrTaskErrorDetail: "Traceback: boom.star:3:5",
	} {
		if got := eventAttr(ev, key); got != want {
			t.Errorf("task_error %s = %q, want %q", key, got, want)
		}
	}

	// A polled call cancelled with c:<id>.
	sr.Reset()
	pctx := metadata.AppendToOutgoingContext(ctx, PollableHeader, "1")
	if _, err := e.client.GetFlightInfo(pctx, cmd(`{"functionName":"Block"}`)); err == nil {
		t.Fatal("Block finished")
	}
	id := recv(t, ids)
	if _, err := e.client.GetFlightInfo(pctx, cmd("c:"+id)); err == nil {
		t.Fatal("cancel succeeded without an error")
	}
	exec = waitSpans(t, sr, tid, "task_execution")["task_execution"]
	if !hasEvent(exec, eventTaskCancelled) || exec.Status().Code == otelcodes.Error {
		t.Errorf("cancelled task_execution: status %v, events %v", exec.Status(), exec.Events())
	}
}

// TestTracingWithoutExtraction: without ExtractTraceContext the caller's
// traceparent is ignored and each RPC starts its own trace.
func TestTracingWithoutExtraction(t *testing.T) {
	e, sr, _ := tracedEnv(t, false)
	ctx := metadata.AppendToOutgoingContext(context.Background(), "traceparent", callerParent)
	if _, err := e.client.GetFlightInfo(ctx, cmd(`{"functionName":"SimpleFun1"}`)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(spanWaitTimout)
	for {
		for _, s := range sr.Ended() {
			if s.Name() != "GET_FLIGHT_INFO" {
				continue
			}
			if s.Parent().IsValid() || s.SpanContext().TraceID().String() == callerTrace {
				t.Fatalf("GET_FLIGHT_INFO continues the caller's trace: parent %v", s.Parent())
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no GET_FLIGHT_INFO span; have %v", spanNames(sr.Ended()))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func hasEvent(s sdktrace.ReadOnlySpan, name string) bool {
	for _, ev := range s.Events() {
		if ev.Name == name {
			return true
		}
	}
	return false
}

func eventAttr(ev sdktrace.Event, key string) string {
	for _, kv := range ev.Attributes {
		if string(kv.Key) == key {
			return kv.Value.AsString()
		}
	}
	return ""
}
