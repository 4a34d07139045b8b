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
// passed to NewGRPCServer; metrics plug in through Options.Observer.
package flightserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

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

// PollableHeader is the request header that turns on GoodData's polling
// extension for a GetFlightInfo call. Only its presence counts.
const PollableHeader = "x-quiver-pollable"

// ActionFunc answers a DoAction call of one action type: body is the
// action's body, and each returned slice is sent as one Result. An *Error
// it returns goes on the wire as such; any other error as INTERNAL.
// It must be safe for concurrent use.
type ActionFunc func(ctx context.Context, body []byte) ([][]byte, error)

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
	Executor *tasks.Executor
	// Logger receives one record per call. Default slog.Default().
	Logger *slog.Logger
	// Allocator is used to serialise schemas and record batches. Default
	// memory.DefaultAllocator.
	Allocator memory.Allocator
}

// Server is the Flight service. It is safe for concurrent use.
type Server struct {
	flight.BaseFlightServer

	catalog  Catalog
	actions  map[string]ActionFunc
	location string
	deadline time.Duration
	interval time.Duration
	exec     *tasks.Executor
	obs      Observer
	log      *slog.Logger
	mem      memory.Allocator
	linger   time.Duration
	shutting atomic.Bool
	inflight atomic.Int64 // RPCs being handled
	lastDone atomic.Int64 // when the last RPC ended, Unix nanoseconds
	schemas  schemaCache
}

// schemaCacheSize bounds schemaCache; beyond it the cache starts over.
const schemaCacheSize = 1024

// schemaCache memoises flight.SerializeSchema per schema. Arrow schemas are
// immutable and a function's results share its declared schema, so most
// calls hit. It is safe for concurrent use.
type schemaCache struct {
	m sync.Map // *arrow.Schema → []byte
	n atomic.Int64
}

// serialize returns the IPC encoding of schema; the bytes are shared and
// must not be modified.
func (c *schemaCache) serialize(schema *arrow.Schema, mem memory.Allocator) []byte {
	if b, ok := c.m.Load(schema); ok {
		return b.([]byte)
	}
	b := flight.SerializeSchema(schema, mem)
	if c.n.Add(1) > schemaCacheSize { // e.g. many distinct column projections
		c.m.Clear()
		c.n.Store(1)
	}
	c.m.Store(schema, b)
	return b
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
	return s
}

// NewGRPCServer returns a Flight gRPC server with srv registered and
// GRPCOptions applied. Extra gRPC options (TLS credentials,
// grpc.ChainUnaryInterceptor and grpc.ChainStreamInterceptor for
// authentication, ...) are appended; interceptors given here run before
// every handler, Handshake included.
func NewGRPCServer(srv *Server, opts ...grpc.ServerOption) flight.Server {
	gs := flight.NewServerWithMiddleware(nil, append(GRPCOptions(), opts...)...)
	gs.RegisterFlightService(srv)
	return gs
}

// receiveWindow is the fixed HTTP/2 flow-control window of what clients
// send: stream and connection.
const receiveWindow = 1 << 20

