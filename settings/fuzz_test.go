package settings

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// FuzzLoad loads a fuzzed TOML file with fuzzed GOODDATA_FLIGHT_*
// variables (env: one NAME=value per line; the prefix is added to names
// without it). Load must not panic; it must give the same answer twice;
// every error must name where the bad value came from; and a
// configuration it accepts must hold values in range and Raw only the
// documented types, without the secrets. Seeds: testdata/fuzz/FuzzLoad.
func FuzzLoad(f *testing.F) {
	f.Fuzz(func(t *testing.T, file []byte, env string) {
		path := write(t, t.TempDir(), "fuzz.toml", string(file))
		environ := fuzzEnviron(env)
		c, err := Load([]string{path}, environ)
		c2, err2 := Load([]string{path}, environ)
		if (err == nil) != (err2 == nil) || (err != nil && err.Error() != err2.Error()) {
			t.Fatalf("Load gives different answers: %v / %v", err, err2)
		}
		if err != nil {
			checkOrigins(t, err, path)
			return
		}
		if !reflect.DeepEqual(c, c2) {
			t.Fatalf("Load gives different configurations:\n%+v\n%+v", c, c2)
		}
		checkConfig(t, c)
	})
}

// fuzzEnviron turns the lines of env into GOODDATA_FLIGHT_* variables.
func fuzzEnviron(env string) []string {
	var out []string
	for line := range strings.SplitSeq(env, "\n") {
		if line == "" {
			continue
		}
		if !strings.HasPrefix(line, EnvPrefix) {
			line = EnvPrefix + line
		}
		out = append(out, line)
	}
	return out
}

// checkOrigins checks that every error of a failed Load starts with the
// file, an environment variable or the defaults.
func checkOrigins(t *testing.T, err error, path string) {
	t.Helper()
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	for _, e := range errs {
		msg := e.Error()
		switch {
		case strings.HasPrefix(msg, path+":"),
			strings.HasPrefix(msg, "environment "+EnvPrefix),
			strings.HasPrefix(msg, "default settings:"),
			strings.HasPrefix(msg, "settings file "+path),
			strings.HasPrefix(msg, "read settings file "+path):
		default:
			t.Fatalf("error does not say where the value came from: %q", msg)
		}
	}
}

// checkConfig checks the ranges and types a loaded configuration promises.
func checkConfig(t *testing.T, c *Config) {
	t.Helper()
	s := c.Server
	for name, port := range map[string]int{"listen": s.ListenPort, "advertise": s.AdvertisePort, "metrics": s.MetricsPort, "health": s.HealthCheckPort} {
		if port < 1 || port > 65535 {
			t.Fatalf("%s port %d", name, port)
		}
	}
	if s.TaskThreads < 1 || s.TaskCloseThreads < 1 || s.ResultTTL <= 0 || c.FlexFun.CallDeadline <= 0 ||
		c.FlexFun.PollingInterval <= 0 || c.FlexFun.LoadTimeout <= 0 || c.FlexFun.ShutdownGrace < 0 ||
		c.FlexFun.HTTP.Timeout <= 0 || c.FlexFun.HTTP.MaxResponseBytes <= 0 {
		t.Fatalf("a count or duration out of range: %+v %+v", s, c.FlexFun)
	}
	if s.AuthenticationMethod != AuthNone && s.AuthenticationMethod != AuthToken {
		t.Fatalf("authentication_method %q", s.AuthenticationMethod)
	}
	if s.AuthenticationMethod == AuthToken && s.TokenVerification == EnumeratedTokenVerification && len(c.EnumeratedTokens) == 0 {
		t.Fatal("token authentication without tokens")
	}
	if s.ListenHost == "" || s.AdvertiseHost == "" || s.LogEventKeyName == "" {
		t.Fatalf("empty host or key name: %+v", s)
	}
	for _, name := range []string{"flexfun", "flexconnect"} {
		if m, ok := c.Raw[name].(map[string]any); ok {
			if _, ok := m["secrets"]; ok {
				t.Fatalf("[%s] secrets left in Raw", name)
			}
		}
	}
	checkRaw(t, c.Raw, "")
}

// checkRaw checks that v holds only the types Config.Raw documents.
func checkRaw(t *testing.T, v any, at string) {
	t.Helper()
	switch v := v.(type) {
	case int64, float64, bool, string, time.Time:
	case []any:
		for i, e := range v {
			checkRaw(t, e, at+"["+strconv.Itoa(i)+"]")
		}
	case map[string]any:
		for k, e := range v {
			checkRaw(t, e, at+"."+k)
		}
	default:
		t.Fatalf("Raw%s is a %T", at, v)
	}
}

// TestFuzzEnviron checks the helper that builds the fuzzed environment.
func TestFuzzEnviron(t *testing.T) {
	got := fuzzEnviron("SERVER__LISTEN_PORT=1\n\nGOODDATA_FLIGHT_X__Y=2")
	want := []string{"GOODDATA_FLIGHT_SERVER__LISTEN_PORT=1", "GOODDATA_FLIGHT_X__Y=2"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("fuzzEnviron = %q, want %q", got, want)
	}
}
