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
//     whose ticket is {"task_id":…}.
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
//	srv.BeginShutdown() // refuse new invocations, keep serving DoGet
//	gs.Shutdown()
package flightserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
	"github.com/flexfun-script/flexfun-script/engine"
	"github.com/flexfun-script/flexfun-script/tasks"
)

// DefaultCallDeadline is how long GetFlightInfo waits for a function by
// default (GoodData's call_deadline_ms).
const DefaultCallDeadline = 180 * time.Second

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
	Call(ctx context.Context, req *engine.Request) (*arrowbridge.Table, error)
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
	// CallDeadline bounds a function call, from submission to completion.
	// Default DefaultCallDeadline.
	CallDeadline time.Duration
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
	location string
	deadline time.Duration
	exec     *tasks.Executor
	log      *slog.Logger
	mem      memory.Allocator
	shutting atomic.Bool
}

// New returns a Server. It panics if opts has no Catalog or Executor.
func New(opts Options) *Server {
	if opts.Catalog == nil || opts.Executor == nil {
		panic("flightserver: Options.Catalog and Options.Executor are required")
	}
	s := &Server{
		catalog:  opts.Catalog,
		location: opts.Location,
		deadline: opts.CallDeadline,
		exec:     opts.Executor,
		log:      opts.Logger,
		mem:      opts.Allocator,
	}
	if s.deadline <= 0 {
		s.deadline = DefaultCallDeadline
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.mem == nil {
		s.mem = memory.DefaultAllocator
	}
	return s
}

// NewGRPCServer returns a Flight gRPC server with srv registered, accepting
// messages of any size like Arrow C++ does. Extra gRPC options (TLS, ...)
// are appended.
func NewGRPCServer(srv *Server, opts ...grpc.ServerOption) flight.Server {
	opts = append([]grpc.ServerOption{grpc.MaxRecvMsgSize(math.MaxInt32)}, opts...)
	gs := flight.NewServerWithMiddleware(nil, opts...)
	gs.RegisterFlightService(srv)
	return gs
}

// BeginShutdown makes GetFlightInfo refuse new invocations with UNAVAILABLE
// and SHUTTING_DOWN. ListFlights and DoGet keep working, so results that
// exist can still be read.
func (s *Server) BeginShutdown() { s.shutting.Store(true) }

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
)

// failed returns an UNKNOWN/Failed error, GoodData's "user error".
func failed(code Code, msg string) *Error {
	return NewError(codes.Unknown, StatusFailed, ErrorInfo{Code: code, Msg: msg})
}

