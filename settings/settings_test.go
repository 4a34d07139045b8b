package settings

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// write creates dir/name with the given content and returns its path.
func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// load is Load that fails the test on error.
func load(t *testing.T, files []string, environ ...string) *Config {
	t.Helper()
	c, err := Load(files, environ)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c
}

// loadErr is Load that expects an error and returns its text.
func loadErr(t *testing.T, files []string, environ ...string) string {
	t.Helper()
	c, err := Load(files, environ)
	if err == nil {
		t.Fatalf("Load succeeded, want an error; config: %+v", c)
	}
	return err.Error()
}

// wantContains checks that msg contains every part.
func wantContains(t *testing.T, msg string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(msg, p) {
			t.Errorf("error %q\ndoes not contain %q", msg, p)
		}
	}
}

// stubHostname makes os.Hostname return name for the rest of the test.
func stubHostname(t *testing.T, name string) {
	old := hostname
	hostname = func() (string, error) { return name, nil }
	t.Cleanup(func() { hostname = old })
}

func TestDefaults(t *testing.T) {
	dir := t.TempDir()
	// An empty [server] section gives the defaults (Python's test_read_empty).
	c := load(t, []string{write(t, dir, "empty.toml", "[server]\n")})
	want := ServerConfig{
		ListenHost:           "127.0.0.1",
		ListenPort:           17001,
		AdvertiseHost:        "127.0.0.1",
		AdvertisePort:        17001,
		AuthenticationMethod: "none",
		MaxRequestBytes:      4 << 20,
		TaskThreads:          32,
		TaskCloseThreads:     2,
		ResultTTL:            60 * time.Second,
		MetricsPort:          17101,
		HealthCheckPort:      8877,
		MallocTrimInterval:   30 * time.Second,
		LogEventKeyName:      "event",
		LogTraceKeys:         map[string]string{},
		OtelExporterType:     "none",
	}
	if !reflect.DeepEqual(c.Server, want) {
		t.Errorf("Server =\n%+v\nwant\n%+v", c.Server, want)
	}
	wantFF := FlexFunConfig{
		CallDeadline:    180 * time.Second,
		PollingInterval: 2 * time.Second,
		Watch:           true,
		ShutdownGrace:   30 * time.Second,
		LoadTimeout:     10 * time.Second,
		MaxCallDepth:    1000,
		HTTP:            HTTPConfig{Timeout: 30 * time.Second, MaxResponseBytes: 64 << 20},
		Secrets:         map[string]string{},
		GoodData:        GoodDataConfig{FiscalYearStartMonth: 1, MaxMessageBytes: 16 << 10},
	}
	if !reflect.DeepEqual(c.FlexFun, wantFF) {
		t.Errorf("FlexFun = %+v, want %+v", c.FlexFun, wantFF)
	}
	if c.EnumeratedTokens != nil {
		t.Errorf("EnumeratedTokens = %q, want none", c.EnumeratedTokens)
	}
	if !reflect.DeepEqual(c.Raw, map[string]any{"server": map[string]any{}}) {
		t.Errorf("Raw = %#v, want only an empty server section", c.Raw)
	}

	d, err := Load(nil, nil) // the defaults validate by construction
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(d.Server, want) || !reflect.DeepEqual(d.FlexFun, wantFF) {
		t.Errorf("Load(nil, nil) = %+v %+v, want the defaults", d.Server, d.FlexFun)
	}
	if len(d.Raw) != 0 || len(d.Files) != 0 || d.EnumeratedTokens != nil {
		t.Errorf("Load(nil, nil) Raw=%v Files=%v tokens=%v, want all empty", d.Raw, d.Files, d.EnumeratedTokens)
	}
}

