package jsrt_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"testing"

	"github.com/flexfun-script/flexfun-script/engine"
	"github.com/flexfun-script/flexfun-script/engine/jsrt"
)

// benchRows is the row count of every benchmark op.
const benchRows = 1_000_000

// benchModes are the JavaScript functions of scripts/bench, floor first.
var benchModes = []string{"Floor", "Emit", "EmitObject", "RowsArrays", "RowsObjects", "ColumnsArrays", "ColumnsTyped"}

// BenchmarkCall runs each output mode for 1M rows through Function.Call
// (script, conversion, Arrow batches) next to the floor: the same loop with
// no output. The GOGC=400 variants run with debug.SetGCPercent(400), the
// server's default.
func BenchmarkCall(b *testing.B) {
	reg := engine.NewRegistry(engine.Options{
		Runtimes: []engine.Runtime{jsrt.New()},
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err := reg.LoadPaths([]string{"../../scripts/bench"}); err != nil {
		b.Fatal(err)
	}
	for _, gc := range []int{100, 400} {
		for _, mode := range benchModes {
			fn, ok := reg.Lookup("Bench" + mode + "Js")
			if !ok {
				b.Fatalf("no function Bench%sJs", mode)
			}
			b.Run(fmt.Sprintf("%s/GOGC=%d", mode, gc), func(b *testing.B) {
				defer debug.SetGCPercent(debug.SetGCPercent(gc))
				benchCall(b, fn)
			})
		}
	}
}

func benchCall(b *testing.B, fn *engine.Function) {
	req := &engine.Request{Parameters: json.RawMessage(fmt.Sprintf(`{"rows": %d}`, benchRows))}
	for b.Loop() {
		table, err := fn.Call(context.Background(), req)
		if err != nil {
			b.Fatal(err)
		}
		if table.Rows != 0 && table.Rows != benchRows {
			b.Fatalf("%d rows", table.Rows)
		}
		table.Release()
	}
	reportRows(b, benchRows)
}

// reportRows reports rows/s and ns/row for b.N ops of rows rows each.
func reportRows(b *testing.B, rows int) {
	total := float64(rows) * float64(b.N)
	b.ReportMetric(total/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/total, "ns/row")
}