// ListFlights sends one FlightInfo per function, in catalog order. The
// criteria are ignored.
func (s *Server) ListFlights(_ *flight.Criteria, stream flight.FlightService_ListFlightsServer) error {
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
		Schema:           flight.SerializeSchema(fn.Schema(), s.mem),
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
func (s *Server) GetFlightInfo(ctx context.Context, desc *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	var cl callLog
	info, err := s.getFlightInfo(ctx, desc, &cl)
	if err != nil {
		s.log.Warn("get_flight_info_failed", cl.attrs(err)...)
		if e, ok := errors.AsType[*Error](err); ok {
			return nil, e.Unary(ctx)
		}
		return nil, err
	}
	return info, nil
}

func (s *Server) getFlightInfo(ctx context.Context, desc *flight.FlightDescriptor, cl *callLog) (*flight.FlightInfo, error) {
	if s.shutting.Load() {
		return nil, NewError(codes.Unavailable, StatusUnavailable, ErrorInfo{Code: CodeShuttingDown, Msg: msgShuttingDown})
	}
	inv, perr := parseInvocation(desc)
	if perr != nil {
		return nil, perr
	}
	cl.function = inv.function
	fn, ok := s.catalog.Lookup(inv.function)
	if !ok {
		return nil, failed(CodeBadArgument, fmt.Sprintf(msgUnknownFunction, inv.function))
	}
	req := engine.Request{Parameters: inv.parameters, Columns: inv.columns, Headers: incomingHeaders(ctx)}
	deadline := time.Now().Add(s.deadline)
	id := s.exec.Submit(s.runner(fn, req, deadline))
	cl.taskID = id
	s.log.Info("flexfun_task_created", "function", fn.Name(), "task_id", id)

	res, err := s.exec.Wait(ctx, id, time.Until(deadline))
	switch {
	case errors.Is(err, tasks.ErrWaitTimeout):
		s.exec.Cancel(id)
		return nil, NewError(codes.DeadlineExceeded, StatusTimedOut, ErrorInfo{Code: CodeTimeout, Msg: fmt.Sprintf(msgTimeout, id)})
	case errors.Is(err, tasks.ErrNotFound): // cancelled away, or the executor closed
		return nil, failed(CodeCommandCancelled, fmt.Sprintf(msgCancelledResult, id))
	case err != nil: // the client went away
		s.exec.Cancel(id)
		return nil, status.FromContextError(err).Err()
	}
	defer res.Release()
	if err := resultError(id, res); err != nil {
		return nil, err
	}
	return &flight.FlightInfo{
		Schema:           flight.SerializeSchema(res.Table.Schema, s.mem),
		FlightDescriptor: proto.Clone(desc).(*flight.FlightDescriptor),
		Endpoint: []*flight.FlightEndpoint{{
			Ticket:   &flight.Ticket{Ticket: []byte(`{"task_id":"` + id + `"}`)},
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
func (s *Server) runner(fn Function, req engine.Request, deadline time.Time) tasks.RunFunc {
	return func(ctx context.Context) (*arrowbridge.Table, error) {
		req.CallID, _ = tasks.IDFromContext(ctx)
		ctx, cancel := context.WithDeadline(ctx, deadline)
		defer cancel()
		start := time.Now()
		table, err := fn.Call(ctx, &req)
		if err == nil && table == nil {
			err = fmt.Errorf("function %s returned no table", fn.Name())
		}
		attrs := []any{"function", fn.Name(), "task_id", req.CallID, "duration_ms", time.Since(start).Milliseconds()}
		switch {
		case err == nil:
			s.log.Info("task_finished", append(attrs, "rows", table.Rows)...)
		case errors.As(err, new(*engine.CancelledError)):
			s.log.Info("task_cancelled", append(attrs, "error", err)...)
		default:
			s.log.Warn("task_failed", append(attrs, "error", err)...)
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
	if e, ok := errors.AsType[*engine.BadRequestError](err); ok {
		return failed(CodeBadArgument, e.Msg)
	}
	if e, ok := errors.AsType[*engine.ScriptError](err); ok {
		return NewError(codes.Unknown, StatusFailed, ErrorInfo{Code: CodeCommandFailed, Msg: taskFailedMsg(e.Msg), Detail: e.Backtrace})
	}
	if e, ok := errors.AsType[*engine.CancelledError](err); ok {
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
	if err := resultError(id, res); err != nil {
		return err
	}
	if err := s.write(stream, res.Table); err != nil {
		return err
	}
	s.log.Info("do_get", "task_id", id, "rows", res.Table.Rows, "batches", len(res.Table.Batches))
	return nil
}

// write streams table: its schema, then every batch. The batches stay owned
// by the table.
func (s *Server) write(stream flight.FlightService_DoGetServer, table *arrowbridge.Table) error {
	w := flight.NewRecordWriter(stream, ipc.WithSchema(table.Schema), ipc.WithAllocator(s.mem))
	for _, b := range table.Batches {
		if err := w.Write(b); err != nil {
			w.Close()
			return fmt.Errorf("write record batch: %w", err)
		}
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("close record writer: %w", err)
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

// DoAction answers UNIMPLEMENTED, for every action.
func (s *Server) DoAction(_ *flight.Action, stream flight.FlightService_DoActionServer) error {
	return Unimplemented("DoAction is not implemented.").Stream(stream)
}

// ListActions answers UNIMPLEMENTED.
func (s *Server) ListActions(_ *flight.Empty, stream flight.FlightService_ListActionsServer) error {
	return Unimplemented("ListActions is not implemented.").Stream(stream)
}
