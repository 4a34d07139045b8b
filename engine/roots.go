package engine

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Script files may load helpers (Starlark load(), JavaScript require())
// only from the function roots: the directories the configured function
// paths name (a directory itself, a file's directory, a glob's fixed
// part), and Options.ModulePaths. A helper outside them, or a symbolic
// link that leaves them, is refused before the file is read, so nothing of
// its content can leak into an error.

// roots returns the absolute, symlink-free roots of paths and modulePaths.
func roots(paths, modulePaths []string) []string {
	var out []string
	add := func(dir string) {
		if abs, err := filepath.Abs(dir); err == nil {
			if real, err := filepath.EvalSymlinks(abs); err == nil {
				abs = real
			}
			out = append(out, abs)
		}
	}
	for _, p := range paths {
		if i := strings.IndexAny(p, "*?["); i >= 0 {
			p = filepath.Dir(p[:i] + "x") // the directory the pattern's fixed part names
		} else if info, err := os.Stat(p); err == nil && !info.IsDir() {
			p = filepath.Dir(p)
		}
		add(p)
	}
	for _, p := range modulePaths {
		add(p)
	}
	return out
}

// ErrOutsideRoots is wrapped by the error of a helper outside the function
// roots.
var ErrOutsideRoots = errors.New("outside the directories scripts are loaded from")

// CheckHelper returns an error unless the helper file at path lies within
// the function roots, symbolic links resolved. A runtime calls it before
// it reads a helper.
func (e *LoadEnv) CheckHelper(path string) error {
	if e.Roots == nil {
		return nil // no roots known: nothing to confine to (a test's own LoadEnv)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	if !e.within(abs) {
		return e.outside(abs)
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil // a missing file: the runtime reports it as such
	}
	if !e.within(real) {
		return e.outside(abs)
	}
	return nil
}

func (e *LoadEnv) within(path string) bool {
	for _, r := range e.Roots {
		if rel, err := filepath.Rel(r, path); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

func (e *LoadEnv) outside(path string) error {
	return fmt.Errorf("%s is %w (%s); add its directory to [flexfun] module_paths to allow it",
		path, ErrOutsideRoots, strings.Join(e.Roots, ", "))
}
