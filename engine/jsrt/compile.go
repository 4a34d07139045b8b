package jsrt

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dop251/goja"
	"github.com/dop251/goja/file"
	"github.com/dop251/goja/parser"

	"github.com/flexfun-script/flexfun-script/engine"
)

// A unit is one compiled JavaScript file: a function's own file, compiled
// as a script so that its top-level declarations are global bindings, or a
// helper module, compiled inside a CommonJS wrapper function. A unit is
// immutable once linked and shared by every runtime that runs it.
type unit struct {
	path   string           // as given or resolved; shown in errors and stacks
	prg    *goja.Program    // a script, or an expression whose value is the wrapper
	prefix int              // columns the wrapper adds to line 1 (0 for a script)
	deps   []*unit          // helpers it requires, in source order, each once
	bySpec map[string]*unit // require("spec") → helper
	broken error            // set when linking failed after a cycle saw u
}

// The CommonJS wrapper of a helper module. It sits on the module's first
// line, so that line numbers stay right; columns on line 1 are corrected
// where positions are shown (see column).
const (
	wrapperJS   = "(function (exports, require, module, __filename, __dirname) {"
	wrapperJSON = wrapperJS + "module.exports = "
	wrapperEnd  = "\n})"
)

// column returns the column the author sees for a position in u's
// compiled source.
func (u *unit) column(line, col int) int {
	if line == 1 && col > u.prefix {
		return col - u.prefix
	}
	return col
}

// compileMain compiles a function's own file and every helper it requires.
func compileMain(path string, env *engine.LoadEnv) (*unit, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	u, reqs, err := compileSource(path, "", src)
	if err != nil {
		return nil, err
	}
	if err := u.link(reqs, env); err != nil {
		return nil, err
	}
	// A helper in a require cycle may have failed after its partner
	// linked to it.
	for _, d := range u.units() {
		if d.broken != nil {
			return nil, d.broken
		}
	}
	return u, nil
}

// moduleEntry is a helper module or the error compiling it, stored in the
// pass cache.
type moduleEntry struct {
	u   *unit
	err error
}

// compileModule compiles the helper module at path once per load pass
// (env.Cache): a helper required by several functions is read and compiled
// once. Its entry is cached before its own requires are followed, so that a
// require cycle ends, as in Node.
func compileModule(path string, env *engine.LoadEnv) (*unit, error) {
	key := "jsrt:module:" + absPath(path)
	if v, ok := env.Cache.Get(key); ok {
		e := v.(*moduleEntry)
		return e.u, e.err
	}
	e := new(moduleEntry)
	env.Cache.Put(key, e)
	src, err := os.ReadFile(path)
	if err != nil {
		e.err = err
		return nil, err
	}
	prefix := wrapperJS
	if filepath.Ext(path) == ".json" {
		prefix = wrapperJSON
	}
	u, reqs, err := compileSource(path, prefix, src)
	if err != nil {
		e.err = err
		return nil, err
	}
	e.u = u // published before linking: a cycle back here finds it
	if err := u.link(reqs, env); err != nil {
		u.broken = err
		e.u, e.err = nil, err
		return nil, err
	}
	return u, nil
}

// pendingRequire is a require("literal") of a compiled unit, with its
// position as the author sees it.
type pendingRequire struct {
	spec      string
	line, col int
}

// compileSource parses and compiles src, wrapped in prefix (and wrapperEnd
// when there is a prefix), and lists its require("...") calls. A syntax
// error names the file, line and column as the author sees them.
func compileSource(path, prefix string, src []byte) (*unit, []pendingRequire, error) {
	code := string(src)
	if strings.HasPrefix(code, "#!") {
		code = "//" + code[2:] // a hashbang line, as Node allows
	}
	if prefix != "" {
		code = prefix + code + wrapperEnd
	}
	u := &unit{path: path, prefix: len(prefix), bySpec: map[string]*unit{}}
	tree, err := parser.ParseFile(nil, path, code, 0, parser.WithDisableSourceMaps)
	if err != nil {
		return nil, nil, u.syntaxError(err)
	}
	if u.prg, err = goja.CompileAST(tree, false); err != nil {
		return nil, nil, u.syntaxError(err)
	}
	var reqs []pendingRequire
	for _, r := range findRequires(tree) {
		pos := tree.File.Position(int(r.at) - tree.File.Base())
		reqs = append(reqs, pendingRequire{spec: r.spec, line: pos.Line, col: u.column(pos.Line, pos.Column)})
	}
	return u, reqs, nil
}

