// Package settings reads the server's configuration: TOML files plus
// GOODDATA_FLIGHT_* environment variables, merged, validated and returned as
// typed structs. It is the only package that reads raw TOML; everything else
// takes a *Config.
//
// Load merges the files key by key in order (a later file wins per key), loads
// the hidden sibling X.local.toml after each X.toml when it exists, then
// applies environment variables of the form
//
//	GOODDATA_FLIGHT_<SECTION>__<KEY>[__<KEY>...]=<TOML value>
//
// Every error names where the offending key came from (a file or an
// environment variable), the key, and what was expected; all errors are
// reported together.
//
// The sections it understands are [server], [enumerated_tokens], and
// [flexfun] with its alias [flexconnect]. Every other section is kept as read
// in Config.Raw, which scripts see as ctx.settings.
//
// A Config is not modified after Load returns, so it is safe for concurrent
// use; callers must treat Config.Raw as read-only.
package settings

import (
	"strings"
	"time"
)

// Config is the validated configuration of one server process.
type Config struct {
	Server           ServerConfig
	EnumeratedTokens []string // [enumerated_tokens] tokens
	FlexFun          FlexFunConfig

	// Raw holds every section after merging and environment overrides,
	// user sections included, with TOML types: int64, float64, bool,
	// string, []any, map[string]any and time.Time. Defaults are not filled
	// in. It becomes the scripts' ctx.settings; treat it as read-only.
	// The one table left out is [flexfun.secrets] (and [flexconnect.secrets]).
	Raw map[string]any

	// Files lists the files read, in order, including X.local.toml siblings.
	Files []string

	origins map[string]string
}

// Authentication methods accepted by [server] authentication_method.
const (
	AuthNone  = "none"
	AuthToken = "token"
)

// EnumeratedTokenVerification is the token_verification value (and the
// default under token authentication) that accepts exactly the tokens listed
// in [enumerated_tokens].
const EnumeratedTokenVerification = "EnumeratedTokenVerification"

// ServerConfig is the [server] section.
type ServerConfig struct {
	ListenHost    string // listen_host
	ListenPort    int    // listen_port
	AdvertiseHost string // advertise_host, put into the Locations sent to clients
	AdvertisePort int    // advertise_port

	UseTLS             bool   // use_tls
	UseMTLS            bool   // use_mtls
	TLSCertificate     string // tls_certificate: inline PEM or "@/path"; see ReadPEM
	TLSPrivateKey      string // tls_private_key: inline PEM or "@/path"
	TLSRootCertificate string // tls_root_certificate: inline PEM or "@/path"

	AuthenticationMethod string // authentication_method: AuthNone or AuthToken
	TokenHeaderName      string // token_header_name; "" means "Authorization: Bearer <token>"
	TokenVerification    string // token_verification; EnumeratedTokenVerification under token auth unless set

	// MaxRequestBytes (max_request_bytes) bounds one request message and,
	// separately, its headers, before the server reads them.
	MaxRequestBytes int64

	TaskThreads      int           // task_threads
	TaskCloseThreads int           // task_close_threads
	ResultTTL        time.Duration // task_result_ttl_sec

	MetricsHost     string // metrics_host; "" disables the metrics endpoint
	MetricsPort     int    // metrics_port
	HealthCheckHost string // health_check_host; "" disables the health endpoint
	HealthCheckPort int    // health_check_port

	// MallocTrimInterval (malloc_trim_interval_sec) is accepted for
	// compatibility with the Python server; Go has no malloc_trim to call.
	MallocTrimInterval time.Duration

	LogEventKeyName string            // log_event_key_name
	LogTraceKeys    map[string]string // log_trace_keys: trace_id, span_id, parent_span_id → log key

	OtelExporterType      string // otel_exporter_type: none, zipkin, otlp-http, otlp-grpc or console
	OtelServiceName       string // otel_service_name
	OtelServiceNamespace  string // otel_service_namespace
	OtelServiceInstanceID string // otel_service_instance_id; "" means the host name
	OtelExtractContext    bool   // otel_extract_context
}

// FlexFunConfig is the [flexfun] section, also read from [flexconnect].
type FlexFunConfig struct {
	// Functions lists script files, directories and globs, as written.
	Functions []string
	// CallDeadline (call_deadline_ms) bounds one function call.
	CallDeadline time.Duration
	// PollingInterval (polling_interval_ms) is how long GetFlightInfo waits
	// for a result before asking the client to poll again.
	PollingInterval time.Duration
	// Watch (watch) reloads scripts when their files change.
	Watch bool
	// ShutdownGrace (shutdown_grace_ms) is how long running calls may
	// continue after SIGTERM before they are cancelled.
	ShutdownGrace time.Duration
	// LoadTimeout (load_timeout_ms) bounds the load of one script file:
	// its top level and its on_load together.
	LoadTimeout time.Duration
	// ModulePaths (module_paths) are directories scripts may load helpers
	// from besides those of Functions.
	ModulePaths []string
	// MaxCallDepth (max_call_depth) bounds the depth of a script's calls
	// (recursion), in both languages.
	MaxCallDepth int
	// Limits are the memory bounds: memory_limit, max_result_rows,
	// max_result_bytes, max_stored_bytes (limits.go).
	Limits LimitsConfig
	// SQL holds the [flexfun.sql.NAME] database connections by NAME (sql.go).
	SQL map[string]SQLConnection

	// DataDirs (data_dirs) lists the directories scripts may read files
	// from, as written; none means file reading is off. See data.go.
	DataDirs []string
	// HTTP is [flexfun.http]: what scripts may reach over HTTP.
	HTTP HTTPConfig
	// Secrets is [flexfun.secrets]: secret name → value. It is removed
	// from Raw, so scripts never see it in ctx.settings.
	Secrets map[string]string
	// GoodData is [flexfun.gooddata]: see gooddata.go.
	GoodData GoodDataConfig
}

// Origin reports where the value at the given path of Raw came from: a
// file name, or "environment GOODDATA_FLIGHT_..." for an environment
// variable. It returns "" for a path that was not set. Callers use it to
// name the source in errors found after Load, e.g. an unreadable
// tls_certificate file: c.Origin("server", "tls_certificate").
func (c *Config) Origin(path ...string) string {
	return c.origins[originKey(path)]
}

func originKey(path []string) string { return strings.Join(path, "\x00") }