func TestShippedDevConfig(t *testing.T) {
	files := []string{"../config/dev.server.toml", "../config/flexfun.config.toml"}
	c := load(t, files)
	s := c.Server
	if s.ListenHost != "127.0.0.1" || s.ListenPort != 17001 || s.AdvertiseHost != "127.0.0.1" || s.AdvertisePort != 17001 {
		t.Errorf("listen/advertise = %s:%d / %s:%d, want 127.0.0.1:17001 twice",
			s.ListenHost, s.ListenPort, s.AdvertiseHost, s.AdvertisePort)
	}
	if s.UseTLS || s.AuthenticationMethod != AuthNone || s.MetricsHost != "" || s.HealthCheckHost != "" {
		t.Errorf("dev server = %+v, want no TLS, no auth, no metrics, no health", s)
	}
	if !reflect.DeepEqual(c.FlexFun.Functions, []string{"scripts/examples"}) || c.FlexFun.CallDeadline != 3*time.Minute {
		t.Errorf("FlexFun = %+v, want scripts/examples and 3m", c.FlexFun)
	}
	greeting := c.Raw["example_settings"].(map[string]any)["greeting"]
	if greeting != "hello from config" {
		t.Errorf("example_settings.greeting = %#v", greeting)
	}
	if !reflect.DeepEqual(c.Files, files) {
		t.Errorf("Files = %q, want %q", c.Files, files)
	}
}

func TestShippedProdConfig(t *testing.T) {
	stubHostname(t, "flexfun-7")
	files := []string{"../config/prod.server.toml", "../config/flexfun.config.toml"}

	msg := loadErr(t, files)
	wantContains(t, msg, "../config/prod.server.toml: [server] authentication_method: ", "[enumerated_tokens] tokens")

	c := load(t, files, `GOODDATA_FLIGHT_ENUMERATED_TOKENS__TOKENS=["t1","t2"]`)
	s := c.Server
	if s.ListenHost != "0.0.0.0" || s.AdvertiseHost != "flexfun-7" || s.AdvertisePort != 17001 {
		t.Errorf("listen %s, advertise %s:%d; want 0.0.0.0 and flexfun-7:17001", s.ListenHost, s.AdvertiseHost, s.AdvertisePort)
	}
	if !s.UseTLS || s.TLSCertificate != "@/etc/flexfun/tls/server.crt" || s.TLSPrivateKey != "@/etc/flexfun/tls/server.key" {
		t.Errorf("TLS = %v %q %q", s.UseTLS, s.TLSCertificate, s.TLSPrivateKey)
	}
	if s.AuthenticationMethod != AuthToken || s.TokenVerification != EnumeratedTokenVerification {
		t.Errorf("auth = %q %q", s.AuthenticationMethod, s.TokenVerification)
	}
	if s.MetricsHost != "0.0.0.0" || s.HealthCheckHost != "0.0.0.0" {
		t.Errorf("metrics %q, health %q; want 0.0.0.0", s.MetricsHost, s.HealthCheckHost)
	}
	if !reflect.DeepEqual(c.EnumeratedTokens, []string{"t1", "t2"}) {
		t.Errorf("EnumeratedTokens = %q", c.EnumeratedTokens)
	}
}

func TestAdvertiseHostDefault(t *testing.T) {
	stubHostname(t, "box")
	for listen, want := range map[string]string{
		"127.0.0.1":     "127.0.0.1",
		"localhost":     "localhost",
		"10.1.2.3":      "10.1.2.3",
		"flexfun.local": "flexfun.local",
		"0.0.0.0":       "box",
		"::":            "box",
		"[::]":          "box",
	} {
		c := load(t, nil, "GOODDATA_FLIGHT_SERVER__LISTEN_HOST="+listen)
		if c.Server.AdvertiseHost != want {
			t.Errorf("listen_host %s: advertise_host = %q, want %q", listen, c.Server.AdvertiseHost, want)
		}
	}
	hostname = func() (string, error) { return "", errors.New("no uname") }
	msg := loadErr(t, nil, "GOODDATA_FLIGHT_SERVER__LISTEN_HOST=0.0.0.0")
	wantContains(t, msg, "environment GOODDATA_FLIGHT_SERVER__LISTEN_HOST: [server] listen_host: 0.0.0.0 is a wildcard address and the host name is unknown (no uname); set advertise_host")
	c := load(t, nil, "GOODDATA_FLIGHT_SERVER__LISTEN_HOST=0.0.0.0", "GOODDATA_FLIGHT_SERVER__ADVERTISE_HOST=gd.example")
	if c.Server.AdvertiseHost != "gd.example" {
		t.Errorf("explicit advertise_host = %q", c.Server.AdvertiseHost)
	}
	c = load(t, nil, "GOODDATA_FLIGHT_SERVER__LISTEN_PORT=9000")
	if c.Server.AdvertisePort != 9000 {
		t.Errorf("advertise_port = %d, want listen_port 9000", c.Server.AdvertisePort)
	}
}

