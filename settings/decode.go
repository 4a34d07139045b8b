package settings

import (
	"errors"
	"fmt"
	"math"
	"net"
	"os"
	"slices"
	"strings"
	"time"
)

// hostname is os.Hostname, replaced in tests.
var hostname = os.Hostname

// Keys of the sections this package understands. Any other key in these
// sections is an error, so that a typo does not silently do nothing.
var (
	serverKeys = []string{
		"advertise_host", "advertise_port", "authentication_method",
		"health_check_host", "health_check_port", "listen_host", "listen_port",
		"log_event_key_name", "log_trace_keys", "malloc_trim_interval_sec", "max_request_bytes",
		"metrics_host", "metrics_port", "otel_exporter_type", "otel_extract_context",
		"otel_service_instance_id", "otel_service_name", "otel_service_namespace",
		"task_close_threads", "task_result_ttl_sec", "task_threads",
		"tls_certificate", "tls_private_key", "tls_root_certificate",
		"token_header_name", "token_verification", "use_mtls", "use_tls",
	}
	tokenKeys    = []string{"tokens"}
	flexfunKeys  = []string{"call_deadline_ms", "data_dirs", "functions", "gooddata", "http", "load_timeout_ms", "max_call_depth", "max_result_bytes", "max_result_rows", "max_stored_bytes", "memory_limit", "module_paths", "polling_interval_ms", "secrets", "shutdown_grace_ms", "sql", "watch"}
	traceLogKeys = []string{"parent_span_id", "span_id", "trace_id"}
	otelTypes    = []string{"none", "zipkin", "otlp-http", "otlp-grpc", "console"}
)

// decode builds the typed configuration from the merged tree.
func decode(t *tree) (*Config, error) {
	d := &decoder{t: t}
	c := &Config{Raw: t.root, origins: t.origins}
	c.Server = d.server()
	c.EnumeratedTokens = d.section("enumerated_tokens", tokenKeys).list("tokens")
	c.FlexFun = d.flexfun()
	d.checkServer(c)
	if err := errors.Join(d.errs...); err != nil {
		return nil, err
	}
	return c, nil
}

// A decoder reads typed values out of a tree and collects every error.
type decoder struct {
	t    *tree
	errs []error
}

// failf records an error about the value at path (section first).
func (d *decoder) failf(path []string, format string, args ...any) {
	where := "[" + path[0] + "]"
	if len(path) > 1 {
		where += " " + strings.Join(path[1:], ".")
	}
	d.errs = append(d.errs, fmt.Errorf("%s: %s: %s", d.t.origin(path...), where, fmt.Sprintf(format, args...)))
}

// table returns the top-level section name, reporting a non-table value
// and every key not in known.
func (d *decoder) table(name string, known []string) map[string]any {
	v, ok := d.t.root[name]
	if !ok {
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		d.errs = append(d.errs, fmt.Errorf("%s: [%s]: expected a table, got %s", d.t.origin(name), name, describe(v)))
		return nil
	}
	for _, k := range sortedKeys(m) {
		if !slices.Contains(known, k) {
			d.failf([]string{name, k}, "unknown key; valid keys are %s", strings.Join(known, ", "))
		}
	}
	return m
}

// section returns a reader for one top-level section.
func (d *decoder) section(name string, known []string) *section {
	s := &section{d: d, values: map[string]any{}, from: map[string]string{}}
	s.add(name, d.table(name, known))
	return s
}

// A section reads typed keys out of one section, or out of several sections
// merged into one view (for [flexfun] and [flexconnect]). Absent keys take
// their default; present ones must have the right type and value.
type section struct {
	d      *decoder
	parent []string // keys from the section to a nested table such as [flexfun.http]; nil at the top
	values map[string]any
	from   map[string]string // key → section it was read from
}

