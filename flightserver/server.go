// Package flightserver serves FlexFun functions over Arrow Flight the way
// GoodData's gooddata-flight-server with gooddata-flexconnect does, so that
// GoodData Cloud can use it as a FlexConnect data source.
//
// The server implements three RPCs:
//
//   - ListFlights: one FlightInfo per function, with its schema and a
//     descriptor {"functionName":…,"metadata":…}.
//   - GetFlightInfo: invokes a function. The descriptor command is
//     {"functionName":…,"parameters":{…}}; the call runs on a
//     tasks.Executor and the answer, once it finished, carries one endpoint
//     whose ticket is {"task_id":…}. With the header x-quiver-pollable it
//     follows GoodData's polling extension instead: it waits at most the
//     polling interval and then asks the client to poll again (see
//     Server.GetFlightInfo and RetryInfo).
//   - DoGet: streams the result of a task, any number of times until the
//     result expires.
//
// Every other RPC answers UNIMPLEMENTED. Errors follow GoodData's
// conventions: a gRPC status, Arrow's x-arrow-status* trailers and an
// ErrorInfo JSON payload in grpc-status-details-bin (see Error).
//
// The package knows nothing of Starlark or JavaScript: it sees functions
// through the Function and Catalog interfaces. Typical wiring:
//
//	srv := flightserver.New(flightserver.Options{Catalog: cat, Executor: exec, Location: "grpc://host:17001"})
//	gs := flightserver.NewGRPCServer(srv)
//	gs.InitListener(lis)
//	go gs.Serve()
//	...
//	srv.BeginShutdown() // refuse new invocations, keep serving polls and DoGet
//	srv.Drain(ctx)      // wait for running calls and unread results
//	gs.Shutdown()
//
// Authentication and other per-call checks plug in as gRPC interceptors
// passed to NewGRPCServer; metrics plug in through Options.Observer and
// OpenTelemetry tracing through Options.TracerProvider (tracing.go). A
// request message or its headers larger than Options.MaxRequestBytes is
// refused by gRPC before it is read. Values a client sent are logged
// clipped (package internal/clip).
package flightserver

import (
	"context"
	"encoding/json"
	"log/slog"
	"math"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
	"github.com/flexfun-script/flexfun-script/flexfun"
	"github.com/flexfun-script/flexfun-script/tasks"
)

// DefaultCallDeadline is how long GetFlightInfo waits for a function by
// default (GoodData's call_deadline_ms).
const DefaultCallDeadline = 180 * time.Second

// DefaultPollingInterval is how long one polling GetFlightInfo waits for a
// result by default (GoodData's polling_interval_ms).
const DefaultPollingInterval = 2 * time.Second

// DefaultDrainLinger is the default of Options.DrainLinger.
const DefaultDrainLinger = 2 * time.Second

// DefaultMaxRequestBytes is the default of Options.MaxRequestBytes: gRPC's
// own default, a hundred times the largest GoodData invocation.
const DefaultMaxRequestBytes = 4 << 20

// Observer is told about function calls and result streams, typically to
// update per-function metrics. Its methods are called on the server's
// goroutines; they must be fast and safe for concurrent use.
type Observer interface {
	// CallSubmitted reports an invocation of function that was accepted
	// and queued.
	CallSubmitted(function string)
	// CallFinished reports a call of function that ran for elapsed and
	// produced rows rows. code is "" when it succeeded, else the name of
	// the error it answers with (Code.Name: "command_failed",
	// "bad_argument", "timeout", "command_cancelled", ...).
	CallFinished(function string, elapsed time.Duration, rows int64, code string)
	// ResultStreamed reports a DoGet that sent a result of function in
	// full: rows rows in bytes bytes of Arrow IPC messages.
	ResultStreamed(function string, rows, bytes int64)
}

type nopObserver struct{}

func (nopObserver) CallSubmitted(string)                              {}
func (nopObserver) CallFinished(string, time.Duration, int64, string) {}
func (nopObserver) ResultStreamed(string, int64, int64)               {}

// Function is one function the server offers. Implementations must be safe
// for concurrent use: Call runs once per invocation, concurrently.
type Function interface {
	// Name is the function's name, unique within its Catalog.
	Name() string
	// Metadata is the function's metadata as JSON, or "null" (or nil) when
	// it has none. It is sent in the ListFlights descriptor.
	Metadata() json.RawMessage
	// Schema is the declared schema of the function's result.
	Schema() *arrow.Schema
	// Call runs the function. It must return once ctx is done (the call was
	// cancelled or its deadline passed). The returned table, already
	// projected to req.Columns, becomes owned by the server.
	Call(ctx context.Context, req *flexfun.Request) (*arrowbridge.Table, error)
}

