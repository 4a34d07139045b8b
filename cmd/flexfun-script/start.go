package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"sync"
	"syscall"
	"time"

	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"github.com/flexfun-script/flexfun-script/arrowbridge"
	"github.com/flexfun-script/flexfun-script/auth"
	"github.com/flexfun-script/flexfun-script/engine"
	"github.com/flexfun-script/flexfun-script/flightserver"
	"github.com/flexfun-script/flexfun-script/health"
	"github.com/flexfun-script/flexfun-script/internal/clip"
	"github.com/flexfun-script/flexfun-script/metrics"
	"github.com/flexfun-script/flexfun-script/settings"
	"github.com/flexfun-script/flexfun-script/tasks"
)

const startSynopsis = `start [--config FILE ...] [--dev-log] [--no-watch] [--methods-provider gooddata_flexfun]

Runs the Flight server. With no configuration it serves the bundled examples
on 127.0.0.1:17001. The Python server's invocation is accepted unchanged:
  start --methods-provider gooddata_flexconnect --config server.toml flexconnect.toml --logging-config x.ini --dev-log

Environment: GOODDATA_FLIGHT_<SECTION>__<KEY> overrides a configuration key;
GOGC (default 400 here) and GOMEMLIMIT (default 90% of the container's
memory limit; AUTOMEMLIMIT=off leaves it unset) tune the garbage collector;
GOMAXPROCS (default: one per core) at twice the cores keeps small calls fast
while scripts loop on every core (docs/cli.md).`

// startOptions are the flags of the start command.
type startOptions struct {
	configs         configFiles
	methodsProvider string
	loggingConfig   string
	devLog          bool
	listen          string
	noWatch         bool
	envFile         string
}

func runStart(args []string, stdout, stderr io.Writer) error {
	var opts startOptions
	fs := newFlagSet("start", startSynopsis, stderr)
	fs.Var(&opts.configs, "config", "configuration `FILE`s (TOML), several allowed: --config a.toml b.toml")
	fs.StringVar(&opts.methodsProvider, "methods-provider", "gooddata_flexfun", "accepted for compatibility: gooddata_flexfun or gooddata_flexconnect")
	fs.StringVar(&opts.loggingConfig, "logging-config", "", "accepted for compatibility and ignored (Python logging INI)")
	fs.BoolVar(&opts.devLog, "dev-log", false, "readable text logs instead of JSON lines")
	fs.StringVar(&opts.listen, "listen", "", "override [server] listen_host:listen_port, e.g. 127.0.0.1:0")
	fs.StringVar(&opts.envFile, "env-file", "", "read environment variables (secrets, GOODDATA_FLIGHT_* overrides) from a .env `FILE` first; the process's own variables win")
	fs.BoolVar(&opts.noWatch, "no-watch", false, "do not reload scripts when their files change (SIGHUP still reloads); overrides [flexfun] watch")
	positional, err := parseInterleaved(fs, expandConfigArgs(args))
	if err != nil {
		return err
	}
	if len(positional) > 0 {
		return fmt.Errorf("unexpected argument %q (config files go after --config)", positional[0])
	}
	switch opts.methodsProvider {
	case "gooddata_flexfun", "gooddata_flexconnect":
	default:
		return fmt.Errorf("--methods-provider %q is not supported: flexfun-script serves scripts; use gooddata_flexfun or gooddata_flexconnect", opts.methodsProvider)
	}
	environ, err := environment(opts.envFile)
	if err != nil {
		return err
	}
	cfg, err := loadSettings(opts.configs, environ)
	if err != nil {
		return err
	}
	// Every string and error a record carries is clipped (package clip), so
	// that nothing a client sends or a script prints floods the log.
	logger := slog.New(clip.Handler(newServerLogger(stderr, opts.devLog, cfg.Server.LogEventKeyName).Handler()))
	if opts.loggingConfig != "" {
		logger.Info("logging_config_ignored", "file", opts.loggingConfig, "reason", "flexfun-script logs through its own handler; use --dev-log for text")
	}
	setGCPercent(logger)
	setMemoryLimit(logger, containerMemoryLimit)
	logger.Info("memory_bounds", "memory_limit_bytes", cfg.FlexFun.Limits.MemoryLimit,
		"max_result_bytes", cfg.FlexFun.Limits.MaxResultBytes, "max_stored_bytes", cfg.FlexFun.Limits.MaxStoredBytes)
	return serve(cfg, environ, len(opts.configs) > 0, opts.listen, cfg.FlexFun.Watch && !opts.noWatch, logger, stdout, stderr)
}

