package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/flexfun-script/flexfun-script/health"
	"github.com/flexfun-script/flexfun-script/metrics"
)

// smallScript is the function of the load benchmark: ten rows of three
// columns, the size of a typical label-elements answer.
const smallScript = `name = "Small"
schema = {"id": "int64", "label": "string", "value": "float64"}

def call(parameters):
    for i in range(10):
        emit(i, "label %d" % i, i * 0.5)
`

// BenchmarkLoad runs N concurrent clients, each on its own connection,
// doing what GoodData does for one small call: ListFlights, GetFlightInfo,
// DoGet, all read in full. The server runs in this process with its
// production wiring (metrics on, JSON logs formatted and discarded, GOGC
// 400); client and server share the CPUs. It reports calls/s (one call is
// the three RPCs) and the p50/p99 latency of a call.
//
//	go test -run '^$' -bench Load -benchtime 20000x ./cmd/flexfun-script
func BenchmarkLoad(b *testing.B) {
	defer debug.SetGCPercent(debug.SetGCPercent(loadGCPercent()))
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "small.star"), []byte(smallScript), 0o644); err != nil {
		b.Fatal(err)
	}
	cfg := defaultConfig(b)
	cfg.FlexFun.Functions = []string{dir}
	if v, err := time.ParseDuration(os.Getenv("LOAD_TTL")); err == nil {
		cfg.Server.ResultTTL = v
	}
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	reg := newRegistry(cfg, testServices(b, cfg, logger))
	if err := reg.LoadPaths(cfg.FlexFun.Functions); err != nil {
		b.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() {
		served <- serveOn(ctx, lis, cfg, reg, logger, serveOptions{health: health.New(), metrics: metrics.New()})
	}()
	defer func() {
		stop()
		<-served
	}()

	loadScenarios(b, lis.Addr().String(), nil)
}

// loadGCPercent is the GOGC of the in-process load benchmarks: the
// server's default, or LOAD_GOGC when set.
func loadGCPercent() int {
	if v, err := strconv.Atoi(os.Getenv("LOAD_GOGC")); err == nil {
		return v
	}
	return defaultGCPercent
}

// BenchmarkLoadBinary is BenchmarkLoad against the flexfun-script binary
// in its own process, as deployed: JSON logs written to a pipe, metrics
// and health endpoints on. Besides the client's view it reports the
// server process's own CPU time per call (server-cpu-us/call), which is
// what a server whose clients run elsewhere spends.
func BenchmarkLoadBinary(b *testing.B) {
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "small.star"), []byte(smallScript), 0o644); err != nil {
		b.Fatal(err)
	}
	ports := make([]int, 2)
	for i := range ports {
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		ports[i] = lis.Addr().(*net.TCPAddr).Port
		lis.Close()
	}
	cmd := exec.Command(binary, "start", "--listen", "127.0.0.1:0", "--no-watch")
	cmd.Env = append(os.Environ(), `GOODDATA_FLIGHT_FLEXFUN__FUNCTIONS=["`+dir+`"]`,
		"GOODDATA_FLIGHT_SERVER__METRICS_HOST=127.0.0.1", "GOODDATA_FLIGHT_SERVER__METRICS_PORT="+strconv.Itoa(ports[0]),
		"GOODDATA_FLIGHT_SERVER__HEALTH_CHECK_HOST=127.0.0.1", "GOODDATA_FLIGHT_SERVER__HEALTH_CHECK_PORT="+strconv.Itoa(ports[1]))
	pipe, err := cmd.StderrPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}()
	started := make(chan string, 1)
	go func() {
		// Find the address, then drain the log to the end, as a log
		// collector would, without parsing it: the server pays for
		// writing its log, the clients should not pay for reading it.
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			if addr, ok := startedAddr(sc.Text()); ok {
				started <- addr
				break
			}
		}
		io.Copy(io.Discard, pipe)
	}()
	var addr string
	select {
	case addr = <-started:
	case <-time.After(30 * time.Second):
		b.Fatal("the server did not start")
	}
	loadScenarios(b, addr, func() time.Duration { return processCPU(cmd.Process.Pid) })
}

