package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/flexfun-script/flexfun-script/settings"
)

// newTracerProvider returns the OpenTelemetry tracer provider that
// [server] otel_exporter_type asks for, or nil for "none". Spans go through
// a batch span processor to the exporter, which the standard OTEL_EXPORTER_*
// variables configure (endpoint, headers, TLS, timeout, compression), as
// in the Python server; OTEL_BSP_* tune the batches and OTEL_TRACES_SAMPLER
// the sampling. "console" writes the spans as JSON to stdout. Exporter
// errors are logged as otel_error. Shut the provider down to flush the
// last spans.
func newTracerProvider(ctx context.Context, cfg *settings.Config, stdout io.Writer, logger *slog.Logger) (*sdktrace.TracerProvider, error) {
	s := cfg.Server
	var exp sdktrace.SpanExporter
	var err error
	switch s.OtelExporterType {
	case "", "none":
		return nil, nil
	case "otlp-grpc":
		exp, err = otlptracegrpc.New(ctx)
	case "otlp-http":
		exp, err = otlptracehttp.New(ctx)
	case "console":
		exp, err = stdouttrace.New(stdouttrace.WithWriter(stdout))
	case "zipkin":
		return nil, fmt.Errorf("%s: [server] otel_exporter_type: \"zipkin\" is not supported: OpenTelemetry deprecated its "+
			"Zipkin exporters (December 2025) and Zipkin reads OTLP; use \"otlp-http\" with OTEL_EXPORTER_OTLP_ENDPOINT set to "+
			"Zipkin's OTLP endpoint, or an OpenTelemetry Collector with its zipkin exporter", originOf(cfg, "otel_exporter_type"))
	default: // settings accepts no other value
		return nil, fmt.Errorf("[server] otel_exporter_type: unknown exporter %q", s.OtelExporterType)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: [server] otel_exporter_type %q: %w", originOf(cfg, "otel_exporter_type"), s.OtelExporterType, err)
	}
	res, err := tracingResource(ctx, s)
	if err != nil {
		return nil, fmt.Errorf("OpenTelemetry resource: %w", err)
	}
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) { logger.Warn("otel_error", "error", err) }))
	return sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res)), nil
}

// originOf names where a [server] key was set, for errors.
func originOf(cfg *settings.Config, key string) string {
	if o := cfg.Origin("server", key); o != "" {
		return o
	}
	return "configuration"
}

// tracingResource describes this process as the Python server does:
// service.* from the otel_service_* keys (the instance id defaults to the
// host name), then OS, process and runtime attributes. OTEL_SERVICE_NAME
// and OTEL_RESOURCE_ATTRIBUTES apply too; the configuration wins over them.
func tracingResource(ctx context.Context, s settings.ServerConfig) (*resource.Resource, error) {
	instance := s.OtelServiceInstanceID
	if instance == "" {
		instance, _ = os.Hostname()
	}
	attrs := []attribute.KeyValue{
		attribute.String("service.instance.id", instance),
		attribute.String("service.namespace", s.OtelServiceNamespace),
		attribute.Int("process.parent_pid", os.Getppid()),
	}
	if s.OtelServiceName != "" {
		attrs = append(attrs, attribute.String("service.name", s.OtelServiceName))
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		attrs = append(attrs, attribute.String("service.version", bi.Main.Version))
	}
	return resource.New(ctx,
		resource.WithAttributes(attribute.String("service.name", "flexfun-script")),
		resource.WithTelemetrySDK(),
		resource.WithOSType(), resource.WithOSDescription(),
		resource.WithProcessPID(), resource.WithProcessRuntimeName(),
		resource.WithProcessRuntimeVersion(), resource.WithProcessRuntimeDescription(),
		resource.WithFromEnv(),
		resource.WithAttributes(attrs...),
	)
}

// tracerOf returns the tracer of the binary's own spans (server_start), a
// no-op one when tracing is off.
func tracerOf(tp trace.TracerProvider) trace.Tracer {
	if tp == nil {
		return noop.NewTracerProvider().Tracer("")
	}
	return tp.Tracer("github.com/flexfun-script/flexfun-script/cmd/flexfun-script")
}

// shutdownTracing flushes the spans not yet exported and stops the
// exporter, waiting at most timeout.
func shutdownTracing(tp *sdktrace.TracerProvider, timeout time.Duration, logger *slog.Logger) {
	if tp == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := tp.Shutdown(ctx); err != nil {
		logger.Warn("otel_shutdown_failed", "error", err)
	}
}

// traceIDs is a slog.Handler that adds the trace id, span id and parent
// span id of the span in a record's context ([server] log_trace_keys
// renames them), as the Python server's log lines carry them when tracing
// is on. Ids are lower-case hex, 32 and 16 digits (W3C form).
type traceIDs struct {
	next slog.Handler
	keys map[string]string // trace_id, span_id, parent_span_id → log key
}

// withTraceIDs wraps next with traceIDs, the log keys renamed by rename.
func withTraceIDs(next slog.Handler, rename map[string]string) slog.Handler {
	keys := map[string]string{"trace_id": "trace_id", "span_id": "span_id", "parent_span_id": "parent_span_id"}
	for k, v := range rename {
		keys[k] = v
	}
	return &traceIDs{next: next, keys: keys}
}

func (h *traceIDs) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *traceIDs) Handle(ctx context.Context, r slog.Record) error {
	span := trace.SpanFromContext(ctx)
	if sc := span.SpanContext(); sc.IsValid() {
		r = r.Clone()
		r.AddAttrs(slog.String(h.keys["trace_id"], sc.TraceID().String()), slog.String(h.keys["span_id"], sc.SpanID().String()))
		if ro, ok := span.(sdktrace.ReadOnlySpan); ok && ro.Parent().IsValid() {
			r.AddAttrs(slog.String(h.keys["parent_span_id"], ro.Parent().SpanID().String()))
		}
	}
	return h.next.Handle(ctx, r)
}

func (h *traceIDs) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &traceIDs{next: h.next.WithAttrs(attrs), keys: h.keys}
}

func (h *traceIDs) WithGroup(name string) slog.Handler {
	return &traceIDs{next: h.next.WithGroup(name), keys: h.keys}
}
