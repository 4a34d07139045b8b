package settings

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
)

// EnvPrefix starts every environment variable that overrides a setting.
const EnvPrefix = "GOODDATA_FLIGHT_"

// Load reads the TOML files in order, merges them, applies environment
// overrides from environ (os.Environ() form), validates, and returns the
// typed configuration.
//
// After each file X.toml, Load also reads X.local.toml if it exists. If a
// file cannot be read or parsed, Load reports every such file and does not
// validate; otherwise it reports every validation error at once.
func Load(files []string, environ []string) (*Config, error) {
	t := &tree{root: map[string]any{}, origins: map[string]string{}}
	read, err := t.readFiles(files)
	if err != nil {
		return nil, err
	}
	if err := t.applyEnv(environ); err != nil {
		return nil, err
	}
	c, err := decode(t)
	if err != nil {
		return nil, err
	}
	c.Files = read
	return c, nil
}

// A tree is the merged configuration and the origin of every value in it.
type tree struct {
	root map[string]any
	// origins maps a path (originKey) to a file name or
	// "environment NAME". Every path present in root has an entry.
	origins map[string]string
}

// origin reports where the value at path came from, falling back to the
// nearest enclosing table that has a recorded origin.
func (t *tree) origin(path ...string) string {
	for n := len(path); n > 0; n-- {
		if o, ok := t.origins[originKey(path[:n])]; ok {
			return o
		}
	}
	return "default settings"
}

// readFiles merges each file and its X.local sibling into t. It returns
// the files read, or every file error joined.
func (t *tree) readFiles(files []string) ([]string, error) {
	var read []string
	var errs []error
	for _, f := range files {
		if err := t.readFile(f); err != nil {
			errs = append(errs, err)
			continue
		}
		read = append(read, f)
		local, ok := localSibling(f)
		if !ok {
			continue
		}
		if _, err := os.Stat(local); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err := t.readFile(local); err != nil {
			errs = append(errs, err)
			continue
		}
		read = append(read, local)
	}
	return read, errors.Join(errs...)
}

// localSibling returns X.local.ext for X.ext, like dynaconf. A file that is
// already a .local file has no sibling.
func localSibling(path string) (string, bool) {
	ext := filepath.Ext(path)
	base := strings.TrimSuffix(path, ext)
	if strings.HasSuffix(base, ".local") {
		return "", false
	}
	return base + ".local" + ext, true
}

// readFile parses one TOML file and merges it into t.
func (t *tree) readFile(path string) error {
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("settings file %s does not exist", path)
	case err != nil:
		return fmt.Errorf("settings file %s: %w", path, err)
	case info.IsDir():
		return fmt.Errorf("settings file %s is a directory, not a settings file", path)
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml", ".json", ".ini", ".py", ".env":
		return fmt.Errorf("settings file %s: only TOML settings files are supported", path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read settings file %s: %w", path, err)
	}
	var m map[string]any
	if _, err := toml.Decode(string(data), &m); err != nil {
		return syntaxError(path, string(data), err)
	}
	// Section names are case-insensitive, as in dynaconf: [SERVER] is [server].
	for k, v := range m {
		t.merge(t.root, strings.ToLower(k), normalize(v), nil, path)
	}
	return nil
}

// syntaxError formats a TOML parse error the way the Go compiler does:
// file:line:column: message.
func syntaxError(path, data string, err error) error {
	var pe toml.ParseError
	if !errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", path, err)
	}
	start := min(max(pe.Position.Start, 0), len(data))
	if start == 0 && pe.Position.Line > 1 {
		return fmt.Errorf("%s:%d: %s", path, pe.Position.Line, pe.Message)
	}
	// Derive line and column from the byte offset: for an error at the end
	// of a line the parser reports the next line but the offset of the
	// newline.
	line := 1 + strings.Count(data[:start], "\n")
	col := start - strings.LastIndexByte(data[:start], '\n')
	return fmt.Errorf("%s:%d:%d: %s", path, line, col, pe.Message)
}

