package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime/debug"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/flexfun-script/flexfun-script/engine"
	"github.com/flexfun-script/flexfun-script/settings"
)

// benchRows is the row count of every benchmark op.
const benchRows = 1_000_000

// BenchmarkDoGet runs each output mode of scripts/bench end to end, as
// GoodData does: GetFlightInfo (runs the script) then DoGet (streams the
// batches) over loopback gRPC, client and server in this process. The floor
// is the same loop with no output. The GOGC400 variants run with
// debug.SetGCPercent(400), the server's default.
func BenchmarkDoGet(b *testing.B) {
	modes := []string{"Floor", "Emit", "EmitNamed", "RowsTuples", "RowsDicts", "Columns"}
	runDoGetModes(b, startBenchServer(b, "../../scripts/bench"), modes, "Bench%s")
}

// runDoGetModes runs, at GOGC 100 and 400, one sub-benchmark per mode that
// invokes the function named fmt.Sprintf(nameFormat, mode) for benchRows rows
// and reads the whole result.
func runDoGetModes(b *testing.B, client flight.Client, modes []string, nameFormat string) {
	for _, gc := range []int{100, 400} {
		for _, mode := range modes {
			b.Run(fmt.Sprintf("%s/GOGC=%d", mode, gc), func(b *testing.B) {
				defer debug.SetGCPercent(debug.SetGCPercent(gc))
				cmd := fmt.Sprintf(`{"functionName":%q,"parameters":{"rows":%d}}`, fmt.Sprintf(nameFormat, mode), benchRows)
				for b.Loop() {
					n, err := getAndRead(client, cmd)
					if err != nil {
						b.Fatal(err)
					}
					if n != 0 && n != benchRows {
						b.Fatalf("%d rows", n)
					}
				}
				total := float64(benchRows) * float64(b.N)
				b.ReportMetric(total/b.Elapsed().Seconds(), "rows/s")
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/total, "ns/row")
			})
		}
	}
}

// startBenchServer serves the functions under paths in this process, with
// the server's real wiring, and returns a client connected to it.
func startBenchServer(b *testing.B, paths ...string) flight.Client {
	b.Helper()
	reg := benchRegistry(b, paths...)
	return serveBench(b, reg)
}

// benchRegistry loads the functions under paths with the default settings.
func benchRegistry(b *testing.B, paths ...string) *engine.Registry {
	b.Helper()
	cfg := defaultConfig(b)
	cfg.FlexFun.LoadTimeout = time.Minute // on_load builds a million-row table
	reg := newRegistry(cfg, testServices(b, cfg, benchLogger))
	if err := reg.LoadPaths(paths); err != nil {
		b.Fatal(err)
	}
	return reg
}

// defaultConfig returns the configuration of no files and no environment:
// every default, and no functions.
func defaultConfig(tb testing.TB) *settings.Config {
	tb.Helper()
	cfg, err := settings.Load(nil, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return cfg
}

// benchLogger discards the server's logs during benchmarks.
var benchLogger = slog.New(slog.NewTextHandler(io.Discard, nil))

// serveBench serves reg on a free loopback port until the benchmark ends
// and returns a client connected to it.
func serveBench(b *testing.B, reg *engine.Registry) flight.Client {
	b.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	cfg := defaultConfig(b)
	go func() { served <- serveOn(ctx, lis, cfg, reg, benchLogger, serveOptions{}) }()
	b.Cleanup(func() {
		stop()
		<-served
	})
	client, err := flight.NewClientWithMiddleware(lis.Addr().String(), nil, nil, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { client.Close() })
	return client
}

// getAndRead invokes cmd and reads every row of its result.
func getAndRead(client flight.Client, cmd string) (int64, error) {
	ctx := context.Background()
	info, err := client.GetFlightInfo(ctx, &flight.FlightDescriptor{Type: flight.DescriptorCMD, Cmd: []byte(cmd)})
	if err != nil {
		return 0, err
	}
	return readTicket(client, info.Endpoint[0].Ticket)
}

// readTicket reads every row of the result a ticket names.
func readTicket(client flight.Client, ticket *flight.Ticket) (int64, error) {
	stream, err := client.DoGet(context.Background(), ticket)
	if err != nil {
		return 0, err
	}
	rdr, err := flight.NewRecordReader(stream)
	if err != nil {
		return 0, err
	}
	defer rdr.Release()
	var n int64
	for rdr.Next() {
		n += rdr.RecordBatch().NumRows()
	}
	return n, rdr.Err()
}

// BenchmarkDoGetTable runs tables returned by scripts end to end
// (GetFlightInfo + DoGet) next to emit, in both languages, and DoGet alone
// of the same stored result (DoGetOnly): the transfer that bounds the table
// path. BenchTable hands its on_load table over as it is; BenchTableConvert
// has two columns converted on every call.
func BenchmarkDoGetTable(b *testing.B) {
	client := startBenchServer(b, "../../scripts/bench")
	runDoGetModes(b, client, []string{"Emit", "EmitJs", "Table", "TableJs", "TableConvert"}, "Bench%s")
	for _, gc := range []int{100, 400} {
		b.Run(fmt.Sprintf("DoGetOnly/GOGC=%d", gc), func(b *testing.B) {
			defer debug.SetGCPercent(debug.SetGCPercent(gc))
			ctx := context.Background()
			cmd := fmt.Sprintf(`{"functionName":"BenchTable","parameters":{"rows":%d}}`, benchRows)
			info, err := client.GetFlightInfo(ctx, &flight.FlightDescriptor{Type: flight.DescriptorCMD, Cmd: []byte(cmd)})
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				n, err := readTicket(client, info.Endpoint[0].Ticket)
				if err != nil || n != benchRows {
					b.Fatalf("%d rows, %v", n, err)
				}
			}
			total := float64(benchRows) * float64(b.N)
			b.ReportMetric(total/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/total, "ns/row")
		})
	}
}

// testServices opens the services of cfg for a test or benchmark, closed
// when it ends.
func testServices(tb testing.TB, cfg *settings.Config, logger *slog.Logger) *services {
	tb.Helper()
	svc, err := openServices(cfg, nil, "", logger)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(svc.close)
	return svc
}
