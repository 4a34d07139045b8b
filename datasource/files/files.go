// Package files reads the data files scripts ask for (csv.read,
// parquet.read, json.read_table), confined to the directories listed in
// [flexfun] data_dirs, and turns them into Arrow tables with arrow-go's own
// readers.
//
// Confinement: a relative path is resolved against the first data
// directory; an absolute path must lie inside one of them. A path that
// leaves its directory, by ".." or through a symbolic link, is refused;
// files are opened with os.OpenInRoot, so a relative link is followed only
// while it stays inside, and an absolute link is always refused. With no data_dirs, reading files is off, and every read
// says how to turn it on.
//
// Readers (each returns an *arrowbridge.Table of batches of at most
// arrowbridge.MaxBatchRows rows, allocated from the given allocator; the
// caller releases it):
//
//	ReadCSV(ctx, path, opts, mem)     a CSV file (CSVOptions: header, delimiter, columns, null_values, skip_rows)
//	ParseCSV(ctx, data, opts, mem)    CSV text already in memory, e.g. an HTTP response body
//	ReadParquet(ctx, path, cols, mem) a Parquet file, its own column types, only the columns asked for
//	ReadJSONTable(ctx, path, mem)     JSON lines or a JSON array of objects (see package jsontable)
//
// Every column type produced is one of the script contract's types
// (arrowbridge.ParseType). Errors name the file and, for bad data, the line
// or the row.
//
//	d, err := files.New(cfg.FlexFun.DataDirs)
//	t, err := d.ReadCSV(ctx, "sales.csv", files.CSVOptions{Columns: map[string]string{"revenue": "decimal128(12, 2)"}}, mem)
//	defer t.Release()
//
// A *Dirs is safe for concurrent use.
package files

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ErrDisabled is wrapped by every read when no data directory is
// configured; ErrOutside by a path that leaves the data directories.
var (
	ErrDisabled = errors.New("reading files is off")
	ErrOutside  = errors.New("path outside the data directories")
)

// Dirs is the set of directories scripts may read from.
type Dirs struct {
	dirs []string // absolute and clean
}

// New returns the Dirs for the data_dirs setting. Relative directories
// are resolved against the working directory; each must exist. No
// directories is valid: every read then fails with ErrDisabled.
func New(dirs []string) (*Dirs, error) {
	d := &Dirs{}
	for _, dir := range dirs {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return nil, fmt.Errorf("data directory %q: %w", dir, err)
		}
		info, err := os.Stat(abs)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("data directory %q does not exist", dir)
		case err != nil:
			return nil, fmt.Errorf("data directory %q: %w", dir, err)
		case !info.IsDir():
			return nil, fmt.Errorf("data directory %q is not a directory", dir)
		}
		d.dirs = append(d.dirs, abs)
	}
	return d, nil
}

// Open opens the file at path inside the data directories for reading.
// Errors name the path as given and the directories.
func (d *Dirs) Open(path string) (*os.File, error) {
	dir, rel, err := d.resolve(path)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenInRoot(dir, rel)
	switch {
	case err == nil:
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("open %q: no such file in %s", path, dir)
	case strings.Contains(err.Error(), "path escapes from parent"):
		return nil, fmt.Errorf("%w: %q leads out of the data directory %s through a symbolic link", ErrOutside, path, dir)
	default:
		return nil, fmt.Errorf("open %q in %s: %w", path, dir, unwrapPath(err))
	}
	info, err := f.Stat()
	if err == nil && info.IsDir() {
		err = errors.New("it is a directory")
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open %q in %s: %w", path, dir, err)
	}
	return f, nil
}

// resolve finds the directory path lies in and path relative to it.
func (d *Dirs) resolve(path string) (dir, rel string, err error) {
	if len(d.dirs) == 0 {
		return "", "", fmt.Errorf("%w: list the directories scripts may read in [flexfun] data_dirs, e.g. data_dirs = [\"data\"]", ErrDisabled)
	}
	if path == "" {
		return "", "", errors.New("empty path")
	}
	if filepath.IsAbs(path) {
		clean := filepath.Clean(path)
		for _, dir := range d.dirs {
			if rel, err := filepath.Rel(dir, clean); err == nil && filepath.IsLocal(rel) {
				return dir, rel, nil
			}
		}
		return "", "", fmt.Errorf("%w: %q is not inside %s ([flexfun] data_dirs)", ErrOutside, path, strings.Join(d.dirs, ", "))
	}
	if !filepath.IsLocal(path) {
		return "", "", fmt.Errorf("%w: %q leaves the data directory %s (\"..\" may not climb out of it)", ErrOutside, path, d.dirs[0])
	}
	return d.dirs[0], path, nil
}

// unwrapPath drops the *fs.PathError around err: its path is the
// relative one, and the caller names the path already.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
