package jsrt_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
	"github.com/flexfun-script/flexfun-script/engine"
	"github.com/flexfun-script/flexfun-script/engine/jsrt"
)

// syncBuffer is a bytes.Buffer safe for the logger's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// fixture is a directory of scripts and a registry loading them.
type fixture struct {
	dir string
	reg *engine.Registry
	log *syncBuffer
}

// newFixture writes files (name → source) into a temporary directory.
func newFixture(t testing.TB, files map[string]string) *fixture {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	buf := new(syncBuffer)
	reg := engine.NewRegistry(engine.Options{
		Runtimes:    []engine.Runtime{jsrt.New()},
		Settings:    map[string]any{"weather": map[string]any{"api_key": "k123", "retries": int64(3), "cities": []any{"Prague", "Brno"}}},
		Logger:      slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})),
		LoadTimeout: 2 * time.Second,
	})
	return &fixture{dir: dir, reg: reg, log: buf}
}

// load loads every script of the fixture.
func (f *fixture) load() error { return f.reg.LoadPaths([]string{f.dir}) }

// mustFunction loads main.js (and any helpers) and returns its function.
func mustFunction(t *testing.T, src string, helpers ...string) (*engine.Function, *fixture) {
	t.Helper()
	files := map[string]string{"main.js": src}
	for i := 0; i+1 < len(helpers); i += 2 {
		files[helpers[i]] = helpers[i+1]
	}
	f := newFixture(t, files)
	if err := f.load(); err != nil {
		t.Fatalf("load: %v", err)
	}
	fn, ok := f.reg.Lookup("main")
	if !ok {
		t.Fatalf("function main not loaded; have %d functions", len(f.reg.Functions()))
	}
	return fn, f
}

func call(t *testing.T, fn *engine.Function, params string, columns ...string) (*arrowbridge.Table, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return fn.Call(ctx, &engine.Request{
		Parameters: json.RawMessage(params),
		Columns:    columns,
		Headers:    map[string][]string{"x-test": {"a", "b"}},
		CallID:     "t1",
	})
}

// rowsOf returns the table as JSON rows, columns in schema order.
func rowsOf(t *testing.T, table *arrowbridge.Table) string {
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

func mustCall(t *testing.T, fn *engine.Function, params string, columns ...string) string {
	t.Helper()
	table, err := call(t, fn, params, columns...)
	if err != nil {
		t.Fatalf("call: %v", err)
	}
	defer table.Release()
	return rowsOf(t, table)
}

// scriptError calls fn and returns the *engine.ScriptError it fails with.
func scriptError(t *testing.T, fn *engine.Function, params string) *engine.ScriptError {
	t.Helper()
	table, err := call(t, fn, params)
	if err == nil {
		table.Release()
		t.Fatal("call succeeded, want an error")
	}
	var se *engine.ScriptError
	if !errors.As(err, &se) {
		t.Fatalf("got %T %v, want *engine.ScriptError", err, err)
	}
	return se
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for range 300 {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("condition not met within 3s")
}

// rel strips fn's directory from the paths in s.
func rel(fn *engine.Function, s string) string {
	return strings.ReplaceAll(s, filepath.Dir(fn.Path())+string(filepath.Separator), "")
}
