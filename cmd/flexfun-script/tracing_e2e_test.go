package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/flight"
	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"
)

// collector is an OTLP trace receiver on loopback: the TraceService over
// gRPC, and POST /v1/traces over HTTP (protobuf), as an OpenTelemetry
// Collector offers them. It keeps every span it receives with the
// service.name of its resource.
type collector struct {
	collectortrace.UnimplementedTraceServiceServer

	mu    sync.Mutex
	spans []receivedSpan
}

type receivedSpan struct {
	service string
	span    *tracepb.Span
}

func (c *collector) Export(_ context.Context, req *collectortrace.ExportTraceServiceRequest) (*collectortrace.ExportTraceServiceResponse, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, rs := range req.GetResourceSpans() {
		service := stringAttr(rs.GetResource().GetAttributes(), "service.name")
		for _, ss := range rs.GetScopeSpans() {
			for _, s := range ss.GetSpans() {
				c.spans = append(c.spans, receivedSpan{service, s})
			}
		}
	}
	return &collectortrace.ExportTraceServiceResponse{}, nil
}

// ServeHTTP is the OTLP/HTTP receiver.
func (c *collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	req := new(collectortrace.ExportTraceServiceRequest)
	if err != nil || r.URL.Path != "/v1/traces" || proto.Unmarshal(body, req) != nil {
		http.Error(w, "bad export", http.StatusBadRequest)
		return
	}
	resp, _ := c.Export(r.Context(), req)
	out, _ := proto.Marshal(resp)
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.Write(out)
}

// startCollector serves the collector over gRPC and HTTP on loopback and
// returns their addresses.
func startCollector(t *testing.T) (c *collector, grpcAddr, httpAddr string) {
	t.Helper()
	c = &collector{}
	gl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gs := grpc.NewServer()
	collectortrace.RegisterTraceServiceServer(gs, c)
	go gs.Serve(gl)
	hl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: c, ReadHeaderTimeout: 5 * time.Second}
	go hs.Serve(hl)
	t.Cleanup(func() {
		gs.Stop()
		hs.Close()
	})
	return c, gl.Addr().String(), hl.Addr().String()
}

