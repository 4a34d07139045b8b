package flightserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
	"github.com/flexfun-script/flexfun-script/flexfun"
	"github.com/flexfun-script/flexfun-script/internal/syncbuf"
	"github.com/flexfun-script/flexfun-script/tasks"
)

// fakeFunction is a Function implemented in Go.
type fakeFunction struct {
	name     string
	metadata json.RawMessage
	schema   *arrow.Schema
	call     func(ctx context.Context, req *flexfun.Request) (*arrowbridge.Table, error)
}

func (f *fakeFunction) Name() string              { return f.name }
func (f *fakeFunction) Metadata() json.RawMessage { return f.metadata }
func (f *fakeFunction) Schema() *arrow.Schema     { return f.schema }
func (f *fakeFunction) Call(ctx context.Context, req *flexfun.Request) (*arrowbridge.Table, error) {
	return f.call(ctx, req)
}

// fakeCatalog holds functions in order.
type fakeCatalog []Function

func (c fakeCatalog) Functions() []Function { return c }
func (c fakeCatalog) Lookup(name string) (Function, bool) {
	for _, f := range c {
		if f.Name() == name {
			return f, true
		}
	}
	return nil, false
}

var simpleSchema = arrow.NewSchema([]arrow.Field{
	{Name: "col1", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "col2", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "col3", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
}, nil)

// simpleTable builds the 3-row table of GoodData's SimpleFun1 test function.
func simpleTable(mem memory.Allocator) *arrowbridge.Table {
	b := array.NewRecordBuilder(mem, simpleSchema)
	defer b.Release()
	b.Field(0).(*array.Int64Builder).AppendValues([]int64{1, 2, 3}, nil)
	b.Field(1).(*array.StringBuilder).AppendValues([]string{"a", "b", "c"}, nil)
	b.Field(2).(*array.BooleanBuilder).AppendValues([]bool{true, false, true}, nil)
	return &arrowbridge.Table{Schema: simpleSchema, Batches: []arrow.RecordBatch{b.NewRecordBatch()}, Rows: 3}
}

// env is a running server with a connected client.
type env struct {
	mem    *memory.CheckedAllocator
	srv    *Server
	exec   *tasks.Executor[*arrowbridge.Table]
	client flight.Client
	addr   string
	logs   *syncbuf.Buffer
}

// startEnv starts a server for the functions made by mk (which get the
// test allocator) and a client. Cleanup stops both and checks that all
// Arrow memory was released and no goroutine leaked.
func startEnv(t *testing.T, opts Options, mk func(mem memory.Allocator) []Function) *env {
	t.Helper()
	return startEnvWith(t, opts, tasks.Options{Threads: 4}, mk)
}

// startEnvWith is startEnv whose executor has execOpts.
func startEnvWith(t *testing.T, opts Options, execOpts tasks.Options, mk func(mem memory.Allocator) []Function) *env {
	t.Helper()
	before := runtime.NumGoroutine()
	e := &env{mem: memory.NewCheckedAllocator(memory.NewGoAllocator()), logs: new(syncbuf.Buffer)}
	logger := slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	execOpts.Logger = logger
	e.exec = tasks.New[*arrowbridge.Table](execOpts)

	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.addr = lis.Addr().String()
	opts.Catalog = fakeCatalog(mk(e.mem))
	opts.Executor = e.exec
	opts.Logger = logger
	opts.Allocator = e.mem
	opts.Location = "grpc://" + e.addr
	e.srv = New(opts)
	gs := NewGRPCServer(e.srv)
	gs.InitListener(lis)
	served := make(chan struct{})
	go func() { defer close(served); _ = gs.Serve() }()

	e.client, err = flight.NewClientWithMiddleware(e.addr, nil, nil, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		e.client.Close()
		gs.Shutdown()
		<-served
		e.exec.Close()
		e.mem.AssertSize(t, 0)
		checkGoroutines(t, before)
	})
	return e
}

