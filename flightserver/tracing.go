package flightserver

import (
	"context"
	"errors"
	"strings"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/otel/attribute"
	otelcodes "go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"

	"github.com/flexfun-script/flexfun-script/flexfun"
	"github.com/flexfun-script/flexfun-script/tasks"
)

// This file traces the server as gooddata-flight-server does (its
// OtelMiddleware and ThreadTaskExecutor):
//
//	GET_FLIGHT_INFO          SERVER span per RPC, named after pyarrow's FlightMethod
//	└─ task_execution        the call, from submission until it is stored
//	   ├─ task_run_submit    queueing it
//	   └─ task_run           running the function on a worker
//
// The RPC spans come from otelgrpc's stats handler, renamed and given the
// Python server's attributes by rpcSpans; the task spans from taskTrace.

// tracerName is the instrumentation scope of the task spans.
const tracerName = "github.com/flexfun-script/flexfun-script/flightserver"

// Attributes and events of the Python server's task spans, and two of ours.
const (
	attrTaskID          = "gooddata_flight_server.task_id"
	eventTaskError      = "gooddata_flight_server.task_error"
	attrTaskErrorCode   = "gooddata_flight_server.task_error.code"
	attrTaskErrorMsg    = "gooddata_flight_server.task_error.msg"
	attrTaskErrorDetail = "gooddata_flight_server.task_error.detail"
	eventTaskCancelled  = "gooddata_flight_server.task_cancelled"
	attrFunction        = "flexfun.function"
	attrRows            = "flexfun.rows"
)

// flightMethods maps the Flight service's gRPC methods to the names of
// pyarrow's FlightMethod enum, which the Python server's RPC spans carry.
// PollFlightInfo, newer than that enum, is spelled the same way.
var flightMethods = map[string]string{
	"Handshake":      "HANDSHAKE",
	"ListFlights":    "LIST_FLIGHTS",
	"GetFlightInfo":  "GET_FLIGHT_INFO",
	"PollFlightInfo": "POLL_FLIGHT_INFO",
	"GetSchema":      "GET_SCHEMA",
	"DoGet":          "DO_GET",
	"DoPut":          "DO_PUT",
	"DoAction":       "DO_ACTION",
	"ListActions":    "LIST_ACTIONS",
	"DoExchange":     "DO_EXCHANGE",
}

// flightMethod returns the span name of the gRPC method fullMethod
// ("/arrow.flight.protocol.FlightService/GetFlightInfo" → GET_FLIGHT_INFO),
// or fullMethod without its slash for a method outside the Flight service.
func flightMethod(fullMethod string) string {
	if name, ok := flightMethods[strings.TrimPrefix(fullMethod, "/arrow.flight.protocol.FlightService/")]; ok {
		return name
	}
	return strings.TrimPrefix(fullMethod, "/")
}

// tracingOptions returns the gRPC server option that traces every RPC, or
// nil when tracing is off.
func (s *Server) tracingOptions() []grpc.ServerOption {
	if s.tp == nil {
		return nil
	}
	// Without otel_extract_context the caller's traceparent is ignored, as
	// in the Python server: an empty composite propagator extracts nothing.
	prop := propagation.NewCompositeTextMapPropagator()
	if s.extract {
		prop = propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
	}
	h := otelgrpc.NewServerHandler(otelgrpc.WithTracerProvider(s.tp), otelgrpc.WithPropagators(prop))
	return []grpc.ServerOption{grpc.StatsHandler(rpcSpans{h})}
}

// rpcSpans wraps otelgrpc's server handler: it names each RPC's span after
// the Flight method, adds the Python server's rpc.* attributes, and ends
// the span with status OK, or ERROR and the error recorded as an event.
// Being a stats handler, it also sees RPCs that never reach a handler:
// requests over the size limit, calls refused by authentication.
type rpcSpans struct{ stats.Handler }

func (h rpcSpans) TagRPC(ctx context.Context, info *stats.RPCTagInfo) context.Context {
	ctx = h.Handler.TagRPC(ctx, info)
	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		name := flightMethod(info.FullMethodName)
		span.SetName(name)
		span.SetAttributes(
			attribute.String("rpc.system", "grpc"),
			attribute.String("rpc.service", "FlightRPC"),
			attribute.String("rpc.method", name),
		)
	}
	return ctx
}

