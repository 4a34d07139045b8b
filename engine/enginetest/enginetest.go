// Package enginetest provides what the tests of the script runtimes share:
// a directory of scripts with a registry loading them, calls with a
// deadline, and results as JSON rows. Like net/http/httptest, it is for
// tests only.
package enginetest

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
	"github.com/flexfun-script/flexfun-script/engine"
	"github.com/flexfun-script/flexfun-script/flexfun"
	"github.com/flexfun-script/flexfun-script/internal/syncbuf"
	"github.com/flexfun-script/flexfun-script/modules"
)

// SyncBuffer is the log sink of a fixture's registry.
type SyncBuffer = syncbuf.Buffer

// Settings are the server settings every fixture's scripts see as
// ctx.settings.
var Settings = map[string]any{"weather": map[string]any{"api_key": "k123", "retries": int64(3), "cities": []any{"Prague", "Brno"}}}

// LoadTimeout is how long the registries of this package give on_load.
const LoadTimeout = 2 * time.Second

// NewRegistry returns a registry with runtimes, Settings and the log
// module, logging at debug level into log.
func NewRegistry(log *SyncBuffer, runtimes ...engine.Runtime) *engine.Registry {
	return NewRegistryWith(log, nil, runtimes...)
}

// NewRegistryWith is NewRegistry with more host modules.
func NewRegistryWith(log *SyncBuffer, mods []*engine.Module, runtimes ...engine.Runtime) *engine.Registry {
	return engine.NewRegistry(RegistryOptions(log, mods, runtimes))
}

// RegistryOptions are the options of the test registries: runtimes,
// the sample settings, a debug logger into log, the log module and mods,
// the GoodData extension.
func RegistryOptions(log *SyncBuffer, mods []*engine.Module, runtimes []engine.Runtime) engine.Options {
	return engine.Options{
		Runtimes:    runtimes,
		Settings:    Settings,
		Logger:      slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug})),
		LoadTimeout: LoadTimeout,
		Modules:     append([]*engine.Module{modules.Log()}, mods...),
		Extensions:  []*engine.Extension{modules.GoodData(modules.GoodDataOptions{MaxMessageBytes: 1024})},
	}
}

// WriteFiles writes files (slash-separated path → source) under dir.
func WriteFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, src := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// Fixture is a temporary directory of scripts and a registry for it.
type Fixture struct {
	Dir string
	Reg *engine.Registry
	Log *SyncBuffer
}

// NewFixture writes files into a temporary directory and returns it with
// a registry of runtimes. Nothing is loaded yet.
func NewFixture(t testing.TB, files map[string]string, runtimes ...engine.Runtime) *Fixture {
	t.Helper()
	f := &Fixture{Dir: t.TempDir(), Log: new(SyncBuffer)}
	WriteFiles(t, f.Dir, files)
	f.Reg = NewRegistry(f.Log, runtimes...)
	return f
}

// NewFixtureWith is NewFixture whose registry also loads helpers from
// modulePaths, directories relative to the fixture ([flexfun] module_paths).
func NewFixtureWith(t testing.TB, files map[string]string, modulePaths []string, runtimes ...engine.Runtime) *Fixture {
	t.Helper()
	f := &Fixture{Dir: t.TempDir(), Log: new(SyncBuffer)}
	WriteFiles(t, f.Dir, files)
	opts := RegistryOptions(f.Log, nil, runtimes)
	for _, p := range modulePaths {
		opts.ModulePaths = append(opts.ModulePaths, filepath.Join(f.Dir, filepath.FromSlash(p)))
	}
	f.Reg = engine.NewRegistry(opts)
	return f
}

// Write writes one file of the fixture (name is slash-separated).
func (f *Fixture) Write(t testing.TB, name, src string) {
	t.Helper()
	WriteFiles(t, f.Dir, map[string]string{name: src})
}

// FirstValue calls fn with no parameters and returns the first value of
// its first column, as text ("" for no rows).
func FirstValue(fn *engine.Function) (string, error) {
	table, err := fn.Call(context.Background(), &flexfun.Request{Parameters: json.RawMessage(`{}`)})
	if err != nil {
		return "", err
	}
	defer table.Release()
	if table.Rows == 0 {
		return "", nil
	}
	return table.Batches[0].Column(0).ValueStr(0), nil
}

// Load loads every script of the fixture.
func (f *Fixture) Load() error { return f.Reg.LoadPaths([]string{f.Dir}) }

// MustFunction loads the fixture and returns its function named "main".
func (f *Fixture) MustFunction(t testing.TB) *engine.Function {
	t.Helper()
	if err := f.Load(); err != nil {
		t.Fatalf("load: %v", err)
	}
	fn, ok := f.Reg.Lookup("main")
	if !ok {
		t.Fatalf("function main not loaded; have %d functions", len(f.Reg.Functions()))
	}
	return fn
}

// Request returns the request of a test call: parameters (JSON), the
// columns hint, a header x-test: a, b, and call id t1.
func Request(params string, columns []string) *flexfun.Request {
	return &flexfun.Request{
		Parameters: json.RawMessage(params),
		Columns:    columns,
		Headers:    map[string][]string{"x-test": {"a", "b"}},
		CallID:     "t1",
	}
}

