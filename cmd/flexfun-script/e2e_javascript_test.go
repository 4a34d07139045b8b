package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"

	"github.com/flexfun-script/flexfun-script/flightserver"
)

// TestE2EJavaScriptSettings reads the JavaScript twin of the settings
// example with the repository's configuration files.
func TestE2EJavaScriptSettings(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	s := startServerIn(t, root, []string{`GOODDATA_FLIGHT_EXAMPLE_SETTINGS__GREETING="from env"`},
		"--config", "config/dev.server.toml", "config/flexfun.config.toml", "--dev-log")
	c := newClient(t, s.addr)
	_, recs, err := invoke(t, c, `{"functionName":"SettingsJs"}`)
	if err != nil {
		t.Fatal(err)
	}
	if got := cell(t, recs, "greeting", 0); got != "from env" {
		t.Errorf("greeting %q, want the environment override", got)
	}
	if !strings.Contains(s.stderr.String(), `msg=greeting`) || !strings.Contains(s.stderr.String(), `function=SettingsJs`) {
		t.Errorf("no log.info event from the script:\n%s", s.stderr.String())
	}
}

// TestE2EJavaScriptErrors: a JavaScript error reaches the client as
// COMMAND_FAILED with file and line, a runaway loop as TIMEOUT.
func TestE2EJavaScriptErrors(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "broken.js", "const schema = {a: \"int64\"};\nfunction call(p) {\n  if (p.crash) {\n    throw new Error(\"asked to crash\");\n  }\n  emit(2.5);\n}\n")
	write(t, dir, "loop.js", "const schema = {a: \"int64\"};\nfunction cancel() {\n  print(\"js cancel hook ran\");\n}\nfunction call() {\n  let n = 0;\n  while (true) { n++; }\n}\n")
	s := startServer(t, []string{`GOODDATA_FLIGHT_FLEXFUN__FUNCTIONS=["` + dir + `"]`, "GOODDATA_FLIGHT_FLEXFUN__CALL_DEADLINE_MS=300"})
	c := newClient(t, s.addr)

	t.Run("a thrown error is COMMAND_FAILED with file, line and stack", func(t *testing.T) {
		var md metadata.MD
		_, err := c.GetFlightInfo(ctxT(t), &flight.FlightDescriptor{Type: flight.DescriptorCMD, Cmd: []byte(`{"functionName":"broken","parameters":{"crash":true}}`)}, grpc.Trailer(&md))
		code, msg, info := wireError(t, err, md)
		want := "There was an error while running task: " + filepath.Join(dir, "broken.js") + ":4:11: Error: asked to crash"
		if code != codes.Unknown || info.Code != flightserver.CodeCommandFailed || !strings.Contains(info.Msg, want) {
			t.Errorf("got %v %v %q\nwant COMMAND_FAILED %q", code, info.Code, info.Msg, want)
		}
		if !strings.Contains(info.Detail, "at call ("+filepath.Join(dir, "broken.js")+":4:11)") {
			t.Errorf("detail %q lacks the JavaScript stack", info.Detail)
		}
		if !strings.HasSuffix(msg, ". Detail: Failed") {
			t.Errorf("gRPC message %q", msg)
		}
	})

	t.Run("a value that does not fit", func(t *testing.T) {
		var md metadata.MD
		_, err := c.GetFlightInfo(ctxT(t), &flight.FlightDescriptor{Type: flight.DescriptorCMD, Cmd: []byte(`{"functionName":"broken"}`)}, grpc.Trailer(&md))
		_, _, info := wireError(t, err, md)
		if want := `broken.js:6:7: emit: row 1, column "a" (int64): got number 2.5: not a whole number`; info.Code != flightserver.CodeCommandFailed || !strings.Contains(info.Msg, want) {
			t.Errorf("got %v %q, want COMMAND_FAILED %q", info.Code, info.Msg, want)
		}
	})

	t.Run("the deadline interrupts a runaway loop", func(t *testing.T) {
		var md metadata.MD
		start := time.Now()
		_, err := c.GetFlightInfo(ctxT(t), &flight.FlightDescriptor{Type: flight.DescriptorCMD, Cmd: []byte(`{"functionName":"loop"}`)}, grpc.Trailer(&md))
		code, _, info := wireError(t, err, md)
		if code != codes.DeadlineExceeded || info.Code != flightserver.CodeTimeout {
			t.Errorf("got %v %v %q, want TIMEOUT", code, info.Code, info.Msg)
		}
		if time.Since(start) > 10*time.Second {
			t.Errorf("timed out only after %v", time.Since(start))
		}
		deadline := time.Now().Add(5 * time.Second)
		for !strings.Contains(s.stderr.String(), "js cancel hook ran") && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if !strings.Contains(s.stderr.String(), "js cancel hook ran") {
			t.Errorf("the script's cancel() did not run:\n%s", s.stderr.String())
		}
		// The worker is free again: the function still answers.
		var md2 metadata.MD
		_, err = c.GetFlightInfo(ctxT(t), &flight.FlightDescriptor{Type: flight.DescriptorCMD, Cmd: []byte(`{"functionName":"broken"}`)}, grpc.Trailer(&md2))
		if _, _, info := wireError(t, err, md2); info.Code != flightserver.CodeCommandFailed {
			t.Errorf("after the timeout: %v %q", info.Code, info.Msg)
		}
	})
}
