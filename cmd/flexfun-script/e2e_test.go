package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/flexfun-script/flexfun-script/flightserver"
	"github.com/flexfun-script/flexfun-script/flightserver/flighttest"
	"github.com/flexfun-script/flexfun-script/internal/syncbuf"
)

// binary is the flexfun-script binary built once for the end-to-end tests.
var binary string

// buildFlags are extra "go build" flags for binary: -race when the tests
// run with the race detector (race_test.go).
var buildFlags []string

// raceBinary reports a binary built with -race, whose memory the race
// detector multiplies outside the Go runtime's accounting.
var raceBinary bool

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "flexfun-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "flexfun-script")
	build := exec.Command("go", append(append([]string{"build"}, buildFlags...), "-o", binary, ".")...)
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building the binary:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// server is a running flexfun-script process.
type server struct {
	cmd    *exec.Cmd
	addr   string
	stderr *syncbuf.Buffer
	done   chan error
}

// startServer runs "flexfun-script start --listen 127.0.0.1:0 args..." and
// waits until it logs server_started.
func startServer(t testing.TB, env []string, args ...string) *server {
	t.Helper()
	return startServerIn(t, "", env, args...)
}

// startServerIn is startServer with the working directory dir.
func startServerIn(t testing.TB, dir string, env []string, args ...string) *server {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"start", "--listen", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Dir = dir
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, stderr: new(syncbuf.Buffer), done: make(chan error, 1)}
	started := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			line := sc.Text()
			s.stderr.Write([]byte(line + "\n"))
			if addr, ok := startedAddr(line); ok {
				started <- addr
			}
		}
		s.done <- cmd.Wait()
	}()
	select {
	case s.addr = <-started:
	case err := <-s.done:
		t.Fatalf("server exited before serving (%v):\n%s", err, s.stderr.String())
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("server did not start:\n%s", s.stderr.String())
	}
	t.Cleanup(func() { s.stop(t) })
	return s
}

// startedAddr finds the listen address in a server_started log line, JSON
// or text (--dev-log).
func startedAddr(line string) (string, bool) {
	var ev map[string]any // the event name's key is log_event_key_name ("event")
	if json.Unmarshal([]byte(line), &ev) == nil {
		for k, v := range ev {
			if v == "server_started" && k != "listen" {
				addr, _ := ev["listen"].(string)
				return addr, addr != ""
			}
		}
		return "", false
	}
	if !strings.Contains(line, "msg=server_started") {
		return "", false
	}
	for _, field := range strings.Fields(line) {
		if addr, ok := strings.CutPrefix(field, "listen="); ok {
			return addr, true
		}
	}
	return "", false
}

// stop sends SIGTERM and expects a clean exit.
func (s *server) stop(t testing.TB) {
	if s.cmd.ProcessState != nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		if err != nil {
			t.Errorf("server exited with %v after SIGTERM:\n%s", err, s.stderr.String())
		}
	case <-time.After(20 * time.Second):
		s.cmd.Process.Kill()
		t.Errorf("server did not stop after SIGTERM")
	}
}

