package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// procStatus returns a field of /proc/<pid>/status in bytes, e.g. VmHWM
// (the peak resident set) or VmRSS.
func procStatus(t testing.TB, pid int, field string) int64 {
	t.Helper()
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("%s: %q", field, line)
			}
			return kb << 10
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// rawCodec sends already encoded messages without copying them.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error)      { return *v.(*[]byte), nil }
func (rawCodec) Unmarshal(data []byte, v any) error { *v.(*[]byte) = bytes.Clone(data); return nil }
func (rawCodec) Name() string                       { return "proto" }

var tokenEnv = []string{
	"GOODDATA_FLIGHT_SERVER__AUTHENTICATION_METHOD=token",
	`GOODDATA_FLIGHT_ENUMERATED_TOKENS__TOKENS=["e2e-token"]`,
}

// TestE2EPreAuthMemory replays the attack of issue 13 on the binary: large
// GetFlightInfo calls without a token. With the default max_request_bytes
// (4 MiB) each is refused with RESOURCE_EXHAUSTED from its length prefix,
// and the server's peak resident set does not grow by a message's size.
func TestE2EPreAuthMemory(t *testing.T) {
	s := startServer(t, tokenEnv)
	c := newClient(t, s.addr)
	ctx := metadata.AppendToOutgoingContext(ctxT(t), "authorization", "Bearer e2e-token")
	if _, _, err := invoke(t, c, `{"functionName":"Sample","parameters":{}}`); status.Code(err) != codes.Unauthenticated {
		t.Fatalf("a call without a token: %v", err)
	}
	listFlightsCtx(t, ctx, c) // warm up
	pid := s.cmd.Process.Pid
	peak := procStatus(t, pid, "VmHWM")

	const size, calls = 128 << 20, 3
	msg, err := proto.Marshal(&flight.FlightDescriptor{Type: flight.DescriptorCMD, Cmd: make([]byte, size)})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := grpc.NewClient(s.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for range calls {
		var reply []byte
		err := conn.Invoke(ctxT(t), "/arrow.flight.protocol.FlightService/GetFlightInfo", &msg, &reply, grpc.ForceCodec(rawCodec{}))
		if st, _ := status.FromError(err); st.Code() != codes.ResourceExhausted || !strings.Contains(st.Message(), "larger than max") {
			t.Fatalf("a %d MiB call without a token: %v", size>>20, err)
		}
	}
	grew := procStatus(t, pid, "VmHWM") - peak
	t.Logf("peak RSS %d MiB before, +%d KiB after %d calls of %d MiB", peak>>20, grew>>10, calls, size>>20)
	if grew > 32<<20 {
		t.Fatalf("peak RSS grew by %d MiB", grew>>20)
	}
	listFlightsCtx(t, ctx, c) // still serving
}

func listFlightsCtx(t *testing.T, ctx context.Context, c flight.Client) {
	t.Helper()
	stream, err := c.ListFlights(ctx, &flight.Criteria{})
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := stream.Recv(); err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatal(err)
			}
			return
		}
	}
}

// TestE2EClientValuesClippedInLogs: with max_request_bytes raised to let
// them in, a 20 MB ticket and a 10 MB function name give log lines of a
// few hundred bytes; so does a script that prints a 3 MB parameter
// (the binary's log handler clips every value).
func TestE2EClientValuesClippedInLogs(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "echo.star", `name = "Echo"
schema = {"n": "int64"}

def call(parameters):
    print(parameters["text"])
    emit(1)
`)
	s := startServer(t, []string{"GOODDATA_FLIGHT_SERVER__MAX_REQUEST_BYTES=32MiB", `GOODDATA_FLIGHT_FLEXFUN__FUNCTIONS=["` + dir + `"]`})
	c := newClient(t, s.addr)
	if _, _, err := invoke(t, c, `{"functionName":"`+strings.Repeat("n", 10<<20)+`"}`); status.Code(err) != codes.Unknown {
		t.Fatalf("unknown function: %v", err)
	}
	if _, err := doGet(t, c, &flight.Ticket{Ticket: []byte(`{"task_id":"` + strings.Repeat("t", 20<<20) + `"}`)}); status.Code(err) != codes.Unknown {
		t.Fatalf("unknown task: %v", err)
	}
	if _, _, err := invoke(t, c, `{"functionName":"Echo","parameters":{"text":"`+strings.Repeat("p", 3<<20)+`"}}`); err != nil {
		t.Fatalf("Echo: %v", err)
	}
	waitFor(t, s, `"do_get"`)
	for _, event := range []string{"get_flight_info_failed", "do_get_failed", `"print"`} {
		if !strings.Contains(s.stderr.String(), event) {
			t.Errorf("no %s in the log", event)
		}
	}
	for line := range strings.SplitSeq(s.stderr.String(), "\n") {
		if len(line) > 20<<10 {
			t.Errorf("log line of %d bytes: %.200s", len(line), line)
		}
	}
}

// BenchmarkUnverifiedFlood measures what calls without a token cost the
// binary when many arrive at once: 200 clients over 20 connections send
// GetFlightInfo calls whose command is just under the default 4 MiB
// max_request_bytes. Every call is refused with UNAUTHENTICATED: the first
// 16 in flight by the interceptors, after their message was read, the rest
// by the token tap as soon as their headers arrive. It reports the server's
// peak resident set (peak-rss-MiB, VmHWM); run it long enough to reach it:
//
//	go test -run '^$' -bench UnverifiedFlood -benchtime 15s ./cmd/flexfun-script
func BenchmarkUnverifiedFlood(b *testing.B) {
	const clients, conns = 200, 20
	s := startServer(b, tokenEnv)
	msg, err := proto.Marshal(&flight.FlightDescriptor{Type: flight.DescriptorCMD, Cmd: make([]byte, 4<<20-1024)})
	if err != nil {
		b.Fatal(err)
	}
	pool := make([]*grpc.ClientConn, conns)
	for i := range pool {
		if pool[i], err = grpc.NewClient(s.addr, grpc.WithTransportCredentials(insecure.NewCredentials())); err != nil {
			b.Fatal(err)
		}
		defer pool[i].Close()
	}
	var next atomic.Int64
	b.SetParallelism(clients / runtime.GOMAXPROCS(0))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		conn := pool[next.Add(1)%conns]
		for pb.Next() {
			var reply []byte
			err := conn.Invoke(context.Background(), "/arrow.flight.protocol.FlightService/GetFlightInfo", &msg, &reply, grpc.ForceCodec(rawCodec{}))
			if status.Code(err) != codes.Unauthenticated {
				b.Errorf("a call without a token: %v, want Unauthenticated", err)
				return
			}
		}
	})
	b.ReportMetric(float64(procStatus(b, s.cmd.Process.Pid, "VmHWM"))/(1<<20), "peak-rss-MiB")
}
