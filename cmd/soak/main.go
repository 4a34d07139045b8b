// Command soak runs the flexfun-script binary under a steady mixed load for
// a while and reports whether it stayed healthy: calls made, errors (those a
// hostile script is expected to cause apart from all others), the server's
// resident memory over time and its goroutines at the end.
//
// It is a tool run by hand, not a test:
//
//	go run ./cmd/soak -duration 10m -hostile path/to/hostile-scripts -config server.toml
//
// The load, all on loopback, is:
//
//   - small calls: -small clients, each calling a six-row function in a
//     loop (ListFlights, GetFlightInfo, DoGet, as GoodData does);
//   - big calls: -big clients, each reading a 1,000,000-row result of the
//     bundled benchmark function BenchEmit (scripts/bench) in a loop;
//   - a reload every -reload-every: the small function's script is
//     rewritten with a new version, which the small calls then see;
//   - a hostile call every -hostile-every: the next function of the
//     scripts in -hostile (round robin); whatever error it gets is
//     expected, and the other calls must not notice.
//
// Once the duration has passed no new call starts and the calls in
// flight finish (a hostile one may take up to the call deadline).
//
// Every -sample it records the calls and errors so far, the server's RSS
// (VmRSS of /proc/<pid>/status) and its goroutines (go_goroutines from its
// metrics endpoint), and at the end prints them as a table with a summary.
// It exits 1 if any call other than a hostile one failed or the server
// died.
//
// The server runs with the -config files, plus what the soak needs set
// through the environment (which wins over files): the functions (a
// temporary directory with the small script, -bench-dir, -hostile), the
// metrics endpoint on a free loopback port and, unless -call-deadline is
// 0, call_deadline_ms. Without -binary, soak builds ./cmd/flexfun-script
// first (run it from the repository's root).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

// options are the command line.
type options struct {
	binary       string
	configs      []string
	duration     time.Duration
	hostileDir   string
	benchDir     string
	small, big   int
	reloadEvery  time.Duration
	hostileEvery time.Duration
	sampleEvery  time.Duration
	callDeadline time.Duration
	bigRows      int
	serverLog    string
}

func main() {
	opts, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ok, err := run(ctx, opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
	if !ok {
		os.Exit(1)
	}
}

type configList []string

func (c *configList) String() string     { return fmt.Sprint(*c) }
func (c *configList) Set(v string) error { *c = append(*c, v); return nil }

func parseFlags(args []string) (options, error) {
	var o options
	var configs configList
	fs := flag.NewFlagSet("soak", flag.ContinueOnError)
	fs.StringVar(&o.binary, "binary", "", "the flexfun-script binary; default: build ./cmd/flexfun-script")
	fs.Var(&configs, "config", "a configuration `file` for the server (repeat for several)")
	fs.DurationVar(&o.duration, "duration", time.Minute, "how long to run the load")
	fs.StringVar(&o.hostileDir, "hostile", "", "a `directory` of hostile scripts, one called every -hostile-every (none: no hostile calls)")
	fs.StringVar(&o.benchDir, "bench-dir", "scripts/bench", "the `directory` of the bundled benchmark scripts (BenchEmit)")
	fs.IntVar(&o.small, "small", 8, "clients making small calls")
	fs.IntVar(&o.big, "big", 1, "clients making 1M-row calls")
	fs.IntVar(&o.bigRows, "big-rows", 1_000_000, "rows of a big call")
	fs.DurationVar(&o.reloadEvery, "reload-every", 5*time.Second, "how often to rewrite the small script (0: never)")
	fs.DurationVar(&o.hostileEvery, "hostile-every", 30*time.Second, "how often to call a hostile function")
	fs.DurationVar(&o.sampleEvery, "sample", 5*time.Second, "how often to sample RSS and goroutines")
	fs.DurationVar(&o.callDeadline, "call-deadline", 10*time.Second, "the server's call_deadline_ms (0: as configured)")
	fs.StringVar(&o.serverLog, "server-log", "", "a `file` to keep the server's whole log in (the report shows only its last lines)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if o.duration <= 0 || o.sampleEvery <= 0 || o.small < 0 || o.big < 0 || o.hostileEvery <= 0 {
		return o, fmt.Errorf("-duration, -sample and -hostile-every must be positive, -small and -big not negative")
	}
	o.configs = configs
	for _, dir := range []*string{&o.hostileDir, &o.benchDir} {
		if *dir == "" {
			continue
		}
		abs, err := filepath.Abs(*dir)
		if err != nil {
			return o, err
		}
		if st, err := os.Stat(abs); err != nil || !st.IsDir() {
			return o, fmt.Errorf("%s is not a directory", *dir)
		}
		*dir = abs
	}
	return o, nil
}

// run starts the server, drives the load for the duration, stops the
// server and prints the report. It reports whether the soak passed.
func run(ctx context.Context, o options) (bool, error) {
	work, err := os.MkdirTemp("", "flexfun-soak-")
	if err != nil {
		return false, err
	}
	defer os.RemoveAll(work)
	if o.binary == "" {
		if o.binary, err = buildBinary(work); err != nil {
			return false, err
		}
	}
	small := filepath.Join(work, "functions", smallFile)
	if err := writeSmall(small, 1); err != nil {
		return false, err
	}
	srv, err := startServer(ctx, o, filepath.Dir(small))
	if err != nil {
		return false, err
	}
	defer srv.stop()

	hostile, err := srv.functionsUnder(ctx, o.hostileDir)
	if err != nil {
		return false, err
	}
	fmt.Printf("soak: server pid %d on %s; %d small and %d big clients, %d hostile functions, for %s\n",
		srv.pid(), srv.addr, o.small, o.big, len(hostile), o.duration)

	l := newLoad(srv.addr, o, small, hostile)
	samples := l.run(ctx, srv)
	report(os.Stdout, l, samples, srv)
	return l.passed() && srv.alive(), nil
}