func checkGoroutines(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("goroutine leak: %d before, %d after\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// recv receives from ch or fails the test after a few seconds.
func recv[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		t.Fatal("timed out waiting for the function")
		panic("unreachable")
	}
}

func cmd(s string) *flight.FlightDescriptor {
	return &flight.FlightDescriptor{Type: flight.DescriptorCMD, Cmd: []byte(s)}
}

// getInfo calls GetFlightInfo and returns its trailer too.
func (e *env) getInfo(ctx context.Context, command string) (*flight.FlightInfo, metadata.MD, error) {
	var md metadata.MD
	info, err := e.client.GetFlightInfo(ctx, cmd(command), grpc.Trailer(&md))
	return info, md, err
}

// readAll reads a DoGet stream into records (retained; release them) and
// returns the schema.
func (e *env) readAll(ticket *flight.Ticket) (*arrow.Schema, []arrow.RecordBatch, error) {
	stream, err := e.client.DoGet(context.Background(), ticket)
	if err != nil {
		return nil, nil, err
	}
	rdr, err := flight.NewRecordReader(stream)
	if err != nil {
		return nil, nil, err
	}
	defer rdr.Release()
	var recs []arrow.RecordBatch
	for rdr.Next() {
		rec := rdr.RecordBatch()
		rec.Retain()
		recs = append(recs, rec)
	}
	return rdr.Schema(), recs, rdr.Err()
}

func releaseAll(recs []arrow.RecordBatch) {
	for _, r := range recs {
		r.Release()
	}
}

func simpleFun(mem memory.Allocator) Function {
	return &fakeFunction{name: "SimpleFun1", schema: simpleSchema,
		call: func(context.Context, *flexfun.Request) (*arrowbridge.Table, error) { return simpleTable(mem), nil }}
}

func TestListFlights(t *testing.T) {
	e := startEnv(t, Options{}, func(mem memory.Allocator) []Function {
		return []Function{
			&fakeFunction{name: "Zeta", schema: simpleSchema,
				metadata: json.RawMessage(`{ "b": 1,
				"a": [1, 2], "html": "<x> & y" }`)},
			&fakeFunction{name: "Alpha", schema: arrow.NewSchema(nil, nil), metadata: json.RawMessage("null")},
			&fakeFunction{name: `Q"uote`, schema: simpleSchema},
		}
	})
	stream, err := e.client.ListFlights(context.Background(), &flight.Criteria{Expression: []byte("ignored")})
	if err != nil {
		t.Fatal(err)
	}
	var infos []*flight.FlightInfo
	for {
		info, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		infos = append(infos, info)
	}
	wantCmds := []string{
		`{"functionName":"Zeta","metadata":{"b":1,"a":[1,2],"html":"<x> & y"}}`,
		`{"functionName":"Alpha","metadata":null}`,
		`{"functionName":"Q\"uote","metadata":null}`,
	}
	wantSchemas := []*arrow.Schema{simpleSchema, arrow.NewSchema(nil, nil), simpleSchema}
	if len(infos) != len(wantCmds) {
		t.Fatalf("got %d infos, want %d", len(infos), len(wantCmds))
	}
	for i, info := range infos {
		d := info.GetFlightDescriptor()
		if d.GetType() != flight.DescriptorCMD || string(d.GetCmd()) != wantCmds[i] {
			t.Errorf("info %d descriptor = %v %s, want CMD %s", i, d.GetType(), d.GetCmd(), wantCmds[i])
		}
		schema, err := flight.DeserializeSchema(info.GetSchema(), memory.DefaultAllocator)
		if err != nil {
			t.Fatalf("info %d schema: %v", i, err)
		}
		if !schema.Equal(wantSchemas[i]) {
			t.Errorf("info %d schema = %v, want %v", i, schema, wantSchemas[i])
		}
		if len(info.GetEndpoint()) != 0 || info.GetTotalRecords() != -1 || info.GetTotalBytes() != -1 {
			t.Errorf("info %d: endpoints %v, totals %d %d", i, info.GetEndpoint(), info.GetTotalRecords(), info.GetTotalBytes())
		}
	}
}

func TestInvokeAndRead(t *testing.T) {
	got := make(chan flexfun.Request, 1)
	e := startEnv(t, Options{}, func(mem memory.Allocator) []Function {
		return []Function{&fakeFunction{name: "SimpleFun1", schema: simpleSchema,
			call: func(_ context.Context, req *flexfun.Request) (*arrowbridge.Table, error) {
				got <- *req
				return simpleTable(mem), nil
			}}}
	})
	const params = `{"executionContext": {"executionType": "REPORT"}, "columns": ["col1", "col2"], "other": null}`
	command := `{"functionName": "SimpleFun1", "parameters": ` + params + `, "metadata": {"ignored": true}}`
	ctx := metadata.AppendToOutgoingContext(context.Background(), "x-custom-header", "hello", "x-custom-header", "again")
	info, _, err := e.getInfo(ctx, command)
	if err != nil {
		t.Fatal(err)
	}

	if !proto.Equal(info.GetFlightDescriptor(), cmd(command)) {
		t.Errorf("descriptor not echoed: %v", info.GetFlightDescriptor())
	}
	if info.GetTotalRecords() != -1 || info.GetTotalBytes() != -1 {
		t.Errorf("totals = %d %d, want -1 -1", info.GetTotalRecords(), info.GetTotalBytes())
	}
	schema, err := flight.DeserializeSchema(info.GetSchema(), memory.DefaultAllocator)
	if err != nil || !schema.Equal(simpleSchema) {
		t.Errorf("schema = %v (%v), want %v", schema, err, simpleSchema)
	}
	if len(info.GetEndpoint()) != 1 {
		t.Fatalf("endpoints = %v, want 1", info.GetEndpoint())
	}
	ep := info.GetEndpoint()[0]
	m := regexp.MustCompile(`^\{"task_id":"([0-9a-f]{32})"\}$`).FindSubmatch(ep.GetTicket().GetTicket())
	if m == nil {
		t.Fatalf("ticket = %s", ep.GetTicket().GetTicket())
	}
	if len(ep.GetLocation()) != 1 || ep.GetLocation()[0].GetUri() != "grpc://"+e.addr {
		t.Errorf("location = %v", ep.GetLocation())
	}

	req := recv(t, got)
	if string(req.Parameters) != params {
		t.Errorf("parameters = %s, want verbatim %s", req.Parameters, params)
	}
	if strings.Join(req.Columns, ",") != "col1,col2" {
		t.Errorf("columns = %q", req.Columns)
	}
	if h := req.Headers["x-custom-header"]; len(h) != 2 || h[0] != "hello" || h[1] != "again" {
		t.Errorf("headers[x-custom-header] = %q (all: %v)", h, req.Headers)
	}
	if req.CallID != string(m[1]) {
		t.Errorf("CallID = %q, want the task id %s", req.CallID, m[1])
	}

	for range 2 { // results are multi-use
		schema, recs, err := e.readAll(ep.GetTicket())
		if err != nil {
			t.Fatal(err)
		}
		if !schema.Equal(simpleSchema) || len(recs) != 1 || recs[0].NumRows() != 3 {
			t.Fatalf("DoGet: schema %v, %d batches", schema, len(recs))
		}
		if v := recs[0].Column(1).(*array.String).Value(2); v != "c" {
			t.Errorf("col2[2] = %q, want c", v)
		}
		if v := recs[0].Column(0).(*array.Int64).Value(1); v != 2 {
			t.Errorf("col1[1] = %d, want 2", v)
		}
		releaseAll(recs)
	}

	logs := e.logs.String()
	for _, want := range []string{
		`"msg":"flexfun_task_created","function":"SimpleFun1","task_id":"` + string(m[1]) + `"`,
		`"msg":"task_finished","function":"SimpleFun1","task_id":"` + string(m[1]) + `","duration_ms":`,
		`"rows":3`,
		`"msg":"do_get","task_id":"` + string(m[1]) + `","rows":3,"batches":1`,
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %s:\n%s", want, logs)
		}
	}
}

