//go:build compat

package compat

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/flight"
)

// BenchmarkVsReference drives the reference and ours with the same arrow-go
// client on the same machine in the same run, in interleaved rounds: every
// round calls every subject once, in an order that rotates from round to
// round, and every figure is a median over rounds. b.N is the number of
// rounds (Go runs a first round with b.N = 1 before the -benchtime ones:
// it doubles as a warm-up).
//
//	go test -tags compat -run '^$' -bench VsReference -benchtime 5x -timeout 1h ./compat/
//
// COMPAT_BENCH_ROWS sets the rows of the large result (default 1,000,000),
// COMPAT_BENCH_SECONDS the length of one small-call phase (default 5).
func BenchmarkVsReference(b *testing.B) {
	if raceEnabled {
		b.Skip("benchmarks need a build without -race")
	}
	rows := envInt(b, "COMPAT_BENCH_ROWS", 1_000_000)
	phase := time.Duration(envInt(b, "COMPAT_BENCH_SECONDS", 5)) * time.Second
	b.Run("large", func(b *testing.B) { benchLarge(b, rows) })
	b.Run("small", func(b *testing.B) { benchSmall(b, phase) })
	b.Run("concurrent-large", func(b *testing.B) { benchConcurrentLarge(b, rows) })
}

// oursTableFunction is ours returning a whole table in bulk: BenchTable
// (scripts/bench/table.star) hands over a table of tableRows rows that its
// on_load made, served from flexconnect-bench.toml.
const oursTableFunction = "BenchTable"

// tableRows is the size of BenchTable's table: the subject is measured only
// when the benchmark's rows match it.
const tableRows = 1_000_000

// subject is one server and function under measurement.
type subject struct {
	name     string
	peer     *peer
	function string
	// floor is the index of the subject that runs the same loop in the
	// same interpreter with no output, or -1; a floor itself returns no
	// rows.
	floor   int
	isFloor bool
}

// benchPeers starts a fresh pair for one part of the benchmark, so that
// each part's peak RSS is its own.
// withTable serves ours from flexconnect-bench.toml, whose BenchTable builds
// a 1M-row table at start-up: only the large part, so that the other
// parts' peak RSS is not that table's.
func benchPeers(b *testing.B, withTable bool) (ref, our *peer) {
	b.Helper()
	cfg := peerConfig{}
	if withTable {
		cfg.section = "flexconnect-bench.toml"
	}
	return startPeer(b, reference, peerConfig{}), startPeer(b, ours, cfg)
}

// largeSubjects are the subjects of the large-result part: the first is
// the baseline, and each interpreter has its floor, the same loop with no
// output (scripts/bench/floor.star and floor.js, GeneratorFloor).
func largeSubjects(ref, our *peer, rows int) []subject {
	s := []subject{
		{"reference, lists → pa.table", ref, "Generator", 2, false},
		{"reference, generator of batches", ref, "GeneratorBatches", 2, false},
		{"reference, Python floor (no output)", ref, "GeneratorFloor", -1, true},
		{"ours, Starlark emit", our, "Generator", 4, false},
		{"ours, Starlark floor (no output)", our, "BenchFloor", -1, true},
		{"ours, JavaScript emit", our, "GeneratorJs", 6, false},
		{"ours, JavaScript floor (no output)", our, "BenchFloorJs", -1, true},
	}
	if rows == tableRows {
		s = append(s, subject{"ours, Starlark returned table", our, oursTableFunction, 4, false})
	}
	return s
}

