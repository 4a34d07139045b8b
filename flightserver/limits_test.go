package flightserver

import (
	"bytes"
	"context"
	"runtime"
	"runtime/metrics"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// rawCodec sends messages that are already encoded, so that a test can
// send a large request without the client copying it.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error)      { return *v.(*[]byte), nil }
func (rawCodec) Unmarshal(data []byte, v any) error { *v.(*[]byte) = bytes.Clone(data); return nil }
func (rawCodec) Name() string                       { return "proto" }

// heapAllocated returns the bytes the process has allocated on the heap
// since it started.
func heapAllocated() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

const limitTestMax = 64 << 10

// TestRequestLimit: a request message or headers larger than
// MaxRequestBytes are refused with RESOURCE_EXHAUSTED before the server
// reads them; one that fits is served.
func TestRequestLimit(t *testing.T) {
	e := startEnv(t, Options{MaxRequestBytes: limitTestMax}, func(mem memory.Allocator) []Function {
		return []Function{simpleFun(mem)}
	})
	ctx := context.Background()

	t.Run("a command that fits", func(t *testing.T) {
		pad := strings.Repeat("x", limitTestMax-200)
		info, _, err := e.getInfo(ctx, `{"functionName":"SimpleFun1","parameters":{"pad":"`+pad+`"}}`)
		if err != nil {
			t.Fatal(err)
		}
		if len(info.FlightDescriptor.Cmd) < limitTestMax-200 {
			t.Errorf("FlightInfo echoes a command of %d bytes", len(info.FlightDescriptor.Cmd))
		}
	})

	t.Run("GetFlightInfo", func(t *testing.T) {
		_, _, err := e.getInfo(ctx, `{"functionName":"`+strings.Repeat("f", limitTestMax)+`"}`)
		wantExhausted(t, err)
	})

	t.Run("DoGet", func(t *testing.T) {
		stream, err := e.client.DoGet(ctx, &flight.Ticket{Ticket: []byte(`{"task_id":"` + strings.Repeat("0", limitTestMax) + `"}`)})
		if err == nil {
			_, err = stream.Recv()
		}
		wantExhausted(t, err)
	})

	t.Run("DoAction", func(t *testing.T) {
		stream, err := e.client.DoAction(ctx, &flight.Action{Type: "x", Body: make([]byte, limitTestMax)})
		if err == nil {
			_, err = stream.Recv()
		}
		wantExhausted(t, err)
	})

	t.Run("headers", func(t *testing.T) {
		hctx := metadata.AppendToOutgoingContext(ctx, "x-big", strings.Repeat("h", limitTestMax))
		_, _, err := e.getInfo(hctx, `{"functionName":"SimpleFun1"}`)
		// grpc-go clients check the server's advertised limit and refuse to
		// send; other clients get the stream reset. Either way: an error.
		if c := status.Code(err); c != codes.Internal && c != codes.ResourceExhausted && c != codes.Unavailable {
			t.Fatalf("headers over the limit: %v", err)
		}
		if _, _, err := e.getInfo(ctx, `{"functionName":"SimpleFun1"}`); err != nil {
			t.Fatalf("the next call fails: %v", err)
		}
	})
}

func wantExhausted(t *testing.T, err error) {
	t.Helper()
	st, _ := status.FromError(err)
	if st.Code() != codes.ResourceExhausted || !strings.Contains(st.Message(), "larger than max") {
		t.Fatalf("got %v, want RESOURCE_EXHAUSTED", err)
	}
}

// TestRequestLimitAllocatesNothing sends 16 MiB commands to a server that
// takes 64 KiB: it refuses each one from the message's length prefix, so
// what the process allocates meanwhile stays far below the size of one
// message. The control, a server that takes 32 MiB, shows that the
// measure sees a message read: it allocates at least one per call. The
// client sends pre-encoded bytes and copies none of them.
func TestRequestLimitAllocatesNothing(t *testing.T) {
	const size, calls = 16 << 20, 4
	refused := allocatedBy(t, limitTestMax, size, calls, codes.ResourceExhausted)
	if refused > size/2 {
		t.Fatalf("%d refused calls of %d MiB allocated %d MiB", calls, size>>20, refused>>20)
	}
	read := allocatedBy(t, 32<<20, size, calls, codes.Unknown) // read, then BAD_ARGUMENT: not JSON
	if read < calls*size {
		t.Fatalf("control: %d calls of %d MiB read by the server allocated only %d MiB", calls, size>>20, read>>20)
	}
	t.Logf("%d calls of %d MiB allocated %d KiB when refused, %d MiB when read", calls, size>>20, refused>>10, read>>20)
}

// allocatedBy returns what the process allocates while a server that takes
// maxRequest bytes answers calls GetFlightInfo calls of a size-byte command
// with code.
func allocatedBy(t *testing.T, maxRequest, size, calls int, code codes.Code) uint64 {
	e := startEnv(t, Options{MaxRequestBytes: maxRequest}, func(mem memory.Allocator) []Function {
		return []Function{simpleFun(mem)}
	})
	msg, err := proto.Marshal(&flight.FlightDescriptor{Type: flight.DescriptorCMD, Cmd: make([]byte, size)})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := grpc.NewClient(e.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	runtime.GC()
	before := heapAllocated()
	for range calls {
		var reply []byte
		err := conn.Invoke(context.Background(), "/arrow.flight.protocol.FlightService/GetFlightInfo", &msg, &reply, grpc.ForceCodec(rawCodec{}))
		if status.Code(err) != code {
			t.Fatalf("got %v, want %v", err, code)
		}
	}
	return heapAllocated() - before
}

// TestClientValuesClippedInLogs: a 20 MB ticket, a 10 MB function name and
// 10 MB poll descriptors, all under a limit that lets them in, produce
// log lines of a few hundred bytes that say how much was cut.
func TestClientValuesClippedInLogs(t *testing.T) {
	e := startEnv(t, Options{MaxRequestBytes: 32 << 20}, func(mem memory.Allocator) []Function {
		return []Function{simpleFun(mem)}
	})
	ctx := context.Background()
	name := strings.Repeat("n", 10<<20)
	if _, _, err := e.getInfo(ctx, `{"functionName":"`+name+`"}`); status.Code(err) != codes.Unknown {
		t.Fatalf("unknown function: %v", err)
	}
	stream, err := e.client.DoGet(ctx, &flight.Ticket{Ticket: []byte(`{"task_id":"` + strings.Repeat("t", 20<<20) + `"}`)})
	if err == nil {
		_, err = stream.Recv()
	}
	if status.Code(err) != codes.Unknown {
		t.Fatalf("unknown task: %v", err)
	}
	pctx := metadata.AppendToOutgoingContext(ctx, PollableHeader, "1")
	for _, prefix := range []string{"r:", "c:"} {
		if _, err := e.client.GetFlightInfo(pctx, cmd(prefix+strings.Repeat("i", 10<<20))); err == nil {
			t.Fatalf("poll %s of an unknown task succeeded", prefix)
		}
	}
	lines := strings.Split(strings.TrimSpace(e.logs.String()), "\n")
	for _, event := range []string{"get_flight_info_failed", "do_get_failed", "flexfun_task_cancel_requested"} {
		found := false
		for _, line := range lines {
			if !strings.Contains(line, `"msg":"`+event+`"`) {
				continue
			}
			found = true
			if len(line) > 2<<10 || !strings.Contains(line, " bytes)") {
				t.Errorf("%s: log line of %d bytes: %.300s", event, len(line), line)
			}
		}
		if !found {
			t.Errorf("no %s line in the log", event)
		}
	}
}
