package secrets

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestGetPrecedence(t *testing.T) {
	s := NewStore(
		map[string]string{"BOTH": "from-config", "CONFIG_ONLY": "c-value", "lower_key": "lk-value"},
		[]string{"BOTH=from-env", "ENV_ONLY=e-value", "EMPTY=", "PATH=/usr/bin"},
	)
	for name, want := range map[string]string{
		"BOTH":        "from-env", // the environment wins
		"CONFIG_ONLY": "c-value",
		"ENV_ONLY":    "e-value",
		"LOWER_KEY":   "lk-value", // configuration names match without regard to case
		"lower_key":   "lk-value",
	} {
		got, err := s.Get(name)
		if err != nil || got != want {
			t.Errorf("Get(%q) = %q, %v; want %q", name, got, err, want)
		}
	}
	// Environment variable names are exact.
	if _, err := s.Get("env_only"); err == nil {
		t.Error("Get(env_only) found ENV_ONLY; environment names must match exactly")
	}
}

func TestMissing(t *testing.T) {
	s := NewStore(nil, []string{"EMPTY="})
	_, err := s.Get("WEATHER_API_KEY")
	want := `secret "WEATHER_API_KEY" is not set: set the environment variable WEATHER_API_KEY or add WEATHER_API_KEY to [flexfun.secrets]`
	if err == nil || err.Error() != want {
		t.Errorf("Get = %v, want %s", err, want)
	}
	var me *MissingError
	if !errors.As(err, &me) || !reflect.DeepEqual(me.Names, []string{"WEATHER_API_KEY"}) {
		t.Errorf("error %T %v is not a MissingError naming the secret", err, err)
	}
	// An empty environment variable counts as unset.
	if _, err := s.Get("EMPTY"); !errors.As(err, &me) {
		t.Errorf("Get(EMPTY) = %v, want a MissingError", err)
	}
	for name, want := range map[string]string{
		"":    "secret: empty name",
		"A=B": `secret "A=B": a name cannot contain "=" or NUL`,
	} {
		if _, err := s.Get(name); err == nil || err.Error() != want {
			t.Errorf("Get(%q) = %v, want %s", name, err, want)
		}
	}
}

func TestRequire(t *testing.T) {
	s := NewStore(map[string]string{"B": "bbbb"}, []string{"A=aaaa"})
	if err := s.Require("A", "B"); err != nil {
		t.Errorf("Require(A, B) = %v", err)
	}
	err := s.Require("A", "X", "B", "Y")
	want := `secrets "X", "Y" are not set: set them as environment variables or in [flexfun.secrets]`
	if err == nil || err.Error() != want {
		t.Errorf("Require = %v, want %s", err, want)
	}
	// Required values are known to the redactor from then on.
	if got := s.Redactor().Redact("a=aaaa"); got != "a=[REDACTED:A]" {
		t.Errorf("Redact after Require = %q", got)
	}
}

// Configured secrets are redacted before any script asks for them;
// environment secrets once resolved.
func TestStoreRedactsWhatItKnows(t *testing.T) {
	s := NewStore(map[string]string{"DB_PASSWORD": "hunter2hunter2"}, []string{"API_KEY=k-8f3a9"})
	r := s.Redactor()
	line := "connect with hunter2hunter2 and key k-8f3a9"
	if got, want := r.Redact(line), "connect with [REDACTED:DB_PASSWORD] and key k-8f3a9"; got != want {
		t.Errorf("before Get: %q, want %q", got, want)
	}
	if _, err := s.Get("API_KEY"); err != nil {
		t.Fatal(err)
	}
	if got, want := r.Redact(line), "connect with [REDACTED:DB_PASSWORD] and key [REDACTED:API_KEY]"; got != want {
		t.Errorf("after Get: %q, want %q", got, want)
	}
}

