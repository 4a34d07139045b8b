package flightserver

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
	"github.com/flexfun-script/flexfun-script/flexfun"
)

func TestRetryInfoBytes(t *testing.T) {
	// The example of the protocol reference, byte for byte.
	const id = "0123456789abcdef0123456789abcdef"
	const want = `{"flight_info":null,` +
		`"retry_descriptor":"CAISInI6MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",` +
		`"cancel_descriptor":"CAISImM6MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="}`
	got := NewRetryInfo(id).JSON()
	if string(got) != want {
		t.Fatalf("RetryInfo JSON\n got %s\nwant %s", got, want)
	}
	// The whole POLL ErrorInfo, as it goes into grpc-status-details-bin.
	js, _ := pollError(id).Info.MarshalJSON()
	wantInfo := regexp.MustCompile(`^\{"msg":"Work in progress\. Retry\.","detail":null,"code":65637,"body":"[A-Za-z0-9+/]+=*"\}$`)
	if !wantInfo.Match(js) {
		t.Errorf("POLL ErrorInfo %s", js)
	}
}

func pollCtx() context.Context {
	return metadata.AppendToOutgoingContext(context.Background(), PollableHeader, "true")
}

// pollInfo calls GetFlightInfo with the polling header on desc.
func (e *env) pollInfo(desc *flight.FlightDescriptor) (*flight.FlightInfo, metadata.MD, error) {
	var md metadata.MD
	info, err := e.client.GetFlightInfo(pollCtx(), desc, grpc.Trailer(&md))
	return info, md, err
}

// wantPoll checks a POLL answer for task id and returns its RetryInfo.
// The body must be the RetryInfo's bytes, which TestRetryInfoBytes checks
// against the protocol's own example.
func wantPoll(t *testing.T, err error, md metadata.MD, id string) *RetryInfo {
	t.Helper()
	info := wantError(t, err, md, codes.DeadlineExceeded, regexp.QuoteMeta(msgPoll), CodePoll, StatusTimedOut)
	if info == nil {
		t.FailNow()
	}
	ri := NewRetryInfo(id)
	if string(info.Body) != string(ri.JSON()) {
		t.Fatalf("body %s, want the RetryInfo of %s", info.Body, id)
	}
	return ri
}

// gatedFun returns a function that reports its task id, waits until gate
// is closed (or its context ends) and returns the simple table.
func gatedFun(name string, ids chan<- string, gate <-chan struct{}) func(memory.Allocator) Function {
	return func(mem memory.Allocator) Function {
		return &fakeFunction{name: name, schema: simpleSchema,
			call: func(ctx context.Context, req *flexfun.Request) (*arrowbridge.Table, error) {
				ids <- req.CallID
				select {
				case <-gate:
					return simpleTable(mem), nil
				case <-ctx.Done():
					return nil, &flexfun.CancelledError{Function: name, Cause: ctx.Err()}
				}
			}}
	}
}

func TestPollFlow(t *testing.T) {
	ids, gate := make(chan string, 1), make(chan struct{})
	open := sync.OnceFunc(func() { close(gate) })
	t.Cleanup(open)
	mk := gatedFun("Slow", ids, gate)
	e := startEnv(t, Options{PollingInterval: 30 * time.Millisecond}, func(mem memory.Allocator) []Function {
		return []Function{mk(mem)}
	})
	const command = `{"functionName":"Slow","parameters":{"x":1}}`
	start := time.Now()
	_, md, err := e.pollInfo(cmd(command))
	id := recv(t, ids)
	ri := wantPoll(t, err, md, id)
	if d := time.Since(start); d < 30*time.Millisecond || d > 5*time.Second {
		t.Errorf("first poll answered after %v, want about the polling interval", d)
	}

	_, md, err = e.pollInfo(ri.RetryDescriptor)
	ri = wantPoll(t, err, md, id)

	open()
	info, _, err := e.pollInfo(ri.RetryDescriptor)
	if err != nil {
		t.Fatalf("poll after completion: %v", err)
	}
	if d := info.GetFlightDescriptor(); d.GetType() != flight.DescriptorCMD || string(d.GetCmd()) != command {
		t.Errorf("descriptor %v, want the original command %s", d, command)
	}
	if tkt := string(info.GetEndpoint()[0].GetTicket().GetTicket()); tkt != `{"task_id":"`+id+`"}` {
		t.Errorf("ticket %s", tkt)
	}
	_, recs, err := e.readAll(info.GetEndpoint()[0].GetTicket())
	if err != nil || len(recs) != 1 || recs[0].NumRows() != 3 {
		t.Fatalf("DoGet: %d batches, %v", len(recs), err)
	}
	releaseAll(recs)

	// A finished call can be polled again until its result expires.
	if _, _, err := e.pollInfo(ri.RetryDescriptor); err != nil {
		t.Errorf("second poll of a finished call: %v", err)
	}
}