// add adds the keys of the section name to s. A key already in s is
// replaced, unless the old value came from the environment and the new one
// from a file: an environment variable always beats a file.
func (s *section) add(name string, m map[string]any) {
	for k, v := range m {
		if prev, ok := s.from[k]; ok && s.fromEnv(prev, k) && !s.fromEnv(name, k) {
			continue
		}
		s.values[k] = v
		s.from[k] = name
	}
}

func (s *section) fromEnv(section, key string) bool {
	return strings.HasPrefix(s.d.t.origin(s.path(section, key)...), "environment ")
}

// path returns the path of key in the named section: section, parent, key.
func (s *section) path(section, key string) []string {
	return append(append([]string{section}, s.parent...), key)
}

func (s *section) failf(key, format string, args ...any) {
	s.d.failf(s.path(s.from[key], key), format, args...)
}

// value returns the value of key and whether it is present.
func (s *section) value(key string) (any, bool) {
	v, ok := s.values[key]
	return v, ok
}

// str reads a non-empty string.
func (s *section) str(key, def string) string {
	v, ok := s.value(key)
	if !ok {
		return def
	}
	if x, ok := v.(string); ok && x != "" {
		return x
	}
	s.failf(key, "expected a non-empty string, got %s", describe(v))
	return def
}

// oneOf reads a string that must be one of allowed.
func (s *section) oneOf(key, def string, allowed ...string) string {
	v, ok := s.value(key)
	if !ok {
		return def
	}
	if x, ok := v.(string); ok && slices.Contains(allowed, x) {
		return x
	}
	quoted := make([]string, len(allowed))
	for i, a := range allowed {
		quoted[i] = fmt.Sprintf("%q", a)
	}
	s.failf(key, "expected one of %s, got %s", strings.Join(quoted, ", "), describe(v))
	return def
}

// bool reads a TOML boolean. Unlike dynaconf it accepts nothing else: the
// string "false" is an error, not true.
func (s *section) bool(key string, def bool) bool {
	v, ok := s.value(key)
	if !ok {
		return def
	}
	if x, ok := v.(bool); ok {
		return x
	}
	hint := ""
	if x, ok := v.(string); ok && (strings.EqualFold(x, "true") || strings.EqualFold(x, "false")) {
		hint = " (booleans are lower-case and unquoted)"
	}
	s.failf(key, "expected true or false, got %s%s", describe(v), hint)
	return def
}

// integer reads an integer in [lo, hi]; expected describes the range.
func (s *section) integer(key string, def, lo, hi int64, expected string) int64 {
	v, ok := s.value(key)
	if !ok {
		return def
	}
	if x, ok := v.(int64); ok && x >= lo && x <= hi {
		return x
	}
	s.failf(key, "expected %s, got %s", expected, describe(v))
	return def
}

// port reads a TCP port number.
func (s *section) port(key string, def int) int {
	return int(s.integer(key, int64(def), 1, 65535, "an integer from 1 to 65535"))
}

// count reads a positive integer.
func (s *section) count(key string, def int) int {
	return int(s.integer(key, int64(def), 1, math.MaxInt32, "a positive integer"))
}

// duration reads an integer number of units (seconds or milliseconds),
// positive, or non-negative if zeroOK.
func (s *section) duration(key string, def, unit time.Duration, zeroOK bool) time.Duration {
	lo, expected := int64(1), "a positive integer"
	if zeroOK {
		lo, expected = 0, "a non-negative integer"
	}
	name := "seconds"
	if unit == time.Millisecond {
		name = "milliseconds"
	}
	n := s.integer(key, int64(def/unit), lo, math.MaxInt64/int64(unit), fmt.Sprintf("%s (%s)", expected, name))
	return time.Duration(n) * unit
}

