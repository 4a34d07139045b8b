package engine_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flexfun-script/flexfun-script/engine"
	"github.com/flexfun-script/flexfun-script/engine/enginetest"
	"github.com/flexfun-script/flexfun-script/engine/jsrt"
	"github.com/flexfun-script/flexfun-script/engine/starlarkrt"
	"github.com/flexfun-script/flexfun-script/flexfun"
)

// scriptDir is a directory of scripts in both languages, loaded into a
// registry.
type scriptDir struct {
	t *testing.T
	*enginetest.Fixture
}

func newScriptDir(t *testing.T, files map[string]string) *scriptDir {
	t.Helper()
	d := &scriptDir{t: t, Fixture: enginetest.NewFixture(t, files, starlarkrt.New(), jsrt.New())}
	if err := d.Load(); err != nil {
		t.Fatalf("initial load: %v", err)
	}
	return d
}

func (d *scriptDir) write(name, src string) {
	d.t.Helper()
	d.Write(d.t, name, src)
}

// value calls function name and returns its single string value.
func (d *scriptDir) value(name string) string {
	d.t.Helper()
	fn, ok := d.Reg.Lookup(name)
	if !ok {
		d.t.Fatalf("no function %q", name)
	}
	v, err := enginetest.FirstValue(fn)
	if err != nil {
		d.t.Fatalf("call %s: %v", name, err)
	}
	return v
}

func names(reg *engine.Registry) string {
	var out []string
	for _, f := range reg.Functions() {
		out = append(out, f.Name())
	}
	return strings.Join(out, ",")
}

// fn returns a one-column function that emits v.
func fn(name, v string) string {
	return "name = \"" + name + "\"\nschema = {\"v\": \"string\"}\ndef call(): emit(\"" + v + "\")\n"
}

func TestReloadChangedFile(t *testing.T) {
	d := newScriptDir(t, map[string]string{"a.star": fn("A", "v1"), "b.star": fn("B", "b")})
	res := d.Reg.Reload(false)
	if res.Changed() || res.Unchanged != 2 {
		t.Errorf("reload without changes: %+v", res)
	}
	d.write("a.star", fn("A", "v2"))
	res = d.Reg.Reload(false)
	if len(res.Loaded) != 1 || !strings.HasSuffix(res.Loaded[0], "a.star") || res.Unchanged != 1 {
		t.Errorf("reload after change: %+v", res)
	}
	if got := d.value("A"); got != "v2" {
		t.Errorf("A = %q after reload, want v2", got)
	}
}

func TestReloadAddRemoveRename(t *testing.T) {
	d := newScriptDir(t, map[string]string{"a.star": fn("A", "a")})
	d.write("sub/new.star", fn("New", "n"))
	d.Reg.Reload(false)
	if names(d.Reg) != "A,New" {
		t.Fatalf("functions %s after adding a file", names(d.Reg))
	}
	d.write("a.star", fn("Renamed", "a"))
	d.Reg.Reload(false)
	if names(d.Reg) != "Renamed,New" {
		t.Errorf("functions %s after renaming A", names(d.Reg))
	}
	os.Remove(filepath.Join(d.Dir, "sub/new.star"))
	res := d.Reg.Reload(false)
	if names(d.Reg) != "Renamed" || len(res.Removed) != 1 {
		t.Errorf("functions %s after deleting, result %+v", names(d.Reg), res)
	}
}

func TestReloadSchemaChange(t *testing.T) {
	d := newScriptDir(t, map[string]string{"a.star": fn("A", "a")})
	d.write("a.star", "name = \"A\"\nschema = {\"v\": \"string\", \"n\": \"int64\"}\ndef call(): emit(\"x\", 1)\n")
	d.Reg.Reload(false)
	f, _ := d.Reg.Lookup("A")
	if f.Schema().NumFields() != 2 || f.Schema().Field(1).Name != "n" {
		t.Errorf("schema %v after reload", f.Schema())
	}
}