func TestPollImmediateResult(t *testing.T) {
	e := startEnv(t, Options{}, func(mem memory.Allocator) []Function { return []Function{simpleFun(mem)} })
	info, _, err := e.pollInfo(cmd(`{"functionName":"SimpleFun1"}`))
	if err != nil {
		t.Fatal(err)
	}
	if string(info.GetFlightDescriptor().GetCmd()) != `{"functionName":"SimpleFun1"}` || len(info.GetEndpoint()) != 1 {
		t.Errorf("info %v", info)
	}
}

func TestPollCancel(t *testing.T) {
	ids, gate := make(chan string, 1), make(chan struct{})
	t.Cleanup(func() { close(gate) })
	mk := gatedFun("Slow", ids, gate)
	e := startEnv(t, Options{PollingInterval: 20 * time.Millisecond}, func(mem memory.Allocator) []Function {
		return []Function{mk(mem)}
	})
	_, md, err := e.pollInfo(cmd(`{"functionName":"Slow"}`))
	id := recv(t, ids)
	ri := wantPoll(t, err, md, id)

	q := regexp.QuoteMeta
	_, md, err = e.pollInfo(ri.CancelDescriptor)
	wantError(t, err, md, codes.Canceled, q(msgCancelled), CodeCommandCancelled, StatusCancelled)
	// The call was interrupted and recorded as cancelled.
	_, md, err = e.pollInfo(ri.RetryDescriptor)
	wantError(t, err, md, codes.Unknown, q("FlexConnect function invocation was cancelled. Invocation task was: '"+id+"'."), CodeCommandCancelled, StatusFailed)
	// Cancelling again discards the result; cancel always answers CANCELLED.
	_, md, err = e.pollInfo(ri.CancelDescriptor)
	wantError(t, err, md, codes.Canceled, q(msgCancelled), CodeCommandCancelled, StatusCancelled)
	_, md, err = e.pollInfo(ri.RetryDescriptor)
	wantError(t, err, md, codes.Unknown, q("Task with id '"+id+"' does not exist."), CodeBadArgument, StatusFailed)
}

func TestPollErrors(t *testing.T) {
	e := startEnv(t, Options{}, func(mem memory.Allocator) []Function { return []Function{simpleFun(mem)} })
	q := regexp.QuoteMeta
	const unknown = "0123456789abcdef0123456789abcdef"
	for _, tt := range []struct {
		name string
		desc *flight.FlightDescriptor
		code Code
		msg  string
	}{
		{"unknown id", cmd("r:" + unknown), CodeBadArgument, q("Task with id '" + unknown + "' does not exist.")},
		{"empty id", cmd("r:"), CodeBadArgument, q("Task with id '' does not exist.")},
		{"invalid UTF-8 id", cmd("r:\xff\xfe"), CodeBadArgument, q("Task with id '\uFFFD' does not exist.")},
		{"empty command", cmd(""), CodeBadArgument, q(msgNoCommand)},
		{"PATH descriptor", &flight.FlightDescriptor{Type: flight.DescriptorPATH, Path: []string{"SimpleFun1"}}, CodeBadArgument, q(msgNoCommand)},
		{"not JSON", cmd("nope"), CodeBadArgument, q(msgNotJSON)},
		{"unknown function", cmd(`{"functionName":"Nope"}`), CodeBadArgument, q("Unsupported FlexConnect function 'Nope'.")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, md, err := e.pollInfo(tt.desc)
			wantError(t, err, md, codes.Unknown, tt.msg, tt.code, StatusFailed)
		})
	}
	t.Run("cancel of an unknown id", func(t *testing.T) {
		_, md, err := e.pollInfo(cmd("c:" + unknown))
		wantError(t, err, md, codes.Canceled, q(msgCancelled), CodeCommandCancelled, StatusCancelled)
	})
}

