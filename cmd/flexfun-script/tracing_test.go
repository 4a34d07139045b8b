package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/flexfun-script/flexfun-script/settings"
)

func tracingConfig(t *testing.T, env ...string) *settings.Config {
	t.Helper()
	cfg, err := settings.Load(nil, env)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestTracerProviderNone(t *testing.T) {
	tp, err := newTracerProvider(context.Background(), tracingConfig(t), io.Discard, slog.Default())
	if tp != nil || err != nil {
		t.Fatalf("none: %v, %v; want no provider", tp, err)
	}
}

// TestTracerProviderConsole: "console" writes each span as JSON to the
// writer it is given (stdout in the binary), with the configured resource.
func TestTracerProviderConsole(t *testing.T) {
	var out bytes.Buffer
	cfg := tracingConfig(t, "GOODDATA_FLIGHT_SERVER__OTEL_EXPORTER_TYPE=console",
		"GOODDATA_FLIGHT_SERVER__OTEL_SERVICE_NAME=console-test", "GOODDATA_FLIGHT_SERVER__OTEL_SERVICE_INSTANCE_ID=i-1")
	tp, err := newTracerProvider(context.Background(), cfg, &out, slog.Default())
	if err != nil || tp == nil {
		t.Fatalf("console: %v, %v", tp, err)
	}
	_, span := tp.Tracer("test").Start(context.Background(), "GET_FLIGHT_INFO")
	span.End()
	shutdownTracing(tp, tracingShutdownTimeout, slog.Default())
	for _, want := range []string{`"Name":"GET_FLIGHT_INFO"`, `"Value":"console-test"`, `"Value":"i-1"`, `"Key":"process.parent_pid"`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("console output lacks %s:\n%.500s", want, out.String())
		}
	}
}

// TestTracerProviderZipkin: zipkin is a start-up error that says why and
// what to use instead.
func TestTracerProviderZipkin(t *testing.T) {
	cfg := tracingConfig(t, "GOODDATA_FLIGHT_SERVER__OTEL_EXPORTER_TYPE=zipkin")
	_, err := newTracerProvider(context.Background(), cfg, io.Discard, slog.Default())
	if err == nil {
		t.Fatal("zipkin accepted")
	}
	for _, want := range []string{"environment GOODDATA_FLIGHT_SERVER__OTEL_EXPORTER_TYPE: [server] otel_exporter_type:", `"zipkin" is not supported`, "otlp-http"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}