// serve checks the configuration, starts tracing ([server] otel_*) and the
// health and metrics endpoints, loads the functions, listens, and serves until SIGINT or SIGTERM, with
// live reload (watching files when watching, and on SIGHUP).
// Configuration and TLS errors are reported before anything listens.
func serve(cfg *settings.Config, environ []string, configGiven bool, listen string, watching bool, logger *slog.Logger, stdout, stderr io.Writer) error {
	tlsConfig, err := serverTLS(cfg, logger)
	if err != nil {
		return err
	}
	m := metrics.New()
	authn, err := auth.FromConfig(cfg, logger, m.AuthenticationFailed)
	if err != nil {
		return err
	}
	tp, err := newTracerProvider(context.Background(), cfg, stdout, logger)
	if err != nil {
		return err
	}
	defer shutdownTracing(tp, tracingShutdownTimeout, logger)
	var tracer trace.TracerProvider
	if tp != nil {
		tracer = tp
		logger = slog.New(withTraceIDs(logger.Handler(), cfg.Server.LogTraceKeys))
	}
	// server_start spans the start-up, as in the Python server: until the
	// functions are loaded and the server listens.
	_, startSpan := tracerOf(tracer).Start(context.Background(), "server_start")
	defer startSpan.End() // a failed start-up
	if listen == "" {
		listen = net.JoinHostPort(cfg.Server.ListenHost, strconv.Itoa(cfg.Server.ListenPort))
	}

	h := health.New()
	endpoints, err := startEndpoints(cfg, h, m, logger)
	if err != nil {
		return err
	}
	defer endpoints.close(logger)

	paths, cleanup, err := functionPaths(cfg, configGiven, logger)
	if err != nil {
		return err
	}
	defer cleanup()
	svc, err := openServices(cfg, environ, examplesDir(cfg, configGiven, paths), logger)
	if err != nil {
		return err
	}
	defer svc.close()
	logger = svc.logger // redacts secrets from here on
	reg := newRegistry(cfg, svc)
	if err := reg.LoadPaths(paths); err != nil {
		return fmt.Errorf("loading functions:\n%w", svc.secrets.Redactor().Error(err))
	}
	if len(reg.Functions()) == 0 {
		logger.Warn("no_functions", "functions", paths)
	}
	m.SetFunctions(len(reg.Functions()))
	rl, err := startReloader(reg, watching, logger, reloadMetrics(reg, m))
	if err != nil {
		return fmt.Errorf("live reload: %w", err)
	}
	defer rl.stop()

	lis, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	warnIfInsecure(cfg, lis.Addr(), logger, stderr)
	startSpan.End()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serveOn(ctx, lis, cfg, reg, logger, serveOptions{
		tls: tlsConfig, auth: authn, health: h, metrics: m, status: true, tracer: tracer,
		// After the first signal, a second one stops the process at once.
		onStopping: stop,
	})
}

// serveOptions are the optional parts of serveOn; the zero value serves
// plain gRPC without authentication, health or metrics.
type serveOptions struct {
	tls        *tlsConfig
	auth       *auth.Authenticator
	health     *health.Health
	metrics    *metrics.Metrics
	status     bool                 // answer DoAction flexfun.status (flexfun-script list --server)
	tracer     trace.TracerProvider // nil: tracing off
	onStopping func()               // called once shutdown begins
}

// tracingShutdownTimeout bounds the export of the last spans at exit.
const tracingShutdownTimeout = 5 * time.Second

// grpcStopTimeout bounds the final graceful stop of the gRPC server, after
// the grace period: streams still open then are cut when the process exits.
const grpcStopTimeout = 5 * time.Second

// serveOn serves on lis until ctx is done, then shuts down gracefully:
// readiness off, new invocations refused, calls in flight and unread
// results given up to shutdown_grace_ms, then the rest cancelled.
func serveOn(ctx context.Context, lis net.Listener, cfg *settings.Config, reg *engine.Registry, logger *slog.Logger, opts serveOptions) error {
	execOpts := tasks.Options{
		Threads:      cfg.Server.TaskThreads,
		CloseThreads: cfg.Server.TaskCloseThreads,
		ResultTTL:    cfg.Server.ResultTTL,
		Logger:       logger,
		// Results are kept encoded (Table.Bytes counts their messages).
		MaxStoredBytes: cfg.FlexFun.Limits.MaxStoredBytes,
	}
	srvOpts := flightserver.Options{
		Catalog:         registryCatalog{reg},
		Location:        advertisedLocation(cfg, lis.Addr()),
		CallDeadline:    cfg.FlexFun.CallDeadline,
		PollingInterval: cfg.FlexFun.PollingInterval,
		Logger:          logger,
		MaxRequestBytes: int(cfg.Server.MaxRequestBytes),
		TracerProvider:  opts.tracer,
		// Extracting the caller's trace context only matters with spans.
		ExtractTraceContext: cfg.Server.OtelExtractContext,
	}
	if opts.metrics != nil {
		execOpts.Observer = opts.metrics
		srvOpts.Observer = opts.metrics
	}
	if opts.status {
		srvOpts.Actions = map[string]flightserver.ActionFunc{StatusAction: statusAction(reg)}
	}
	executor := tasks.New[*arrowbridge.Table](execOpts)
	defer executor.Close()
	// Past memory_limit, the results already read go before any call is
	// stopped.
	reg.SetMemoryRelief(executor.DropReadResults)
	srvOpts.Executor = executor
	srv := flightserver.New(srvOpts)

	var grpcOpts []grpc.ServerOption
	if opts.tls != nil {
		grpcOpts = append(grpcOpts, grpc.Creds(credentials.NewTLS(opts.tls.config)))
	}
	if opts.auth != nil {
		grpcOpts = append(grpcOpts, opts.auth.ServerOptions()...)
	}
	gs := flightserver.NewGRPCServer(srv, grpcOpts...)
	gs.InitListener(lis)
	served := make(chan error, 1)
	go func() { served <- gs.Serve() }()
	if opts.health != nil {
		opts.health.SetReady(true)
	}
	logger.Info("server_started", "listen", lis.Addr().String(), "location", srvOpts.Location,
		"functions", len(reg.Functions()), "tls", opts.tls != nil, "mtls", opts.tls != nil && opts.tls.mtls,
		"authentication", cfg.Server.AuthenticationMethod, "task_threads", cfg.Server.TaskThreads)
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}

	if opts.onStopping != nil {
		opts.onStopping()
	}
	grace := cfg.FlexFun.ShutdownGrace
	if opts.health != nil {
		opts.health.SetReady(false)
	}
	srv.BeginShutdown()
	st := executor.Stats()
	logger.Info("server_stopping", "grace", grace.String(), "running", st.Running, "queued", st.Queued, "unread_results", st.Unread)
	drainCtx, cancel := context.WithTimeout(context.Background(), grace)
	err := srv.Drain(drainCtx)
	cancel()
	if err != nil {
		st := executor.Stats()
		logger.Warn("shutdown_grace_expired", "grace", grace.String(), "running", st.Running, "queued", st.Queued, "unread_results", st.Unread)
	}
	executor.Close() // cancels whatever still runs and waits for it
	stopGRPC(gs, grpcStopTimeout, logger)
	logger.Info("server_stopped")
	return nil
}

