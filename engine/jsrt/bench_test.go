package jsrt_test

import (
	"testing"

	"github.com/flexfun-script/flexfun-script/engine/enginetest"
	"github.com/flexfun-script/flexfun-script/engine/jsrt"
)

// benchRows is the row count of every benchmark op.
const benchRows = 1_000_000

// benchModes are the JavaScript functions of scripts/bench, floor first.
var benchModes = []string{"Floor", "Emit", "EmitObject", "RowsArrays", "RowsObjects", "ColumnsArrays", "ColumnsTyped", "Table", enginetest.NativeMode}

// BenchmarkCall runs each output mode for 1M rows through Function.Call
// (script, conversion, Arrow batches) next to the floor: the same loop with
// no output. The GOGC=400 variants run with debug.SetGCPercent(400), the
// server's default.
func BenchmarkCall(b *testing.B) {
	enginetest.BenchmarkCalls(b, jsrt.New(), "../../scripts/bench", benchRows, benchModes, func(mode string) string { return "Bench" + mode + "Js" })
}