// benchLarge measures one call of a rows-row, 4-column result (GetFlightInfo
// and DoGet read to the end) per subject and round.
func benchLarge(b *testing.B, rows int) {
	ref, our := benchPeers(b, true)
	subjects := largeSubjects(ref, our, rows)
	wall := make([][]float64, len(subjects)) // seconds, per round
	cpu := make([][]float64, len(subjects))
	for round := 0; round < b.N; round++ {
		for _, i := range rotation(len(subjects), round) {
			s := subjects[i]
			before := cpuSeconds(b, s.peer)
			start := time.Now()
			want := rows
			if s.isFloor {
				want = 0
			}
			if err := largeCall(s.peer.client, s.function, rows, want); err != nil {
				b.Fatalf("%s: %v", s.name, err)
			}
			wall[i] = append(wall[i], time.Since(start).Seconds())
			cpu[i] = append(cpu[i], cpuSeconds(b, s.peer)-before)
		}
	}
	var t table
	t.row("subject", "median s/call", "rows/s", "× reference lists (time)", "× own floor (time)", "server CPU s/call", "peak RSS MiB")
	for i, s := range subjects {
		w := median(wall[i])
		floor := ""
		if s.floor >= 0 {
			floor = fmt.Sprintf("%.2f", medianRatio(wall[i], wall[s.floor]))
		}
		t.row(s.name, fmt.Sprintf("%.3f", w), mrows(float64(rows)/w), fmt.Sprintf("%.2f", medianRatio(wall[i], wall[0])),
			floor, fmt.Sprintf("%.3f", median(cpu[i])), mib(peakRSS(b, s.peer)))
		b.ReportMetric(float64(rows)/w, metricName(s.name)+"-rows/s")
	}
	if rows != tableRows {
		t.row("ours, Starlark returned table", fmt.Sprintf("not measured: its table has %d rows", tableRows), "", "", "", "", "")
	}
	report(b, "%d rows, %d round(s):\n%s", rows, b.N, t)
}

// largeCall invokes function with {"rows": rows} and reads the whole
// result, checking that it has want rows.
func largeCall(c flight.Client, function string, rows, want int) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := fmt.Sprintf(`{"functionName":%q,"parameters":{"rows":%d}}`, function, rows)
	info, err := c.GetFlightInfo(ctx, cmdDesc(cmd))
	if err != nil {
		return fmt.Errorf("GetFlightInfo: %w", err)
	}
	n, err := readAll(ctx, c, info.Endpoint[0].Ticket)
	if err != nil {
		return err
	}
	if n != int64(want) {
		return fmt.Errorf("DoGet read %d rows, want %d", n, want)
	}
	return nil
}

// readAll reads a DoGet stream to the end and returns its row count.
func readAll(ctx context.Context, c flight.Client, tkt *flight.Ticket) (int64, error) {
	stream, err := c.DoGet(ctx, tkt)
	if err != nil {
		return 0, fmt.Errorf("DoGet: %w", err)
	}
	rdr, err := flight.NewRecordReader(stream)
	if err != nil {
		return 0, fmt.Errorf("DoGet: %w", err)
	}
	defer rdr.Release()
	var n int64
	for rdr.Next() {
		n += rdr.RecordBatch().NumRows()
	}
	if err := rdr.Err(); err != nil && !errors.Is(err, io.EOF) {
		return n, fmt.Errorf("DoGet: %w", err)
	}
	return n, nil
}

// benchSmall measures GoodData's small call (ListFlights, GetFlightInfo of
// the six-row sample, DoGet) at 1, 8 and 64 concurrent clients: one phase
// per server, concurrency and round.
func benchSmall(b *testing.B, phase time.Duration) {
	ref, our := benchPeers(b, false)
	servers := []subject{{"reference", ref, "SampleFlexFunction", -1, false}, {"ours", our, "SampleFlexFunction", -1, false}}
	type result struct {
		rate, p50, p99, cpu []float64
	}
	levels := []int{1, 8, 64}
	res := map[string]*result{}
	for round := 0; round < b.N; round++ {
		for _, c := range levels {
			for _, i := range rotation(len(servers), round) {
				s := servers[i]
				key := fmt.Sprintf("%s/%d", s.name, c)
				if res[key] == nil {
					res[key] = &result{}
				}
				before := cpuSeconds(b, s.peer)
				lat, err := smallPhase(b, s.peer, c, phase)
				if err != nil {
					b.Fatalf("%s, %d clients: %v", s.name, c, err)
				}
				r := res[key]
				r.rate = append(r.rate, float64(len(lat))/phase.Seconds())
				r.p50 = append(r.p50, percentile(lat, 50))
				r.p99 = append(r.p99, percentile(lat, 99))
				r.cpu = append(r.cpu, (cpuSeconds(b, s.peer)-before)/float64(len(lat)))
			}
		}
	}
	var t table
	t.row("clients", "server", "calls/s", "p50 ms", "p99 ms", "server CPU ms/call", "× reference calls/s", "peak RSS MiB")
	for _, c := range levels {
		base := res[fmt.Sprintf("reference/%d", c)]
		for _, s := range servers {
			r := res[fmt.Sprintf("%s/%d", s.name, c)]
			t.row(strconv.Itoa(c), s.name, fmt.Sprintf("%.0f", median(r.rate)), fmt.Sprintf("%.1f", median(r.p50)*1e3),
				fmt.Sprintf("%.1f", median(r.p99)*1e3), fmt.Sprintf("%.2f", median(r.cpu)*1e3),
				fmt.Sprintf("%.2f", medianRatio(r.rate, base.rate)), mib(peakRSS(b, s.peer)))
			b.ReportMetric(median(r.rate), fmt.Sprintf("%s-%d-calls/s", s.name, c))
		}
	}
	report(b, "%v per phase, %d round(s); peak RSS is the process's VmHWM after all phases:\n%s", phase, b.N, t)
}