func TestReloadHelperReloadsDependents(t *testing.T) {
	d := newScriptDir(t, map[string]string{
		"lib/base.star": "WORD = \"one\"\n",
		"lib/mid.star":  "load(\"./base.star\", \"WORD\")\nGREETING = \"hello \" + WORD\n",
		"a.star":        "load(\"./lib/mid.star\", \"GREETING\")\nname = \"A\"\nschema = {\"v\": \"string\"}\ndef call(): emit(GREETING)\n",
		"b.star":        fn("B", "independent"),
	})
	d.write("lib/base.star", "WORD = \"two\"\n")
	res := d.Reg.Reload(false)
	if got := d.value("A"); got != "hello two" {
		t.Errorf("A = %q after changing an indirect helper", got)
	}
	for _, p := range res.Loaded {
		if strings.HasSuffix(p, "b.star") {
			t.Errorf("b.star does not use the helper but was reloaded: %v", res.Loaded)
		}
	}
}

func TestReloadBrokenVersionKeepsServing(t *testing.T) {
	d := newScriptDir(t, map[string]string{"a.star": fn("A", "good")})
	cases := map[string]string{
		"syntax error":   "name = \"A\"\nschema = {\"v\": \"string\"}\ndef call(:\n",
		"bad schema":     "name = \"A\"\nschema = {\"v\": \"strang\"}\ndef call(): pass\n",
		"on_load fails":  "name = \"A\"\nschema = {\"v\": \"string\"}\ndef on_load(ctx):\n    fail(\"boom\")\ndef call(): pass\n",
		"duplicate name": "", // written below as a second file
		"failing helper": "load(\"./nope.star\", \"x\")\nname = \"A\"\nschema = {\"v\": \"string\"}\ndef call(): pass\n",
	}
	for name, src := range cases {
		t.Run(name, func(t *testing.T) {
			broken := "a.star"
			if name == "duplicate name" {
				broken, src = "b.star", fn("A", "imposter")
			}
			d.write(broken, src)
			res := d.Reg.Reload(false)
			if len(res.Failed) != 1 {
				t.Fatalf("reload result %+v, want one failure", res)
			}
			if got := d.value("A"); got != "good" {
				t.Errorf("A = %q while broken, want the last good version", got)
			}
			probs := d.Reg.Problems()
			if len(probs) != 1 || !strings.HasSuffix(probs[0].Path, broken) {
				t.Fatalf("problems %+v", probs)
			}
			if name == "syntax error" && !strings.Contains(probs[0].Err.Error(), "a.star:3:11: got ':', want ')'") {
				t.Errorf("problem %q lacks file:line:col", probs[0].Err)
			}
			// Fix it: the problem clears.
			if broken == "b.star" {
				os.Remove(filepath.Join(d.Dir, "b.star"))
			} else {
				d.write("a.star", fn("A", "good"))
			}
			d.Reg.Reload(false)
			if p := d.Reg.Problems(); len(p) != 0 {
				t.Errorf("problems after the fix: %+v", p)
			}
			if got := d.value("A"); got != "good" {
				t.Errorf("A = %q after the fix", got)
			}
		})
	}
}

func TestReloadNewFileWithTakenNameLoses(t *testing.T) {
	d := newScriptDir(t, map[string]string{"z.star": fn("Z", "z")})
	d.write("a.star", fn("Z", "imposter")) // sorts first, but is new
	d.Reg.Reload(false)
	if got := d.value("Z"); got != "z" {
		t.Errorf("Z = %q: a new file took the name of a serving function", got)
	}
	if len(d.Reg.Problems()) != 1 {
		t.Errorf("problems %+v", d.Reg.Problems())
	}
}

func TestForceReloadRunsOnLoadAgain(t *testing.T) {
	d := newScriptDir(t, map[string]string{
		"a.star": "name = \"A\"\nschema = {\"v\": \"string\"}\ndef on_load(ctx): return str(time.now())\ndef call(p, c, h, ctx): emit(ctx.state)\n",
	})
	before := d.value("A")
	if res := d.Reg.Reload(true); len(res.Loaded) != 1 {
		t.Fatalf("forced reload: %+v", res)
	}
	if after := d.value("A"); after == before {
		t.Errorf("on_load did not run again: %q", after)
	}
}