func TestPollDeadline(t *testing.T) {
	// The reference's scenario: deadline 1200 ms, interval 500 ms, a call of
	// 2 s gives POLL, POLL, TIMEOUT. The second POLL ends 400 ms before the
	// deadline, so a loaded machine does not turn it into a TIMEOUT.
	ids, ctxErr := make(chan string, 1), make(chan error, 1)
	const deadline = 1400 * time.Millisecond
	e := startEnv(t, Options{CallDeadline: deadline, PollingInterval: 500 * time.Millisecond},
		func(memory.Allocator) []Function { return []Function{blockingFun(ids, ctxErr)} })
	start := time.Now()
	_, md, err := e.pollInfo(cmd(`{"functionName":"Block"}`))
	id := recv(t, ids)
	ri := wantPoll(t, err, md, id)
	_, md, err = e.pollInfo(ri.RetryDescriptor)
	wantPoll(t, err, md, id)
	_, md, err = e.pollInfo(ri.RetryDescriptor)
	timeout := regexp.QuoteMeta("GetFlightInfo timed out while waiting for task " + id + ".")
	wantError(t, err, md, codes.DeadlineExceeded, timeout, CodeTimeout, StatusTimedOut)
	if d := time.Since(start); d < deadline {
		t.Errorf("TIMEOUT after %v, before the deadline", d)
	}
	if err := recv(t, ctxErr); err == nil {
		t.Error("the call was not interrupted")
	}
	// Later polls and DoGet repeat the TIMEOUT until the result expires.
	_, md, err = e.pollInfo(ri.RetryDescriptor)
	wantError(t, err, md, codes.DeadlineExceeded, timeout, CodeTimeout, StatusTimedOut)
	err, md = e.doGetError(`{"task_id":"` + id + `"}`)
	wantError(t, err, md, codes.DeadlineExceeded, timeout, CodeTimeout, StatusTimedOut)
}

func TestPollDeadlineFunctionIgnoresContext(t *testing.T) {
	// A call that does not stop at its deadline is cancelled by the first
	// poll that finds it past the deadline.
	ids, gate := make(chan string, 1), make(chan struct{})
	e := startEnv(t, Options{CallDeadline: 600 * time.Millisecond, PollingInterval: 200 * time.Millisecond},
		func(mem memory.Allocator) []Function {
			return []Function{&fakeFunction{name: "Stubborn", schema: simpleSchema,
				call: func(_ context.Context, req *flexfun.Request) (*arrowbridge.Table, error) {
					ids <- req.CallID
					<-gate
					return simpleTable(mem), nil
				}}}
		})
	t.Cleanup(func() { close(gate) }) // before the server stops: the call ignores cancellation
	_, md, err := e.pollInfo(cmd(`{"functionName":"Stubborn"}`))
	id := recv(t, ids)
	ri := wantPoll(t, err, md, id)
	time.Sleep(800 * time.Millisecond)
	_, md, err = e.pollInfo(ri.RetryDescriptor)
	wantError(t, err, md, codes.DeadlineExceeded, regexp.QuoteMeta("GetFlightInfo timed out while waiting for task "+id+"."), CodeTimeout, StatusTimedOut)
}

func TestPollDuringShutdown(t *testing.T) {
	ids, gate := make(chan string, 1), make(chan struct{})
	open := sync.OnceFunc(func() { close(gate) })
	t.Cleanup(open)
	mk := gatedFun("Slow", ids, gate)
	e := startEnv(t, Options{PollingInterval: 20 * time.Millisecond}, func(mem memory.Allocator) []Function {
		return []Function{mk(mem)}
	})
	_, md, err := e.pollInfo(cmd(`{"functionName":"Slow"}`))
	id := recv(t, ids)
	ri := wantPoll(t, err, md, id)

	e.srv.BeginShutdown()
	_, md, err = e.pollInfo(cmd(`{"functionName":"Slow"}`))
	wantError(t, err, md, codes.Unavailable, regexp.QuoteMeta(msgShuttingDown), CodeShuttingDown, StatusUnavailable)
	if e.srv.Idle() {
		t.Error("Idle with a call running")
	}
	drained := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		drained <- e.srv.Drain(ctx)
	}()

	open()
	info, _, err := e.pollInfo(ri.RetryDescriptor)
	if err != nil {
		t.Fatalf("poll of a running call during shutdown: %v", err)
	}
	select {
	case <-drained:
		t.Fatal("Drain returned before the result was read")
	case <-time.After(50 * time.Millisecond):
	}
	_, recs, err := e.readAll(info.GetEndpoint()[0].GetTicket())
	if err != nil {
		t.Fatal(err)
	}
	releaseAll(recs)
	if err := recv(t, drained); err != nil {
		t.Errorf("Drain: %v", err)
	}
}

func TestDrainTimesOut(t *testing.T) {
	ids, gate := make(chan string, 1), make(chan struct{})
	t.Cleanup(func() { close(gate) })
	mk := gatedFun("Slow", ids, gate)
	e := startEnv(t, Options{PollingInterval: 20 * time.Millisecond}, func(mem memory.Allocator) []Function {
		return []Function{mk(mem)}
	})
	_, _, _ = e.pollInfo(cmd(`{"functionName":"Slow"}`))
	recv(t, ids)
	e.srv.BeginShutdown()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := e.srv.Drain(ctx); err != context.DeadlineExceeded {
		t.Errorf("Drain = %v, want DeadlineExceeded", err)
	}
}

// recordingObserver records the Observer calls.
type recordingObserver struct {
	mu        sync.Mutex
	submitted []string
	finished  []string // function/code
	rows      int64
	streamed  []int64 // bytes
}

