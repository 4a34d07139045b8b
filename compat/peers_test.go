//go:build compat

package compat

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/flexfun-script/flexfun-script/internal/syncbuf"
)

// Bounds of every wait on a server process.
const (
	startTimeout = 90 * time.Second // from exec to /ready answering 204
	stopTimeout  = 20 * time.Second // from SIGTERM to exit, then SIGKILL
	callTimeout  = 60 * time.Second // any one RPC of a scenario
)

var (
	compatDir string // absolute path of compat/
	repoRoot  string // absolute path of the repository

	// buildFlags are extra "go build" flags for our binary: -race when the
	// tests run with the race detector (race_test.go).
	buildFlags []string

	buildOnce  sync.Once
	buildDir   string
	ourBinary  string
	buildError error
)

func TestMain(m *testing.M) {
	dir, err := filepath.Abs(".")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	compatDir, repoRoot = dir, filepath.Dir(dir)
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// binary builds flexfun-script once per test run and returns its path.
func binary(tb testing.TB) string {
	tb.Helper()
	buildOnce.Do(func() {
		buildDir, buildError = os.MkdirTemp("", "flexfun-compat-")
		if buildError != nil {
			return
		}
		ourBinary = filepath.Join(buildDir, "flexfun-script")
		args := append(append([]string{"build"}, buildFlags...), "-o", ourBinary, "./cmd/flexfun-script")
		cmd := exec.Command("go", args...)
		cmd.Dir = repoRoot
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if len(buildFlags) > 0 { // -race needs cgo
			cmd.Env = os.Environ()
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			buildError = fmt.Errorf("go build: %w\n%s", err, out)
		}
	})
	if buildError != nil {
		tb.Fatal(buildError)
	}
	return ourBinary
}

// referenceCommand returns the reference server's executable in the
// virtual environment venv (".venv" or ".venv-flexfun"). Without it the
// test skips, or fails under CI=true.
func referenceCommand(tb testing.TB, venv string) string {
	tb.Helper()
	path := filepath.Join(compatDir, venv, "bin", "gooddata-flight-server")
	if _, err := os.Stat(path); err != nil {
		msg := fmt.Sprintf("the reference server is not installed (%v): run compat/setup.sh", err)
		if os.Getenv("CI") == "true" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	return path
}

// side says which server a peer is.
type side string

const (
	reference side = "reference"
	ours      side = "ours"
)

// peerConfig is what differs between the servers a test starts. The zero
// value is the main configuration: compat/config/server.toml plus the
// side's flexconnect.toml, started the way GoodData's README starts the
// Python server.
type peerConfig struct {
	// section is the second config file, in compat/reference (reference)
	// or compat/functions (ours); default "flexconnect.toml".
	section string
	// provider is --methods-provider; default gooddata_flexconnect.
	provider string
	// venv is the reference's virtual environment; default ".venv".
	venv string
	// env are extra GOODDATA_FLIGHT_* variables, given to both sides.
	env []string
	// noWait returns as soon as the process runs, before /ready is 204.
	noWait bool
	// extraArgs are appended to the command line.
	extraArgs []string
}

// peer is one running server process and a Flight client connected to it.
type peer struct {
	side                          side
	port, healthPort, metricsPort int
	client                        flight.Client
	log                           *syncbuf.Buffer

	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	err  error         // the exit status, once done is closed

	// names maps a function's name in the scenarios (the reference's) to
	// its name on this server, e.g. Generator → GeneratorJs.
	names map[string]string
	// replace are more old, new pairs applied to ours' records before
	// comparing, e.g. the " (JavaScript)" of the twins' descriptions.
	replace []string
}

// fn returns this peer's name of function name.
func (p *peer) fn(name string) string {
	if n, ok := p.names[name]; ok {
		return n
	}
	return name
}

// startPeer starts one server with cfg and waits until /ready answers 204.
// The process is stopped when the test ends, however it ends.
func startPeer(tb testing.TB, s side, cfg peerConfig) *peer {
	tb.Helper()
	if cfg.section == "" {
		cfg.section = "flexconnect.toml"
	}
	if cfg.provider == "" {
		cfg.provider = "gooddata_flexconnect"
	}
	if cfg.venv == "" {
		cfg.venv = ".venv"
	}
	var exe, dir string
	var env []string
	switch s {
	case reference:
		exe, dir = referenceCommand(tb, cfg.venv), filepath.Join(compatDir, "reference")
		env = []string{"PYTHONPATH=" + dir, "PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1"}
	case ours:
		exe, dir = binary(tb), filepath.Join(compatDir, "functions")
	}
	ports := freePorts(tb, 3)
	p := &peer{side: s, port: ports[0], healthPort: ports[1], metricsPort: ports[2],
		log: new(syncbuf.Buffer), done: make(chan struct{})}
	env = append(env,
		"GOODDATA_FLIGHT_SERVER__LISTEN_PORT="+strconv.Itoa(p.port),
		"GOODDATA_FLIGHT_SERVER__HEALTH_CHECK_PORT="+strconv.Itoa(p.healthPort),
		"GOODDATA_FLIGHT_SERVER__METRICS_PORT="+strconv.Itoa(p.metricsPort))
	// The invocation of GoodData's README, unchanged, for both servers.
	p.cmd = exec.Command(exe, "start", "--methods-provider", cfg.provider,
		"--config", filepath.Join(compatDir, "config", "server.toml"), filepath.Join(dir, cfg.section),
		"--logging-config", filepath.Join(compatDir, "reference", "logging.ini"), "--dev-log")
	p.cmd.Args = append(p.cmd.Args, cfg.extraArgs...)
	p.cmd.Dir = dir
	p.cmd.Env = append(append(cleanEnv(), env...), cfg.env...)
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	if err := p.cmd.Start(); err != nil {
		tb.Fatalf("start %s: %v", s, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	tb.Cleanup(func() { p.stop(tb) })
	if !cfg.noWait {
		p.waitReady(tb)
	}
	p.client = newClient(tb, p.port)
	return p
}

// cleanEnv is the test's environment without GOODDATA_FLIGHT_* variables,
// so that nothing but the test configures the servers.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GOODDATA_FLIGHT_") {
			env = append(env, kv)
		}
	}
	return env
}

// waitReady polls /ready until it answers 204, the process exits or
// startTimeout passes.
func (p *peer) waitReady(tb testing.TB) {
	tb.Helper()
	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		if code, err := httpGet(p.healthURL("/ready")); err == nil && code == http.StatusNoContent {
			return
		}
		select {
		case <-p.done:
			tb.Fatalf("%s exited before it was ready (%v):\n%s", p.side, p.err, p.log)
		case <-time.After(50 * time.Millisecond):
		}
	}
	tb.Fatalf("%s not ready after %v:\n%s", p.side, startTimeout, p.log)
}

