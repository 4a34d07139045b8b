package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime/debug"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/flexfun-script/flexfun-script/settings"
)

// jsBenchModes are the JavaScript functions of scripts/bench (Bench<mode>Js),
// floor first.
var jsBenchModes = []string{"Floor", "Emit", "EmitObject", "RowsArrays", "RowsObjects", "ColumnsArrays", "ColumnsTyped"}

// BenchmarkDoGetJs runs each JavaScript output mode of scripts/bench end to
// end, as BenchmarkDoGet does for Starlark: GetFlightInfo (runs the script)
// then DoGet (streams the batches) over loopback gRPC, client and server in
// this process, 1M rows per op. The floor is the same loop with no output.
func BenchmarkDoGetJs(b *testing.B) {
	client := startBenchServer(b, "../../scripts/bench")
	for _, gc := range []int{100, 400} {
		for _, mode := range jsBenchModes {
			b.Run(fmt.Sprintf("%s/GOGC=%d", mode, gc), func(b *testing.B) {
				defer debug.SetGCPercent(debug.SetGCPercent(gc))
				cmd := fmt.Sprintf(`{"functionName":"Bench%sJs","parameters":{"rows":%d}}`, mode, benchRows)
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

// BenchmarkDoGetSmallCall measures one call of the six-row sample function
// end to end, in each language: what a call costs besides its rows (for
// JavaScript, a fresh runtime per call).
func BenchmarkDoGetSmallCall(b *testing.B) {
	client := startBenchServer(b, "../../scripts/examples")
	for _, name := range []string{"SampleFlexFunction", "SampleFlexFunctionJs"} {
		b.Run(name, func(b *testing.B) {
			cmd := fmt.Sprintf(`{"functionName":%q,"parameters":{}}`, name)
			for b.Loop() {
				if n, err := getAndRead(client, cmd); err != nil || n != 6 {
					b.Fatalf("%d rows, %v", n, err)
				}
			}
		})
	}
}

// startBenchServer serves the functions under paths on a loopback port for
// the rest of the benchmark and returns a client.
func startBenchServer(b *testing.B, paths ...string) flight.Client {
	b.Helper()
	cfg := settings.Default()
	cfg.FlexFun.Functions = paths
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	reg := newRegistry(cfg, logger)
	if err := reg.LoadPaths(cfg.FlexFun.Functions); err != nil {
		b.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- serveOn(ctx, lis, cfg, reg, logger, serveOptions{}) }()
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