func (h rpcSpans) HandleRPC(ctx context.Context, rs stats.RPCStats) {
	if end, ok := rs.(*stats.End); ok {
		if span := trace.SpanFromContext(ctx); span.IsRecording() {
			if end.Error != nil {
				span.RecordError(end.Error)
				span.SetStatus(otelcodes.Error, status.Convert(end.Error).Message())
			} else {
				span.SetStatus(otelcodes.Ok, "")
			}
		}
	}
	h.Handler.HandleRPC(ctx, rs)
}

// taskTrace holds the task_execution span of one call. Its methods do
// nothing on a nil *taskTrace (tracing off).
type taskTrace struct {
	tracer   trace.Tracer
	ctx      context.Context // holds exec
	exec     trace.Span
	function string
}

// startTask starts the task_execution span of a call of function, a child
// of the RPC's span in ctx, or returns nil when tracing is off.
func (s *Server) startTask(ctx context.Context, function string) *taskTrace {
	if s.tracer == nil {
		return nil
	}
	tt := &taskTrace{tracer: s.tracer, function: function}
	tt.ctx, tt.exec = s.tracer.Start(ctx, "task_execution", trace.WithAttributes(attribute.String(attrFunction, function)))
	return tt
}

// submitted wraps submit, the queueing of the call, in a task_run_submit
// span and returns the task id.
func (tt *taskTrace) submitted(submit func() string) string {
	if tt == nil {
		return submit()
	}
	_, span := tt.tracer.Start(tt.ctx, "task_run_submit")
	id := submit()
	span.SetAttributes(attribute.String(attrTaskID, id))
	span.End()
	return id
}

// startRun starts the task_run span, a child of task_execution, and
// returns ctx carrying it. ctx is the task's own context, which carries
// its id.
func (tt *taskTrace) startRun(ctx context.Context) (context.Context, trace.Span) {
	if tt == nil {
		return ctx, nil
	}
	id, _ := tasks.IDFromContext(ctx)
	return tt.tracer.Start(trace.ContextWithSpan(ctx, tt.exec), "task_run",
		trace.WithAttributes(attribute.String(attrTaskID, id), attribute.String(attrFunction, tt.function)))
}

// endRun ends the task_run span: rows on success (on task_execution too),
// the error recorded on failure, an event when the call was cancelled.
func (tt *taskTrace) endRun(span trace.Span, rows int64, err error) {
	if tt == nil {
		return
	}
	switch {
	case err == nil:
		span.SetAttributes(attribute.Int64(attrRows, rows))
		tt.exec.SetAttributes(attribute.Int64(attrRows, rows))
		span.SetStatus(otelcodes.Ok, "")
	case errors.As(err, new(*flexfun.CancelledError)):
		span.AddEvent(eventTaskCancelled)
	default:
		span.RecordError(err)
		span.SetStatus(otelcodes.Error, "")
	}
	span.End()
}

// done ends the task_execution span once the executor has stored the
// call's outcome (tasks.Spec.Done): the task id; for a failure, status
// ERROR and the task_error event with the error as the client gets it; for
// a cancelled call (by a client, the deadline or shutdown), the
// task_cancelled event.
func (tt *taskTrace) done(id string, outcome tasks.Outcome, err error) {
	tt.exec.SetAttributes(attribute.String(attrTaskID, id))
	switch {
	case outcome == tasks.Cancelled || errors.As(err, new(*flexfun.CancelledError)):
		tt.exec.AddEvent(eventTaskCancelled)
		tt.exec.SetStatus(otelcodes.Ok, "")
	case outcome == tasks.Failed:
		info := taskError(id, err).Info
		tt.exec.AddEvent(eventTaskError, trace.WithAttributes(
			attribute.String(attrTaskErrorCode, info.Code.String()),
			attribute.String(attrTaskErrorMsg, info.WireMsg()),
			attribute.String(attrTaskErrorDetail, info.WireDetail()),
		))
		tt.exec.SetStatus(otelcodes.Error, info.WireMsg())
	default:
		tt.exec.SetStatus(otelcodes.Ok, "")
	}
	tt.exec.End()
}

// doneFunc returns tt.done for tasks.Spec.Done, or nil when tracing is off.
func (tt *taskTrace) doneFunc() func(string, tasks.Outcome, error) {
	if tt == nil {
		return nil
	}
	return tt.done
}