func TestParametersDefault(t *testing.T) {
	got := make(chan flexfun.Request, 2)
	e := startEnv(t, Options{}, func(mem memory.Allocator) []Function {
		return []Function{&fakeFunction{name: "f", schema: simpleSchema,
			call: func(_ context.Context, req *flexfun.Request) (*arrowbridge.Table, error) {
				got <- *req
				return simpleTable(mem), nil
			}}}
	})
	for _, c := range []string{`{"functionName":"f"}`, `{"functionName":"f","parameters":null}`} {
		if _, _, err := e.getInfo(context.Background(), c); err != nil {
			t.Fatal(err)
		}
		req := recv(t, got)
		if string(req.Parameters) != "{}" || req.Columns != nil {
			t.Errorf("%s: parameters %s, columns %q; want {} and nil", c, req.Parameters, req.Columns)
		}
	}
}

func TestEmptyResult(t *testing.T) {
	e := startEnv(t, Options{}, func(memory.Allocator) []Function {
		return []Function{&fakeFunction{name: "Empty", schema: simpleSchema,
			call: func(context.Context, *flexfun.Request) (*arrowbridge.Table, error) {
				return &arrowbridge.Table{Schema: simpleSchema}, nil
			}}}
	})
	info, _, err := e.getInfo(context.Background(), `{"functionName":"Empty"}`)
	if err != nil {
		t.Fatal(err)
	}
	schema, recs, err := e.readAll(info.GetEndpoint()[0].GetTicket())
	if err != nil {
		t.Fatal(err)
	}
	if !schema.Equal(simpleSchema) || len(recs) != 0 {
		t.Errorf("schema %v, %d batches; want the schema and no rows", schema, len(recs))
	}
}