func TestEnvFile(t *testing.T) {
	data := "\xef\xbb\xbf# comment\n" +
		"\n" +
		"PLAIN=value\r\n" +
		"  SPACED  =  spaced value  \n" +
		"export EXPORTED=yes\n" +
		"COMMENTED=abc # trailing comment\n" +
		"HASH=abc#def\n" +
		"SINGLE='it is $HOME \\n literal' # comment\n" +
		`DOUBLE="line1\nline2\t\"q\" \\ \$x"` + "\n" +
		"EMPTY=\n" +
		"EMPTY_QUOTED=\"\"\n" +
		"EQUALS=a=b=c\n" +
		"EXPAND=$HOME/${USER}\n" +
		"PLAIN=second\n"
	vars, err := ParseEnv("dev.env", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	lines := map[string]int{}
	for _, v := range vars {
		got[v.Name] = v.Value
		lines[v.Name] = v.Line
	}
	want := map[string]string{
		"PLAIN":        "second",
		"SPACED":       "spaced value",
		"EXPORTED":     "yes",
		"COMMENTED":    "abc",
		"HASH":         "abc#def",
		"SINGLE":       `it is $HOME \n literal`,
		"DOUBLE":       "line1\nline2\t\"q\" \\ \\$x",
		"EMPTY":        "",
		"EMPTY_QUOTED": "",
		"EQUALS":       "a=b=c",
		"EXPAND":       "$HOME/${USER}",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parsed\n%q\nwant\n%q", got, want)
	}
	if lines["SPACED"] != 4 || lines["PLAIN"] != 14 {
		t.Errorf("lines = %v, want SPACED on 4 and the last PLAIN on 14", lines)
	}
}

func TestEnvFileErrors(t *testing.T) {
	for data, want := range map[string]string{
		"A=1\nno equals here\n":      "dev.env:2: want KEY=VALUE, got a line without =",
		"1ABC=x\n":                   `dev.env:1: invalid name "1ABC": use letters, digits and _, not starting with a digit`,
		"MY-KEY=x\n":                 `dev.env:1: invalid name "MY-KEY": use letters, digits and _, not starting with a digit`,
		"=x\n":                       `dev.env:1: invalid name "": use letters, digits and _, not starting with a digit`,
		"K='open\n":                  "dev.env:1: K: unterminated single-quoted value",
		"K=\"secret-value\n":         "dev.env:1: K: unterminated double-quoted value (a quoted value must end on its line)",
		"K=\"abc\" def\n":            "dev.env:1: K: unexpected text after the closing quote",
		"OK=1\nK='hunter2'hunter3\n": "dev.env:2: K: unexpected text after the closing quote",
	} {
		_, err := ParseEnv("dev.env", []byte(data))
		if err == nil || err.Error() != want {
			t.Errorf("ParseEnv(%q) = %v\nwant %s", data, err, want)
		}
		if err != nil && (strings.Contains(err.Error(), "hunter") || strings.Contains(err.Error(), "secret-value")) {
			t.Errorf("error shows a value: %v", err)
		}
	}
}

func TestParseEnvFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".env")
	if err := os.WriteFile(path, []byte("API_KEY=abc123\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	vars, err := ParseEnvFile(path)
	if err != nil || len(vars) != 1 || vars[0] != (Var{Name: "API_KEY", Value: "abc123", Line: 1}) {
		t.Errorf("ParseEnvFile = %+v, %v", vars, err)
	}
	_, err = ParseEnvFile(filepath.Join(t.TempDir(), "missing.env"))
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "missing.env") {
		t.Errorf("missing file: %v, want a not-exist error naming the file", err)
	}
}

func TestMergeEnv(t *testing.T) {
	environ := []string{"HOME=/root", "API_KEY=real"}
	vars := []Var{{Name: "API_KEY", Value: "from-file"}, {Name: "NEW", Value: "1"}, {Name: "NEW", Value: "2"}, {Name: "OTHER", Value: "o"}}
	got := MergeEnv(environ, vars)
	want := []string{"HOME=/root", "API_KEY=real", "NEW=2", "OTHER=o"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("MergeEnv = %q, want %q", got, want)
	}
	if environ[1] != "API_KEY=real" || len(environ) != 2 {
		t.Errorf("MergeEnv changed its input: %q", environ)
	}
	s := NewStore(nil, got)
	if v, _ := s.Get("NEW"); v != "2" {
		t.Errorf("Store over the merged environment: NEW = %q, want 2", v)
	}
}

func ExampleParseEnv() {
	vars, err := ParseEnv(".env", []byte("# local secrets\nWEATHER_API_KEY='k-123'\nexport DEBUG=1 # on\n"))
	if err != nil {
		panic(err)
	}
	for _, v := range vars {
		fmt.Printf("%s=%s (line %d)\n", v.Name, v.Value, v.Line)
	}
	// Output:
	// WEATHER_API_KEY=k-123 (line 2)
	// DEBUG=1 (line 3)
}