func TestMergeKeyByKey(t *testing.T) {
	dir := t.TempDir()
	a := write(t, dir, "a.toml", `
[server]
listen_port = 1111
task_threads = 4
log_trace_keys = { trace_id = "tid", span_id = "sid" }

[weather]
api_key = "from-a"
units = "metric"
cities = ["Prague", "Brno"]
`)
	b := write(t, dir, "b.toml", `
[server]
listen_host = "0.0.0.0"
task_threads = 8
log_trace_keys = { span_id = "SpanID" }

[weather]
api_key = "from-b"
cities = ["Oslo"]
`)
	stubHostname(t, "box")
	c := load(t, []string{a, b})
	s := c.Server
	// dynaconf would keep only b's [server]; here both files contribute.
	if s.ListenPort != 1111 || s.ListenHost != "0.0.0.0" || s.TaskThreads != 8 {
		t.Errorf("server = port %d host %q threads %d; want 1111, 0.0.0.0, 8", s.ListenPort, s.ListenHost, s.TaskThreads)
	}
	if want := map[string]string{"trace_id": "tid", "span_id": "SpanID"}; !reflect.DeepEqual(s.LogTraceKeys, want) {
		t.Errorf("LogTraceKeys = %v, want %v (tables merge too)", s.LogTraceKeys, want)
	}
	weather := c.Raw["weather"].(map[string]any)
	want := map[string]any{"api_key": "from-b", "units": "metric", "cities": []any{"Oslo"}}
	if !reflect.DeepEqual(weather, want) {
		t.Errorf("weather = %#v, want %#v (arrays are replaced, not appended)", weather, want)
	}
	if got := c.Origin("server", "listen_port"); got != a {
		t.Errorf("Origin(listen_port) = %q, want %q", got, a)
	}
	if got := c.Origin("server", "task_threads"); got != b {
		t.Errorf("Origin(task_threads) = %q, want %q", got, b)
	}
}

func TestLocalSibling(t *testing.T) {
	dir := t.TempDir()
	main := write(t, dir, "server.toml", "[server]\nlisten_port = 1000\ntask_threads = 3\n")
	local := write(t, dir, "server.local.toml", "[server]\nlisten_port = 2000\n")
	other := write(t, dir, "other.toml", "[server]\ntask_threads = 5\n")

	c := load(t, []string{main, other})
	if c.Server.ListenPort != 2000 || c.Server.TaskThreads != 5 {
		t.Errorf("port %d threads %d, want 2000 (from .local) and 5 (later file)", c.Server.ListenPort, c.Server.TaskThreads)
	}
	if want := []string{main, local, other}; !reflect.DeepEqual(c.Files, want) {
		t.Errorf("Files = %q, want %q", c.Files, want)
	}
	if got := c.Origin("server", "listen_port"); got != local {
		t.Errorf("Origin = %q, want %q", got, local)
	}

	// A .local file given explicitly has no sibling of its own.
	c = load(t, []string{local})
	if !reflect.DeepEqual(c.Files, []string{local}) {
		t.Errorf("Files = %q, want only %q", c.Files, local)
	}
}