// Catalog is the set of functions the server offers. Implementations must be
// safe for concurrent use.
type Catalog interface {
	// Functions returns every function, in registration order.
	Functions() []Function
	// Lookup returns the function with the given name.
	Lookup(name string) (Function, bool)
}

// Options configures a Server.
type Options struct {
	// Catalog provides the functions. Required.
	Catalog Catalog
	// Location is the advertised location put in every endpoint, e.g.
	// "grpc://127.0.0.1:17001". Empty means no location: clients reuse
	// their connection.
	Location string
	// CallDeadline bounds a function call, from submission to completion,
	// with or without polling. Default DefaultCallDeadline.
	CallDeadline time.Duration
	// PollingInterval is how long a polling GetFlightInfo waits for the
	// result before asking the client to poll again. Default
	// DefaultPollingInterval.
	PollingInterval time.Duration
	// Observer is told about calls and streams, for metrics. Optional.
	Observer Observer
	// DrainLinger is how long Drain keeps waiting for results nobody has
	// read yet once no RPC and no call is in flight any more: a client
	// that received a FlightInfo fetches its data within moments, one that
	// has not after this long has abandoned it. Default
	// DefaultDrainLinger.
	DrainLinger time.Duration
	// Actions are the custom DoAction types the server answers, such as a
	// status report. Every other action answers UNIMPLEMENTED, as in
	// gooddata-flexconnect.
	Actions map[string]ActionFunc
	// Executor runs the calls and keeps their results. Required; the caller
	// closes it after the gRPC server has stopped.
	Executor *tasks.Executor[*arrowbridge.Table]
	// Logger receives one record per call. Default slog.Default().
	Logger *slog.Logger
	// Allocator is used to serialise schemas and record batches. Default
	// memory.DefaultAllocator.
	Allocator memory.Allocator
	// MaxRequestBytes bounds one request message (a descriptor with its
	// command, a ticket, an action) and, separately, the headers of a
	// call. gRPC checks both as they arrive, before reading the message
	// into memory and before any interceptor (authentication) runs, and
	// answers RESOURCE_EXHAUSTED. It also bounds the command a task keeps
	// for its polls. Default DefaultMaxRequestBytes; at most math.MaxInt32.
	MaxRequestBytes int
	// TracerProvider, when set, turns tracing on, as in the Python server:
	// a SERVER span per RPC named after its Flight method (GET_FLIGHT_INFO,
	// DO_GET, ...) and, per call, task_execution, task_run_submit and
	// task_run spans with the task id, the function and the rows; the log
	// records of a call are written with the context that holds its span.
	// nil: no spans and no cost.
	TracerProvider trace.TracerProvider
	// ExtractTraceContext makes each RPC's span continue the caller's
	// trace, read from the W3C traceparent (and baggage) headers
	// (otel_extract_context). Without it every RPC starts a new trace.
	ExtractTraceContext bool
}

// Server is the Flight service. It is safe for concurrent use.
type Server struct {
	flight.BaseFlightServer

	catalog  Catalog
	actions  map[string]ActionFunc
	location string
	deadline time.Duration
	interval time.Duration
	exec     *tasks.Executor[*arrowbridge.Table]
	obs      Observer
	log      *slog.Logger
	mem      memory.Allocator
	linger   time.Duration
	maxReq   int
	tp       trace.TracerProvider // nil: tracing off
	tracer   trace.Tracer         // of tp, for the task spans
	extract  bool
	shutting atomic.Bool
	inflight atomic.Int64 // RPCs being handled
	lastDone atomic.Int64 // when the last RPC ended, Unix nanoseconds
}

