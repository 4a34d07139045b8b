package conformance_test

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
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

// TestDeclarations: name, metadata (key order kept) and the list form of
// the schema with nullability and field metadata, in both languages.
func TestDeclarations(t *testing.T) {
	sources := map[string]string{
		"star": `name = "Decl"
metadata = {"z": 1, "a": {"nested": [True, None, "s", 2.5]}}
schema = [("id", "int64 not null"), ("tag", {"type": "string", "nullable": False, "metadata": {"k": "v"}}), ("d", "date32")]
def call(): pass
`,
		"js": `const name = "Decl";
const metadata = {z: 1, a: {nested: [true, null, "s", 2.5]}};
const schema = [["id", "int64 not null"], ["tag", {type: "string", nullable: false, metadata: {k: "v"}}], ["d", "date32"]];
function call() {}
`,
	}
	for _, ext := range languages {
		t.Run(ext, func(t *testing.T) {
			dir := t.TempDir()
			enginetest.WriteFiles(t, dir, map[string]string{"main." + ext: sources[ext]})
			reg := newRegistry(new(enginetest.SyncBuffer))
			if err := reg.LoadPaths([]string{dir}); err != nil {
				t.Fatal(err)
			}
			f, ok := reg.Lookup("Decl")
			if !ok {
				t.Fatal("no function Decl")
			}
			if got := string(f.Metadata()); got != `{"z":1,"a":{"nested":[true,null,"s",2.5]}}` {
				t.Errorf("metadata %s (key order must be kept)", got)
			}
			s := f.Schema()
			if s.NumFields() != 3 || s.Field(0).Name != "id" || s.Field(0).Nullable || s.Field(1).Nullable || !s.Field(2).Nullable {
				t.Errorf("schema %v", s)
			}
			if s.Field(2).Type.ID() != arrow.DATE32 {
				t.Errorf("d is %v", s.Field(2).Type)
			}
			if v, _ := s.Field(1).Metadata.GetValue("k"); v != "v" {
				t.Errorf("field metadata lost: %v", s.Field(1).Metadata)
			}
		})
	}
	// Without metadata, GoodData gets null.
	for ext, src := range map[string]string{"star": "schema = {\"a\": \"int64\"}\ndef call(): pass\n", "js": "const schema = {a: \"int64\"};\nfunction call() {}\n"} {
		dir := t.TempDir()
		enginetest.WriteFiles(t, dir, map[string]string{"m." + ext: src})
		reg := newRegistry(new(enginetest.SyncBuffer))
		if err := reg.LoadPaths([]string{dir}); err != nil {
			t.Fatal(err)
		}
		if f, _ := reg.Lookup("m"); string(f.Metadata()) != "null" {
			t.Errorf("%s: metadata %s, want null", ext, f.Metadata())
		}
	}
}
