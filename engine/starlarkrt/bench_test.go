package starlarkrt_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/flexfun-script/flexfun-script/engine"
)

// benchRows is the row count of every benchmark op.
const benchRows = 1_000_000

// benchSchema is the 4-column schema of docs/performance.md.
const benchSchema = `schema = {"id": "int64", "name": "string", "value": "float64", "day": "date32"}
`

// BenchmarkModes runs each output mode for 1M rows through Function.Call
// (script + conversion + Arrow batches), next to the floor: the same loop
// computing the same values with no output.
var benchModes = []struct{ name, body string }{
	{"Floor", `def call(p):
    for i in range(p["n"]):
        a, b, c, d = i, "name_" + str(i), i * 0.5, 19000 + i % 365
`},
	{"Emit", `def call(p):
    for i in range(p["n"]):
        emit(i, "name_" + str(i), i * 0.5, 19000 + i % 365)
`},
	{"EmitNamed", `def call(p):
    for i in range(p["n"]):
        emit(id = i, name = "name_" + str(i), value = i * 0.5, day = 19000 + i % 365)
`},
	{"RowsTuples", `def call(p):
    return [(i, "name_" + str(i), i * 0.5, 19000 + i % 365) for i in range(p["n"])]
`},
	{"RowsDicts", `def call(p):
    return [{"id": i, "name": "name_" + str(i), "value": i * 0.5, "day": 19000 + i % 365} for i in range(p["n"])]
`},
	{"Columns", `def call(p):
    r = range(p["n"])
    return {"id": [i for i in r], "name": ["name_" + str(i) for i in r], "value": [i * 0.5 for i in r], "day": [19000 + i % 365 for i in r]}
`},
}

func BenchmarkCall(b *testing.B) {
	for _, mode := range benchModes {
		b.Run(mode.name, func(b *testing.B) {
			fn := benchFunction(b, mode.body)
			req := &engine.Request{Parameters: json.RawMessage(fmt.Sprintf(`{"n": %d}`, benchRows))}
			b.ResetTimer()
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
			b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(benchRows)/float64(b.N), "ns/row")
		})
	}
}

func benchFunction(b *testing.B, body string) *engine.Function {
	b.Helper()
	f := newFixture(b, map[string]string{"main.star": benchSchema + body})
	if err := f.load(); err != nil {
		b.Fatal(err)
	}
	fn, _ := f.reg.Lookup("main")
	return fn
}