func TestLargeResult(t *testing.T) {
	const batches, rows, width = 4, 1500, 1000 // about 1.5 MB per batch, 6 MB in all
	schema := arrow.NewSchema([]arrow.Field{{Name: "s", Type: arrow.BinaryTypes.String}}, nil)
	e := startEnv(t, Options{}, func(mem memory.Allocator) []Function {
		return []Function{&fakeFunction{name: "Big", schema: schema,
			call: func(context.Context, *flexfun.Request) (*arrowbridge.Table, error) {
				t := &arrowbridge.Table{Schema: schema, Rows: batches * rows}
				for i := range batches {
					b := array.NewStringBuilder(mem)
					for j := range rows {
						b.Append(fmt.Sprintf("%06d", i*rows+j) + strings.Repeat("x", width-6))
					}
					col := b.NewArray()
					b.Release()
					t.Batches = append(t.Batches, array.NewRecordBatch(schema, []arrow.Array{col}, rows))
					col.Release()
				}
				return t, nil
			}}}
	})
	info, _, err := e.getInfo(context.Background(), `{"functionName":"Big"}`)
	if err != nil {
		t.Fatal(err)
	}
	_, recs, err := e.readAll(info.GetEndpoint()[0].GetTicket())
	if err != nil {
		t.Fatalf("reading > 4 MiB with the default client limit: %v", err)
	}
	defer releaseAll(recs)
	var n, size int64
	for _, r := range recs {
		n += r.NumRows()
		size += int64(len(r.Column(0).(*array.String).ValueBytes()))
	}
	if n != batches*rows || size <= 4<<20 {
		t.Errorf("read %d rows, %d bytes", n, size)
	}
	last := recs[len(recs)-1].Column(0).(*array.String).Value(rows - 1)
	if !strings.HasPrefix(last, fmt.Sprintf("%06d", batches*rows-1)) {
		t.Errorf("last value starts %q", last[:6])
	}
}

func TestConcurrentDoGet(t *testing.T) {
	e := startEnv(t, Options{}, func(mem memory.Allocator) []Function { return []Function{simpleFun(mem)} })
	info, _, err := e.getInfo(context.Background(), `{"functionName":"SimpleFun1"}`)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			_, recs, err := e.readAll(info.GetEndpoint()[0].GetTicket())
			if err != nil || len(recs) != 1 || recs[0].NumRows() != 3 {
				t.Errorf("DoGet: %d batches, %v", len(recs), err)
			}
			releaseAll(recs)
		})
	}
	wg.Wait()
}

