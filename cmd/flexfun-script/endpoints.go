package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/flexfun-script/flexfun-script/health"
	"github.com/flexfun-script/flexfun-script/metrics"
	"github.com/flexfun-script/flexfun-script/settings"
)

// endpoints are the HTTP servers for health probes and metrics.
type endpoints struct {
	servers []*http.Server
}

// startEndpoints starts the health endpoint when health_check_host is set
// and the metrics endpoint when metrics_host is set. The health endpoint
// answers /live at once and /ready once the server is serving.
func startEndpoints(cfg *settings.Config, h *health.Health, m *metrics.Metrics, logger *slog.Logger) (*endpoints, error) {
	e := &endpoints{}
	s := cfg.Server
	if s.HealthCheckHost != "" {
		if err := e.start("health", s.HealthCheckHost, s.HealthCheckPort, h.Handler(), logger); err != nil {
			return nil, fmt.Errorf("%s: [server] health_check_host/health_check_port: %w", origin(cfg, "health_check_host"), err)
		}
	}
	if s.MetricsHost != "" {
		// Like prometheus_client's server, metrics are served on every path.
		if err := e.start("metrics", s.MetricsHost, s.MetricsPort, m.Handler(), logger); err != nil {
			e.close(logger)
			return nil, fmt.Errorf("%s: [server] metrics_host/metrics_port: %w", origin(cfg, "metrics_host"), err)
		}
	}
	return e, nil
}

func (e *endpoints) start(name, host string, port int, handler http.Handler, logger *slog.Logger) error {
	lis, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	e.servers = append(e.servers, srv)
	go func() {
		if err := srv.Serve(lis); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error(name+"_server_failed", "error", err)
		}
	}()
	logger.Info(name+"_server_started", "listen", lis.Addr().String())
	return nil
}

// close stops the servers, letting requests in progress finish briefly.
func (e *endpoints) close(logger *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for _, srv := range e.servers {
		if err := srv.Shutdown(ctx); err != nil {
			logger.Warn("http_server_shutdown", "error", err)
		}
	}
}