// stopGRPC stops the gRPC server gracefully, waiting at most timeout for
// the RPCs still running; the process exit cuts what remains.
func stopGRPC(gs interface{ Shutdown() }, timeout time.Duration, logger *slog.Logger) {
	done := make(chan struct{})
	go func() {
		gs.Shutdown()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(timeout):
		logger.Warn("shutdown_forced", "reason", "RPCs still running after the grace period", "timeout", timeout.String())
	}
}

// reloadMetrics returns the reload hook that keeps the function metrics in
// step with the registry: the number of functions and of failing scripts,
// and no series left behind for functions that are gone.
func reloadMetrics(reg *engine.Registry, m *metrics.Metrics) func(engine.ReloadResult) {
	var mu sync.Mutex
	served := servedNames(reg)
	return func(engine.ReloadResult) {
		mu.Lock()
		defer mu.Unlock()
		now := servedNames(reg)
		for name := range served {
			if !now[name] {
				m.ForgetFunction(name)
			}
		}
		served = now
		m.SetFunctions(len(now))
		m.SetLoadErrors(len(reg.Problems()))
	}
}

func servedNames(reg *engine.Registry) map[string]bool {
	names := map[string]bool{}
	for _, f := range reg.Functions() {
		names[f.Name()] = true
	}
	return names
}

// statusAction answers the flexfun.status action with the registry's
// status as JSON (what flexfun-script list --server prints).
func statusAction(reg *engine.Registry) flightserver.ActionFunc {
	return func(context.Context, []byte) ([][]byte, error) {
		js, err := json.Marshal(reg.Status())
		if err != nil {
			return nil, fmt.Errorf("encode status: %w", err)
		}
		return [][]byte{js}, nil
	}
}

// advertisedLocation is the Flight location put into every endpoint.
func advertisedLocation(cfg *settings.Config, addr net.Addr) string {
	host, port := cfg.Server.AdvertiseHost, cfg.Server.AdvertisePort
	if tcp, ok := addr.(*net.TCPAddr); ok && cfg.Server.ListenPort != tcp.Port && port == cfg.Server.ListenPort {
		port = tcp.Port // listening on another port than configured (--listen)
	}
	scheme := "grpc"
	if cfg.Server.UseTLS {
		scheme = "grpc+tls"
	}
	return fmt.Sprintf("%s://%s", scheme, net.JoinHostPort(host, strconv.Itoa(port)))
}

// registryCatalog adapts an engine.Registry to flightserver.Catalog.
type registryCatalog struct{ reg *engine.Registry }

func (c registryCatalog) Functions() []flightserver.Function {
	fns := c.reg.Functions()
	out := make([]flightserver.Function, len(fns))
	for i, f := range fns {
		out[i] = f
	}
	return out
}

func (c registryCatalog) Lookup(name string) (flightserver.Function, bool) {
	f, ok := c.reg.Lookup(name)
	if !ok {
		return nil, false
	}
	return f, true
}

// defaultGCPercent is the server's garbage-collector target unless GOGC is
// set: scripts allocate many short-lived values per row, and a higher
// target cut script time by 10-50% in docs/performance.md. GOMEMLIMIT, when
// set, still bounds the heap.
const defaultGCPercent = 400

func setGCPercent(logger *slog.Logger) {
	if os.Getenv("GOGC") != "" {
		return
	}
	debug.SetGCPercent(defaultGCPercent)
	logger.Debug("gc_percent", "gogc", defaultGCPercent)
}