// wait returns the spans of the trace traceID (hex) once every name in
// names has arrived, by name (the last of a name wins).
func (c *collector) wait(t *testing.T, traceID string, names ...string) map[string]receivedSpan {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		c.mu.Lock()
		byName := map[string]receivedSpan{}
		var all []string
		for _, s := range c.spans {
			all = append(all, s.span.GetName())
			if hex.EncodeToString(s.span.GetTraceId()) == traceID || traceID == "" {
				byName[s.span.GetName()] = s
			}
		}
		c.mu.Unlock()
		complete := true
		for _, n := range names {
			_, ok := byName[n]
			complete = complete && ok
		}
		if complete {
			return byName
		}
		if time.Now().After(deadline) {
			t.Fatalf("trace %s: want spans %v, the collector has %v", traceID, names, all)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func stringAttr(kvs []*commonpb.KeyValue, key string) string {
	for _, kv := range kvs {
		if kv.GetKey() == key {
			return kv.GetValue().GetStringValue()
		}
	}
	return ""
}

func intAttr(kvs []*commonpb.KeyValue, key string) int64 {
	for _, kv := range kvs {
		if kv.GetKey() == key {
			return kv.GetValue().GetIntValue()
		}
	}
	return -1
}

const helloScript = `name = "Hello"
schema = {"n": "int64"}

def call(parameters):
    for i in range(5):
        emit(i)
`

const boomScript = `name = "Boom"
schema = {"n": "int64"}

def call(parameters):
    fail("boom")
`

// TestE2ETracingOTLP runs the binary with otlp-grpc and otel_extract_context
// against an in-process collector: a call made under the caller's trace
// arrives as GET_FLIGHT_INFO (child of the caller's span) → task_execution
// → task_run, with the task id, function and rows; DO_GET joins the same
// trace; a failing call carries the task_error event; the log lines of a
// call carry its trace and span ids under the keys log_trace_keys names.
func TestE2ETracingOTLP(t *testing.T) {
	col, grpcAddr, _ := startCollector(t)
	dir := t.TempDir()
	write(t, dir, "hello.star", helloScript)
	write(t, dir, "boom.star", boomScript)
	s := startServer(t, []string{
		`GOODDATA_FLIGHT_FLEXFUN__FUNCTIONS=["` + dir + `"]`,
		"GOODDATA_FLIGHT_SERVER__OTEL_EXPORTER_TYPE=otlp-grpc",
		"GOODDATA_FLIGHT_SERVER__OTEL_EXTRACT_CONTEXT=true",
		"GOODDATA_FLIGHT_SERVER__OTEL_SERVICE_NAME=flexfun-e2e",
		`GOODDATA_FLIGHT_SERVER__LOG_TRACE_KEYS={trace_id="traceId",span_id="spanId"}`,
		"OTEL_EXPORTER_OTLP_ENDPOINT=http://" + grpcAddr,
		"OTEL_BSP_SCHEDULE_DELAY=50",
	})
	c := newClient(t, s.addr)
	const caller, callerSpanID = "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331"
	ctx := metadata.AppendToOutgoingContext(ctxT(t), "traceparent", "00-"+caller+"-"+callerSpanID+"-01")

	info, err := c.GetFlightInfo(ctx, &flight.FlightDescriptor{Type: flight.DescriptorCMD, Cmd: []byte(`{"functionName":"Hello"}`)})
	if err != nil {
		t.Fatal(err)
	}
	stream, err := c.DoGet(ctx, info.Endpoint[0].Ticket)
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := stream.Recv(); err != nil {
			break
		}
	}
	var ticket struct {
		TaskID string `json:"task_id"`
	}
	json.Unmarshal(info.Endpoint[0].Ticket.Ticket, &ticket)

	spans := col.wait(t, caller, "GET_FLIGHT_INFO", "task_execution", "task_run_submit", "task_run", "DO_GET")
	rpc, exec, run := spans["GET_FLIGHT_INFO"].span, spans["task_execution"].span, spans["task_run"].span
	if got := hex.EncodeToString(rpc.GetParentSpanId()); got != callerSpanID {
		t.Errorf("GET_FLIGHT_INFO's parent %s, want the caller's %s", got, callerSpanID)
	}
	if rpc.GetKind() != tracepb.Span_SPAN_KIND_SERVER || stringAttr(rpc.GetAttributes(), "rpc.method") != "GET_FLIGHT_INFO" ||
		stringAttr(rpc.GetAttributes(), "rpc.service") != "FlightRPC" || stringAttr(rpc.GetAttributes(), "rpc.system") != "grpc" {
		t.Errorf("GET_FLIGHT_INFO kind %v, attributes %v", rpc.GetKind(), rpc.GetAttributes())
	}
	if !bytes.Equal(exec.GetParentSpanId(), rpc.GetSpanId()) || !bytes.Equal(run.GetParentSpanId(), exec.GetSpanId()) ||
		!bytes.Equal(spans["task_run_submit"].span.GetParentSpanId(), exec.GetSpanId()) {
		t.Errorf("parents: task_execution→%x (GET_FLIGHT_INFO %x), task_run→%x (task_execution %x)",
			exec.GetParentSpanId(), rpc.GetSpanId(), run.GetParentSpanId(), exec.GetSpanId())
	}
	for _, sp := range []*tracepb.Span{exec, run} {
		if stringAttr(sp.GetAttributes(), "gooddata_flight_server.task_id") != ticket.TaskID ||
			stringAttr(sp.GetAttributes(), "flexfun.function") != "Hello" || intAttr(sp.GetAttributes(), "flexfun.rows") != 5 {
			t.Errorf("%s attributes %v; want task %s, Hello, 5 rows", sp.GetName(), sp.GetAttributes(), ticket.TaskID)
		}
	}
	col.wait(t, "", "server_start")
	if spans["GET_FLIGHT_INFO"].service != "flexfun-e2e" {
		t.Errorf("service.name %q", spans["GET_FLIGHT_INFO"].service)
	}

	// The log lines of the call carry its ids under the renamed keys.
	waitFor(t, s, `"event":"task_finished"`)
	for line := range strings.SplitSeq(s.stderr.String(), "\n") {
		if strings.Contains(line, `"event":"task_finished"`) &&
			(!strings.Contains(line, `"traceId":"`+caller+`"`) || !strings.Contains(line, `"spanId":"`+hex.EncodeToString(run.GetSpanId())+`"`) ||
				!strings.Contains(line, `"parent_span_id":"`+hex.EncodeToString(exec.GetSpanId())+`"`)) {
			t.Errorf("task_finished without the ids of task_run: %s", line)
		}
	}

	// A failing call, in a trace of its own.
	const boomTrace = "1af7651916cd43dd8448eb211c80319c"
	bctx := metadata.AppendToOutgoingContext(ctxT(t), "traceparent", "00-"+boomTrace+"-"+callerSpanID+"-01")
	if _, err := c.GetFlightInfo(bctx, &flight.FlightDescriptor{Type: flight.DescriptorCMD, Cmd: []byte(`{"functionName":"Boom"}`)}); err == nil {
		t.Fatal("Boom succeeded")
	}
	boom := col.wait(t, boomTrace, "GET_FLIGHT_INFO", "task_execution")
	bexec := boom["task_execution"].span
	if bexec.GetStatus().GetCode() != tracepb.Status_STATUS_CODE_ERROR || len(bexec.GetEvents()) != 1 ||
		bexec.GetEvents()[0].GetName() != "gooddata_flight_server.task_error" ||
		stringAttr(bexec.GetEvents()[0].GetAttributes(), "gooddata_flight_server.task_error.code") != "command_failed (5)" {
		t.Errorf("failed task_execution: status %v, events %v", bexec.GetStatus(), bexec.GetEvents())
	}
	if boom["GET_FLIGHT_INFO"].span.GetStatus().GetCode() != tracepb.Status_STATUS_CODE_ERROR {
		t.Errorf("failed GET_FLIGHT_INFO: status %v", boom["GET_FLIGHT_INFO"].span.GetStatus())
	}
}

// TestE2ETracingOTLPHTTP runs the binary with otlp-http and without
// otel_extract_context: the spans arrive over HTTP, and the caller's
// traceparent is ignored, so GET_FLIGHT_INFO starts a trace of its own.
func TestE2ETracingOTLPHTTP(t *testing.T) {
	col, _, httpAddr := startCollector(t)
	s := startServer(t, []string{
		"GOODDATA_FLIGHT_SERVER__OTEL_EXPORTER_TYPE=otlp-http",
		"OTEL_EXPORTER_OTLP_ENDPOINT=http://" + httpAddr,
		"OTEL_BSP_SCHEDULE_DELAY=50",
	})
	c := newClient(t, s.addr)
	const caller = "2af7651916cd43dd8448eb211c80319c"
	ctx := metadata.AppendToOutgoingContext(ctxT(t), "traceparent", "00-"+caller+"-b7ad6b7169203331-01")
	if _, err := c.GetFlightInfo(ctx, &flight.FlightDescriptor{Type: flight.DescriptorCMD, Cmd: []byte(`{"functionName":"SampleFlexFunction"}`)}); err != nil {
		t.Fatal(err)
	}
	spans := col.wait(t, "", "GET_FLIGHT_INFO", "task_execution", "task_run")
	rpc := spans["GET_FLIGHT_INFO"].span
	if hex.EncodeToString(rpc.GetTraceId()) == caller || len(rpc.GetParentSpanId()) != 0 {
		t.Errorf("GET_FLIGHT_INFO continues the caller's trace: trace %x, parent %x", rpc.GetTraceId(), rpc.GetParentSpanId())
	}
	if spans["GET_FLIGHT_INFO"].service != "flexfun-script" {
		t.Errorf("default service.name %q", spans["GET_FLIGHT_INFO"].service)
	}
}