// wantError checks a failed call: gRPC code, message, Arrow trailers and
// ErrorInfo. A zero wantCode means no ErrorInfo is expected.
func wantError(t *testing.T, err error, trailer metadata.MD, code codes.Code, msgRE string, wantCode Code, flightStatus string) *ErrorInfo {
	t.Helper()
	st, ok := status.FromError(err)
	if !ok {
		t.Fatalf("error %v is not a gRPC status", err)
	}
	if st.Code() != code {
		t.Errorf("code = %v, want %v (%v)", st.Code(), code, err)
	}
	fullRE := "^" + msgRE + "$"
	if flightStatus != "" {
		fullRE = "^" + msgRE + regexp.QuoteMeta(". Detail: "+flightStatus) + "$"
	}
	if !regexp.MustCompile(fullRE).MatchString(st.Message()) {
		t.Errorf("message = %q, want %s", st.Message(), fullRE)
	}
	arrowStatus := "5"
	if code == codes.Unimplemented {
		arrowStatus = "10"
	}
	if v := trailer.Get(TrailerArrowStatus); len(v) != 1 || v[0] != arrowStatus {
		t.Errorf("x-arrow-status = %q, want %s", v, arrowStatus)
	}
	if v := trailer.Get(TrailerArrowStatusMessage); len(v) != 1 || !regexp.MustCompile("^"+msgRE+"$").MatchString(v[0]) {
		t.Errorf("x-arrow-status-message-bin = %q", v)
	}
	if v := trailer.Get(TrailerArrowStatusDetail); flightStatus != "" && (len(v) != 1 || v[0] != flightStatus) {
		t.Errorf("x-arrow-status-detail-bin = %q, want %s", v, flightStatus)
	}
	info, ok := trailerErrorInfo(trailer)
	if wantCode == 0 && flightStatus == "" {
		if ok {
			t.Errorf("unexpected ErrorInfo %+v", info)
		}
		return nil
	}
	if !ok {
		t.Fatalf("no ErrorInfo in trailer %v", trailer)
	}
	if info.Code != wantCode || !regexp.MustCompile("^"+msgRE+"$").MatchString(info.Msg) {
		t.Errorf("ErrorInfo = %+v, want code %v and msg %s", info, wantCode, msgRE)
	}
	return info
}

// trailerErrorInfo decodes the ErrorInfo in a failed call's trailer, as
// flighttest.ErrorInfoFromTrailer does (which this package's tests cannot
// import: it imports this package).
func trailerErrorInfo(md metadata.MD) (*ErrorInfo, bool) {
	vals := md.Get(TrailerErrorInfo)
	var info ErrorInfo
	if len(vals) == 0 || json.Unmarshal([]byte(vals[0]), &info) != nil {
		return nil, false
	}
	return &info, true
}

