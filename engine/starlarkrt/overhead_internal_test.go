package starlarkrt

import (
	"context"
	"log/slog"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"go.starlark.net/starlark"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
	"github.com/flexfun-script/flexfun-script/engine"
)

// BenchmarkEmitOverhead splits the cost of emit in three: the loop alone
// (floor), the same loop calling a built-in that does nothing (what
// Starlark's call machinery costs), and the loop calling emit (our
// conversion into Arrow on top). See docs/performance.md.
func BenchmarkEmitOverhead(b *testing.B) {
	const rows = 1_000_000
	loops := []struct{ name, src string }{
		{"Floor", "def f(n):\n    for i in range(n):\n        a = i\n        b = \"name_\" + str(i)\n        c = i * 0.5\n        d = 19000 + i % 365\n"},
		{"NoopBuiltin", "def f(n):\n    for i in range(n):\n        noop(i, \"name_\" + str(i), i * 0.5, 19000 + i % 365)\n"},
		{"Emit", "def f(n):\n    for i in range(n):\n        emit(i, \"name_\" + str(i), i * 0.5, 19000 + i % 365)\n"},
	}
	schema, err := arrowbridge.NewSchema([]arrowbridge.ColumnSpec{
		{Name: "id", Type: "int64"}, {Name: "name", Type: "string"},
		{Name: "value", Type: "float64"}, {Name: "day", Type: "date32"},
	})
	if err != nil {
		b.Fatal(err)
	}
	noop := func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
		return starlark.None, nil
	}
	env := starlark.StringDict{"noop": starlark.NewBuiltin("noop", noop), "emit": starlark.NewBuiltin("emit", emit)}
	for _, loop := range loops {
		b.Run(loop.name, func(b *testing.B) {
			globals, err := starlark.ExecFile(&starlark.Thread{}, "bench.star", loop.src, env)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				bld := arrowbridge.NewBuilder(schema, memory.DefaultAllocator)
				thread := newThread("bench", engine.NewCallThread[starlark.Value](context.Background(), values{}, vocabulary, bld, slog.Default()), engine.DefaultMaxCallDepth)
				if _, err := starlark.Call(thread, globals["f"], starlark.Tuple{starlark.MakeInt(rows)}, nil); err != nil {
					b.Fatal(err)
				}
				bld.Finish().Release()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/rows, "ns/row")
		})
	}
}
