package modules

import (
	"fmt"
	"slices"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/flexfun-script/flexfun-script/datasource/files"
	"github.com/flexfun-script/flexfun-script/engine"
)

// Files returns the file modules over dirs ([flexfun] data_dirs; nil
// turns file reading off, and every function says how to turn it on):
//
//	csv.read(path, header=True, delimiter=",", columns=None, null_values=None, skip_rows=0)
//	csv.parse(text_or_bytes, ...the same options)
//	parquet.read(path, columns=None)
//	json.read_table(path)
//
// Each returns a table (docs/data-access.md). In Starlark, json.read_table
// joins the json library's encode, decode and indent.
func Files(dirs *files.Dirs, mem memory.Allocator) []*engine.Module {
	f := &fileModule{dirs: dirs, mem: mem}
	csvOptions := []string{"header", "delimiter", "columns", "null_values", "skip_rows"}
	return []*engine.Module{
		{Name: "csv", Funcs: []*engine.Func{
			{Name: "csv.read", Params: []string{"path"}, Options: csvOptions, Impl: f.readCSV},
			{Name: "csv.parse", Params: []string{"data"}, Options: csvOptions, Impl: f.parseCSV},
		}},
		{Name: "parquet", Funcs: []*engine.Func{
			{Name: "parquet.read", Params: []string{"path"}, Options: []string{"columns"}, Impl: f.readParquet},
		}},
		{Name: "json", Funcs: []*engine.Func{
			{Name: "json.read_table", Params: []string{"path"}, Impl: f.readJSON},
		}},
	}
}

type fileModule struct {
	dirs *files.Dirs
	mem  memory.Allocator
}

// errNoDataDirs is the error of every file function without data_dirs.
const errNoDataDirs = "reading files is off: list the directories scripts may read in [flexfun] data_dirs"

func (f *fileModule) check(name string) error {
	if f.dirs == nil {
		return fmt.Errorf("%s: %s", name, errNoDataDirs)
	}
	return nil
}

func (f *fileModule) readCSV(t *engine.Thread, args *engine.Args) (engine.Value, error) {
	if err := f.check("csv.read"); err != nil {
		return nil, err
	}
	path, opts, err := csvArgs(args, "path")
	if err != nil {
		return nil, err
	}
	tbl, err := f.dirs.ReadCSV(t.Context(), path, opts, f.mem)
	if err != nil {
		return nil, fmt.Errorf("csv.read: %w", err)
	}
	return engine.NewTableValue(t, tbl), nil
}

func (f *fileModule) parseCSV(t *engine.Thread, args *engine.Args) (engine.Value, error) {
	v, err := args.Value("data")
	if err != nil {
		return nil, err
	}
	var data []byte
	switch v := v.(type) {
	case string:
		data = []byte(v)
	case []byte:
		data = v
	default:
		return nil, fmt.Errorf("csv.parse: for parameter data: got %s, want a string or bytes", engine.KindName(v))
	}
	_, opts, err := csvArgs(args, "")
	if err != nil {
		return nil, err
	}
	tbl, err := files.ParseCSV(t.Context(), data, opts, f.mem)
	if err != nil {
		return nil, fmt.Errorf("csv.parse: %w", err)
	}
	return engine.NewTableValue(t, tbl), nil
}

// csvArgs reads the path (when pathParam is set) and the CSV options.
func csvArgs(args *engine.Args, pathParam string) (string, files.CSVOptions, error) {
	var opts files.CSVOptions
	var path string
	var err error
	if pathParam != "" {
		if path, err = args.String(pathParam, ""); err != nil {
			return "", opts, err
		}
	}
	if args.Has("header") {
		header, err := args.Bool("header", true)
		if err != nil {
			return "", opts, err
		}
		opts.Header = &header
	}
	if opts.Delimiter, err = args.String("delimiter", ""); err != nil {
		return "", opts, err
	}
	if opts.Columns, _, err = args.StringMap("columns"); err != nil {
		return "", opts, err
	}
	if args.Has("null_values") {
		if opts.NullValues, err = args.Strings("null_values", true); err != nil {
			return "", opts, err
		}
		if opts.NullValues == nil {
			opts.NullValues = []string{}
		}
	}
	skip, err := args.Int("skip_rows", 0)
	opts.SkipRows = int(skip)
	return path, opts, err
}

// readParquet reads the columns asked for; without any, and in a call
// with a columns hint, only the hinted columns the file has.
func (f *fileModule) readParquet(t *engine.Thread, args *engine.Args) (engine.Value, error) {
	if err := f.check("parquet.read"); err != nil {
		return nil, err
	}
	path, err := args.String("path", "")
	if err != nil {
		return nil, err
	}
	columns, err := args.Strings("columns", true)
	if err != nil {
		return nil, err
	}
	hinted := columns == nil && t.Request() != nil && len(t.Request().Columns) > 0
	if hinted {
		columns = t.Request().Columns
	}
	tbl, err := f.dirs.ReadParquet(t.Context(), path, columns, f.mem)
	if err != nil && hinted {
		// A hinted column the file lacks (the script computes it): read
		// the whole file instead.
		tbl, err = f.dirs.ReadParquet(t.Context(), path, nil, f.mem)
		if err == nil {
			keep := slices.DeleteFunc(slices.Clone(tbl.ColumnNames()), func(c string) bool { return !slices.Contains(columns, c) })
			if len(keep) > 0 {
				sel, serr := tbl.Select(keep)
				tbl.Release()
				tbl, err = sel, serr
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("parquet.read: %w", err)
	}
	return engine.NewTableValue(t, tbl), nil
}

func (f *fileModule) readJSON(t *engine.Thread, args *engine.Args) (engine.Value, error) {
	if err := f.check("json.read_table"); err != nil {
		return nil, err
	}
	path, err := args.String("path", "")
	if err != nil {
		return nil, err
	}
	tbl, err := f.dirs.ReadJSONTable(t.Context(), path, f.mem)
	if err != nil {
		return nil, fmt.Errorf("json.read_table: %w", err)
	}
	return engine.NewTableValue(t, tbl), nil
}
