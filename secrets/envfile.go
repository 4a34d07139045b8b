package secrets

import (
	"bytes"
	"fmt"
	"os"
	"strings"
)

// Var is one variable of a .env file.
type Var struct {
	Name, Value string
	Line        int // 1-based line of the file it came from
}

// ParseEnvFile reads a .env file: one KEY=VALUE per line.
//
//   - Blank lines and lines starting with # are ignored; "export " before
//     a key is allowed and ignored.
//   - A key is a letter or underscore followed by letters, digits and
//     underscores; spaces around the key and the = are ignored.
//   - An unquoted value runs to the end of the line, without surrounding
//     spaces; " #" (a space, then #) starts a comment.
//   - A value in single quotes is taken literally.
//   - A value in double quotes may use \n, \r, \t, \" and \\; any other
//     backslash is kept as it is.
//   - A quoted value ends on its own line; it may be followed only by
//     spaces and a comment.
//   - Nothing is expanded: $HOME and ${HOME} stay as written.
//
// Errors name the file and line, never a value. A key given twice keeps
// its last value, as in the shell.
func ParseEnvFile(path string) ([]Var, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read env file: %w", err)
	}
	return ParseEnv(path, data)
}

// ParseEnv parses the contents of a .env file as ParseEnvFile does; name
// is used in errors.
func ParseEnv(name string, data []byte) ([]Var, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var vars []Var
	for i, line := range strings.Split(string(data), "\n") {
		v, ok, err := parseEnvLine(strings.TrimSuffix(line, "\r"))
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, i+1, err)
		}
		if ok {
			v.Line = i + 1
			vars = append(vars, v)
		}
	}
	return vars, nil
}

// parseEnvLine parses one line; ok is false for blank and comment lines.
func parseEnvLine(line string) (v Var, ok bool, err error) {
	s := strings.TrimSpace(line)
	if s == "" || s[0] == '#' {
		return Var{}, false, nil
	}
	if rest, found := strings.CutPrefix(s, "export "); found {
		s = strings.TrimSpace(rest)
	}
	key, value, found := strings.Cut(s, "=")
	if !found {
		return Var{}, false, fmt.Errorf("want KEY=VALUE, got a line without =")
	}
	key = strings.TrimSpace(key)
	if !validKey(key) {
		return Var{}, false, fmt.Errorf("invalid name %q: use letters, digits and _, not starting with a digit", key)
	}
	value, err = parseEnvValue(strings.TrimSpace(value))
	if err != nil {
		return Var{}, false, fmt.Errorf("%s: %w", key, err)
	}
	return Var{Name: key, Value: value}, true, nil
}

func validKey(k string) bool {
	if k == "" || (k[0] >= '0' && k[0] <= '9') {
		return false
	}
	for _, c := range []byte(k) {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// parseEnvValue parses what follows the = (already trimmed).
func parseEnvValue(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	switch s[0] {
	case '\'':
		end := strings.IndexByte(s[1:], '\'')
		if end < 0 {
			return "", fmt.Errorf("unterminated single-quoted value")
		}
		return s[1 : 1+end], trailing(s[2+end:])
	case '"':
		return parseDoubleQuoted(s)
	}
	if i := strings.Index(s, " #"); i >= 0 {
		s = s[:i]
	}
	if i := strings.Index(s, "\t#"); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s), nil
}

// parseDoubleQuoted parses a double-quoted value with its escapes.
func parseDoubleQuoted(s string) (string, error) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			return b.String(), trailing(s[i+1:])
		case c == '\\' && i+1 < len(s):
			i++
			switch s[i] {
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case '"', '\\':
				b.WriteByte(s[i])
			default:
				b.WriteByte('\\')
				b.WriteByte(s[i])
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", fmt.Errorf("unterminated double-quoted value (a quoted value must end on its line)")
}

// trailing checks what follows a closing quote: spaces and a comment.
func trailing(rest string) error {
	rest = strings.TrimSpace(rest)
	if rest != "" && rest[0] != '#' {
		return fmt.Errorf("unexpected text after the closing quote")
	}
	return nil
}

// MergeEnv returns environ (os.Environ form) with each variable of vars
// added unless environ already sets it: the real environment wins over
// the file. Of a name given twice in vars, the last value counts.
func MergeEnv(environ []string, vars []Var) []string {
	set := make(map[string]bool, len(environ))
	for _, kv := range environ {
		if k, _, ok := strings.Cut(kv, "="); ok {
			set[k] = true
		}
	}
	last := make(map[string]string, len(vars))
	var order []string
	for _, v := range vars {
		if set[v.Name] {
			continue
		}
		if _, seen := last[v.Name]; !seen {
			order = append(order, v.Name)
		}
		last[v.Name] = v.Value
	}
	out := append([]string(nil), environ...)
	for _, name := range order {
		out = append(out, name+"="+last[name])
	}
	return out
}