func (o *recordingObserver) CallSubmitted(f string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.submitted = append(o.submitted, f)
}

func (o *recordingObserver) CallFinished(f string, d time.Duration, rows int64, code string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.finished = append(o.finished, f+"/"+code)
	o.rows += rows
}

func (o *recordingObserver) ResultStreamed(f string, rows, bytes int64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if f == "SimpleFun1" && rows == 3 {
		o.streamed = append(o.streamed, bytes)
	}
}

func TestObserver(t *testing.T) {
	obs := &recordingObserver{}
	ids, ctxErr := make(chan string, 1), make(chan error, 1)
	e := startEnv(t, Options{Observer: obs, CallDeadline: 50 * time.Millisecond}, func(mem memory.Allocator) []Function {
		return []Function{simpleFun(mem), blockingFun(ids, ctxErr),
			&fakeFunction{name: "Fail", schema: simpleSchema, call: func(context.Context, *flexfun.Request) (*arrowbridge.Table, error) {
				return nil, &flexfun.ScriptError{Msg: "boom"}
			}}}
	})
	info, _, err := e.getInfo(context.Background(), `{"functionName":"SimpleFun1"}`)
	if err != nil {
		t.Fatal(err)
	}
	_, recs, err := e.readAll(info.GetEndpoint()[0].GetTicket())
	if err != nil {
		t.Fatal(err)
	}
	releaseAll(recs)
	_, _, _ = e.getInfo(context.Background(), `{"functionName":"Fail"}`)
	_, _, _ = e.getInfo(context.Background(), `{"functionName":"Block"}`)
	recv(t, ids)
	recv(t, ctxErr)
	_, _, _ = e.getInfo(context.Background(), `{"functionName":"Nope"}`) // never submitted

	deadline := time.Now().Add(5 * time.Second)
	for {
		obs.mu.Lock()
		n := len(obs.finished)
		obs.mu.Unlock()
		if n == 3 || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	obs.mu.Lock()
	defer obs.mu.Unlock()
	if len(obs.submitted) != 3 {
		t.Errorf("submitted %v, want 3 calls", obs.submitted)
	}
	// Block's deadline ends it (timeout) at the moment GetFlightInfo gives
	// up on it and cancels it (command_cancelled): either may win.
	want := map[string]bool{"SimpleFun1/": true, "Fail/command_failed": true, "Block/command_cancelled": true, "Block/timeout": true}
	for _, f := range obs.finished {
		if !want[f] {
			t.Errorf("unexpected CallFinished %s (all: %v)", f, obs.finished)
		}
	}
	if obs.rows != 3 {
		t.Errorf("rows %d, want 3", obs.rows)
	}
	if len(obs.streamed) != 1 || obs.streamed[0] < 100 {
		t.Errorf("streamed bytes %v", obs.streamed)
	}
}

func TestActions(t *testing.T) {
	e := startEnv(t, Options{Actions: map[string]ActionFunc{
		"echo": func(_ context.Context, body []byte) ([][]byte, error) { return [][]byte{body, []byte("done")}, nil },
		"fail": func(context.Context, []byte) ([][]byte, error) { return nil, errors.New("broken") },
	}}, func(mem memory.Allocator) []Function { return []Function{simpleFun(mem)} })
	stream, err := e.client.DoAction(context.Background(), &flight.Action{Type: "echo", Body: []byte("hi")})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for {
		r, err := stream.Recv()
		if err != nil {
			break
		}
		got = append(got, string(r.Body))
	}
	if strings.Join(got, ",") != "hi,done" {
		t.Errorf("echo results %q", got)
	}
	stream, err = e.client.DoAction(context.Background(), &flight.Action{Type: "fail"})
	if err == nil {
		_, err = stream.Recv()
	}
	wantError(t, err, stream.Trailer(), codes.Internal, "broken", CodeInternalError, StatusInternal)
	stream, err = e.client.DoAction(context.Background(), &flight.Action{Type: "other"})
	if err == nil {
		_, err = stream.Recv()
	}
	wantError(t, err, stream.Trailer(), codes.Unimplemented, "DoAction is not implemented.", 0, "")
}

func TestDrainLingersForUnreadResults(t *testing.T) {
	e := startEnv(t, Options{DrainLinger: 100 * time.Millisecond}, func(mem memory.Allocator) []Function { return []Function{simpleFun(mem)} })
	if _, _, err := e.getInfo(context.Background(), `{"functionName":"SimpleFun1"}`); err != nil {
		t.Fatal(err)
	}
	e.srv.BeginShutdown()
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.srv.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 50*time.Millisecond || d > 3*time.Second {
		t.Errorf("Drain with an unread result returned after %v, want about the 100 ms linger", d)
	}
}
