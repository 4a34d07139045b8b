package main

import (
	"fmt"
	"testing"
)

// jsBenchModes are the JavaScript functions of scripts/bench (Bench<mode>Js),
// floor first.
var jsBenchModes = []string{"Floor", "Emit", "EmitObject", "RowsArrays", "RowsObjects", "ColumnsArrays", "ColumnsTyped"}

// BenchmarkDoGetJs runs each JavaScript output mode of scripts/bench end to
// end, as BenchmarkDoGet does for Starlark: GetFlightInfo (runs the script)
// then DoGet (streams the batches) over loopback gRPC, client and server in
// this process, 1M rows per op. The floor is the same loop with no output.
func BenchmarkDoGetJs(b *testing.B) {
	runDoGetModes(b, startBenchServer(b, "../../scripts/bench"), jsBenchModes, "Bench%sJs")
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