func newClient(t *testing.T, addr string) flight.Client {
	t.Helper()
	c, err := flight.NewClientWithMiddleware(addr, nil, nil, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// listFlights returns descriptor command → schema for every flight.
func listFlights(t *testing.T, c flight.Client) (map[string]*arrow.Schema, []string) {
	t.Helper()
	stream, err := c.ListFlights(ctxT(t), &flight.Criteria{})
	if err != nil {
		t.Fatal(err)
	}
	schemas := map[string]*arrow.Schema{}
	var cmds []string
	for {
		info, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return schemas, cmds
		}
		if err != nil {
			t.Fatal(err)
		}
		s, err := flight.DeserializeSchema(info.Schema, nil)
		if err != nil {
			t.Fatal(err)
		}
		var d struct{ FunctionName string }
		if err := json.Unmarshal(info.FlightDescriptor.Cmd, &d); err != nil {
			t.Fatal(err)
		}
		schemas[d.FunctionName] = s
		cmds = append(cmds, string(info.FlightDescriptor.Cmd))
	}
}

// invoke calls GetFlightInfo with cmd and reads the endpoint's data.
func invoke(t *testing.T, c flight.Client, cmd string) (*flight.FlightInfo, []arrow.RecordBatch, error) {
	t.Helper()
	info, err := c.GetFlightInfo(ctxT(t), &flight.FlightDescriptor{Type: flight.DescriptorCMD, Cmd: []byte(cmd)})
	if err != nil {
		return nil, nil, err
	}
	recs, err := doGet(t, c, info.Endpoint[0].Ticket)
	return info, recs, err
}

func doGet(t *testing.T, c flight.Client, tkt *flight.Ticket) ([]arrow.RecordBatch, error) {
	t.Helper()
	stream, err := c.DoGet(ctxT(t), tkt)
	if err != nil {
		return nil, err
	}
	rdr, err := flight.NewRecordReader(stream)
	if err != nil {
		return nil, err
	}
	defer rdr.Release()
	var recs []arrow.RecordBatch
	for rdr.Next() {
		rec := rdr.RecordBatch()
		rec.Retain()
		recs = append(recs, rec)
		t.Cleanup(rec.Release)
	}
	return recs, rdr.Err()
}

func numRows(recs []arrow.RecordBatch) int64 {
	var n int64
	for _, r := range recs {
		n += r.NumRows()
	}
	return n
}

// cell returns the value of column name in row i of the concatenated batches.
func cell(t *testing.T, recs []arrow.RecordBatch, name string, i int) any {
	t.Helper()
	for _, r := range recs {
		if i < int(r.NumRows()) {
			idx := r.Schema().FieldIndices(name)
			if len(idx) == 0 {
				t.Fatalf("no column %q", name)
			}
			return r.Column(idx[0]).GetOneForMarshal(i)
		}
		i -= int(r.NumRows())
	}
	t.Fatalf("row out of range")
	return nil
}

// TestE2EBundledExamples calls every bundled example, in both languages,
// through the binary serving its embedded examples.
func TestE2EBundledExamples(t *testing.T) {
	s := startServer(t, nil)
	c := newClient(t, s.addr)
	schemas, cmds := listFlights(t, c)
	// Every example has a JavaScript twin named with a Js suffix that
	// returns the same data.
	for _, lang := range []struct{ name, suffix, description string }{
		{"starlark", "", "Six static rows, like GoodData's template"},
		{"javascript", "Js", "Six static rows, like GoodData's template (JavaScript)"},
	} {
		t.Run(lang.name, func(t *testing.T) {
			ex := bundledExamples{c: c, addr: s.addr, suffix: lang.suffix}
			ex.listed(t, schemas, cmds, lang.description)
			t.Run("sample", ex.sample)
			t.Run("parameters and columns hint", ex.generator)
			t.Run("helper module", ex.regions)
			t.Run("every column type", ex.allTypes)
		})
	}
	t.Run("result larger than 4 MiB with default client limits", func(t *testing.T) {
		_, recs, err := invoke(t, c, `{"functionName":"Generator","parameters":{"rows":300000}}`)
		if err != nil {
			t.Fatal(err)
		}
		if numRows(recs) != 300000 {
			t.Fatalf("%d rows", numRows(recs))
		}
		var bytes int64
		for _, r := range recs {
			for _, col := range r.Columns() {
				for _, b := range col.Data().Buffers() {
					if b != nil {
						bytes += int64(b.Len())
					}
				}
			}
		}
		if bytes < 4<<20 {
			t.Errorf("result is only %d bytes; the test needs more than 4 MiB", bytes)
		}
		if len(recs) < 2 {
			t.Errorf("%d batches", len(recs))
		}
	})
}

// bundledExamples checks the bundled examples of one language, whose
// function names end in suffix.
type bundledExamples struct {
	c      flight.Client
	addr   string
	suffix string
}

// listed checks that ListFlights has every example, and the sample's
// descriptor with its metadata.
func (ex bundledExamples) listed(t *testing.T, schemas map[string]*arrow.Schema, cmds []string, description string) {
	for _, name := range []string{"SampleFlexFunction", "Generator", "Regions", "Settings", "AllTypes"} {
		if schemas[name+ex.suffix] == nil {
			t.Errorf("ListFlights lacks %s; got %v", name+ex.suffix, cmds)
		}
	}
	want := `{"functionName":"SampleFlexFunction` + ex.suffix + `","metadata":{"description":"` + description + `"}}`
	if !slices.Contains(cmds, want) {
		t.Errorf("no descriptor equals %s; got %v", want, cmds)
	}
}

func (ex bundledExamples) sample(t *testing.T) {
	cmd := `{"functionName":"SampleFlexFunction` + ex.suffix + `","parameters":{}}`
	info, recs, err := invoke(t, ex.c, cmd)
	if err != nil {
		t.Fatal(err)
	}
	if numRows(recs) != 6 {
		t.Fatalf("%d rows, want 6", numRows(recs))
	}
	if cell(t, recs, "attribute1", 1) != "id2" || cell(t, recs, "fact1", 0) != 123.456 || cell(t, recs, "fact3", 5) != int64(666) || cell(t, recs, "attribute3", 2) != false {
		t.Errorf("unexpected values")
	}
	if string(info.FlightDescriptor.Cmd) != cmd {
		t.Errorf("descriptor not echoed: %s", info.FlightDescriptor.Cmd)
	}
	var tkt struct {
		TaskID string `json:"task_id"`
	}
	if err := json.Unmarshal(info.Endpoint[0].Ticket.Ticket, &tkt); err != nil || len(tkt.TaskID) != 32 {
		t.Errorf("ticket %s", info.Endpoint[0].Ticket.Ticket)
	}
	if loc := info.Endpoint[0].Location[0].Uri; loc != "grpc://127.0.0.1:"+strings.Split(ex.addr, ":")[1] {
		t.Errorf("location %s, server at %s", loc, ex.addr)
	}
	// Results are multi-use until they expire.
	again, err := doGet(t, ex.c, info.Endpoint[0].Ticket)
	if err != nil || numRows(again) != 6 {
		t.Errorf("second DoGet: %d rows, %v", numRows(again), err)
	}
}

func (ex bundledExamples) generator(t *testing.T) {
	info, recs, err := invoke(t, ex.c, `{"functionName":"Generator`+ex.suffix+`","parameters":{"rows":1000,"start":5,"columns":["day","id"]}}`)
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
}

func (ex bundledExamples) regions(t *testing.T) {
	_, recs, err := invoke(t, ex.c, `{"functionName":"Regions`+ex.suffix+`","parameters":{"net_cents":19999}}`)
	if err != nil {
		t.Fatal(err)
	}
	if numRows(recs) != 3 || cell(t, recs, "code", 1) != "EU" || cell(t, recs, "gross", 1) != "241.98" || cell(t, recs, "gross", 2) != "199.99" {
		t.Errorf("got %d rows: %v %v %v", numRows(recs), cell(t, recs, "code", 1), cell(t, recs, "gross", 1), cell(t, recs, "gross", 2))
	}
}

func (ex bundledExamples) allTypes(t *testing.T) {
	_, recs, err := invoke(t, ex.c, `{"functionName":"AllTypes`+ex.suffix+`"}`)
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
		t.Errorf("ts_us[0] = %d, want 2024-01-02T00:00:00Z in µs", got)
	}
	if got := col("ts_us").Value(1); int64(got) != 1719748800000000 {
		t.Errorf("ts_us[1] = %d", got)
	}
	if got := col("ts_ns").Value(1); int64(got) != 1719748800000000000 {
		t.Errorf("ts_ns[1] = %d", got)
	}
	field, _ := recs[0].Schema().FieldsByName("tagged")
	if v, _ := field[0].Metadata.GetValue("gooddata.label"); v != "Tag" || field[0].Nullable {
		t.Errorf("tagged field: %v", field[0])
	}
}