func TestGetFlightInfoErrors(t *testing.T) {
	const backtrace = "Traceback (most recent call last):\n  f.star:3:5: in call\nError: boom"
	e := startEnv(t, Options{}, func(mem memory.Allocator) []Function {
		fail := func(err error) Function {
			return &fakeFunction{name: "fail-" + fmt.Sprintf("%T", err), schema: simpleSchema,
				call: func(context.Context, *flexfun.Request) (*arrowbridge.Table, error) { return nil, err }}
		}
		return []Function{
			simpleFun(mem),
			fail(&flexfun.ScriptError{Function: "f", Msg: "f.star:3:5: boom", Backtrace: backtrace}),
			fail(&flexfun.BadRequestError{Msg: `unknown column "nope"`}),
			fail(errors.New("oops")),
			&fakeFunction{name: "nil", schema: simpleSchema,
				call: func(context.Context, *flexfun.Request) (*arrowbridge.Table, error) { return nil, nil }},
		}
	})
	q := regexp.QuoteMeta
	tests := []struct {
		name, command string
		code          Code
		msg           string // regexp
		detail        string
	}{
		{"not JSON", `not json`, CodeBadArgument, q(msgNotJSON), ""},
		{"empty command", ``, CodeBadArgument, q(msgNotJSON), ""},
		{"JSON array", `[{"functionName":"SimpleFun1"}]`, CodeBadArgument, q(msgNotJSON), ""},
		{"JSON null", `null`, CodeBadArgument, q(msgNotJSON), ""},
		{"missing functionName", `{"parameters":{}}`, CodeBadArgument, q(msgNoFunctionName), ""},
		{"empty functionName", `{"functionName":""}`, CodeBadArgument, q(msgNoFunctionName), ""},
		{"numeric functionName", `{"functionName":7}`, CodeBadArgument, q(msgNoFunctionName), ""},
		{"parameters not object", `{"functionName":"SimpleFun1","parameters":[1]}`, CodeBadArgument, q(msgParamsNotObject), ""},
		{"columns not a list", `{"functionName":"SimpleFun1","parameters":{"columns":"col1"}}`, CodeBadArgument, q(msgColumnsNotList), ""},
		{"columns not strings", `{"functionName":"SimpleFun1","parameters":{"columns":[1]}}`, CodeBadArgument, q(msgColumnsNotList), ""},
		{"unknown function", `{"functionName":"Nope"}`, CodeBadArgument, q("Unsupported FlexConnect function 'Nope'."), ""},
		{"script error", `{"functionName":"fail-*flexfun.ScriptError"}`, CodeCommandFailed,
			q("There was an error while running task: f.star:3:5: boom"), backtrace},
		{"bad request", `{"functionName":"fail-*flexfun.BadRequestError"}`, CodeBadArgument, q(`unknown column "nope"`), ""},
		{"other error", `{"functionName":"fail-*errors.errorString"}`, CodeCommandFailed, q("There was an error while running task: oops"), ""},
		{"no table", `{"functionName":"nil"}`, CodeCommandFailed, q("There was an error while running task: function nil returned no table"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, md, err := e.getInfo(context.Background(), tt.command)
			info := wantError(t, err, md, codes.Unknown, tt.msg, tt.code, StatusFailed)
			if info != nil && info.Detail != tt.detail {
				t.Errorf("detail = %q, want %q", info.Detail, tt.detail)
			}
		})
	}

	t.Run("PATH descriptor", func(t *testing.T) {
		var md metadata.MD
		desc := &flight.FlightDescriptor{Type: flight.DescriptorPATH, Path: []string{"SimpleFun1"}}
		_, err := e.client.GetFlightInfo(context.Background(), desc, grpc.Trailer(&md))
		wantError(t, err, md, codes.Unknown, q(msgNotJSON), CodeBadArgument, StatusFailed)
	})
}

// blockingFun blocks until its context ends, reports its task id and
// context error, and returns the way an engine runtime does.
func blockingFun(ids chan<- string, ctxErr chan<- error) Function {
	return &fakeFunction{name: "Block", schema: simpleSchema,
		call: func(ctx context.Context, req *flexfun.Request) (*arrowbridge.Table, error) {
			ids <- req.CallID
			<-ctx.Done()
			ctxErr <- ctx.Err()
			return nil, &flexfun.CancelledError{Function: "Block", Cause: ctx.Err()}
		}}
}

func TestCallDeadline(t *testing.T) {
	ids, ctxErr := make(chan string, 1), make(chan error, 1)
	e := startEnv(t, Options{CallDeadline: 100 * time.Millisecond}, func(memory.Allocator) []Function {
		return []Function{blockingFun(ids, ctxErr)}
	})
	_, md, err := e.getInfo(context.Background(), `{"functionName":"Block"}`)
	id := recv(t, ids)
	wantError(t, err, md, codes.DeadlineExceeded, regexp.QuoteMeta("GetFlightInfo timed out while waiting for task "+id+"."), CodeTimeout, StatusTimedOut)
	if err := recv(t, ctxErr); err == nil {
		t.Error("function context ended without error")
	}
}