// Call calls fn with Request(params, columns) and a deadline of 10 s.
func Call(t testing.TB, fn *engine.Function, params string, columns ...string) (*arrowbridge.Table, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return fn.Call(ctx, Request(params, columns))
}

// RowsJSON returns a table as JSON rows, columns in schema order.
func RowsJSON(t testing.TB, table *arrowbridge.Table) string {
	t.Helper()
	var b strings.Builder
	b.WriteByte('[')
	n := 0
	for _, rec := range table.Batches {
		for i := range int(rec.NumRows()) {
			if n > 0 {
				b.WriteByte(',')
			}
			n++
			b.WriteByte('{')
			for c, f := range rec.Schema().Fields() {
				if c > 0 {
					b.WriteByte(',')
				}
				k, _ := json.Marshal(f.Name)
				v, err := json.Marshal(rec.Column(c).GetOneForMarshal(i))
				if err != nil {
					t.Fatal(err)
				}
				b.Write(k)
				b.WriteByte(':')
				b.Write(v)
			}
			b.WriteByte('}')
		}
	}
	b.WriteByte(']')
	return b.String()
}

// WaitFor waits up to 3 s for cond, then fails the test with msg.
func WaitFor(t testing.TB, cond func() bool, msg string) {
	t.Helper()
	for range 300 {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal(msg)
}

// NativeMode is the mode of BenchmarkCalls that builds the benchmark's
// rows natively in Go, with arrow-go's builders, instead of calling a
// function: the floor of the bulk (table) modes.
const NativeMode = "Native"

// BenchmarkCalls loads the scripts under dir with rt and benchmarks the
// functions named name(mode) for each mode, at GOGC 100 and 400 (the
// server's default): each op is one Function.Call asking for rows rows
// (NativeMode builds the same rows in Go). It reports rows/s and ns/row
// next to Go's time per op. One step's values are bounded as a 1 GiB
// memory_limit bounds them, so that the calls pay the checks the server's
// do (the guard itself is off: it samples only the process).
func BenchmarkCalls(b *testing.B, rt engine.Runtime, dir string, rows int, modes []string, name func(mode string) string) {
	reg := engine.NewRegistry(engine.Options{
		MaxValueBytes: 128 << 20,
		Runtimes:      []engine.Runtime{rt},
		Logger:        slog.New(slog.DiscardHandler),
		Modules:       []*engine.Module{modules.Log()},
		LoadTimeout:   time.Minute, // on_load builds a million-row table
	})
	if err := reg.LoadPaths([]string{dir}); err != nil {
		b.Fatal(err)
	}
	for _, gc := range []int{100, 400} {
		for _, mode := range modes {
			b.Run(fmt.Sprintf("%s/GOGC=%d", mode, gc), func(b *testing.B) {
				defer debug.SetGCPercent(debug.SetGCPercent(gc))
				if mode == NativeMode {
					benchmarkNative(b, rows)
					return
				}
				fn, ok := reg.Lookup(name(mode))
				if !ok {
					b.Fatalf("no function %s", name(mode))
				}
				benchmarkCall(b, fn, rows)
			})
		}
	}
}

// benchmarkNative builds the benchmark's rows (id int64, name string
// "name_<id>", value float64 id*0.5, day date32 19000 + id%365) in batches
// of arrowbridge.MaxBatchRows with arrow-go's builders: what a function
// written in Go would do.
func benchmarkNative(b *testing.B, rows int) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "value", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "day", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	}, nil)
	var buf []byte
	for b.Loop() {
		rb := array.NewRecordBuilder(memory.DefaultAllocator, schema)
		id := rb.Field(0).(*array.Int64Builder)
		name := rb.Field(1).(*array.StringBuilder)
		value := rb.Field(2).(*array.Float64Builder)
		day := rb.Field(3).(*array.Date32Builder)
		var batches []arrow.RecordBatch
		for i := range rows {
			id.Append(int64(i))
			buf = strconv.AppendInt(append(buf[:0], "name_"...), int64(i), 10)
			name.BinaryBuilder.Append(buf)
			value.Append(float64(i) * 0.5)
			day.Append(arrow.Date32(19000 + i%365))
			if (i+1)%arrowbridge.MaxBatchRows == 0 || i == rows-1 {
				batches = append(batches, rb.NewRecordBatch())
			}
		}
		arrowbridge.NewTable(schema, batches).Release()
		rb.Release()
	}
	ReportRows(b, rows)
}

func benchmarkCall(b *testing.B, fn *engine.Function, rows int) {
	req := &flexfun.Request{Parameters: json.RawMessage(fmt.Sprintf(`{"rows": %d}`, rows))}
	for b.Loop() {
		table, err := fn.Call(context.Background(), req)
		if err != nil {
			b.Fatal(err)
		}
		if table.Rows != 0 && table.Rows != int64(rows) {
			b.Fatalf("%d rows, want %d", table.Rows, rows)
		}
		table.Release()
	}
	ReportRows(b, rows)
}

// ReportRows reports rows/s and ns/row for b.N ops of rows rows each.
func ReportRows(b *testing.B, rows int) {
	total := float64(rows) * float64(b.N)
	b.ReportMetric(total/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/total, "ns/row")
}
