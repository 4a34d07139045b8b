package starlarkrt_test

import (
	"testing"

	"github.com/flexfun-script/flexfun-script/engine/enginetest"
	"github.com/flexfun-script/flexfun-script/engine/starlarkrt"
)

// benchRows is the row count of every benchmark op.
const benchRows = 1_000_000

// benchModes are the functions of scripts/bench, floor first.
var benchModes = []string{"Floor", "Emit", "EmitNamed", "RowsTuples", "RowsDicts", "Columns", "Table", "TableConvert", enginetest.NativeMode}

// BenchmarkCall runs each output mode for 1M rows through Function.Call
// (script, conversion, Arrow batches) next to the floor: the same loop with
// no output. The GOGC400 variants run with debug.SetGCPercent(400).
func BenchmarkCall(b *testing.B) {
	enginetest.BenchmarkCalls(b, starlarkrt.New(), "../../scripts/bench", benchRows, benchModes, func(mode string) string { return "Bench" + mode })
}
