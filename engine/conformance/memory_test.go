package conformance_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
	"github.com/flexfun-script/flexfun-script/engine"
	"github.com/flexfun-script/flexfun-script/engine/enginetest"
	"github.com/flexfun-script/flexfun-script/flexfun"
)

// hogs allocate about 1.5 GB in small pieces and then return: without the
// memory guard the call succeeds, which fails the test, instead of
// growing without end.
var hogs = map[string]string{
	"star": `schema = {"n": "int64"}
def call():
    kept = []
    for i in range(1500000):
        kept.append("x" * 1000 + str(i))
    emit(len(kept))
`,
	"js": `const schema = {n: "int64"};
function call() {
  const kept = [];
  for (let i = 0; i < 1500000; i++) {
    kept.push("x".repeat(1000) + i);
  }
  emit(kept.length);
}
`,
}

var smallCalls = map[string]string{
	"star": "schema = {\"v\": \"int64\"}\ndef call():\n    emit(1)\n",
	"js":   "const schema = {v: \"int64\"};\nfunction call() { emit(1); }\n",
}

// guardLimit returns a memory limit above what the test process holds
// now: 300 MiB, or 64 MiB under the slow race detector.
func guardLimit() int64 {
	runtime.GC()
	if raceEnabled {
		return engine.ProcessMemory() + 64<<20
	}
	return engine.ProcessMemory() + 300<<20
}

// guardedRegistry loads the hog and the small function under guardLimit.
func guardedRegistry(t *testing.T, lang language, hog string) (*engine.Registry, int64) {
	t.Helper()
	limit := guardLimit()
	dir := t.TempDir()
	enginetest.WriteFiles(t, dir, map[string]string{"hog." + lang.ext: hog, "small." + lang.ext: smallCalls[lang.ext]})
	reg := newRegistry(new(enginetest.SyncBuffer), func(o *engine.Options) { o.MemoryLimit = limit })
	if err := reg.LoadPaths([]string{dir}); err != nil {
		t.Fatal(err)
	}
	return reg, limit
}

// TestMemoryGuardStopsTheGrowingCall runs a call that allocates past the
// memory limit next to small calls: the hog, not a bystander, is stopped
// with an error naming the limit, and every small call succeeds.
func TestMemoryGuardStopsTheGrowingCall(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates hundreds of MB")
	}
	for _, lang := range languages {
		t.Run(lang.ext, func(t *testing.T) {
			reg, limit := guardedRegistry(t, lang, hogs[lang.ext])
			hog, _ := reg.Lookup("hog")
			small, _ := reg.Lookup("small")
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()

			done := make(chan struct{})
			var smallErrs []error
			var wg sync.WaitGroup
			wg.Add(1)
			go func() { // a bystander calling all along
				defer wg.Done()
				for {
					select {
					case <-done:
						return
					default:
					}
					if table, err := small.Call(ctx, enginetest.Request("{}", nil)); err != nil {
						smallErrs = append(smallErrs, err)
					} else {
						table.Release()
					}
					time.Sleep(time.Millisecond)
				}
			}()
			table, err := hog.Call(ctx, enginetest.Request("{}", nil))
			close(done)
			wg.Wait()
			if err == nil {
				table.Release()
				t.Fatalf("the hog finished under a limit of %s", arrowbridge.FormatBytes(limit))
			}
			var se *flexfun.ScriptError
			want := fmt.Sprintf("hog.%s: stopped: the server's memory limit of %s ([flexfun] memory_limit) was reached while it ran", lang.ext, arrowbridge.FormatBytes(limit))
			if !errors.As(err, &se) || !strings.HasSuffix(err.Error(), want) {
				t.Errorf("hog error %q (%T), want it to end with %q", err, err, want)
			}
			if len(smallErrs) > 0 {
				t.Errorf("%d small calls failed next to the hog, the first: %v", len(smallErrs), smallErrs[0])
			}
		})
	}
}

// TestMemoryGuardStopsALoad runs an on_load that allocates past the limit:
// the load fails naming the limit.
func TestMemoryGuardStopsALoad(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates hundreds of MB")
	}
	onLoad := map[string]string{
		"star": strings.Replace(hogs["star"], "def call():", "def on_load():", 1) + "def call():\n    emit(1)\n",
		"js":   strings.Replace(hogs["js"], "function call() {", "function on_load() {", 1) + "function call() { emit(1); }\n",
	}
	for _, lang := range languages {
		t.Run(lang.ext, func(t *testing.T) {
			limit := guardLimit()
			dir := t.TempDir()
			enginetest.WriteFiles(t, dir, map[string]string{"main." + lang.ext: strings.ReplaceAll(onLoad[lang.ext], "emit(kept", "print(kept")})
			reg := newRegistry(new(enginetest.SyncBuffer), func(o *engine.Options) {
				o.MemoryLimit, o.LoadTimeout = limit, time.Minute
			})
			err := reg.LoadPaths([]string{dir})
			want := fmt.Sprintf("main.%s: on_load was stopped: the server's memory limit of %s ([flexfun] memory_limit) was reached while it ran", lang.ext, arrowbridge.FormatBytes(limit))
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("load error %v, want %q", err, want)
			}
		})
	}
}