// New returns a Server. It panics if opts has no Catalog or Executor.
func New(opts Options) *Server {
	if opts.Catalog == nil || opts.Executor == nil {
		panic("flightserver: Options.Catalog and Options.Executor are required")
	}
	s := &Server{
		catalog:  opts.Catalog,
		actions:  opts.Actions,
		location: opts.Location,
		deadline: opts.CallDeadline,
		interval: opts.PollingInterval,
		linger:   opts.DrainLinger,
		exec:     opts.Executor,
		obs:      opts.Observer,
		log:      opts.Logger,
		mem:      opts.Allocator,
		maxReq:   opts.MaxRequestBytes,
		tp:       opts.TracerProvider,
		extract:  opts.ExtractTraceContext,
	}
	if s.tp != nil {
		s.tracer = s.tp.Tracer(tracerName)
	}
	if s.deadline <= 0 {
		s.deadline = DefaultCallDeadline
	}
	if s.interval <= 0 {
		s.interval = DefaultPollingInterval
	}
	if s.linger <= 0 {
		s.linger = DefaultDrainLinger
	}
	if s.obs == nil {
		s.obs = nopObserver{}
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.mem == nil {
		s.mem = memory.DefaultAllocator
	}
	if s.maxReq <= 0 || s.maxReq > math.MaxInt32 {
		s.maxReq = DefaultMaxRequestBytes
	}
	return s
}

// NewGRPCServer returns a Flight gRPC server with srv registered, the
// options of GRPCOptions for srv's MaxRequestBytes and, when srv traces,
// its tracing stats handler. Extra gRPC options (TLS credentials,
// grpc.ChainUnaryInterceptor and grpc.ChainStreamInterceptor for
// authentication, ...) are appended; interceptors given here run before
// every handler, Handshake included.
func NewGRPCServer(srv *Server, opts ...grpc.ServerOption) flight.Server {
	all := append(grpcOptions(srv.maxReq), srv.tracingOptions()...)
	gs := flight.NewServerWithMiddleware(nil, append(all, opts...)...)
	gs.RegisterFlightService(srv)
	return gs
}

// receiveWindow is the fixed HTTP/2 flow-control window of what clients
// send: stream and connection.
const receiveWindow = 1 << 20

// GRPCOptions returns the gRPC server options flexfun-script serves with,
// for requests of at most DefaultMaxRequestBytes. They are tuned for many
// small calls.
func GRPCOptions() []grpc.ServerOption { return grpcOptions(DefaultMaxRequestBytes) }

// grpcOptions returns the server options for requests (message, and
// headers) of at most maxRequest bytes.
func grpcOptions(maxRequest int) []grpc.ServerOption {
	return []grpc.ServerOption{
		// gRPC reads a message's length first and refuses one that is too
		// long before it allocates or reads it: a client, authenticated or
		// not, cannot make the server buffer more than this per call.
		grpc.MaxRecvMsgSize(maxRequest),
		grpc.MaxHeaderListSize(uint32(maxRequest)),
		// Serve streams on a fixed set of long-lived goroutines instead of
		// one new goroutine per RPC: their stacks stay grown, which saves
		// the stack copying that dominated small calls under load.
		grpc.NumStreamWorkers(uint32(runtime.GOMAXPROCS(0))),
		// A fixed receive window turns off gRPC's bandwidth-delay probing,
		// which answers incoming data with PING frames. Clients only send
		// small requests, so the window never limits anything, and small
		// calls cost the server 13-15% less CPU (docs/load-test.md).
		grpc.InitialWindowSize(receiveWindow),
		grpc.InitialConnWindowSize(receiveWindow),
	}
}

// BeginShutdown makes GetFlightInfo refuse new invocations with UNAVAILABLE
// and SHUTTING_DOWN. ListFlights, polls of calls already running (r: and
// c: descriptors) and DoGet keep working, so calls in flight can finish and
// their results can still be read.
func (s *Server) BeginShutdown() { s.shutting.Store(true) }

// Idle reports whether the server has nothing left to do for its clients:
// no RPC is being handled, no call is queued or running, and every result
// that holds data has been read at least once, expired, or waited unread
// for longer than the drain linger since the last RPC ended.
func (s *Server) Idle() bool {
	st := s.exec.Stats()
	if s.inflight.Load() != 0 || st.Queued != 0 || st.Running != 0 {
		return false
	}
	return st.Unread == 0 || time.Since(time.Unix(0, s.lastDone.Load())) >= s.linger
}

// drainPoll is how often Drain checks whether the server is idle.
const drainPoll = 20 * time.Millisecond

// Drain waits until the server is Idle or ctx is done, and returns
// ctx.Err() in the latter case. Call it after BeginShutdown to let calls in
// flight finish and their results be read before stopping the gRPC server.
func (s *Server) Drain(ctx context.Context) error {
	tick := time.NewTicker(drainPoll)
	defer tick.Stop()
	for !s.Idle() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
	return nil
}

// track counts an RPC in flight until the returned function is called.
func (s *Server) track() func() {
	s.inflight.Add(1)
	return s.untrack
}

func (s *Server) untrack() {
	s.lastDone.Store(time.Now().UnixNano())
	s.inflight.Add(-1)
}