func TestCallsDuringReloadSeeOneVersion(t *testing.T) {
	d := newScriptDir(t, map[string]string{"a.star": fn("A", "v0")})
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan string, 100)
	for range 8 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				f, _ := d.Reg.Lookup("A")
				table, err := f.Call(context.Background(), &flexfun.Request{})
				if err != nil {
					errs <- err.Error()
					return
				}
				v := table.Batches[0].Column(0).ValueStr(0)
				table.Release()
				if !strings.HasPrefix(v, "v") {
					errs <- v
					return
				}
			}
		})
	}
	for i := 1; i <= 20; i++ {
		d.write("a.star", fn("A", "v"+string(rune('0'+i%10))))
		d.Reg.Reload(false)
	}
	close(stop)
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestReloadJavaScriptHelperReloadsDependents(t *testing.T) {
	d := newScriptDir(t, map[string]string{
		"lib/word.js": "module.exports = { word: \"one\" };\n",
		"a.js": "const { word } = require(\"./lib/word.js\");\nconst name = \"AJs\";\n" +
			"const schema = { v: \"string\" };\nfunction call() { emit(word); }\n",
	})
	if got := d.value("AJs"); got != "one" {
		t.Fatalf("AJs = %q", got)
	}
	d.write("lib/word.js", "module.exports = { word: \"two\" };\n")
	res := d.Reg.Reload(false)
	if got := d.value("AJs"); got != "two" {
		t.Errorf("AJs = %q after changing its require()d helper; reload %+v", got, res)
	}
}

// TestReloadRunawayKeepsLastGood: a save whose top level or on_load never
// ends fails to load within the load timeout, in both languages; the last
// good version keeps serving, and the registry is free again at once.
func TestReloadRunawayKeepsLastGood(t *testing.T) {
	good := map[string]string{
		"a.star": fn("A", "good"),
		"b.js":   "const name = \"B\";\nconst schema = {v: \"string\"};\nfunction call() { emit(\"good\"); }\n",
	}
	runaway := map[string]map[string]string{
		"top level": {
			"a.star": "name = \"A\"\nschema = {\"v\": \"string\"}\nwhile True:\n    pass\ndef call(): pass\n",
			"b.js":   "const name = \"B\";\nconst schema = {v: \"string\"};\nfor (;;) {}\nfunction call() {}\n",
		},
		"on_load": {
			"a.star": "name = \"A\"\nschema = {\"v\": \"string\"}\ndef on_load(ctx):\n    while True:\n        pass\ndef call(): pass\n",
			"b.js":   "const name = \"B\";\nconst schema = {v: \"string\"};\nfunction on_load() { for (;;) {} }\nfunction call() {}\n",
		},
	}
	for what, files := range runaway {
		t.Run(what, func(t *testing.T) {
			d := newScriptDir(t, good)
			for name, src := range files {
				d.write(name, src)
			}
			start := time.Now()
			res := d.Reg.Reload(false)
			elapsed := time.Since(start)
			if len(res.Failed) != 2 {
				t.Fatalf("reload %+v, want both files failed", res)
			}
			for _, p := range res.Failed {
				if !strings.Contains(p.Err.Error(), "did not finish within the load timeout of 2s ([flexfun] load_timeout_ms)") {
					t.Errorf("%s: %v", p.Path, p.Err)
				}
			}
			// Both files load at once, each bounded by the timeout.
			if limit := 2*enginetest.LoadTimeout + 3*time.Second; elapsed > limit {
				t.Errorf("reload took %v, more than %v", elapsed, limit)
			}
			if a, b := d.value("A"), d.value("B"); a != "good" || b != "good" {
				t.Errorf("A = %q, B = %q, want the last good versions serving", a, b)
			}
			// The registry is not held: fixing the files reloads them now.
			d.write("a.star", fn("A", "fixed"))
			d.write("b.js", "const name = \"B\";\nconst schema = {v: \"string\"};\nfunction call() { emit(\"fixed\"); }\n")
			start = time.Now()
			d.Reg.Reload(false)
			if time.Since(start) > time.Second {
				t.Errorf("the reload after the fix took %v", time.Since(start))
			}
			if a, b := d.value("A"), d.value("B"); a != "fixed" || b != "fixed" {
				t.Errorf("A = %q, B = %q after the fix", a, b)
			}
		})
	}
}
