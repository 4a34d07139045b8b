package watch_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/flexfun-script/flexfun-script/engine"
	"github.com/flexfun-script/flexfun-script/engine/enginetest"
	"github.com/flexfun-script/flexfun-script/engine/starlarkrt"
	"github.com/flexfun-script/flexfun-script/watch"
)

// harness runs a Watcher over a directory of scripts.
type harness struct {
	t       *testing.T
	dir     string
	reg     *engine.Registry
	fixture *enginetest.Fixture
	mu      sync.Mutex
	reloads []engine.ReloadResult
}

// newHarness loads the scripts paths names and watches them; modulePaths
// (relative to the fixture directory) are where helpers may also live.
func newHarness(t *testing.T, paths func(dir string) []string, files map[string]string, modulePaths ...string) *harness {
	t.Helper()
	f := enginetest.NewFixtureWith(t, files, modulePaths, starlarkrt.New())
	h := &harness{t: t, dir: f.Dir, reg: f.Reg, fixture: f}
	if err := h.reg.LoadPaths(paths(h.dir)); err != nil {
		t.Fatal(err)
	}
	w, err := watch.New(h.reg, watch.Options{
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		OnReload: func(r engine.ReloadResult) {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.reloads = append(h.reloads, r)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return h
}

func dirPath(dir string) []string { return []string{dir} }

func (h *harness) write(name, src string) {
	h.t.Helper()
	h.fixture.Write(h.t, name, src)
}

func (h *harness) reloadCount() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.reloads)
}

// value returns what function name emits now, or "" if it does not exist.
func (h *harness) value(name string) string {
	f, ok := h.reg.Lookup(name)
	if !ok {
		return ""
	}
	v, err := enginetest.FirstValue(f)
	if err != nil {
		return "error: " + err.Error()
	}
	return v
}

// eventually waits up to 5 s for function name to emit want.
func (h *harness) eventually(name, want string) {
	h.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if h.value(name) == want {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	h.t.Fatalf("%s = %q, want %q within 5s", name, h.value(name), want)
}

func fn(name, v string) string {
	return "name = \"" + name + "\"\nschema = {\"v\": \"string\"}\ndef call(): emit(\"" + v + "\")\n"
}

func TestPlainSave(t *testing.T) {
	h := newHarness(t, dirPath, map[string]string{"a.star": fn("A", "v1")})
	h.write("a.star", fn("A", "v2"))
	h.eventually("A", "v2")
}

func TestAtomicRenameSave(t *testing.T) {
	h := newHarness(t, dirPath, map[string]string{"a.star": fn("A", "v1")})
	tmp := filepath.Join(h.dir, ".a.star.swp")
	if err := os.WriteFile(tmp, []byte(fn("A", "renamed")), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(h.dir, "a.star")); err != nil {
		t.Fatal(err)
	}
	h.eventually("A", "renamed")
	// The directory watch survives the rename: a second save is seen too.
	h.write("a.star", fn("A", "again"))
	h.eventually("A", "again")
}

func TestTwoStepWriteIsOneReload(t *testing.T) {
	h := newHarness(t, dirPath, map[string]string{"a.star": fn("A", "v1")})
	path := filepath.Join(h.dir, "a.star")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		t.Fatal(err)
	}
	src := fn("A", "v2")
	f.WriteString(src[:10]) // a half-written file must never be loaded
	f.Sync()
	time.Sleep(20 * time.Millisecond)
	f.WriteString(src[10:])
	f.Close()
	h.eventually("A", "v2")
	time.Sleep(3 * watch.DefaultDebounce)
	if n := h.reloadCount(); n != 1 {
		t.Errorf("%d reloads for one save, want 1", n)
	}
	if p := h.reg.Problems(); len(p) != 0 {
		t.Errorf("problems after a two-step save: %+v", p)
	}
}

func TestNewSubdirectory(t *testing.T) {
	h := newHarness(t, dirPath, map[string]string{"a.star": fn("A", "a")})
	h.write("sub/deeper/n.star", fn("N", "new"))
	h.eventually("N", "new")
	h.write("sub/deeper/n.star", fn("N", "changed"))
	h.eventually("N", "changed")
}

func TestHelperOutsideConfiguredPath(t *testing.T) {
	files := map[string]string{
		"lib/words.star": "WORD = \"one\"\n",
		"fns/a.star":     "load(\"../lib/words.star\", \"WORD\")\nname = \"A\"\nschema = {\"v\": \"string\"}\ndef call(): emit(WORD)\n",
	}
	h := newHarness(t, func(dir string) []string { return []string{filepath.Join(dir, "fns/a.star")} }, files, "lib")
	h.write("lib/words.star", "WORD = \"two\"\n")
	h.eventually("A", "two")
}

func TestBrokenSaveThenFix(t *testing.T) {
	h := newHarness(t, dirPath, map[string]string{"a.star": fn("A", "good")})
	h.write("a.star", "name = \"A\"\nschema = {\n")
	deadline := time.Now().Add(5 * time.Second)
	for len(h.reg.Problems()) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if len(h.reg.Problems()) != 1 {
		t.Fatalf("no problem reported for a broken save")
	}
	if got := h.value("A"); got != "good" {
		t.Errorf("A = %q while broken", got)
	}
	h.write("a.star", fn("A", "fixed"))
	h.eventually("A", "fixed")
	if p := h.reg.Problems(); len(p) != 0 {
		t.Errorf("problems after the fix: %+v", p)
	}
}

func TestIgnoresOtherFiles(t *testing.T) {
	h := newHarness(t, dirPath, map[string]string{"a.star": fn("A", "a")})
	h.write("notes.txt", "hello")
	h.write("a.star~", "backup")
	time.Sleep(3 * watch.DefaultDebounce)
	if n := h.reloadCount(); n != 0 {
		t.Errorf("%d reloads for files that are not scripts", n)
	}
}
