package files

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/flexfun-script/flexfun-script/arrowbridge"
)

// tree makes a temporary directory holding files (name → content) and
// returns its path. Names may contain subdirectories.
func tree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, content := range files {
		path := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func newDirs(t *testing.T, dirs ...string) *Dirs {
	t.Helper()
	d, err := New(dirs)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// checked returns an allocator that fails the test if anything allocated
// from it is still held when the test ends.
func checked(t *testing.T) memory.Allocator {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return mem
}

func readAll(t *testing.T, f io.Reader) string {
	t.Helper()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestNew(t *testing.T) {
	root := tree(t, map[string]string{"file.txt": "x"})
	for dir, want := range map[string]string{
		filepath.Join(root, "missing"):  `data directory "` + filepath.Join(root, "missing") + `" does not exist`,
		filepath.Join(root, "file.txt"): `data directory "` + filepath.Join(root, "file.txt") + `" is not a directory`,
	} {
		if _, err := New([]string{dir}); err == nil || err.Error() != want {
			t.Errorf("New(%s) = %v, want %s", dir, err, want)
		}
	}
	d := newDirs(t, root)
	if !filepath.IsAbs(d.dirs[0]) {
		t.Errorf("dirs %q are not absolute", d.dirs)
	}
}

func TestDisabled(t *testing.T) {
	d := newDirs(t)
	want := `reading files is off: list the directories scripts may read in [flexfun] data_dirs, e.g. data_dirs = ["data"]`
	_, err := d.ReadCSV(context.Background(), "sales.csv", CSVOptions{}, nil)
	if err == nil || err.Error() != want || !errors.Is(err, ErrDisabled) {
		t.Errorf("ReadCSV = %v, want %s", err, want)
	}
	for _, read := range []func() error{
		func() error { _, err := d.ReadParquet(context.Background(), "x.parquet", nil, nil); return err },
		func() error { _, err := d.ReadJSONTable(context.Background(), "x.json", nil); return err },
		func() error { _, err := d.Open("/etc/passwd"); return err },
	} {
		if err := read(); !errors.Is(err, ErrDisabled) {
			t.Errorf("read with no data_dirs: %v", err)
		}
	}
}

func TestConfinement(t *testing.T) {
	outside := tree(t, map[string]string{"secret.csv": "password\nhunter2\n"})
	data := tree(t, map[string]string{"a.csv": "x\n1\n", "sub/b.csv": "y\n2\n"})
	other := tree(t, map[string]string{"c.csv": "z\n3\n"})
	mustSymlink(t, filepath.Join(outside, "secret.csv"), filepath.Join(data, "leak.csv"))
	mustSymlink(t, outside, filepath.Join(data, "leakdir"))
	mustSymlink(t, filepath.Join("sub", "b.csv"), filepath.Join(data, "inside.csv"))
	// os.Root counts an absolute link as leaving, even to a file inside.
	mustSymlink(t, filepath.Join(data, "a.csv"), filepath.Join(data, "absolute.csv"))
	d := newDirs(t, data, other)

	for path, want := range map[string]string{
		"a.csv":                       "x\n1\n",
		"sub/b.csv":                   "y\n2\n",
		"sub/../a.csv":                "x\n1\n",
		"./sub/./b.csv":               "y\n2\n",
		"inside.csv":                  "y\n2\n", // a link that stays inside
		filepath.Join(data, "a.csv"):  "x\n1\n",
		filepath.Join(other, "c.csv"): "z\n3\n", // absolute paths reach every directory
		filepath.Join(other, "..", filepath.Base(other), "c.csv"): "z\n3\n",
	} {
		f, err := d.Open(path)
		if err != nil {
			t.Errorf("Open(%s): %v", path, err)
			continue
		}
		if got := readAll(t, f); got != want {
			t.Errorf("Open(%s) read %q, want %q", path, got, want)
		}
		f.Close()
	}

	for path, want := range map[string]string{
		"../secret.csv": `path outside the data directories: "../secret.csv" leaves the data directory ` + data +
			` (".." may not climb out of it)`,
		"sub/../../secret.csv": `path outside the data directories: "sub/../../secret.csv" leaves the data directory ` + data,
		"c.csv":                `open "c.csv": no such file in ` + data, // relative paths resolve against the first directory
		filepath.Join(outside, "secret.csv"): `path outside the data directories: "` + filepath.Join(outside, "secret.csv") +
			`" is not inside ` + data + ", " + other + " ([flexfun] data_dirs)",
		"/etc/passwd": `path outside the data directories: "/etc/passwd" is not inside`,
		"leak.csv": `path outside the data directories: "leak.csv" leads out of the data directory ` + data +
			" through a symbolic link",
		"leakdir/secret.csv": `path outside the data directories: "leakdir/secret.csv" leads out of the data directory ` + data +
			" through a symbolic link",
		"absolute.csv": `path outside the data directories: "absolute.csv" leads out of the data directory ` + data +
			" through a symbolic link",
		"missing.csv": `open "missing.csv": no such file in ` + data,
		"sub":         `open "sub" in ` + data + ": it is a directory",
		"":            "empty path",
	} {
		f, err := d.Open(path)
		if err == nil {
			f.Close()
			t.Errorf("Open(%q) succeeded", path)
			continue
		}
		if !strings.HasPrefix(err.Error(), want) {
			t.Errorf("Open(%q) = %v\nwant %s", path, err, want)
		}
		if strings.Contains(want, "outside") != errors.Is(err, ErrOutside) {
			t.Errorf("Open(%q): errors.Is(ErrOutside) = %v", path, errors.Is(err, ErrOutside))
		}
	}
}

func mustSymlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("symlinks unavailable: %v", err)
	}
}

// schemaOf spells a schema as "name:type" strings.
func schemaOf(s *arrow.Schema) []string {
	var out []string
	for _, f := range s.Fields() {
		out = append(out, f.Name+":"+arrowbridge.TypeName(f.Type))
	}
	return out
}

// rowsOf renders every row of t as strings, "null" for nulls.
func rowsOf(t *arrowbridge.Table) [][]string {
	var rows [][]string
	for _, rec := range t.Batches {
		for r := range int(rec.NumRows()) {
			row := make([]string, rec.NumCols())
			for c := range int(rec.NumCols()) {
				if rec.Column(c).IsNull(r) {
					row[c] = "null"
				} else {
					row[c] = rec.Column(c).ValueStr(r)
				}
			}
			rows = append(rows, row)
		}
	}
	return rows
}

func TestReadJSONTable(t *testing.T) {
	data := tree(t, map[string]string{
		"lines.jsonl": "{\"id\": 1, \"name\": \"a\"}\n{\"id\": 2, \"extra\": [1]}\n",
		"array.json":  `[{"id": 1.5}, {"id": null}]`,
		"bad.json":    "{\"id\": 1}\n{\"id\": 2\n",
	})
	d := newDirs(t, data)
	mem := checked(t)
	tab, err := d.ReadJSONTable(context.Background(), "lines.jsonl", mem)
	if err != nil {
		t.Fatal(err)
	}
	if got := schemaOf(tab.Schema); !reflect.DeepEqual(got, []string{"id:int64", "name:string", "extra:string"}) {
		t.Errorf("schema %q", got)
	}
	if got := rowsOf(tab); !reflect.DeepEqual(got, [][]string{{"1", "a", "null"}, {"2", "null", "[1]"}}) {
		t.Errorf("rows %q", got)
	}
	tab.Release()

	tab, err = d.ReadJSONTable(context.Background(), "array.json", mem)
	if err != nil {
		t.Fatal(err)
	}
	if got := rowsOf(tab); !reflect.DeepEqual(got, [][]string{{"1.5"}, {"null"}}) {
		t.Errorf("rows %q", got)
	}
	tab.Release()

	_, err = d.ReadJSONTable(context.Background(), "bad.json", mem)
	if err == nil || !strings.HasPrefix(err.Error(), "bad.json: line 3, column 1: invalid JSON: ") {
		t.Errorf("bad JSON: %v", err)
	}
	_, err = d.ReadJSONTable(context.Background(), "../x.json", mem)
	if !errors.Is(err, ErrOutside) {
		t.Errorf("JSON outside: %v", err)
	}
}