// link compiles the helpers u requires.
func (u *unit) link(reqs []pendingRequire, env *engine.LoadEnv) error {
	for _, r := range reqs {
		if _, done := u.bySpec[r.spec]; done {
			continue
		}
		dep, err := requireUnit(u, r.spec, env)
		if err != nil {
			return fmt.Errorf("%s:%d:%d: require(%q): %w", u.path, r.line, r.col, r.spec, err)
		}
		u.bySpec[r.spec] = dep
		if !slices.Contains(u.deps, dep) {
			u.deps = append(u.deps, dep)
		}
	}
	return nil
}

// requireUnit resolves spec against the unit that requires it and compiles
// the helper.
func requireUnit(from *unit, spec string, env *engine.LoadEnv) (*unit, error) {
	path, err := resolve(from.path, spec, env)
	if err != nil {
		return nil, err
	}
	if err := env.CheckHelper(path); err != nil { // a symbolic link that leaves the roots
		return nil, err
	}
	return compileModule(path, env)
}

// resolve finds the file require(spec) means in the file from: spec is a
// path relative to from's directory (or absolute), with or without its .js
// or .json extension, or a directory holding index.js.
func resolve(from, spec string, env *engine.LoadEnv) (string, error) {
	if !strings.HasPrefix(spec, "./") && !strings.HasPrefix(spec, "../") && !filepath.IsAbs(spec) {
		return "", errors.New(`only files can be required, by a path starting with "./", "../" or "/" (there are no packages or node_modules)`)
	}
	base := filepath.FromSlash(spec)
	if !filepath.IsAbs(base) {
		base = filepath.Join(filepath.Dir(from), base)
	}
	if err := env.CheckHelper(base); err != nil { // before looking at any file there
		return "", err
	}
	candidates := []string{base}
	if ext := filepath.Ext(base); ext != ".js" && ext != ".json" {
		candidates = []string{base + ".js", base + ".json", filepath.Join(base, "index.js")}
	}
	for _, c := range candidates {
		if info, err := os.Stat(c); err == nil && info.Mode().IsRegular() {
			return c, nil
		}
	}
	return "", fmt.Errorf("no file %s", strings.Join(candidates, ", "))
}

func absPath(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return path
}

// syntaxError formats a parser or compiler error as
// "file:line:col: SyntaxError: message".
func (u *unit) syntaxError(err error) error {
	var pos file.Position
	var msg string
	var list parser.ErrorList
	var one *parser.Error
	var comp *goja.CompilerSyntaxError
	switch {
	case errors.As(err, &list) && len(list) > 0:
		pos, msg = list[0].Position, list[0].Message
	case errors.As(err, &one):
		pos, msg = one.Position, one.Message
	case errors.As(err, &comp) && comp.File != nil:
		pos, msg = comp.File.Position(comp.Offset), comp.Message
	default:
		return fmt.Errorf("%s: %w", u.path, err)
	}
	return fmt.Errorf("%s:%d:%d: SyntaxError: %s", u.path, pos.Line, u.column(pos.Line, pos.Column), msg)
}

// units returns u followed by every helper it requires, directly or not,
// each once, depth first in source order.
func (u *unit) units() []*unit {
	var out []*unit
	var walk func(*unit)
	walk = func(x *unit) {
		if slices.Contains(out, x) {
			return
		}
		out = append(out, x)
		for _, d := range x.deps {
			walk(d)
		}
	}
	walk(u)
	return out
}