// list reads an array of non-empty strings. A single string is accepted
// as a one-element array (Python's list() would split it into characters).
func (s *section) list(key string) []string {
	v, ok := s.value(key)
	if !ok {
		return nil
	}
	if x, ok := v.(string); ok && x != "" {
		return []string{x}
	}
	list, ok := v.([]any)
	if !ok {
		s.failf(key, "expected an array of non-empty strings, got %s", describe(v))
		return nil
	}
	out := make([]string, 0, len(list))
	for i, e := range list {
		x, ok := e.(string)
		if !ok || x == "" {
			s.failf(key, "expected an array of non-empty strings, got %s at index %d", describe(e), i)
			return nil
		}
		out = append(out, x)
	}
	return out
}

// stringTable reads a table of non-empty strings whose keys are in known.
func (s *section) stringTable(key string, known []string) map[string]string {
	v, ok := s.value(key)
	if !ok {
		return map[string]string{}
	}
	m, ok := v.(map[string]any)
	if !ok {
		s.failf(key, "expected a table, got %s", describe(v))
		return map[string]string{}
	}
	out := make(map[string]string, len(m))
	for _, k := range sortedKeys(m) {
		path := []string{s.from[key], key, k}
		x, ok := m[k].(string)
		switch {
		case !slices.Contains(known, k):
			s.d.failf(path, "unknown key; valid keys are %s", strings.Join(known, ", "))
		case !ok || x == "":
			s.d.failf(path, "expected a non-empty string, got %s", describe(m[k]))
		default:
			out[k] = x
		}
	}
	return out
}

// server decodes [server].
func (d *decoder) server() ServerConfig {
	s := d.section("server", serverKeys)
	c := ServerConfig{
		ListenHost:            s.str("listen_host", "127.0.0.1"),
		ListenPort:            s.port("listen_port", 17001),
		UseTLS:                s.bool("use_tls", false),
		UseMTLS:               s.bool("use_mtls", false),
		TLSCertificate:        s.str("tls_certificate", ""),
		TLSPrivateKey:         s.str("tls_private_key", ""),
		TLSRootCertificate:    s.str("tls_root_certificate", ""),
		AuthenticationMethod:  s.oneOf("authentication_method", AuthNone, AuthNone, AuthToken),
		TokenHeaderName:       s.str("token_header_name", ""),
		TokenVerification:     s.str("token_verification", ""),
		TaskThreads:           s.count("task_threads", 32),
		TaskCloseThreads:      s.count("task_close_threads", 2),
		ResultTTL:             s.duration("task_result_ttl_sec", 60*time.Second, time.Second, false),
		MaxRequestBytes:       s.sizeBetween("max_request_bytes", DefaultMaxRequestBytes, minRequestBytes, maxRequestBytes),
		MetricsHost:           s.str("metrics_host", ""),
		MetricsPort:           s.port("metrics_port", 17101),
		HealthCheckHost:       s.str("health_check_host", ""),
		HealthCheckPort:       s.port("health_check_port", 8877),
		MallocTrimInterval:    s.duration("malloc_trim_interval_sec", 30*time.Second, time.Second, false),
		LogEventKeyName:       s.str("log_event_key_name", "event"),
		LogTraceKeys:          s.stringTable("log_trace_keys", traceLogKeys),
		OtelExporterType:      s.oneOf("otel_exporter_type", "none", otelTypes...),
		OtelServiceName:       s.str("otel_service_name", ""),
		OtelServiceNamespace:  s.str("otel_service_namespace", ""),
		OtelServiceInstanceID: s.str("otel_service_instance_id", ""),
		OtelExtractContext:    s.bool("otel_extract_context", false),
	}
	c.AdvertiseHost = s.str("advertise_host", "")
	if c.AdvertiseHost == "" {
		c.AdvertiseHost = d.defaultAdvertiseHost(c.ListenHost)
	}
	c.AdvertisePort = s.port("advertise_port", c.ListenPort)
	if c.AuthenticationMethod == AuthToken && c.TokenVerification == "" {
		c.TokenVerification = EnumeratedTokenVerification
	}
	return c
}