func TestClientGoneCancelsTask(t *testing.T) {
	ids, ctxErr := make(chan string, 1), make(chan error, 1)
	e := startEnv(t, Options{CallDeadline: time.Minute}, func(memory.Allocator) []Function {
		return []Function{blockingFun(ids, ctxErr)}
	})
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-ids; cancel() }()
	_, _, err := e.getInfo(ctx, `{"functionName":"Block"}`)
	if status.Code(err) != codes.Canceled {
		t.Errorf("err = %v, want Canceled", err)
	}
	if err := recv(t, ctxErr); !errors.Is(err, context.Canceled) {
		t.Errorf("function context error = %v, want Canceled", err)
	}
}

// doGetError calls DoGet with ticket and returns the error that ends the
// stream (io.EOF if it succeeded) with the stream's trailer.
func (e *env) doGetError(ticket string) (error, metadata.MD) {
	stream, err := e.client.DoGet(context.Background(), &flight.Ticket{Ticket: []byte(ticket)})
	if err != nil {
		return err, nil
	}
	for {
		if _, err = stream.Recv(); err != nil {
			return err, stream.Trailer()
		}
	}
}

func TestDoGetErrors(t *testing.T) {
	scriptIDs := make(chan string, 1)
	blockIDs, ctxErr := make(chan string, 1), make(chan error, 1)
	e := startEnv(t, Options{}, func(memory.Allocator) []Function {
		return []Function{
			blockingFun(blockIDs, ctxErr),
			&fakeFunction{name: "Fail", schema: simpleSchema,
				call: func(_ context.Context, req *flexfun.Request) (*arrowbridge.Table, error) {
					scriptIDs <- req.CallID
					return nil, &flexfun.ScriptError{Msg: "x.js:1:1: Error: bad", Backtrace: "at call (x.js:1:1)"}
				}},
		}
	})
	q := regexp.QuoteMeta
	const unknown = "0123456789abcdef0123456789abcdef"
	for _, tt := range []struct{ name, ticket, msg string }{
		{"not JSON", `task`, q(msgTicketNotJSON)},
		{"array", `["x"]`, q(msgTicketNotJSON)},
		{"no task_id", `{"id":"x"}`, q(msgTicketNoTaskID)},
		{"empty task_id", `{"task_id":""}`, q(msgTicketNoTaskID)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err, md := e.doGetError(tt.ticket)
			wantError(t, err, md, codes.Unknown, tt.msg, CodeBadArgument, StatusFailed)
		})
	}
	t.Run("unknown task", func(t *testing.T) {
		err, md := e.doGetError(`{"task_id":"` + unknown + `"}`)
		wantError(t, err, md, codes.Unknown, q("Unable to serve data for task '"+unknown+"'. The task result is not present."), CodeInvalidTicket, StatusFailed)
	})
	t.Run("failed task", func(t *testing.T) {
		_, _, err := e.getInfo(context.Background(), `{"functionName":"Fail"}`)
		if err == nil {
			t.Fatal("GetFlightInfo succeeded")
		}
		id := recv(t, scriptIDs)
		err, md := e.doGetError(`{"task_id":"` + id + `"}`)
		info := wantError(t, err, md, codes.Unknown, q("There was an error while running task: x.js:1:1: Error: bad"), CodeCommandFailed, StatusFailed)
		if info != nil && info.Detail != "at call (x.js:1:1)" {
			t.Errorf("detail = %q", info.Detail)
		}
	})
	t.Run("cancelled task", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		go func() { <-blockIDs; cancel() }()
		if _, _, err := e.getInfo(ctx, `{"functionName":"Block"}`); status.Code(err) != codes.Canceled {
			t.Fatalf("GetFlightInfo: %v", err)
		}
		recv(t, ctxErr)
		var id string
		for _, line := range strings.Split(e.logs.String(), "\n") {
			if strings.Contains(line, `"flexfun_task_created","function":"Block"`) {
				var rec struct {
					TaskID string `json:"task_id"`
				}
				_ = json.Unmarshal([]byte(line), &rec)
				id = rec.TaskID
			}
		}
		err, md := e.doGetError(`{"task_id":"` + id + `"}`)
		wantError(t, err, md, codes.Unknown, q("FlexConnect function invocation was cancelled. Invocation task was: '"+id+"'."), CodeCommandCancelled, StatusFailed)
	})
}