func TestEnvOverrides(t *testing.T) {
	dir := t.TempDir()
	f := write(t, dir, "f.toml", `
[server]
listen_port = 1111
listen_host = "127.0.0.1"
log_trace_keys = { trace_id = "tid" }

[flexfun]
functions = ["from-file"]

[weather]
api_key = "file-key"
units = "metric"
[weather.http]
timeout_s = 5
retries = 2
`)
	c := load(t, []string{f},
		"GOODDATA_FLIGHT_SERVER__LISTEN_PORT=17005",
		"GOODDATA_FLIGHT_SERVER__USE_MTLS=false",
		"GOODDATA_FLIGHT_SERVER__TASK_THREADS=7",
		`GOODDATA_FLIGHT_SERVER__LOG_TRACE_KEYS={span_id="sid"}`,
		`GOODDATA_FLIGHT_FLEXFUN__FUNCTIONS=["a.star","dir"]`,
		"GOODDATA_FLIGHT_FLEXFUN__WATCH=false",
		"GOODDATA_FLIGHT_WEATHER__API_KEY=secret-123",
		"GOODDATA_FLIGHT_WEATHER__HTTP__TIMEOUT_S=30",
		"GOODDATA_FLIGHT_WEATHER__FLAG=TRUE",
		"GOODDATA_FLIGHT_WEATHER__RATIO=0.5",
		"GOODDATA_FLIGHT_WEATHER__EMPTY=",
		"gooddata_flight_server__listen_host=ignored",
		"OTHER=1",
	)
	s := c.Server
	if s.ListenPort != 17005 || s.TaskThreads != 7 || s.UseMTLS || s.ListenHost != "127.0.0.1" {
		t.Errorf("server = %+v", s)
	}
	if want := map[string]string{"trace_id": "tid", "span_id": "sid"}; !reflect.DeepEqual(s.LogTraceKeys, want) {
		t.Errorf("LogTraceKeys = %v, want %v", s.LogTraceKeys, want)
	}
	if !reflect.DeepEqual(c.FlexFun.Functions, []string{"a.star", "dir"}) || c.FlexFun.Watch {
		t.Errorf("FlexFun = %+v", c.FlexFun)
	}
	want := map[string]any{
		"api_key": "secret-123",
		"units":   "metric",
		"http":    map[string]any{"timeout_s": int64(30), "retries": int64(2)},
		"flag":    "TRUE",
		"ratio":   0.5,
		"empty":   "",
	}
	if !reflect.DeepEqual(c.Raw["weather"], want) {
		t.Errorf("weather = %#v\nwant %#v", c.Raw["weather"], want)
	}
	raw := c.Raw["server"].(map[string]any)
	if raw["listen_port"] != int64(17005) || raw["use_mtls"] != false {
		t.Errorf("Raw server = %#v", raw)
	}
	if got := c.Origin("weather", "http", "timeout_s"); got != "environment GOODDATA_FLIGHT_WEATHER__HTTP__TIMEOUT_S" {
		t.Errorf("Origin = %q", got)
	}
	if got := c.Origin("weather", "http", "retries"); got != f {
		t.Errorf("Origin = %q, want %q", got, f)
	}
}

func TestEnvCreatesSections(t *testing.T) {
	c := load(t, nil,
		"GOODDATA_FLIGHT_MY_SERVICE__OPT1=x",
		"GOODDATA_FLIGHT_MY_SERVICE__LIMITS__MAX_ROWS=1000",
		"GOODDATA_FLIGHT_TOP=1",
		`GOODDATA_FLIGHT_ENUMERATED_TOKENS__TOKENS=solo-token`,
	)
	want := map[string]any{
		"my_service":        map[string]any{"opt1": "x", "limits": map[string]any{"max_rows": int64(1000)}},
		"top":               int64(1),
		"enumerated_tokens": map[string]any{"tokens": "solo-token"},
	}
	if !reflect.DeepEqual(c.Raw, want) {
		t.Errorf("Raw = %#v\nwant %#v", c.Raw, want)
	}
	// A plain string is one token, not a list of characters.
	if !reflect.DeepEqual(c.EnumeratedTokens, []string{"solo-token"}) {
		t.Errorf("EnumeratedTokens = %q", c.EnumeratedTokens)
	}
}

func TestEnvCaseInsensitiveMatch(t *testing.T) {
	dir := t.TempDir()
	f := write(t, dir, "f.toml", "[Weather]\nApiKey = \"file\"\n")
	c := load(t, []string{f}, "GOODDATA_FLIGHT_WEATHER__APIKEY=env")
	want := map[string]any{"weather": map[string]any{"ApiKey": "env"}}
	if !reflect.DeepEqual(c.Raw, want) {
		t.Errorf("Raw = %#v, want %#v", c.Raw, want)
	}
}

func TestEnvWholeSectionThenKey(t *testing.T) {
	// A whole-section table applies before a single key, whatever the order.
	c := load(t, nil,
		"GOODDATA_FLIGHT_SERVER__LISTEN_PORT=2222",
		`GOODDATA_FLIGHT_SERVER={listen_port=1111, task_threads=3}`,
	)
	if c.Server.ListenPort != 2222 || c.Server.TaskThreads != 3 {
		t.Errorf("port %d threads %d, want 2222 and 3", c.Server.ListenPort, c.Server.TaskThreads)
	}
}