// GRPCOptions returns the gRPC server options flexfun-script serves with.
// They accept messages of any size, like Arrow C++ does, and are tuned for
// many small calls.
func GRPCOptions() []grpc.ServerOption {
	return []grpc.ServerOption{
		grpc.MaxRecvMsgSize(math.MaxInt32),
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

// Messages of the errors the server sends. They match gooddata-flexconnect
// where it has one.
const (
	msgNotJSON          = "Incorrect FlexConnect function invocation. The invocation payload is not a valid JSON."
	msgNoFunctionName   = "Incorrect FlexConnect function invocation. The invocation payload does not specify 'functionName'."
	msgParamsNotObject  = "Incorrect FlexConnect function invocation. The invocation payload's 'parameters' is not a JSON object."
	msgColumnsNotList   = "Incorrect FlexConnect function invocation. The invocation payload's 'parameters.columns' is not a list of strings."
	msgUnknownFunction  = "Unsupported FlexConnect function '%s'."
	msgTicketNotJSON    = "Incorrect ticket payload. The ticket payload is not a valid JSON."
	msgTicketNoTaskID   = "Incorrect ticket payload. The ticket payload does not specify 'task_id'."
	msgResultMissing    = "Unable to serve data for task '%s'. The task result is not present."
	msgTimeout          = "GetFlightInfo timed out while waiting for task %s."
	msgCancelledResult  = "FlexConnect function invocation was cancelled. Invocation task was: '%s'."
	msgTaskFailed       = "There was an error while running task: "
	msgTaskFailedNoText = "There was an error while running task."
	msgShuttingDown     = "Server is shutting down."
	msgNoAuth           = "This service does not have an authentication mechanism enabled."
	msgNoCommand        = "Incorrect FlexConnect function invocation. Flight descriptor must contain command with the invocation payload."
	msgPoll             = "Work in progress. Retry."
	msgNoSuchTask       = "Task with id '%s' does not exist."
	msgCancelled        = "FlexConnect function invocation was cancelled."
)

// failed returns an UNKNOWN/Failed error, GoodData's "user error".
func failed(code Code, msg string) *Error {
	return NewError(codes.Unknown, StatusFailed, ErrorInfo{Code: code, Msg: msg})
}

// ListFlights sends one FlightInfo per function, in catalog order. The
// criteria are ignored.
func (s *Server) ListFlights(_ *flight.Criteria, stream flight.FlightService_ListFlightsServer) error {
	defer s.track()()
	fns := s.catalog.Functions()
	for _, fn := range fns {
		info, ierr := s.listInfo(fn)
		if ierr != nil {
			s.log.Error("list_flights_failed", "function", fn.Name(), "error", ierr)
			return ierr.Stream(stream)
		}
		if err := stream.Send(info); err != nil {
			return err
		}
	}
	s.log.Info("list_flights", "functions", len(fns))
	return nil
}

// listInfo returns the ListFlights entry of fn.
func (s *Server) listInfo(fn Function) (*flight.FlightInfo, *Error) {
	var cmd bytes.Buffer
	cmd.WriteString(`{"functionName":`)
	writeJSONString(&cmd, fn.Name())
	cmd.WriteString(`,"metadata":`)
	if md := fn.Metadata(); len(bytes.TrimSpace(md)) == 0 {
		cmd.WriteString("null")
	} else if err := json.Compact(&cmd, md); err != nil {
		return nil, NewError(codes.Internal, StatusInternal, ErrorInfo{
			Code: CodeInternalError,
			Msg:  fmt.Sprintf("The metadata of function '%s' is not valid JSON.", fn.Name()),
		})
	}
	cmd.WriteByte('}')
	return &flight.FlightInfo{
		Schema:           s.schemas.serialize(fn.Schema(), s.mem),
		FlightDescriptor: &flight.FlightDescriptor{Type: flight.DescriptorCMD, Cmd: cmd.Bytes()},
		TotalRecords:     -1,
		TotalBytes:       -1,
	}, nil
}

// callLog collects what is known about a call for its log record.
type callLog struct {
	function string
	taskID   string
}

func (c *callLog) attrs(err error) []any {
	a := []any{"error", err}
	if c.function != "" {
		a = append(a, "function", c.function)
	}
	if c.taskID != "" {
		a = append(a, "task_id", c.taskID)
	}
	if e, ok := errors.AsType[*Error](err); ok && e.Info != nil {
		a = append(a, "code", int(e.Info.Code))
	}
	return a
}

// GetFlightInfo invokes the function named in the descriptor and waits for
// it, up to the call deadline. On success the FlightInfo carries the
// result's schema, the request's descriptor and one endpoint whose ticket
// is {"task_id":"<id>"}.
//
// With the x-quiver-pollable header, it follows GoodData's polling
// extension instead (see poll).
func (s *Server) GetFlightInfo(ctx context.Context, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	defer s.track()()
	var cl callLog
	var info *flight.FlightInfo
	var err error
	if isPollable(ctx) {
		info, err = s.poll(ctx, desc, &cl)
	} else {
		info, err = s.invoke(ctx, desc, &cl)
	}
	if err != nil {
		if e, ok := errors.AsType[*Error](err); ok {
			if e.Info != nil && e.Info.Code == CodePoll {
				s.log.Debug("poll_again", cl.attrs(nil)...)
			} else {
				s.log.Warn("get_flight_info_failed", cl.attrs(err)...)
			}
			return nil, e.Unary(ctx)
		}
		s.log.Warn("get_flight_info_failed", cl.attrs(err)...)
		return nil, err
	}
	return info, nil
}

// isPollable reports whether the call carries the x-quiver-pollable header.
func isPollable(ctx context.Context) bool {
	md, _ := metadata.FromIncomingContext(ctx)
	_, ok := md[PollableHeader]
	return ok
}

// submit parses the invocation in desc, looks its function up and queues
// the call. It returns the task id.
func (s *Server) submit(ctx context.Context, desc *flight.FlightDescriptor, cl *callLog) (string, error) {
	if s.shutting.Load() {
		return "", NewError(codes.Unavailable, StatusUnavailable, ErrorInfo{Code: CodeShuttingDown, Msg: msgShuttingDown})
	}
	inv, perr := parseInvocation(desc)
	if perr != nil {
		return "", perr
	}
	cl.function = inv.function
	fn, ok := s.catalog.Lookup(inv.function)
	if !ok {
		return "", failed(CodeBadArgument, fmt.Sprintf(msgUnknownFunction, inv.function))
	}
	req := flexfun.Request{Parameters: inv.parameters, Columns: inv.columns, Headers: incomingHeaders(ctx)}
	deadline := time.Now().Add(s.deadline)
	id := s.exec.SubmitSpec(tasks.Spec{Name: fn.Name(), Cmd: bytes.Clone(desc.GetCmd()), Run: s.runner(fn, req, deadline)})
	cl.taskID = id
	s.obs.CallSubmitted(fn.Name())
	s.log.Info("flexfun_task_created", "function", fn.Name(), "task_id", id)
	return id, nil
}

// invoke is GetFlightInfo without polling: submit, then wait for the
// result up to the call deadline.
func (s *Server) invoke(ctx context.Context, desc *flight.FlightDescriptor, cl *callLog) (*flight.FlightInfo, error) {
	id, err := s.submit(ctx, desc, cl)
	if err != nil {
		return nil, err
	}
	res, err := s.exec.Wait(ctx, id, s.deadline)
	switch {
	case errors.Is(err, tasks.ErrWaitTimeout):
		s.exec.Cancel(id)
		return nil, timeoutError(id)
	case errors.Is(err, tasks.ErrNotFound): // cancelled away, or the executor closed
		return nil, failed(CodeCommandCancelled, fmt.Sprintf(msgCancelledResult, id))
	case err != nil: // the client went away
		s.exec.Cancel(id)
		return nil, status.FromContextError(err).Err()
	}
	defer res.Release()
	return s.resultInfo(res)
}

// poll is GetFlightInfo with GoodData's polling extension. The descriptor
// command is one of
//
//	c:<id>        cancel the call <id>: answers CANCELLED with COMMAND_CANCELLED
//	r:<id>        poll the call <id> again
//	anything else an invocation, submitted as a new call
//
// A submitted or polled call is then waited for at most the polling
// interval. A finished call answers as without polling (its FlightInfo
// echoes the original invocation); a call still running answers
// DEADLINE_EXCEEDED with ErrorInfo POLL, whose body is the RetryInfo
// holding the r: and c: descriptors; a call past its deadline is cancelled
// and answers TIMEOUT.
func (s *Server) poll(ctx context.Context, desc *flight.FlightDescriptor, cl *callLog) (*flight.FlightInfo, error) {
	cmd := desc.GetCmd()
	if desc.GetType() != flight.DescriptorCMD || len(cmd) == 0 {
		return nil, failed(CodeBadArgument, msgNoCommand)
	}
	var id string
	switch {
	case bytes.HasPrefix(cmd, []byte("c:")):
		id = taskIDOf(cmd[2:])
		cl.taskID = id
		s.exec.Cancel(id) // always succeeds: tasks are interruptible
		s.log.Info("flexfun_task_cancel_requested", "task_id", id)
		return nil, NewError(codes.Canceled, StatusCancelled, ErrorInfo{Code: CodeCommandCancelled, Msg: msgCancelled})
	case bytes.HasPrefix(cmd, []byte("r:")):
		id = taskIDOf(cmd[2:])
		cl.taskID = id
	default:
		var err error
		if id, err = s.submit(ctx, desc, cl); err != nil {
			return nil, err
		}
	}

	res, err := s.exec.Wait(ctx, id, s.interval)
	if errors.Is(err, tasks.ErrWaitTimeout) {
		created, running := s.exec.Created(id)
		if running && time.Since(created) < s.deadline {
			return nil, pollError(id)
		}
		if running { // past its deadline; normally the call stops itself first
			s.exec.Cancel(id)
			return nil, timeoutError(id)
		}
		res, err = s.exec.Wait(ctx, id, 0) // it finished meanwhile
	}
	switch {
	case errors.Is(err, tasks.ErrNotFound):
		return nil, failed(CodeBadArgument, fmt.Sprintf(msgNoSuchTask, id))
	case errors.Is(err, tasks.ErrWaitTimeout):
		return nil, pollError(id)
	case err != nil: // the client went away; the call goes on and may be polled again
		return nil, status.FromContextError(err).Err()
	}
	defer res.Release()
	if cl.function == "" {
		cl.function = res.Name
	}
	return s.resultInfo(res)
}

// taskIDOf returns the task id of an r: or c: descriptor. Bytes that are
// not UTF-8 cannot form a task id; they are replaced so that the id can be
// quoted in the answer.
func taskIDOf(b []byte) string { return strings.ToValidUTF8(string(b), "\uFFFD") }

// timeoutError is the TIMEOUT error of a call that passed its deadline.
func timeoutError(id string) *Error {
	return NewError(codes.DeadlineExceeded, StatusTimedOut, ErrorInfo{Code: CodeTimeout, Msg: fmt.Sprintf(msgTimeout, id)})
}

// pollError is the "poll again" answer for task id: DEADLINE_EXCEEDED with
// ErrorInfo POLL whose body is the RetryInfo JSON.
func pollError(id string) *Error {
	return NewError(codes.DeadlineExceeded, StatusTimedOut, ErrorInfo{Code: CodePoll, Msg: msgPoll, Body: NewRetryInfo(id).JSON()})
}

// resultInfo returns the FlightInfo of a finished call, or the error it
// answers with.
func (s *Server) resultInfo(res *tasks.Result) (*flight.FlightInfo, error) {
	if err := resultError(res.ID, res); err != nil {
		return nil, err
	}
	return &flight.FlightInfo{
		Schema:           s.schemas.serialize(res.Table.Schema, s.mem),
		FlightDescriptor: &flight.FlightDescriptor{Type: flight.DescriptorCMD, Cmd: res.Cmd},
		Endpoint: []*flight.FlightEndpoint{{
			Ticket:   &flight.Ticket{Ticket: []byte(`{"task_id":"` + res.ID + `"}`)},
			Location: s.locations(),
		}},
		TotalRecords: -1,
		TotalBytes:   -1,
	}, nil
}

func (s *Server) locations() []*flight.Location {
	if s.location == "" {
		return nil
	}
	return []*flight.Location{{Uri: s.location}}
}

// runner returns the task that calls fn. The call's context ends at
// deadline, so the runtime stops the script then even if nobody cancels.
func (s *Server) runner(fn Function, req flexfun.Request, deadline time.Time) tasks.RunFunc {
	return func(ctx context.Context) (*arrowbridge.Table, error) {
		req.CallID, _ = tasks.IDFromContext(ctx)
		ctx, cancel := context.WithDeadline(ctx, deadline)
		defer cancel()
		start := time.Now()
		table, err := fn.Call(ctx, &req)
		if err == nil && table == nil {
			err = fmt.Errorf("function %s returned no table", fn.Name())
		}
		if err == nil {
			// Results wait for their DoGets, and for the TTL after: keep
			// them as the messages DoGet sends, which cost the garbage
			// collector little to keep (docs/load-test.md).
			if err = table.Encode(s.mem); err != nil {
				table = nil
			}
		}
		elapsed := time.Since(start)
		attrs := []any{"function", fn.Name(), "task_id", req.CallID, "duration_ms", elapsed.Milliseconds()}
		switch {
		case err == nil:
			s.log.Info("task_finished", append(attrs, "rows", table.Rows)...)
			s.obs.CallFinished(fn.Name(), elapsed, table.Rows, "")
		case errors.As(err, new(*flexfun.CancelledError)):
			s.log.Info("task_cancelled", append(attrs, "error", err)...)
			s.obs.CallFinished(fn.Name(), elapsed, 0, taskError(req.CallID, err).Info.Code.Name())
		default:
			s.log.Warn("task_failed", append(attrs, "error", err)...)
			s.obs.CallFinished(fn.Name(), elapsed, 0, taskError(req.CallID, err).Info.Code.Name())
		}
		return table, err
	}
}

// resultError returns the error that a failed or cancelled result of task
// id answers with, or nil for a table.
func resultError(id string, res *tasks.Result) error {
	if res.Cancelled {
		return failed(CodeCommandCancelled, fmt.Sprintf(msgCancelledResult, id))
	}
	if res.Err != nil {
		return taskError(id, res.Err)
	}
	return nil
}

// taskError maps the error of a function call to its Flight error, as
// gooddata-flexconnect does for Python exceptions: a bad request is
// BAD_ARGUMENT, a script failure COMMAND_FAILED with the backtrace as
// detail, an *Error passes through unchanged.
func taskError(id string, err error) *Error {
	if e, ok := errors.AsType[*Error](err); ok {
		return e
	}
	if e, ok := errors.AsType[*flexfun.BadRequestError](err); ok {
		return failed(CodeBadArgument, e.Msg)
	}
	if e, ok := errors.AsType[*flexfun.ScriptError](err); ok {
		return NewError(codes.Unknown, StatusFailed, ErrorInfo{Code: CodeCommandFailed, Msg: taskFailedMsg(e.Msg), Detail: e.Backtrace})
	}
	if e, ok := errors.AsType[*flexfun.CancelledError](err); ok {
		if errors.Is(e.Cause, context.DeadlineExceeded) {
			return NewError(codes.DeadlineExceeded, StatusTimedOut, ErrorInfo{Code: CodeTimeout, Msg: fmt.Sprintf(msgTimeout, id)})
		}
		return failed(CodeCommandCancelled, fmt.Sprintf(msgCancelledResult, id))
	}
	return failed(CodeCommandFailed, taskFailedMsg(err.Error()))
}

func taskFailedMsg(text string) string {
	if text == "" {
		return msgTaskFailedNoText
	}
	return msgTaskFailed + text
}

// DoGet streams the result of the task named in the ticket. A ticket of a
// task still running waits for it (as long as the client does). The result
// stays readable until it expires.
func (s *Server) DoGet(tkt *flight.Ticket, stream flight.FlightService_DoGetServer) error {
	defer s.track()()
	var cl callLog
	err := s.doGet(tkt, stream, &cl)
	if err != nil {
		s.log.Warn("do_get_failed", cl.attrs(err)...)
		if e, ok := errors.AsType[*Error](err); ok {
			return e.Stream(stream)
		}
		return err
	}
	return nil
}

func (s *Server) doGet(tkt *flight.Ticket, stream flight.FlightService_DoGetServer, cl *callLog) error {
	id, perr := parseTicket(tkt.GetTicket())
	if perr != nil {
		return perr
	}
	cl.taskID = id
	res, err := s.exec.Wait(stream.Context(), id, -1)
	switch {
	case errors.Is(err, tasks.ErrNotFound):
		return failed(CodeInvalidTicket, fmt.Sprintf(msgResultMissing, id))
	case err != nil:
		return status.FromContextError(err).Err()
	}
	defer res.Release() // holds the table while it streams
	cl.function = res.Name
	if err := resultError(id, res); err != nil {
		return err
	}
	counted := &countingStream{FlightService_DoGetServer: stream}
	if err := s.write(counted, res.Table); err != nil {
		return err
	}
	s.exec.MarkRead(id)
	s.obs.ResultStreamed(res.Name, res.Table.Rows, counted.bytes)
	s.log.Info("do_get", "task_id", id, "rows", res.Table.Rows, "batches", res.Table.BatchCount())
	return nil
}

// countingStream counts the bytes of the Flight messages sent on a DoGet
// stream.
type countingStream struct {
	flight.FlightService_DoGetServer
	bytes int64
}

func (c *countingStream) Send(d *flight.FlightData) error {
	c.bytes += int64(len(d.DataHeader) + len(d.DataBody) + len(d.AppMetadata))
	return c.FlightService_DoGetServer.Send(d)
}

// write streams table's encoded messages (the runner encodes every
// result): its schema, then every batch.
func (s *Server) write(stream flight.FlightService_DoGetServer, table *arrowbridge.Table) error {
	for i, m := range table.Messages {
		if err := stream.Send(&flight.FlightData{DataHeader: m.Header, DataBody: m.Body}); err != nil {
			return fmt.Errorf("send message %d: %w", i, err)
		}
	}
	return nil
}

// invocation is a parsed GetFlightInfo command.
type invocation struct {
	function   string
	parameters json.RawMessage // a JSON object, verbatim
	columns    []string
}

// parseInvocation parses the descriptor's command:
// {"functionName":"…","parameters":{…,"columns":[…]}}. Other keys are
// ignored.
func parseInvocation(desc *flight.FlightDescriptor) (*invocation, *Error) {
	var cmd []byte
	if desc.GetType() == flight.DescriptorCMD {
		cmd = desc.GetCmd()
	}
	var payload map[string]json.RawMessage
	if !isObject(cmd) || json.Unmarshal(cmd, &payload) != nil {
		return nil, failed(CodeBadArgument, msgNotJSON)
	}
	inv := &invocation{parameters: json.RawMessage("{}")}
	if json.Unmarshal(payload["functionName"], &inv.function) != nil || inv.function == "" {
		return nil, failed(CodeBadArgument, msgNoFunctionName)
	}
	params, ok := payload["parameters"]
	if !ok || isNull(params) {
		return inv, nil
	}
	var fields map[string]json.RawMessage
	if !isObject(params) || json.Unmarshal(params, &fields) != nil {
		return nil, failed(CodeBadArgument, msgParamsNotObject)
	}
	inv.parameters = params
	if cols, ok := fields["columns"]; ok && !isNull(cols) {
		if json.Unmarshal(cols, &inv.columns) != nil || inv.columns == nil {
			return nil, failed(CodeBadArgument, msgColumnsNotList)
		}
	}
	return inv, nil
}

// parseTicket returns the task id of a DoGet ticket {"task_id":"…"}.
func parseTicket(tkt []byte) (string, *Error) {
	// The tickets this server hands out have one exact form; take it
	// without a JSON decoder.
	const prefix, suffix = `{"task_id":"`, `"}`
	if len(tkt) == len(prefix)+32+len(suffix) && bytes.HasPrefix(tkt, []byte(prefix)) && bytes.HasSuffix(tkt, []byte(suffix)) {
		if id := tkt[len(prefix) : len(prefix)+32]; isLowerHex(id) {
			return string(id), nil
		}
	}
	var payload map[string]json.RawMessage
	if !isObject(tkt) || json.Unmarshal(tkt, &payload) != nil {
		return "", failed(CodeBadArgument, msgTicketNotJSON)
	}
	var id string
	if json.Unmarshal(payload["task_id"], &id) != nil || id == "" {
		return "", failed(CodeBadArgument, msgTicketNoTaskID)
	}
	return id, nil
}

// isLowerHex reports whether b is made of 0-9 and a-f only.
func isLowerHex(b []byte) bool {
	for _, c := range b {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// isObject reports whether the JSON text b starts an object.
func isObject(b []byte) bool {
	b = bytes.TrimLeft(b, " \t\r\n")
	return len(b) > 0 && b[0] == '{'
}

func isNull(b []byte) bool { return string(bytes.TrimSpace(b)) == "null" }

// incomingHeaders copies the call's gRPC metadata: lower-case name → values.
// Values of "-bin" headers are the decoded bytes.
func incomingHeaders(ctx context.Context) map[string][]string {
	md, _ := metadata.FromIncomingContext(ctx)
	h := make(map[string][]string, len(md))
	for k, v := range md {
		h[k] = append([]string(nil), v...)
	}
	return h
}

// Handshake answers UNIMPLEMENTED: the server has no Flight authentication
// handshake.
func (s *Server) Handshake(stream flight.FlightService_HandshakeServer) error {
	defer s.track()()
	return Unimplemented(msgNoAuth).Stream(stream)
}

// GetSchema answers UNIMPLEMENTED.
func (s *Server) GetSchema(ctx context.Context, _ *flight.FlightDescriptor) (*flight.SchemaResult, error) {
	return nil, Unimplemented("GetSchema is not implemented.").Unary(ctx)
}

// PollFlightInfo answers UNIMPLEMENTED.
func (s *Server) PollFlightInfo(ctx context.Context, _ *flight.FlightDescriptor) (*flight.PollInfo, error) {
	return nil, Unimplemented("PollFlightInfo is not implemented.").Unary(ctx)
}

// DoPut answers UNIMPLEMENTED.
func (s *Server) DoPut(stream flight.FlightService_DoPutServer) error {
	return Unimplemented("DoPut is not implemented.").Stream(stream)
}

// DoExchange answers UNIMPLEMENTED.
func (s *Server) DoExchange(stream flight.FlightService_DoExchangeServer) error {
	return Unimplemented("DoExchange is not implemented.").Stream(stream)
}

// DoAction runs the action's ActionFunc from Options.Actions, and answers
// UNIMPLEMENTED for every other action.
func (s *Server) DoAction(action *flight.Action, stream flight.FlightService_DoActionServer) error {
	defer s.track()()
	fn, ok := s.actions[action.GetType()]
	if !ok {
		return Unimplemented("DoAction is not implemented.").Stream(stream)
	}
	results, err := fn(stream.Context(), action.GetBody())
	if err != nil {
		s.log.Warn("do_action_failed", "action", action.GetType(), "error", err)
		e, ok := errors.AsType[*Error](err)
		if !ok {
			e = NewError(codes.Internal, StatusInternal, ErrorInfo{Code: CodeInternalError, Msg: err.Error()})
		}
		return e.Stream(stream)
	}
	for _, r := range results {
		if err := stream.Send(&flight.Result{Body: r}); err != nil {
			return err
		}
	}
	return nil
}

// ListActions answers UNIMPLEMENTED.
func (s *Server) ListActions(_ *flight.Empty, stream flight.FlightService_ListActionsServer) error {
	return Unimplemented("ListActions is not implemented.").Stream(stream)
}
