package conformance_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flexfun-script/flexfun-script/engine"
	"github.com/flexfun-script/flexfun-script/engine/enginetest"
)

// TestDuplicateNameAcrossLanguages: names are unique per server, whatever
// the language a function is written in.
func TestDuplicateNameAcrossLanguages(t *testing.T) {
	dir := t.TempDir()
	enginetest.WriteFiles(t, dir, map[string]string{
		"a.star": "name = \"Same\"\nschema = {\"a\": \"int64\"}\ndef call(): pass\n",
		"b.js":   "const name = \"Same\";\nconst schema = {a: \"int64\"};\nfunction call() {}\n",
	})
	reg := newRegistry(new(enginetest.SyncBuffer), nil)
	err := reg.LoadPaths([]string{dir})
	if err == nil || !strings.Contains(err.Error(), `b.js: function name "Same" is already used by `) || !strings.Contains(err.Error(), "a.star") {
		t.Errorf("got %v, want b.js's name reported as a duplicate of a.star's", err)
	}
	if len(reg.Functions()) != 0 {
		t.Errorf("a failed load published %d functions", len(reg.Functions()))
	}
}

// TestBothLanguagesSideBySide: a directory may mix languages; each file is
// loaded by its runtime and listed in load order.
func TestBothLanguagesSideBySide(t *testing.T) {
	dir := t.TempDir()
	enginetest.WriteFiles(t, dir, map[string]string{
		"a.star": "schema = {\"a\": \"int64\"}\ndef call(): emit(1)\n",
		"b.js":   "const schema = {a: \"int64\"};\nfunction call() { emit(2); }\n",
		"c.star": "HELPER = 1\n",
		"d.js":   "exports.helper = 1;\n",
	})
	reg := newRegistry(new(enginetest.SyncBuffer), nil)
	if err := reg.LoadPaths([]string{dir}); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range reg.Functions() {
		names = append(names, f.Name())
	}
	if strings.Join(names, ",") != "a,b" {
		t.Errorf("functions %v, want a and b (helpers are not functions)", names)
	}
}

// TestHelpersConfinedToTheFunctionRoots: a helper reached through a
// symbolic link that leaves the function's directory is refused without
// its content showing, in every language; a directory listed in
// ModulePaths may hold helpers.
func TestHelpersConfinedToTheFunctionRoots(t *testing.T) {
	outside := t.TempDir()
	enginetest.WriteFiles(t, outside, map[string]string{
		"leak.star": "SECRET = \"hunter2\"\n",
		"leak.js":   "exports.SECRET = \"hunter2\";\n",
	})
	for _, lang := range languages {
		t.Run(lang.ext, func(t *testing.T) {
			dir := t.TempDir()
			main := map[string]string{
				"star": "load(\"./lib/leak.star\", \"SECRET\")\nschema = {\"v\": \"string\"}\ndef call(): emit(SECRET)\n",
				"js":   "const {SECRET} = require(\"./lib/leak.js\");\nconst schema = {v: \"string\"};\nfunction call() { emit(SECRET); }\n",
			}[lang.ext]
			enginetest.WriteFiles(t, dir, map[string]string{"main." + lang.ext: main})
			if err := os.Mkdir(filepath.Join(dir, "lib"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(filepath.Join(outside, "leak."+lang.ext), filepath.Join(dir, "lib", "leak."+lang.ext)); err != nil {
				t.Fatal(err)
			}
			err := newRegistry(new(enginetest.SyncBuffer), nil).LoadPaths([]string{dir})
			if err == nil || !strings.Contains(err.Error(), "is outside the directories scripts are loaded from") || strings.Contains(err.Error(), "hunter2") {
				t.Errorf("got %v, want the symbolic link refused without its content", err)
			}

			allowed := engine.NewRegistry(engine.Options{Runtimes: []engine.Runtime{lang.runtime()}, ModulePaths: []string{outside}})
			if err := allowed.LoadPaths([]string{dir}); err != nil {
				t.Errorf("with the target's directory in ModulePaths: %v", err)
			}
		})
	}
}