func TestEnvValueParsing(t *testing.T) {
	for value, want := range map[string]any{
		`17001`:         int64(17001),
		`true`:          true,
		`false`:         false,
		`TRUE`:          "TRUE",
		`False`:         "False",
		`yes`:           "yes",
		`1.5`:           1.5,
		`"quoted"`:      "quoted",
		`["a","b"]`:     []any{"a", "b"},
		`{a=1}`:         map[string]any{"a": int64(1)},
		`@/path/c.pem`:  "@/path/c.pem",
		`a b`:           "a b",
		"1\nx = 2":      "1\nx = 2",
		`1 # a comment`: int64(1),
		``:              "",
	} {
		if got := parseEnvValue(value); !reflect.DeepEqual(got, want) {
			t.Errorf("parseEnvValue(%q) = %#v, want %#v", value, got, want)
		}
	}
}

func TestFlexconnectAlias(t *testing.T) {
	dir := t.TempDir()
	only := write(t, dir, "only.toml", "[flexconnect]\nfunctions = [\"x.star\"]\ncall_deadline_ms = 1200\n")
	c := load(t, []string{only})
	if !reflect.DeepEqual(c.FlexFun.Functions, []string{"x.star"}) || c.FlexFun.CallDeadline != 1200*time.Millisecond {
		t.Errorf("FlexFun = %+v", c.FlexFun)
	}

	both := write(t, dir, "both.toml", `
[flexfun]
functions = ["from-flexfun"]
polling_interval_ms = 500
call_deadline_ms = 1000

[flexconnect]
functions = ["from-flexconnect"]
call_deadline_ms = 2000
`)
	c = load(t, []string{both})
	ff := c.FlexFun
	if !reflect.DeepEqual(ff.Functions, []string{"from-flexconnect"}) || ff.CallDeadline != 2*time.Second || ff.PollingInterval != 500*time.Millisecond {
		t.Errorf("FlexFun = %+v; want [flexconnect] keys to win and [flexfun]-only keys kept", ff)
	}

	// An environment variable beats a file whichever section name it uses.
	c = load(t, []string{both}, "GOODDATA_FLIGHT_FLEXFUN__CALL_DEADLINE_MS=3000")
	if c.FlexFun.CallDeadline != 3*time.Second {
		t.Errorf("CallDeadline = %v, want 3s from the environment", c.FlexFun.CallDeadline)
	}
	c = load(t, []string{both}, "GOODDATA_FLIGHT_FLEXFUN__CALL_DEADLINE_MS=3000", "GOODDATA_FLIGHT_FLEXCONNECT__CALL_DEADLINE_MS=4000")
	if c.FlexFun.CallDeadline != 4*time.Second {
		t.Errorf("CallDeadline = %v, want 4s ([flexconnect] wins among env vars)", c.FlexFun.CallDeadline)
	}

	msg := loadErr(t, []string{write(t, dir, "bad.toml", "[flexconnect]\ncall_deadline_ms = -5\n")})
	wantContains(t, msg, "bad.toml: [flexconnect] call_deadline_ms: expected a positive integer (milliseconds), got integer -5")
}

func TestFunctionsForms(t *testing.T) {
	dir := t.TempDir()
	c := load(t, []string{write(t, dir, "s.toml", "[flexfun]\nfunctions = \"scripts\"\n")})
	if !reflect.DeepEqual(c.FlexFun.Functions, []string{"scripts"}) {
		t.Errorf("Functions = %q, want [scripts]", c.FlexFun.Functions)
	}
	c = load(t, []string{write(t, dir, "e.toml", "[flexfun]\nfunctions = []\n")})
	if len(c.FlexFun.Functions) != 0 {
		t.Errorf("Functions = %q, want none", c.FlexFun.Functions)
	}
	msg := loadErr(t, []string{write(t, dir, "n.toml", "[flexfun]\nfunctions = [\"a\", 3]\n")})
	wantContains(t, msg, "n.toml: [flexfun] functions: expected an array of non-empty strings, got integer 3 at index 1")
}