func TestDoGetWaitsForRunningTask(t *testing.T) {
	release := make(chan struct{})
	ids := make(chan string, 1)
	e := startEnv(t, Options{CallDeadline: 50 * time.Millisecond}, func(mem memory.Allocator) []Function {
		return []Function{&fakeFunction{name: "Slow", schema: simpleSchema,
			call: func(_ context.Context, req *flexfun.Request) (*arrowbridge.Table, error) {
				ids <- req.CallID
				<-release
				return simpleTable(mem), nil
			}}}
	})
	unblock := sync.OnceFunc(func() { close(release) })
	t.Cleanup(unblock) // runs before the server stops, even if the test fails
	// The call deadline passes, but this function ignores its context: the
	// task is cancelled and its late table dropped.
	_, md, err := e.getInfo(context.Background(), `{"functionName":"Slow"}`)
	id := recv(t, ids)
	wantError(t, err, md, codes.DeadlineExceeded, regexp.QuoteMeta("GetFlightInfo timed out while waiting for task "+id+"."), CodeTimeout, StatusTimedOut)
	type answer struct {
		err error
		md  metadata.MD
	}
	done := make(chan answer, 1)
	go func() {
		err, md := e.doGetError(`{"task_id":"` + id + `"}`)
		done <- answer{err, md}
	}()
	time.Sleep(50 * time.Millisecond) // let DoGet start waiting (either way the answer is the same)
	unblock()
	a := <-done
	wantError(t, a.err, a.md, codes.Unknown, regexp.QuoteMeta("FlexConnect function invocation was cancelled. Invocation task was: '"+id+"'."), CodeCommandCancelled, StatusFailed)
}

func TestUnimplemented(t *testing.T) {
	e := startEnv(t, Options{}, func(mem memory.Allocator) []Function { return []Function{simpleFun(mem)} })
	ctx := context.Background()

	var md metadata.MD
	_, err := e.client.GetSchema(ctx, cmd(`{"functionName":"SimpleFun1"}`), grpc.Trailer(&md))
	wantError(t, err, md, codes.Unimplemented, "GetSchema is not implemented.", 0, "")

	md = nil
	_, err = e.client.PollFlightInfo(ctx, cmd(`{}`), grpc.Trailer(&md))
	wantError(t, err, md, codes.Unimplemented, "PollFlightInfo is not implemented.", 0, "")

	action, err := e.client.DoAction(ctx, &flight.Action{Type: flight.CancelFlightInfoActionType})
	if err == nil {
		_, err = action.Recv()
	}
	wantError(t, err, action.Trailer(), codes.Unimplemented, "DoAction is not implemented.", 0, "")

	hs, err := e.client.Handshake(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_ = hs.Send(&flight.HandshakeRequest{})
	_, err = hs.Recv()
	wantError(t, err, hs.Trailer(), codes.Unimplemented, regexp.QuoteMeta(msgNoAuth), 0, "")
}

func TestShuttingDown(t *testing.T) {
	e := startEnv(t, Options{}, func(mem memory.Allocator) []Function { return []Function{simpleFun(mem)} })
	info, _, err := e.getInfo(context.Background(), `{"functionName":"SimpleFun1"}`)
	if err != nil {
		t.Fatal(err)
	}
	e.srv.BeginShutdown()
	_, md, err := e.getInfo(context.Background(), `{"functionName":"SimpleFun1"}`)
	wantError(t, err, md, codes.Unavailable, regexp.QuoteMeta("Server is shutting down."), CodeShuttingDown, StatusUnavailable)

	_, recs, err := e.readAll(info.GetEndpoint()[0].GetTicket())
	if err != nil || len(recs) != 1 {
		t.Errorf("DoGet during shutdown: %d batches, %v", len(recs), err)
	}
	releaseAll(recs)
}