// loadScenarios runs the load scenarios against addr. serverCPU, when not
// nil, returns the server process's CPU time.
func loadScenarios(b *testing.B, addr string, serverCPU func() time.Duration) {
	// Closed loop: each client starts its next call as soon as the last one
	// ended, so this measures the most the server can do.
	for _, n := range []int{1, 8, 64} {
		b.Run(fmt.Sprintf("clients=%d", n), func(b *testing.B) { runLoad(b, addr, n, 0, serverCPU) })
	}
	// Open loop: 64 clients together offer a fixed rate, as independent
	// users would; latency is counted from when each call was due, so a
	// stalled server cannot hide its backlog.
	for _, rate := range []int{1000, 2000, 3000} {
		b.Run(fmt.Sprintf("clients=64,rate=%d", rate), func(b *testing.B) { runLoad(b, addr, 64, rate, serverCPU) })
	}
}

// processCPU returns the user and system CPU time of process pid, from
// /proc/<pid>/stat (clock ticks of 10 ms on Linux).
func processCPU(pid int) time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+2:]))
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// runLoad runs b.N calls over n clients, each on its own connection. With
// rate > 0, the clients together start rate calls per second on a fixed
// schedule; otherwise each starts its next call as soon as the last ended.
func runLoad(b *testing.B, addr string, n, rate int, serverCPU func() time.Duration) {
	clients := make([]flight.Client, n)
	for i := range clients {
		c, err := flight.NewClientWithMiddleware(addr, nil, nil, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		if _, err := smallCall(c); err != nil { // connect and warm up
			b.Fatal(err)
		}
		clients[i] = c
	}
	var next, failures atomic.Int64
	lat := make([][]time.Duration, n)
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	cpu0 := cpuTime()
	var srv0 time.Duration
	if serverCPU != nil {
		srv0 = serverCPU()
	}
	b.ResetTimer()
	start := time.Now()
	for i, c := range clients {
		wg.Go(func() {
			for {
				k := next.Add(1) - 1
				if k >= int64(b.N) {
					return
				}
				due := time.Now()
				if rate > 0 { // call k is due at k/rate seconds
					due = start.Add(time.Duration(k) * time.Second / time.Duration(rate))
					time.Sleep(time.Until(due))
				}
				if _, err := smallCall(c); err != nil {
					failures.Add(1)
					once.Do(func() { firstErr = err })
					continue
				}
				lat[i] = append(lat[i], time.Since(due))
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	cpu := cpuTime() - cpu0
	if serverCPU != nil {
		srv := serverCPU() - srv0
		cpu += srv
		b.ReportMetric(float64(srv.Microseconds())/float64(b.N), "server-cpu-us/call")
	}
	if firstErr != nil {
		b.Errorf("%d calls failed, first: %v", failures.Load(), firstErr)
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	b.ReportMetric(float64(len(all))/b.Elapsed().Seconds(), "calls/s")
	b.ReportMetric(ms(percentile(all, 0.50)), "p50-ms")
	b.ReportMetric(ms(percentile(all, 0.99)), "p99-ms")
	b.ReportMetric(float64(failures.Load()), "errors")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-us/call")
}

// smallCallCmd invokes Small with an execution context, as GoodData does.
const smallCallCmd = `{"functionName":"Small","parameters":{"executionContext":{"executionType":"REPORT"}}}`

// smallCall is one call as GoodData makes it: ListFlights, then
// GetFlightInfo and DoGet of Small. It returns the rows read.
func smallCall(c flight.Client) (int64, error) {
	ctx := context.Background()
	list, err := c.ListFlights(ctx, &flight.Criteria{})
	if err != nil {
		return 0, err
	}
	for {
		if _, err := list.Recv(); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return 0, err
		}
	}
	n, err := getAndRead(c, smallCallCmd)
	if err != nil {
		return 0, err
	}
	if n != 10 {
		return n, fmt.Errorf("%d rows, want 10", n)
	}
	return n, nil
}

// percentile returns the p-quantile of sorted (nearest rank).
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// cpuTime returns the user and system CPU time of this process. With the
// server in this process, cpu-us/call is client and server together; with
// the binary, the server's CPU is added. CPU per call is less sensitive to
// other load on the machine than wall-clock rates.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