func TestValidationErrors(t *testing.T) {
	for _, tc := range []struct {
		name, toml string
		env        []string
		want       string // the whole line, after the file or variable name
	}{
		{"port zero", "[server]\nlisten_port = 0\n", nil,
			"[server] listen_port: expected an integer from 1 to 65535, got integer 0"},
		{"port string", "[server]\nlisten_port = \"abc\"\n", nil,
			`[server] listen_port: expected an integer from 1 to 65535, got string "abc"`},
		{"port too big", "[server]\nmetrics_port = 70000\n", nil,
			"[server] metrics_port: expected an integer from 1 to 65535, got integer 70000"},
		{"port float", "[server]\nhealth_check_port = 8877.0\n", nil,
			"[server] health_check_port: expected an integer from 1 to 65535, got float 8877"},
		{"auth method", "[server]\nauthentication_method = \"basic\"\n", nil,
			`[server] authentication_method: expected one of "none", "token", got string "basic"`},
		{"bool string", "[server]\nuse_tls = \"false\"\n", nil,
			`[server] use_tls: expected true or false, got string "false" (booleans are lower-case and unquoted)`},
		{"bool int", "[server]\notel_extract_context = 1\n", nil,
			"[server] otel_extract_context: expected true or false, got integer 1"},
		{"tls without cert", "[server]\nuse_tls = true\ntls_private_key = \"@/k\"\n", nil,
			"[server] use_tls: When you specify 'use_tls = true', then you must provide 'tls_certificate'."},
		{"tls without key", "[server]\nuse_tls = true\ntls_certificate = \"@/c\"\n", nil,
			"[server] use_tls: When you specify 'use_tls = true', then you must provide 'tls_private_key'."},
		{"mtls without tls", "[server]\nuse_mtls = true\ntls_root_certificate = \"@/ca\"\n", nil,
			"[server] use_mtls: When you specify 'use_mtls = true', then you must also specify 'use_tls = true'."},
		{"mtls without root", "[server]\nuse_tls = true\ntls_certificate = \"@/c\"\ntls_private_key = \"@/k\"\nuse_mtls = true\n", nil,
			"[server] use_mtls: When you specify 'use_mtls = true', then you must provide 'tls_root_certificate'."},
		{"token without tokens", "[server]\nauthentication_method = \"token\"\n", nil,
			"[server] authentication_method: token authentication with EnumeratedTokenVerification needs a non-empty [enumerated_tokens] tokens list"},
		{"empty token list", "[server]\nauthentication_method = \"token\"\n[enumerated_tokens]\ntokens = []\n", nil,
			"[server] authentication_method: token authentication with EnumeratedTokenVerification needs a non-empty [enumerated_tokens] tokens list"},
		{"negative deadline", "[flexfun]\ncall_deadline_ms = -1\n", nil,
			"[flexfun] call_deadline_ms: expected a positive integer (milliseconds), got integer -1"},
		{"zero polling", "[flexfun]\npolling_interval_ms = 0\n", nil,
			"[flexfun] polling_interval_ms: expected a positive integer (milliseconds), got integer 0"},
		{"negative grace", "[flexfun]\nshutdown_grace_ms = -1\n", nil,
			"[flexfun] shutdown_grace_ms: expected a non-negative integer (milliseconds), got integer -1"},
		{"zero threads", "[server]\ntask_threads = 0\n", nil,
			"[server] task_threads: expected a positive integer, got integer 0"},
		{"zero ttl", "[server]\ntask_result_ttl_sec = 0\n", nil,
			"[server] task_result_ttl_sec: expected a positive integer (seconds), got integer 0"},
		{"empty host", "[server]\nlisten_host = \"\"\n", nil,
			`[server] listen_host: expected a non-empty string, got string ""`},
		{"otel type", "[server]\notel_exporter_type = \"jaeger\"\n", nil,
			`[server] otel_exporter_type: expected one of "none", "zipkin", "otlp-http", "otlp-grpc", "console", got string "jaeger"`},
		{"trace keys type", "[server]\nlog_trace_keys = \"x\"\n", nil,
			`[server] log_trace_keys: expected a table, got string "x"`},
		{"trace keys key", "[server]\nlog_trace_keys = { traceid = \"x\" }\n", nil,
			"[server] log_trace_keys.traceid: unknown key; valid keys are parent_span_id, span_id, trace_id"},
		{"unknown server key", "[server]\nlisten_prot = 1\n", nil,
			"[server] listen_prot: unknown key; valid keys are advertise_host, advertise_port, authentication_method,"},
		{"unknown flexconnect key", "[flexconnect]\nfunction = [\"a\"]\n", nil,
			"[flexconnect] function: unknown key; valid keys are call_deadline_ms, data_dirs, functions, gooddata, http, load_timeout_ms, max_call_depth, max_result_bytes, max_result_rows, max_stored_bytes, memory_limit, module_paths, polling_interval_ms, secrets, shutdown_grace_ms, sql, watch"},
		{"unknown tokens key", "[enumerated_tokens]\ntoken = [\"a\"]\n", nil,
			"[enumerated_tokens] token: unknown key; valid keys are tokens"},
		{"section not a table", "server = 5\n", nil,
			"[server]: expected a table, got integer 5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := write(t, t.TempDir(), "c.toml", tc.toml)
			msg := loadErr(t, []string{f}, tc.env...)
			wantContains(t, msg, f+": "+tc.want)
		})
	}
}

