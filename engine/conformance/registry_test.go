package conformance_test

import (
	"strings"
	"testing"

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
	reg := newRegistry(new(enginetest.SyncBuffer))
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
	reg := newRegistry(new(enginetest.SyncBuffer))
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