// wireError decodes a Flight error as GoodData's clients do.
func wireError(t *testing.T, err error, md metadata.MD) (codes.Code, string, *flightserver.ErrorInfo) {
	t.Helper()
	if err == nil {
		t.Fatal("call succeeded, want an error")
	}
	st, _ := status.FromError(err)
	info, ok := flighttest.ErrorInfoFromTrailer(md)
	if !ok {
		t.Fatalf("no ErrorInfo in trailers %v (error %v)", md, err)
	}
	if md.Get("x-arrow-status") == nil {
		t.Errorf("no x-arrow-status trailer")
	}
	return st.Code(), st.Message(), info
}

func TestE2EErrors(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "broken.star", "schema = {\"a\": \"int64\"}\ndef call(p):\n    if p.get(\"crash\"):\n        fail(\"asked to crash\")\n    emit(2.5)\n")
	write(t, dir, "loop.star", "schema = {\"a\": \"int64\"}\ndef cancel():\n    print(\"cancel hook ran\")\ndef call():\n    while True:\n        pass\n")
	s := startServer(t, []string{`GOODDATA_FLIGHT_FLEXFUN__FUNCTIONS=["` + dir + `"]`, "GOODDATA_FLIGHT_FLEXFUN__CALL_DEADLINE_MS=300"})
	c := newClient(t, s.addr)

	t.Run("deadline interrupts a runaway script", func(t *testing.T) {
		var md metadata.MD
		start := time.Now()
		_, err := c.GetFlightInfo(ctxT(t), &flight.FlightDescriptor{Type: flight.DescriptorCMD, Cmd: []byte(`{"functionName":"loop"}`)}, grpc.Trailer(&md))
		code, msg, info := wireError(t, err, md)
		if code != codes.DeadlineExceeded || info.Code != flightserver.CodeTimeout || !strings.HasPrefix(info.Msg, "GetFlightInfo timed out while waiting for task ") {
			t.Errorf("got %v %v %q", code, info.Code, info.Msg)
		}
		if !strings.HasSuffix(msg, ". Detail: TimedOut") {
			t.Errorf("gRPC message %q", msg)
		}
		if time.Since(start) > 10*time.Second {
			t.Errorf("timed out only after %v", time.Since(start))
		}
		deadline := time.Now().Add(5 * time.Second)
		for !strings.Contains(s.stderr.String(), "cancel hook ran") && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if !strings.Contains(s.stderr.String(), "cancel hook ran") {
			t.Errorf("the script's cancel() did not run:\n%s", s.stderr.String())
		}
	})

	getInfo := []struct {
		name, cmd string
		code      codes.Code
		info      flightserver.Code
		msg       string
	}{
		{"not JSON", `{nope`, codes.Unknown, flightserver.CodeBadArgument,
			"Incorrect FlexConnect function invocation. The invocation payload is not a valid JSON."},
		{"no functionName", `{"parameters":{}}`, codes.Unknown, flightserver.CodeBadArgument,
			"Incorrect FlexConnect function invocation. The invocation payload does not specify 'functionName'."},
		{"unknown function", `{"functionName":"Nope"}`, codes.Unknown, flightserver.CodeBadArgument,
			"Unsupported FlexConnect function 'Nope'."},
		{"script fails", `{"functionName":"broken","parameters":{"crash":true}}`, codes.Unknown, flightserver.CodeCommandFailed,
			"There was an error while running task: " + filepath.Join(dir, "broken.star") + ":4:13: fail: asked to crash"},
		{"value does not fit", `{"functionName":"broken"}`, codes.Unknown, flightserver.CodeCommandFailed,
			`broken.star:5:9: emit: row 1, column "a" (int64): got float 2.5`},
		{"unknown column in hint", `{"functionName":"broken","parameters":{"columns":["zz"]}}`, codes.Unknown, flightserver.CodeBadArgument,
			`column "zz"`},
	}
	for _, tc := range getInfo {
		t.Run(tc.name, func(t *testing.T) {
			var md metadata.MD
			_, err := c.GetFlightInfo(ctxT(t), &flight.FlightDescriptor{Type: flight.DescriptorCMD, Cmd: []byte(tc.cmd)}, grpc.Trailer(&md))
			code, msg, info := wireError(t, err, md)
			if code != tc.code || info.Code != tc.info {
				t.Errorf("got %v / %v, want %v / %v", code, info.Code, tc.code, tc.info)
			}
			if !strings.Contains(info.Msg, tc.msg) {
				t.Errorf("ErrorInfo msg %q\nwant it to contain %q", info.Msg, tc.msg)
			}
			if !strings.HasSuffix(msg, ". Detail: Failed") {
				t.Errorf("gRPC message %q lacks the Arrow detail suffix", msg)
			}
			if tc.info == flightserver.CodeCommandFailed && tc.name == "script fails" && !strings.Contains(info.Detail, "Traceback") {
				t.Errorf("detail %q lacks the Starlark backtrace", info.Detail)
			}
		})
	}

	tickets := []struct {
		name, ticket string
		info         flightserver.Code
		msg          string
	}{
		{"ticket not JSON", `nope`, flightserver.CodeBadArgument, "Incorrect ticket payload. The ticket payload is not a valid JSON."},
		{"ticket without task_id", `{"x":1}`, flightserver.CodeBadArgument, "Incorrect ticket payload. The ticket payload does not specify 'task_id'."},
		{"unknown task", `{"task_id":"0123456789abcdef0123456789abcdef"}`, flightserver.CodeInvalidTicket,
			"Unable to serve data for task '0123456789abcdef0123456789abcdef'. The task result is not present."},
	}
	for _, tc := range tickets {
		t.Run(tc.name, func(t *testing.T) {
			stream, err := c.DoGet(ctxT(t), &flight.Ticket{Ticket: []byte(tc.ticket)})
			if err != nil {
				t.Fatal(err)
			}
			_, err = stream.Recv()
			code, _, info := wireError(t, err, stream.Trailer())
			if code != codes.Unknown || info.Code != tc.info || info.Msg != tc.msg {
				t.Errorf("got %v %v %q, want Unknown %v %q", code, info.Code, info.Msg, tc.info, tc.msg)
			}
		})
	}
}