func TestValidationErrorsNameEnvironment(t *testing.T) {
	msg := loadErr(t, nil, "GOODDATA_FLIGHT_SERVER__USE_TLS=False")
	wantContains(t, msg, `environment GOODDATA_FLIGHT_SERVER__USE_TLS: [server] use_tls: expected true or false, got string "False"`)

	msg = loadErr(t, nil, "GOODDATA_FLIGHT_SERVER__LISTEN_PORT=abc")
	wantContains(t, msg, `environment GOODDATA_FLIGHT_SERVER__LISTEN_PORT: [server] listen_port: expected an integer from 1 to 65535, got string "abc"`)

	msg = loadErr(t, nil, "GOODDATA_FLIGHT_SERVER__USE_TLS=true")
	wantContains(t, msg, "environment GOODDATA_FLIGHT_SERVER__USE_TLS: [server] use_tls: When you specify 'use_tls = true'")

	msg = loadErr(t, nil, "GOODDATA_FLIGHT_SERVER____X=1")
	wantContains(t, msg, "environment GOODDATA_FLIGHT_SERVER____X: empty section or key name")
}

func TestEnvIntoNonTable(t *testing.T) {
	f := write(t, t.TempDir(), "f.toml", "[weather]\nhttp = \"plain\"\n")
	msg := loadErr(t, []string{f}, "GOODDATA_FLIGHT_WEATHER__HTTP__TIMEOUT=3")
	wantContains(t, msg, "environment GOODDATA_FLIGHT_WEATHER__HTTP__TIMEOUT: cannot set weather.http.timeout: weather.http (from "+f+`) is string "plain", not a table`)
}

func TestErrorsCollected(t *testing.T) {
	dir := t.TempDir()
	a := write(t, dir, "a.toml", "[server]\nlisten_port = 0\nlisten_prot = 1\n")
	b := write(t, dir, "b.toml", "[flexfun]\ncall_deadline_ms = 0\n")
	msg := loadErr(t, []string{a, b}, "GOODDATA_FLIGHT_SERVER__USE_TLS=False")
	wantContains(t, msg,
		a+": [server] listen_port:",
		a+": [server] listen_prot: unknown key",
		b+": [flexfun] call_deadline_ms:",
		"environment GOODDATA_FLIGHT_SERVER__USE_TLS: [server] use_tls:",
	)
	if n := strings.Count(msg, "\n") + 1; n != 4 {
		t.Errorf("got %d errors, want 4:\n%s", n, msg)
	}
}

func TestFileErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "x.toml")
	good := write(t, dir, "good.toml", "[server]\n")
	bad := write(t, dir, "bad.toml", "[server]\nlisten_port = 1\nlisten_host = = \"x\"\n")
	yaml := write(t, dir, "s.yaml", "server: {}\n")

	msg := loadErr(t, []string{missing, dir, good, bad, yaml})
	wantContains(t, msg,
		"settings file "+missing+" does not exist",
		"settings file "+dir+" is a directory, not a settings file",
		bad+":3:15: expected value but found '=' instead",
		"settings file "+yaml+": only TOML settings files are supported",
	)
	dup := write(t, dir, "dup.toml", "[server]\nlisten_port = 1\nlisten_port = 2\n")
	wantContains(t, loadErr(t, []string{dup}), dup+":3:")

	badLocal := write(t, dir, "good.local.toml", "[server\n")
	wantContains(t, loadErr(t, []string{good}), badLocal+":1:")
}

