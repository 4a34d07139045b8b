package settings

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestDataAccessSettings(t *testing.T) {
	dir := t.TempDir()
	c := load(t, []string{write(t, dir, "f.toml", `
[flexfun]
data_dirs = ["data", "/srv/shared"]

[flexfun.http]
timeout = "5s"
max_response_bytes = "1.5MiB"
allow = ["API.example.com", "*.Internal.example.com", "[::1]", "127.0.0.1", "host.example.com."]
allow_private = true

[flexfun.secrets]
WEATHER_API_KEY = "k-123"
`)})
	ff := c.FlexFun
	if !reflect.DeepEqual(ff.DataDirs, []string{"data", "/srv/shared"}) {
		t.Errorf("DataDirs = %q", ff.DataDirs)
	}
	want := HTTPConfig{
		Timeout:          5 * time.Second,
		MaxResponseBytes: 1572864,
		Allow:            []string{"api.example.com", "*.internal.example.com", "::1", "127.0.0.1", "host.example.com"},
		AllowPrivate:     true,
	}
	if !reflect.DeepEqual(ff.HTTP, want) {
		t.Errorf("HTTP = %+v\nwant %+v", ff.HTTP, want)
	}
	if !reflect.DeepEqual(ff.Secrets, map[string]string{"WEATHER_API_KEY": "k-123"}) {
		t.Errorf("Secrets = %v", ff.Secrets)
	}
	flexfun := c.Raw["flexfun"].(map[string]any)
	if _, ok := flexfun["secrets"]; ok {
		t.Errorf("Raw still holds [flexfun.secrets]: %v", flexfun)
	}
	if _, ok := flexfun["http"]; !ok {
		t.Errorf("Raw lost [flexfun.http]: %v", flexfun)
	}
}

func TestHTTPTimeoutForms(t *testing.T) {
	dir := t.TempDir()
	for value, want := range map[string]time.Duration{
		"10":       10 * time.Second,
		"2.5":      2500 * time.Millisecond,
		`"1m30s"`:  90 * time.Second,
		`"250ms"`:  250 * time.Millisecond,
		`" 3s "`:   3 * time.Second,
		`"0.5s"`:   500 * time.Millisecond,
		`"1h"`:     time.Hour,
		`"1h2m3s"`: time.Hour + 2*time.Minute + 3*time.Second,
	} {
		c := load(t, []string{write(t, dir, "t.toml", "[flexfun.http]\ntimeout = "+value+"\n")})
		if c.FlexFun.HTTP.Timeout != want {
			t.Errorf("timeout = %s: got %v, want %v", value, c.FlexFun.HTTP.Timeout, want)
		}
	}
}

// The nested tables merge key by key between [flexfun] and [flexconnect]
// and take environment overrides, which beat files.
func TestDataAccessMergeAndEnvironment(t *testing.T) {
	dir := t.TempDir()
	f := write(t, dir, "f.toml", `
[flexfun.http]
timeout = 7
allow = ["a.example.com"]
[flexconnect.http]
allow_private = true
[flexconnect.secrets]
B = "from-file"
`)
	c := load(t, []string{f},
		"GOODDATA_FLIGHT_FLEXFUN__HTTP__MAX_RESPONSE_BYTES=1kB",
		`GOODDATA_FLIGHT_FLEXFUN__DATA_DIRS=["/data"]`,
		"GOODDATA_FLIGHT_FLEXFUN__SECRETS__API_KEY=from-env")
	h := c.FlexFun.HTTP
	if h.Timeout != 7*time.Second || !h.AllowPrivate || h.MaxResponseBytes != 1000 || !reflect.DeepEqual(h.Allow, []string{"a.example.com"}) {
		t.Errorf("HTTP = %+v, want timeout 7s, allow_private, 1000 bytes and the allow of [flexfun]", h)
	}
	// Environment variables lower-case the key: the secrets package matches
	// names in [flexfun.secrets] without regard to case.
	want := map[string]string{"B": "from-file", "api_key": "from-env"}
	if !reflect.DeepEqual(c.FlexFun.Secrets, want) {
		t.Errorf("Secrets = %v, want %v", c.FlexFun.Secrets, want)
	}
	if !reflect.DeepEqual(c.FlexFun.DataDirs, []string{"/data"}) {
		t.Errorf("DataDirs = %q", c.FlexFun.DataDirs)
	}
	for _, name := range []string{"flexfun", "flexconnect"} {
		if m, _ := c.Raw[name].(map[string]any); m["secrets"] != nil {
			t.Errorf("Raw[%s] still holds secrets: %v", name, m)
		}
	}
}

func TestDataAccessErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, content string
		want          []string
	}{
		{"unknown http key", "[flexfun.http]\ntimeuot = 5\n",
			[]string{"[flexfun] http.timeuot: unknown key; valid keys are allow, allow_private, max_response_bytes, timeout"}},
		{"http not a table", "[flexfun]\nhttp = 5\n", []string{"[flexfun] http: expected a table, got integer 5"}},
		{"zero timeout", "[flexfun.http]\ntimeout = 0\n",
			[]string{`[flexfun] http.timeout: expected a positive number of seconds or a duration such as "30s", got integer 0`}},
		{"bad timeout string", "[flexfun.http]\ntimeout = \"soon\"\n",
			[]string{`[flexfun] http.timeout: expected a positive number of seconds or a duration such as "30s", got string "soon"`}},
		{"negative duration", "[flexfun.http]\ntimeout = \"-1s\"\n", []string{`got string "-1s"`}},
		{"bool timeout", "[flexfun.http]\ntimeout = true\n", []string{`http.timeout: expected a positive number`}},
		{"zero size", "[flexfun.http]\nmax_response_bytes = 0\n",
			[]string{`[flexfun] http.max_response_bytes: expected a positive number of bytes, or a size such as "64MiB", got integer 0`}},
		{"bad unit", "[flexfun.http]\nmax_response_bytes = \"64 MiBs\"\n",
			[]string{`[flexfun] http.max_response_bytes: size "64 MiBs": unknown unit "MiBs"; use B, kB, MB, GB, TB, KiB, MiB, GiB or TiB`}},
		{"float size", "[flexfun.http]\nmax_response_bytes = 1.5\n", []string{"got float 1.5"}},
		{"allow with scheme", "[flexfun.http]\nallow = [\"https://api.example.com\"]\n",
			[]string{`[flexfun] http.allow: entry 0 "https://api.example.com": write a host name only, without scheme, port or path`}},
		{"allow with port", "[flexfun.http]\nallow = [\"ok.com\", \"api.example.com:443\"]\n",
			[]string{`http.allow: entry 1 "api.example.com:443": write a host name only`}},
		{"allow star", "[flexfun.http]\nallow = [\"*\"]\n", []string{`entry 0 "*": a pattern must name a domain`}},
		{"allow inner star", "[flexfun.http]\nallow = [\"api.*.com\"]\n", []string{`entry 0 "api.*.com": not a host name, an IP address or "*.domain"`}},
		{"allow empty label", "[flexfun.http]\nallow = [\"a..b\"]\n", []string{`entry 0 "a..b": not a host name`}},
		{"allow_private string", "[flexfun.http]\nallow_private = \"true\"\n",
			[]string{`http.allow_private: expected true or false, got string "true" (booleans are lower-case and unquoted)`}},
		{"data_dirs number", "[flexfun]\ndata_dirs = [1]\n",
			[]string{"[flexfun] data_dirs: expected an array of non-empty strings, got integer 1 at index 0"}},
		{"secret not a string", "[flexfun.secrets]\nTOKEN = 12345\n", []string{"[flexfun] secrets.TOKEN: expected a non-empty string"}},
		{"secret empty", "[flexconnect.secrets]\nTOKEN = \"\"\n", []string{"[flexconnect] secrets.TOKEN: expected a non-empty string"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := write(t, dir, "e.toml", tc.content)
			msg := loadErr(t, []string{f})
			wantContains(t, msg, f+": [")
			wantContains(t, msg, tc.want...)
		})
	}
}

// A secret of the wrong type is reported without its value.
func TestSecretErrorHidesValue(t *testing.T) {
	dir := t.TempDir()
	msg := loadErr(t, []string{write(t, dir, "s.toml", "[flexfun.secrets]\nTOKEN = 987654321\nLIST = [\"hunter2\"]\n")})
	if strings.Contains(msg, "987654321") || strings.Contains(msg, "hunter2") {
		t.Errorf("error shows a secret value: %s", msg)
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{
		"0":          0,
		"67108864":   64 << 20,
		"64MiB":      64 << 20,
		"64 mib":     64 << 20,
		"1GiB":       1 << 30,
		"1.5GiB":     3 << 29,
		"500kB":      500000,
		"500KB":      500000,
		"2KiB":       2048,
		"10MB":       10_000_000,
		"3GB":        3_000_000_000,
		"1TiB":       1 << 40,
		"12B":        12,
		" 7 b ":      7,
		"0.25KiB":    256,
		"8589934592": 8 << 30,
	} {
		got, err := ParseSize(in)
		if err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for in, want := range map[string]string{
		"":           `size "": want a number such as "64MiB"`,
		"MiB":        `size "MiB": want a number such as "64MiB"`,
		"1.2.3MB":    `size "1.2.3MB": want a number`,
		"5 parsecs":  `size "5 parsecs": unknown unit "parsecs"`,
		"-5MB":       `size "-5MB": want a number such as "64MiB"`,
		"1.5B":       `size "1.5B" is not a whole number of bytes`,
		"9999999TiB": `size "9999999TiB" is too large`,
	} {
		_, err := ParseSize(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseSize(%q) error = %v, want %q", in, err, want)
		}
	}
}