// defaultAdvertiseHost is listen_host when that is a concrete address or
// name clients can dial, and the machine's host name when it is a wildcard
// (0.0.0.0, ::). The Python server uses the FQDN; Go has no portable FQDN
// lookup, and os.Hostname is what a container's DNS name usually is.
func (d *decoder) defaultAdvertiseHost(listen string) string {
	ip := net.ParseIP(strings.Trim(listen, "[]"))
	if ip == nil || !ip.IsUnspecified() {
		return listen
	}
	h, err := hostname()
	if err != nil || h == "" {
		d.failf([]string{"server", "listen_host"},
			"%s is a wildcard address and the host name is unknown (%v); set advertise_host", listen, err)
		return listen
	}
	return h
}

// checkServer applies the checks that involve more than one key.
func (d *decoder) checkServer(c *Config) {
	s := c.Server
	useTLS := []string{"server", "use_tls"}
	if s.UseTLS && s.TLSCertificate == "" {
		d.failf(useTLS, "When you specify 'use_tls = true', then you must provide 'tls_certificate'.")
	}
	if s.UseTLS && s.TLSPrivateKey == "" {
		d.failf(useTLS, "When you specify 'use_tls = true', then you must provide 'tls_private_key'.")
	}
	useMTLS := []string{"server", "use_mtls"}
	if s.UseMTLS && !s.UseTLS {
		d.failf(useMTLS, "When you specify 'use_mtls = true', then you must also specify 'use_tls = true'.")
	}
	if s.UseMTLS && s.TLSRootCertificate == "" {
		d.failf(useMTLS, "When you specify 'use_mtls = true', then you must provide 'tls_root_certificate'.")
	}
	if s.AuthenticationMethod == AuthToken && s.TokenVerification == EnumeratedTokenVerification && len(c.EnumeratedTokens) == 0 {
		d.failf([]string{"server", "authentication_method"},
			"token authentication with %s needs a non-empty [enumerated_tokens] tokens list (or %sENUMERATED_TOKENS__TOKENS)",
			EnumeratedTokenVerification, EnvPrefix)
	}
}

// flexfun decodes [flexfun] and its alias [flexconnect]; keys of
// [flexconnect] win over the same keys of [flexfun].
func (d *decoder) flexfun() FlexFunConfig {
	s := d.section("flexfun", flexfunKeys)
	s.add("flexconnect", d.table("flexconnect", flexfunKeys))
	c := FlexFunConfig{
		Functions:       s.list("functions"),
		CallDeadline:    s.duration("call_deadline_ms", 180*time.Second, time.Millisecond, false),
		PollingInterval: s.duration("polling_interval_ms", 2*time.Second, time.Millisecond, false),
		Watch:           s.bool("watch", true),
		ShutdownGrace:   s.duration("shutdown_grace_ms", 30*time.Second, time.Millisecond, true),
		LoadTimeout:     s.duration("load_timeout_ms", 10*time.Second, time.Millisecond, false),
		ModulePaths:     s.list("module_paths"),
		MaxCallDepth:    int(s.integer("max_call_depth", 1000, 10, 100_000, "an integer from 10 to 100000")),
		Limits:          s.limits(),
		SQL:             d.sql(s),
	}
	d.hide("sql") // decoded above; DSNs hold passwords
	d.dataAccess(s, &c)
	c.GoodData = d.goodData()
	return c
}

// describe names a TOML value's type and shows the value, for errors.
func describe(v any) string {
	switch v := v.(type) {
	case string:
		return fmt.Sprintf("string %q", v)
	case int64:
		return fmt.Sprintf("integer %d", v)
	case float64:
		return fmt.Sprintf("float %v", v)
	case bool:
		return fmt.Sprintf("boolean %t", v)
	case []any:
		return fmt.Sprintf("an array of %d values", len(v))
	case map[string]any:
		return "a table"
	case time.Time:
		return "datetime " + v.Format(time.RFC3339Nano)
	}
	return fmt.Sprintf("%T", v)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