func write(t testing.TB, dir, name, src string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestE2EConfigFilesAndSettings(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	// The Python server's invocation, unchanged, run from the repository root.
	s := startServerIn(t, root, []string{`GOODDATA_FLIGHT_EXAMPLE_SETTINGS__GREETING="from env"`},
		"--methods-provider", "gooddata_flexfun", "--config",
		"config/dev.server.toml", "config/flexfun.config.toml",
		"--logging-config", "config/default.logging.ini", "--dev-log")
	c := newClient(t, s.addr)
	_, recs, err := invoke(t, c, `{"functionName":"Settings"}`)
	if err != nil {
		t.Fatal(err)
	}
	if got := cell(t, recs, "greeting", 0); got != "from env" {
		t.Errorf("greeting %q, want the environment override", got)
	}
	if !strings.Contains(s.stderr.String(), "logging_config_ignored") {
		t.Errorf("no note that --logging-config is ignored:\n%s", s.stderr.String())
	}
}

func TestE2EStartupFailures(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "ok.star", "schema = {\"a\": \"int64\"}\ndef call(): pass\n")
	write(t, dir, "syntax.star", "schema = {\"a\": \"int64\"}\ndef call(:\n")
	write(t, dir, "onload.star", "schema = {\"a\": \"int64\"}\ndef on_load(ctx):\n    fail(\"no key\")\ndef call(): pass\n")
	runaway := t.TempDir()
	write(t, runaway, "loop.star", "schema = {\"a\": \"int64\"}\nwhile True:\n    pass\ndef call(): pass\n")
	write(t, runaway, "loop.js", "const schema = {a: \"int64\"};\nfor (;;) {}\nfunction call() {}\n")
	cases := []struct {
		name string
		env  []string
		args []string
		want []string
	}{
		{"broken scripts", []string{`GOODDATA_FLIGHT_FLEXFUN__FUNCTIONS=["` + dir + `"]`}, nil,
			[]string{"syntax.star:2:11: got ':', want ')'", "onload.star:3:9: fail: no key"}},
		{"bad config value", []string{"GOODDATA_FLIGHT_SERVER__LISTEN_PORT=abc"}, nil,
			[]string{"GOODDATA_FLIGHT_SERVER__LISTEN_PORT", "listen_port"}},
		{"runaway top levels", []string{`GOODDATA_FLIGHT_FLEXFUN__FUNCTIONS=["` + runaway + `"]`, "GOODDATA_FLIGHT_FLEXFUN__LOAD_TIMEOUT_MS=300"}, nil,
			[]string{"loop.star: the top level did not finish within the load timeout of 300ms ([flexfun] load_timeout_ms)",
				"loop.js: the top level did not finish within the load timeout of 300ms"}},
		{"methods provider", nil, []string{"--methods-provider", "my_module"}, []string{`"my_module" is not supported`}},
		{"missing config file", nil, []string{"--config", "nope.toml"}, []string{"nope.toml"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(binary, append([]string{"start", "--listen", "127.0.0.1:0"}, tc.args...)...)
			cmd.Env = append(os.Environ(), tc.env...)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 1 {
				t.Fatalf("exit %v, want 1; output:\n%s", err, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}