// stop sends SIGTERM and waits for the exit, then kills the process if it
// is still there after stopTimeout.
func (p *peer) stop(tb testing.TB) {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(stopTimeout):
		_ = p.cmd.Process.Kill()
		<-p.done
		tb.Errorf("%s did not stop within %v of SIGTERM:\n%s", p.side, stopTimeout, p.log)
	}
}

// exited waits up to d for the process to exit and returns its exit code,
// or -1 if it still runs.
func (p *peer) exited(d time.Duration) int {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-p.done:
	case <-timer.C:
		select {
		case <-p.done:
		default:
			return -1
		}
	}
	var ee *exec.ExitError
	switch {
	case errors.As(p.err, &ee):
		return ee.ExitCode()
	case p.err != nil:
		return -1
	}
	return 0
}

func (p *peer) healthURL(path string) string {
	return "http://127.0.0.1:" + strconv.Itoa(p.healthPort) + path
}

func (p *peer) metricsURL(path string) string {
	return "http://127.0.0.1:" + strconv.Itoa(p.metricsPort) + path
}

// freePorts returns n TCP ports of the loopback interface that were free a
// moment ago (all held at once, so they differ).
func freePorts(tb testing.TB, n int) []int {
	tb.Helper()
	ports := make([]int, n)
	for i := range ports {
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			tb.Fatal(err)
		}
		defer lis.Close()
		ports[i] = lis.Addr().(*net.TCPAddr).Port
	}
	return ports
}

// newClient returns an arrow-go Flight client of 127.0.0.1:port that
// accepts messages of any size: the reference sends a function's table in
// as few batches as it has, which can exceed gRPC's default 4 MiB.
func newClient(tb testing.TB, port int) flight.Client {
	tb.Helper()
	c, err := flight.NewClientWithMiddleware(net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), nil, nil,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(math.MaxInt32)))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() })
	return c
}

// callCtx returns a context that bounds one RPC.
func callCtx(tb testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	tb.Cleanup(cancel)
	return ctx
}

var httpClient = &http.Client{Timeout: 10 * time.Second}

// httpGet returns the status code of GET url.
func httpGet(url string) (int, error) {
	resp, err := httpClient.Get(url)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// raceEnabled is set by race_test.go when the race detector is on.
var raceEnabled bool
