package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"syscall"
	"time"

	"github.com/flexfun-script/flexfun-script/engine"
	"github.com/flexfun-script/flexfun-script/flightserver"
	"github.com/flexfun-script/flexfun-script/settings"
	"github.com/flexfun-script/flexfun-script/tasks"
)

const startSynopsis = `start [--config FILE ...] [--dev-log] [--methods-provider gooddata_flexfun]

Runs the Flight server. With no configuration it serves the bundled examples
on 127.0.0.1:17001. The Python server's invocation is accepted unchanged:
  start --methods-provider gooddata_flexconnect --config server.toml flexconnect.toml --logging-config x.ini --dev-log`

// startOptions are the flags of the start command.
type startOptions struct {
	configs         configFiles
	methodsProvider string
	loggingConfig   string
	devLog          bool
	listen          string
}

func runStart(args []string, stdout, stderr io.Writer) error {
	var opts startOptions
	fs := newFlagSet("start", startSynopsis, stderr)
	fs.Var(&opts.configs, "config", "configuration `FILE`s (TOML), several allowed: --config a.toml b.toml")
	fs.StringVar(&opts.methodsProvider, "methods-provider", "gooddata_flexfun", "accepted for compatibility: gooddata_flexfun or gooddata_flexconnect")
	fs.StringVar(&opts.loggingConfig, "logging-config", "", "accepted for compatibility and ignored (Python logging INI)")
	fs.BoolVar(&opts.devLog, "dev-log", false, "readable text logs instead of JSON lines")
	fs.StringVar(&opts.listen, "listen", "", "override [server] listen_host:listen_port, e.g. 127.0.0.1:0")
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
	logger := newLogger(stderr, opts.devLog, slog.LevelInfo)
	if opts.loggingConfig != "" {
		logger.Info("logging_config_ignored", "file", opts.loggingConfig, "reason", "flexfun-script logs through its own handler; use --dev-log for text")
	}
	cfg, err := loadSettings(opts.configs)
	if err != nil {
		return err
	}
	setGCPercent(logger)
	return serve(cfg, len(opts.configs) > 0, opts.listen, logger)
}

// serve loads the functions, listens, and serves until SIGINT or SIGTERM.
func serve(cfg *settings.Config, configGiven bool, listen string, logger *slog.Logger) error {
	paths, cleanup, err := functionPaths(cfg, configGiven, logger)
	if err != nil {
		return err
	}
	defer cleanup()
	reg := newRegistry(cfg, logger)
	if err := reg.LoadPaths(paths); err != nil {
		return fmt.Errorf("loading functions:\n%w", err)
	}
	if len(reg.Functions()) == 0 {
		logger.Warn("no_functions", "functions", paths)
	}
	if listen == "" {
		listen = net.JoinHostPort(cfg.Server.ListenHost, strconv.Itoa(cfg.Server.ListenPort))
	}
	lis, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return serveOn(ctx, lis, cfg, reg, logger)
}

// serveOn serves on lis until ctx is done, then shuts down gracefully.
func serveOn(ctx context.Context, lis net.Listener, cfg *settings.Config, reg *engine.Registry, logger *slog.Logger) error {
	executor := tasks.New(tasks.Options{
		Threads:   cfg.Server.TaskThreads,
		ResultTTL: cfg.Server.ResultTTL,
		Logger:    logger,
	})
	defer executor.Close()
	srv := flightserver.New(flightserver.Options{
		Catalog:      registryCatalog{reg},
		Location:     advertisedLocation(cfg, lis.Addr()),
		CallDeadline: cfg.FlexFun.CallDeadline,
		Executor:     executor,
		Logger:       logger,
	})
	gs := flightserver.NewGRPCServer(srv)
	gs.InitListener(lis)
	served := make(chan error, 1)
	go func() { served <- gs.Serve() }()
	logger.Info("server_started", "listen", lis.Addr().String(), "location", advertisedLocation(cfg, lis.Addr()),
		"functions", len(reg.Functions()))
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("server_stopping", "grace", cfg.FlexFun.ShutdownGrace.String())
	srv.BeginShutdown()
	shutdown(gs, executor, cfg.FlexFun.ShutdownGrace, logger)
	logger.Info("server_stopped")
	return nil
}

// shutdown lets running calls and streams finish for up to grace, then
// cancels what is left.
func shutdown(gs interface{ Shutdown() }, executor *tasks.Executor, grace time.Duration, logger *slog.Logger) {
	done := make(chan struct{})
	go func() {
		gs.Shutdown()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(grace):
		logger.Warn("shutdown_grace_expired", "grace", grace.String())
		executor.Close()
		<-done
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
