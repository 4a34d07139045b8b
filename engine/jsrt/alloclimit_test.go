package jsrt_test

import (
	"context"
	"strings"
	"testing"

	"github.com/dop251/goja"

	"github.com/flexfun-script/flexfun-script/engine"
	"github.com/flexfun-script/flexfun-script/engine/enginetest"
	"github.com/flexfun-script/flexfun-script/engine/jsrt"
)

// TestConstantsAreFoldedUnderTheBound checks that the bound of one value
// is in force when a file compiles: goja folds constant expressions, so
// 1n << 100000000000n in a function's body runs at compile time, where it
// once asked for 12 GB before the first call could refuse it.
func TestConstantsAreFoldedUnderTheBound(t *testing.T) {
	defer goja.SetAllocLimit(goja.AllocLimit(), "")
	goja.SetAllocLimit(0, "") // as in a process that has loaded nothing yet
	opts := enginetest.RegistryOptions(new(enginetest.SyncBuffer), nil, []engine.Runtime{jsrt.New()})
	opts.MaxValueBytes = 1 << 20
	reg := engine.NewRegistry(opts)
	dir := t.TempDir()
	enginetest.WriteFiles(t, dir, map[string]string{"shift.js": "const schema = {n: \"int64\"};\nfunction call() { emit((1n << 100000000000n) > 0n ? 1 : 0); }\n"})
	if err := reg.LoadPaths([]string{dir}); err != nil {
		t.Fatal(err)
	}
	fn, _ := reg.Lookup("shift")
	table, err := fn.Call(context.Background(), enginetest.Request("{}", nil))
	if err == nil {
		table.Release()
		t.Fatal("no error")
	}
	if !strings.Contains(err.Error(), "RangeError: Maximum BigInt size exceeded: 100000000001 bits, over the bound of 8388608") {
		t.Errorf("error %q", err)
	}
}