// smallPhase runs clients concurrent clients, each on its own connection,
// making small calls for d, and returns every call's latency in seconds.
func smallPhase(b *testing.B, p *peer, clients int, d time.Duration) ([]float64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d+time.Minute)
	defer cancel()
	stop := time.Now().Add(d)
	var mu sync.Mutex
	var lat []float64
	var firstErr error
	var wg sync.WaitGroup
	for range clients {
		c := newClient(b, p.port)
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []float64
			for time.Now().Before(stop) {
				start := time.Now()
				if err := smallCall(ctx, c); err != nil {
					mu.Lock()
					firstErr = cmp(firstErr, err)
					mu.Unlock()
					return
				}
				mine = append(mine, time.Since(start).Seconds())
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if firstErr == nil && len(lat) == 0 {
		firstErr = errors.New("no call completed")
	}
	return lat, firstErr
}

func cmp(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// smallCall is GoodData's sequence for the six-row sample.
func smallCall(ctx context.Context, c flight.Client) error {
	list, err := c.ListFlights(ctx, &flight.Criteria{})
	if err != nil {
		return err
	}
	for {
		if _, err := list.Recv(); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return fmt.Errorf("ListFlights: %w", err)
		}
	}
	info, err := c.GetFlightInfo(ctx, cmdDesc(`{"functionName":"SampleFlexFunction","parameters":{}}`))
	if err != nil {
		return fmt.Errorf("GetFlightInfo: %w", err)
	}
	n, err := readAll(ctx, c, info.Endpoint[0].Ticket)
	if err == nil && n != 6 {
		err = fmt.Errorf("DoGet read %d rows, want 6", n)
	}
	return err
}

// benchConcurrentLarge measures 2 and 4 large calls at once, each on its
// own connection: total rows/s from the first call's start to the last
// call's end.
func benchConcurrentLarge(b *testing.B, rows int) {
	ref, our := benchPeers(b, false)
	subjects := []subject{
		{"reference, lists → pa.table", ref, "Generator", -1, false},
		{"ours, Starlark emit", our, "Generator", -1, false},
		{"ours, JavaScript emit", our, "GeneratorJs", -1, false},
	}
	levels := []int{2, 4}
	rate := map[string][]float64{}
	for round := 0; round < b.N; round++ {
		for _, k := range levels {
			for _, i := range rotation(len(subjects), round) {
				s := subjects[i]
				clients := make([]flight.Client, k)
				for j := range clients {
					clients[j] = newClient(b, s.peer.port)
				}
				start := time.Now()
				errs := make(chan error, k)
				for _, c := range clients {
					go func() { errs <- largeCall(c, s.function, rows, rows) }()
				}
				for range k {
					if err := <-errs; err != nil {
						b.Fatalf("%s, %d at once: %v", s.name, k, err)
					}
				}
				key := fmt.Sprintf("%s/%d", s.name, k)
				rate[key] = append(rate[key], float64(k*rows)/time.Since(start).Seconds())
			}
		}
	}
	var t table
	t.row("calls at once", "subject", "total rows/s", "× reference")
	for _, k := range levels {
		base := rate[fmt.Sprintf("%s/%d", subjects[0].name, k)]
		for _, s := range subjects {
			r := rate[fmt.Sprintf("%s/%d", s.name, k)]
			t.row(strconv.Itoa(k), s.name, mrows(median(r)), fmt.Sprintf("%.2f", medianRatio(r, base)))
			b.ReportMetric(median(r), fmt.Sprintf("%s-%dx-rows/s", metricName(s.name), k))
		}
	}
	report(b, "%d rows per call, %d round(s):\n%s", rows, b.N, t)
}

// report prints a result table to stdout (b.Log would cut it at ten
// lines). Go runs each benchmark once with b.N = 1 and then with the
// -benchtime count: the last table printed is the result.
func report(b *testing.B, format string, args ...any) {
	fmt.Printf("\n%s: "+format+"\n", append([]any{b.Name()}, args...)...)
}

// rotation returns 0..n-1 starting at round mod n, so that no subject
// always runs first.
func rotation(n, round int) []int {
	order := make([]int, n)
	for i := range order {
		order[i] = (round + i) % n
	}
	return order
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// medianRatio is the median over rounds of v[round] / base[round].
func medianRatio(v, base []float64) float64 {
	var r []float64
	for i := range min(len(v), len(base)) {
		if base[i] != 0 {
			r = append(r, v[i]/base[i])
		}
	}
	return median(r)
}

// percentile returns the p-th percentile of v (nearest rank).
func percentile(v []float64, p float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	i := int(float64(len(s))*p/100+0.5) - 1
	return s[max(0, min(i, len(s)-1))]
}

func mrows(r float64) string { return fmt.Sprintf("%.2f M", r/1e6) }

func mib(bytes int64) string { return fmt.Sprintf("%.0f", float64(bytes)/(1<<20)) }

// metricName turns a subject's name into a benchmark unit.
func metricName(s string) string {
	r := strings.NewReplacer(", ", "-", " → ", "-", " ", "-", ".", "", "(", "", ")", "")
	return r.Replace(s)
}

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat's CPU times: 100 on
// every Linux architecture Go supports.
const clockTicks = 100

// cpuSeconds returns the user and system CPU time the peer's process has
// used so far, from /proc/<pid>/stat.
func cpuSeconds(b *testing.B, p *peer) float64 {
	b.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		b.Fatalf("read CPU time: %v", err)
	}
	// Fields after the command name, which is in parentheses: state is
	// field 3, utime 14 and stime 15.
	fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
	utime, err1 := strconv.ParseFloat(fields[11], 64)
	stime, err2 := strconv.ParseFloat(fields[12], 64)
	if err1 != nil || err2 != nil {
		b.Fatalf("parse /proc/%d/stat: %q", p.cmd.Process.Pid, data)
	}
	return (utime + stime) / clockTicks
}

// peakRSS returns the peer's peak resident set size (VmHWM) in bytes.
func peakRSS(b *testing.B, p *peer) int64 {
	b.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		b.Fatalf("read peak RSS: %v", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				b.Fatalf("parse VmHWM %q: %v", line, err)
			}
			return kb << 10
		}
	}
	b.Fatalf("no VmHWM in /proc/%d/status", p.cmd.Process.Pid)
	return 0
}

// envInt reads a positive integer from the environment, or returns def.
func envInt(b *testing.B, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		b.Fatalf("%s=%q: want a positive integer", name, v)
	}
	return n
}

// table renders rows as a Markdown table.
type table struct{ rows [][]string }

func (t *table) row(cells ...string) { t.rows = append(t.rows, cells) }

func (t table) String() string {
	var s strings.Builder
	for i, r := range t.rows {
		s.WriteString("| " + strings.Join(r, " | ") + " |\n")
		if i == 0 {
			s.WriteString("|" + strings.Repeat("---|", len(r)) + "\n")
		}
	}
	return s.String()
}