// normalize converts the decoder's []map[string]any (arrays of tables) to
// []any, so that Raw holds only the types Config.Raw documents.
func normalize(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			v[k] = normalize(e)
		}
		return v
	case []map[string]any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = normalize(e)
		}
		return out
	case []any:
		for i, e := range v {
			v[i] = normalize(e)
		}
		return v
	}
	return v
}

// merge sets dst[key] = v, merging tables key by key: when both the old
// and the new value are tables, each key of the new one is merged in turn;
// otherwise the new value replaces the old one. parent is the path of dst.
func (t *tree) merge(dst map[string]any, key string, v any, parent []string, origin string) {
	path := append(parent[:len(parent):len(parent)], key)
	src, srcIsTable := v.(map[string]any)
	if old, ok := dst[key].(map[string]any); ok && srcIsTable {
		for k, e := range src {
			t.merge(old, k, e, path, origin)
		}
		return
	}
	dst[key] = v
	t.mark(path, v, origin)
}

// mark records origin for path and everything below it.
func (t *tree) mark(path []string, v any, origin string) {
	t.origins[originKey(path)] = origin
	if m, ok := v.(map[string]any); ok {
		for k, e := range m {
			t.mark(append(path[:len(path):len(path)], k), e, origin)
		}
	}
}

// An envSetting is one GOODDATA_FLIGHT_* variable.
type envSetting struct {
	name  string   // the variable's name
	path  []string // lower-case section and keys
	value any
}

// applyEnv merges the GOODDATA_FLIGHT_* variables of environ into t.
// Variables with shorter paths apply first, so that a whole-section
// variable does not undo a single-key one.
func (t *tree) applyEnv(environ []string) error {
	var settings []envSetting
	var errs []error
	for _, kv := range environ {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(name, EnvPrefix) {
			continue
		}
		s, err := parseEnv(name, value)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		settings = append(settings, s)
	}
	sort.SliceStable(settings, func(i, j int) bool {
		return len(settings[i].path) < len(settings[j].path)
	})
	for _, s := range settings {
		if err := t.setEnv(s); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// parseEnv splits a variable's name into a path and parses its value.
func parseEnv(name, value string) (envSetting, error) {
	parts := strings.Split(strings.ToLower(strings.TrimPrefix(name, EnvPrefix)), "__")
	for _, p := range parts {
		if p == "" {
			return envSetting{}, fmt.Errorf("environment %s: empty section or key name (write %s<SECTION>__<KEY>)", name, EnvPrefix)
		}
	}
	return envSetting{name: name, path: parts, value: parseEnvValue(value)}, nil
}

// parseEnvValue parses value as a TOML value, as dynaconf does: 17001 is an
// integer, true a boolean, ["a","b"] an array, {a=1} a table. Anything that
// does not parse as exactly one TOML value is the string itself.
func parseEnvValue(value string) any {
	var m map[string]any
	if _, err := toml.Decode("v = "+value, &m); err != nil || len(m) != 1 {
		return value
	}
	return normalize(m["v"])
}

// setEnv merges one environment setting into t. Keys below the section are
// matched case-insensitively against keys already present; new keys are
// stored lower-case.
func (t *tree) setEnv(s envSetting) error {
	origin := "environment " + s.name
	dst := t.root
	var parent []string
	for _, part := range s.path[:len(s.path)-1] {
		key := findKey(dst, part)
		parent = append(parent, key)
		switch next := dst[key].(type) {
		case map[string]any:
			dst = next
		case nil:
			table := map[string]any{}
			dst[key] = table
			t.origins[originKey(parent)] = origin
			dst = table
		default:
			return fmt.Errorf("%s: cannot set %s: %s (from %s) is %s, not a table",
				origin, strings.Join(s.path, "."), strings.Join(parent, "."), t.origin(parent...), describe(next))
		}
	}
	key := findKey(dst, s.path[len(s.path)-1])
	t.merge(dst, key, s.value, parent, origin)
	return nil
}

// findKey returns the key of m equal to name under Unicode case folding,
// preferring an exact match, or name itself if there is none.
func findKey(m map[string]any, name string) string {
	if _, ok := m[name]; ok {
		return name
	}
	var keys []string
	for k := range m {
		if strings.EqualFold(k, name) {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return name
	}
	sort.Strings(keys)
	return keys[0]
}
