package engine

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// FindScripts expands the configured function paths into script files.
// Each entry is a file, a directory (searched recursively in lexical order,
// skipping hidden directories and node_modules) or a glob. Only files whose
// extension is in exts are kept from directories and globs; a file named
// directly must have one of them. The result keeps the configured order and
// lists each file once.
func FindScripts(paths []string, exts []string) ([]string, error) {
	var files []string
	seen := make(map[string]bool)
	add := func(f string) {
		if !seen[f] {
			seen[f] = true
			files = append(files, f)
		}
	}
	for _, p := range paths {
		found, err := expand(p, exts)
		if err != nil {
			return nil, err
		}
		for _, f := range found {
			add(f)
		}
	}
	return files, nil
}

func expand(p string, exts []string) ([]string, error) {
	if strings.ContainsAny(p, "*?[") {
		matches, err := filepath.Glob(p)
		if err != nil {
			return nil, fmt.Errorf("functions entry %q: %w", p, err)
		}
		var files []string
		for _, m := range matches {
			found, err := expandExisting(m, exts, false)
			if err != nil {
				return nil, err
			}
			files = append(files, found...)
		}
		return files, nil
	}
	return expandExisting(p, exts, true)
}

func expandExisting(p string, exts []string, named bool) ([]string, error) {
	info, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("functions entry %q: %w", p, err)
	}
	if info.IsDir() {
		return walkDir(p, exts)
	}
	if slices.Contains(exts, filepath.Ext(p)) {
		return []string{p}, nil
	}
	if named {
		return nil, fmt.Errorf("functions entry %q: not a script (want one of %s)", p, strings.Join(exts, ", "))
	}
	return nil, nil
}

func walkDir(root string, exts []string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && SkipDir(d.Name()) {
				return filepath.SkipDir
			}
			return nil
		}
		if slices.Contains(exts, filepath.Ext(path)) {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("functions entry %q: %w", root, err)
	}
	return files, nil
}

// SkipDir reports whether a directory is skipped when searching for scripts:
// hidden directories and node_modules.
func SkipDir(name string) bool {
	return strings.HasPrefix(name, ".") || name == "node_modules"
}
