package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// buildBinary builds ./cmd/flexfun-script into dir.
func buildBinary(dir string) (string, error) {
	bin := filepath.Join(dir, "flexfun-script")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/flexfun-script")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build ./cmd/flexfun-script (run soak from the repository's root, or give -binary): %v\n%s", err, out)
	}
	return bin, nil
}

// server is the running binary.
type server struct {
	cmd         *exec.Cmd
	addr        string
	metricsPort int
	done        chan struct{} // closed when the process has exited
	exitErr     error
	logFile     *os.File // the -server-log file, or nil

	mu       sync.Mutex
	lastLogs []string // the last log lines, for the report
}

// startServer starts the binary serving functionsDir, -bench-dir and
// -hostile, and waits until it logs server_started.
func startServer(ctx context.Context, o options, functionsDir string) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	dirs := []string{functionsDir, o.benchDir}
	if o.hostileDir != "" {
		dirs = append(dirs, o.hostileDir)
	}
	list, _ := json.Marshal(dirs)
	env := append(os.Environ(),
		"GOODDATA_FLIGHT_FLEXFUN__FUNCTIONS="+string(list),
		"GOODDATA_FLIGHT_SERVER__METRICS_HOST=127.0.0.1",
		"GOODDATA_FLIGHT_SERVER__METRICS_PORT="+strconv.Itoa(port),
	)
	if o.callDeadline > 0 {
		env = append(env, "GOODDATA_FLIGHT_FLEXFUN__CALL_DEADLINE_MS="+strconv.FormatInt(o.callDeadline.Milliseconds(), 10))
	}
	args := []string{"start", "--listen", "127.0.0.1:0"}
	if len(o.configs) > 0 {
		args = append(append(args, "--config"), o.configs...)
	}
	s := &server{metricsPort: port, done: make(chan struct{})}
	s.cmd = exec.Command(o.binary, args...)
	s.cmd.Env = env
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	var logs io.Reader = stderr
	if o.serverLog != "" {
		f, err := os.Create(o.serverLog)
		if err != nil {
			return nil, err
		}
		s.logFile = f
		logs = io.TeeReader(stderr, f)
	}
	if err := s.cmd.Start(); err != nil {
		s.closeLog()
		return nil, fmt.Errorf("start %s: %w", o.binary, err)
	}
	started := make(chan string, 1)
	go s.readLogs(logs, started)
	select {
	case s.addr = <-started:
		return s, nil
	case <-s.done:
		return nil, fmt.Errorf("the server exited before serving (%v):\n%s", s.exitErr, strings.Join(s.logs(), "\n"))
	case <-time.After(60 * time.Second):
		s.stop()
		return nil, fmt.Errorf("the server did not start within 60s:\n%s", strings.Join(s.logs(), "\n"))
	case <-ctx.Done():
		s.stop()
		return nil, ctx.Err()
	}
}

// readLogs keeps the last log lines of the server and sends its address
// once it has started; it closes s.done when the process exits.
func (s *server) readLogs(r io.Reader, started chan<- string) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20) // longer lines are cut by the scanner's error
	for sc.Scan() {
		line := sc.Text()
		s.mu.Lock()
		s.lastLogs = append(s.lastLogs, line)
		if len(s.lastLogs) > 20 {
			s.lastLogs = s.lastLogs[1:]
		}
		s.mu.Unlock()
		var ev struct {
			Event  string `json:"event"`
			Listen string `json:"listen"`
		}
		if json.Unmarshal([]byte(line), &ev) == nil && ev.Event == "server_started" {
			started <- ev.Listen
		}
	}
	io.Copy(io.Discard, r) // a too long line: keep the pipe drained
	s.exitErr = s.cmd.Wait()
	s.closeLog()
	close(s.done)
}

// closeLog closes the -server-log file, if any.
func (s *server) closeLog() {
	if s.logFile != nil {
		if err := s.logFile.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "soak: -server-log:", err)
		}
	}
}

func (s *server) logs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.lastLogs...)
}

func (s *server) pid() int { return s.cmd.Process.Pid }

// alive reports whether the process is still running.
func (s *server) alive() bool {
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}

// stop sends SIGTERM and waits up to a minute for the process to exit.
func (s *server) stop() {
	if !s.alive() {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(time.Minute):
		s.cmd.Process.Kill()
		<-s.done
	}
}

// rss returns the server's resident set (VmRSS) in bytes.
func (s *server) rss() (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.pid()))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("no VmRSS in /proc/<pid>/status")
}

// goroutines returns go_goroutines from the server's metrics endpoint.
func (s *server) goroutines() (int, error) {
	client := http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", s.metricsPort))
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return 0, err
	}
	for line := range bytes.SplitSeq(body, []byte("\n")) {
		if rest, ok := bytes.CutPrefix(line, []byte("go_goroutines ")); ok {
			f, err := strconv.ParseFloat(string(bytes.TrimSpace(rest)), 64)
			return int(f), err
		}
	}
	return 0, errors.New("no go_goroutines in the metrics")
}

// functionsUnder returns the functions the server serves from files under
// dir, from its flexfun.status action.
func (s *server) functionsUnder(ctx context.Context, dir string) ([]string, error) {
	if dir == "" {
		return nil, nil
	}
	c, err := dial(s.addr)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	stream, err := c.DoAction(ctx, &flight.Action{Type: "flexfun.status"})
	if err != nil {
		return nil, fmt.Errorf("flexfun.status: %w", err)
	}
	res, err := stream.Recv()
	if err != nil {
		return nil, fmt.Errorf("flexfun.status: %w", err)
	}
	var st struct {
		Functions []struct{ Name, File string }
		Problems  []struct{ File, Error string }
	}
	if err := json.Unmarshal(res.Body, &st); err != nil {
		return nil, fmt.Errorf("flexfun.status: %w", err)
	}
	var names []string
	for _, f := range st.Functions {
		if strings.HasPrefix(f.File, dir+string(filepath.Separator)) {
			names = append(names, f.Name)
		}
	}
	for _, p := range st.Problems {
		fmt.Printf("soak: %s does not load: %s\n", p.File, p.Error)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no function is served from %s", dir)
	}
	return names, nil
}

// dial connects a Flight client to addr.
func dial(addr string) (flight.Client, error) {
	return flight.NewClientWithMiddleware(addr, nil, nil,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(64<<20)))
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer lis.Close()
	return lis.Addr().(*net.TCPAddr).Port, nil
}
