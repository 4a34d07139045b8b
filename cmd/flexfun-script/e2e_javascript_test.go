package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"

	"github.com/flexfun-script/flexfun-script/flightserver"
)

// TestE2EJavaScriptExamples serves the bundled examples and reads the
// JavaScript ones over Flight, as GoodData does.
func TestE2EJavaScriptExamples(t *testing.T) {
	s := startServer(t, nil)
	c := newClient(t, s.addr)

	schemas, cmds := listFlights(t, c)
	for _, name := range []string{"SampleFlexFunctionJs", "GeneratorJs", "RegionsJs", "SettingsJs", "AllTypesJs", "SampleFlexFunction"} {
		if schemas[name] == nil {
			t.Errorf("ListFlights lacks %s; got %v", name, cmds)
		}
	}
	want := `{"functionName":"SampleFlexFunctionJs","metadata":{"description":"Six static rows, like GoodData's template (JavaScript)"}}`
	found := false
	for _, cmd := range cmds {
		found = found || cmd == want
	}
	if !found {
		t.Errorf("no descriptor equals %s; got %v", want, cmds)
	}

	t.Run("sample", func(t *testing.T) {
		_, recs, err := invoke(t, c, `{"functionName":"SampleFlexFunctionJs","parameters":{}}`)
		if err != nil {
			t.Fatal(err)
		}
		if numRows(recs) != 6 {
			t.Fatalf("%d rows, want 6", numRows(recs))
		}
		if cell(t, recs, "attribute1", 1) != "id2" || cell(t, recs, "fact1", 0) != 123.456 || cell(t, recs, "fact3", 5) != int64(666) || cell(t, recs, "attribute3", 2) != false {
			t.Errorf("unexpected values")
		}
	})

	t.Run("parameters and columns hint", func(t *testing.T) {
		info, recs, err := invoke(t, c, `{"functionName":"GeneratorJs","parameters":{"rows":1000,"start":5,"columns":["day","id"]}}`)
		if err != nil {
			t.Fatal(err)
		}
		sch, err := flight.DeserializeSchema(info.Schema, nil)
		if err != nil {
			t.Fatal(err)
		}
		if sch.NumFields() != 2 || sch.Field(0).Name != "id" || sch.Field(1).Name != "day" {
			t.Errorf("FlightInfo schema %v, want id, day", sch)
		}
		if numRows(recs) != 1000 || recs[0].NumCols() != 2 {
			t.Fatalf("%d rows, %d columns", numRows(recs), recs[0].NumCols())
		}
		if cell(t, recs, "id", 0) != int64(5) || cell(t, recs, "id", 999) != int64(1004) || cell(t, recs, "day", 0) != "2022-01-13" {
			t.Errorf("ids %v..%v, day %v", cell(t, recs, "id", 0), cell(t, recs, "id", 999), cell(t, recs, "day", 0))
		}
	})

	t.Run("helper through require", func(t *testing.T) {
		_, recs, err := invoke(t, c, `{"functionName":"RegionsJs","parameters":{"net_cents":19999}}`)
		if err != nil {
			t.Fatal(err)
		}
		if numRows(recs) != 3 || cell(t, recs, "code", 1) != "EU" || cell(t, recs, "gross", 1) != "241.98" || cell(t, recs, "gross", 2) != "199.99" {
			t.Errorf("got %d rows: %v %v %v", numRows(recs), cell(t, recs, "code", 1), cell(t, recs, "gross", 1), cell(t, recs, "gross", 2))
		}
	})

	t.Run("every column type", func(t *testing.T) {
		_, recs, err := invoke(t, c, `{"functionName":"AllTypesJs"}`)
		if err != nil {
			t.Fatal(err)
		}
		if numRows(recs) != 3 {
			t.Fatalf("%d rows", numRows(recs))
		}
		checks := []struct {
			col  string
			row  int
			want any
		}{
			{"b", 0, true}, {"b", 1, false}, {"i8", 0, int8(-128)}, {"i16", 1, int16(32767)}, {"i32", 0, int32(-2147483648)},
			{"i64", 0, int64(-9223372036854775808)}, {"i64", 1, int64(9223372036854775807)}, {"u8", 0, uint8(255)},
			{"u16", 0, uint16(65535)}, {"u32", 0, uint32(4294967295)}, {"u64", 0, uint64(18446744073709551615)},
			{"f32", 0, float32(1.5)}, {"f32", 1, float32(3)}, {"f64", 1, -0.5}, {"s", 1, "ünïcødé"}, {"ls", 0, "large text"},
			{"bin", 0, []byte("\x00\x01bytes")}, {"bin", 1, []byte("text as bytes")},
			{"d", 0, "2024-02-29"}, {"d", 1, "2024-02-29"},
			{"ts_s", 0, "2024-01-02T03:04:05"}, {"ts_ms", 0, "2024-01-02T03:04:05.123"}, {"ts_s", 1, "2024-06-30T12:00:00"},
			{"dec", 0, "12345.678"}, {"dec", 1, "-1"}, {"tagged", 2, "only two columns set; the rest are null"},
			{"s", 2, nil}, {"i64", 2, int64(0)},
		}
		for _, ch := range checks {
			got := cell(t, recs, ch.col, ch.row)
			if fmt.Sprint(got) != fmt.Sprint(ch.want) {
				t.Errorf("%s[%d] = %v (%T), want %v", ch.col, ch.row, got, got, ch.want)
			}
		}
		col := func(name string) *array.Timestamp {
			return recs[0].Column(recs[0].Schema().FieldIndices(name)[0]).(*array.Timestamp)
		}
		if got := col("ts_us").Value(0); int64(got) != 1704153600000000 {
			t.Errorf("ts_us[0] = %d, want 2024-01-02T00:00:00Z in µs (a Date)", got)
		}
		if got := col("ts_us").Value(1); int64(got) != 1719748800000000 {
			t.Errorf("ts_us[1] = %d", got)
		}
		if got := col("ts_ns").Value(1); int64(got) != 1719748800000000000 {
			t.Errorf("ts_ns[1] = %d (a BigInt)", got)
		}
		field, _ := recs[0].Schema().FieldsByName("tagged")
		if v, _ := field[0].Metadata.GetValue("gooddata.label"); v != "Tag" || field[0].Nullable {
			t.Errorf("tagged field: %v", field[0])
		}
	})
}

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