func TestRawTypes(t *testing.T) {
	f := write(t, t.TempDir(), "f.toml", `
[app]
n = 1
x = 1.5
b = true
s = "str"
d = 2024-05-01
ts = 2024-05-01T10:00:00Z
list = [1, "two"]
inline = [{k = 1}]
[[app.rows]]
id = 1
[[app.rows]]
id = 2
`)
	c := load(t, []string{f}, "GOODDATA_FLIGHT_APP__S=env")
	app := c.Raw["app"].(map[string]any)
	want := map[string]any{
		"n": int64(1), "x": 1.5, "b": true, "s": "env",
		"list":   []any{int64(1), "two"},
		"inline": []any{map[string]any{"k": int64(1)}},
		"rows":   []any{map[string]any{"id": int64(1)}, map[string]any{"id": int64(2)}},
	}
	for k, v := range want {
		if !reflect.DeepEqual(app[k], v) {
			t.Errorf("app.%s = %#v (%T), want %#v", k, app[k], app[k], v)
		}
	}
	for _, k := range []string{"d", "ts"} {
		if _, ok := app[k].(time.Time); !ok {
			t.Errorf("app.%s = %T, want time.Time", k, app[k])
		}
	}
}

func TestSectionNamesCaseInsensitive(t *testing.T) {
	f := write(t, t.TempDir(), "f.toml", "[SERVER]\nlisten_port = 1234\n")
	if c := load(t, []string{f}); c.Server.ListenPort != 1234 {
		t.Errorf("ListenPort = %d, want 1234 from [SERVER]", c.Server.ListenPort)
	}
}

func TestReadPEM(t *testing.T) {
	const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
	got, err := ReadPEM("\n  " + pem + "  \n")
	if err != nil || string(got) != strings.TrimSpace(pem) {
		t.Errorf("inline: %q, %v", got, err)
	}

	path := write(t, t.TempDir(), "c.pem", pem)
	got, err = ReadPEM("  @" + path + "\n")
	if err != nil || string(got) != pem {
		t.Errorf("@path: %q, %v", got, err)
	}

	_, err = ReadPEM("@" + path + ".missing")
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: err = %v, want ErrNotExist", err)
	}
	notPEM := write(t, t.TempDir(), "n.pem", "hello")
	for value, want := range map[string]string{
		"":                 "empty PEM value",
		"   ":              "empty PEM value",
		"/etc/x.crt":       `neither PEM data`,
		"@" + notPEM:       "holds no PEM data",
		"@" + path + ".no": "read PEM file",
	} {
		if _, err := ReadPEM(value); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ReadPEM(%q) error = %v, want %q", value, err, want)
		}
	}
}

func TestGoodDataSection(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.toml")
	if err := os.WriteFile(path, []byte("[flexfun.gooddata]\nfiscal_year_start_month = 7\nmax_message_bytes = \"64KiB\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := Load([]string{path}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.FlexFun.GoodData; got.FiscalYearStartMonth != 7 || got.MaxMessageBytes != 64<<10 {
		t.Errorf("gooddata %+v", got)
	}
	if err := os.WriteFile(path, []byte("[flexfun.gooddata]\nfiscal_year_start_month = 13\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load([]string{path}, nil); err == nil || !strings.Contains(err.Error(), "gooddata.fiscal_year_start_month: expected a month number from 1 to 12") {
		t.Errorf("got %v", err)
	}
}

// TestSecretsAndConnectionsHiddenFromScripts: the raw settings scripts see
// as ctx.settings hold neither [flexfun.secrets] nor [flexfun.sql.NAME]
// (whose DSNs hold passwords), from files or the environment.
func TestSecretsAndConnectionsHiddenFromScripts(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.toml")
	src := "[flexfun.secrets]\nAPI_KEY = \"s3cret-key\"\n[flexfun.sql.sales]\ndriver = \"postgres\"\ndsn = \"postgres://app:pg-pass@db/app\"\n[flexfun.sql.other]\ndriver = \"sqlite\"\ndsn = \"file:x.db\"\n"
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := Load([]string{path}, []string{"GOODDATA_FLIGHT_FLEXFUN__SECRETS__OTHER=env-secret"})
	if err != nil {
		t.Fatal(err)
	}
	if c.FlexFun.SQL["sales"].DSN != "postgres://app:pg-pass@db/app" || c.FlexFun.Secrets["API_KEY"] != "s3cret-key" {
		t.Fatalf("decoded %+v %+v", c.FlexFun.SQL, c.FlexFun.Secrets)
	}
	raw := fmt.Sprint(c.Raw)
	for _, secret := range []string{"s3cret-key", "pg-pass", "env-secret", "x.db"} {
		if strings.Contains(raw, secret) {
			t.Errorf("the raw settings scripts see hold %q: %s", secret, raw)
		}
	}
}
